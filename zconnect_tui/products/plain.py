"""The products zconnect checks through `/oauth/user/info` alone: no context, served from the API domain.

Their scopes are from facts §8 (case as Zoho writes it). A product that needs more (its own host, an
organisation, a way of paging) gets a module of its own instead, as Projects and Inventory did.
"""

from __future__ import annotations

from zconnect_tui.products.base import Product
from zconnect_tui.services import PROFILE_SCOPE

MAIL = Product(
    key="mail", label="Zoho Mail", short="Mail",
    scopes=("ZohoMail.accounts.READ", "ZohoMail.messages.READ", "ZohoMail.messages.ALL", "ZohoMail.folders.READ",
            "ZohoMail.organization.accounts.READ", "ZohoMail.notes.ALL", PROFILE_SCOPE),
    defaults=("ZohoMail.accounts.READ", "ZohoMail.messages.READ", PROFILE_SCOPE))
PEOPLE = Product(
    key="people", label="Zoho People", short="People",
    scopes=("ZOHOPEOPLE.forms.READ", "ZOHOPEOPLE.forms.ALL", "ZOHOPEOPLE.employee.ALL", "ZOHOPEOPLE.timesheet.READ",
            "ZOHOPEOPLE.organization.READ", PROFILE_SCOPE),
    defaults=("ZOHOPEOPLE.forms.READ", PROFILE_SCOPE))
CREATOR = Product(
    key="creator", label="Zoho Creator", short="Creator",
    scopes=("ZohoCreator.report.READ", "ZohoCreator.report.CREATE", "ZohoCreator.report.UPDATE",
            "ZohoCreator.form.CREATE", "ZohoCreator.meta.application.READ", "ZohoCreator.meta.form.READ",
            "ZohoCreator.dashboard.READ", "ZohoCreator.customapi.EXECUTE", PROFILE_SCOPE),
    defaults=("ZohoCreator.report.READ", "ZohoCreator.meta.application.READ", PROFILE_SCOPE))
WORKDRIVE = Product(
    key="workdrive", label="Zoho WorkDrive", short="WorkDrive",
    scopes=("WorkDrive.team.READ", "WorkDrive.team.ALL", "WorkDrive.teamfolders.READ", "WorkDrive.teamfolders.ALL",
            "WorkDrive.files.ALL", "WorkDrive.workspace.ALL", "WorkDrive.groups.READ", PROFILE_SCOPE),
    defaults=("WorkDrive.team.READ", "WorkDrive.files.ALL", PROFILE_SCOPE))
CUSTOM = Product(key="custom", label="Other Zoho service", short="Zoho", scopes=(PROFILE_SCOPE,),
                 defaults=(PROFILE_SCOPE,))
