"""The Zoho services zconnect knows: scope catalogue and verification call for each.

Scope names come from the facts sheet (§8); Zoho's case varies by product and is kept as
Zoho writes it. `AaaServer.profile.READ` is offered everywhere so `/oauth/user/info` can
name the account behind a connection.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from zconnect_tui.errors import UsageError

PROFILE_SCOPE = "AaaServer.profile.READ"


class Service(NamedTuple):
    """A Zoho product a connection can reach."""

    key: str
    label: str
    scopes: tuple[str, ...]
    """The catalogue shown in the wizard, most useful first."""
    defaults: tuple[str, ...]
    """Preselected scopes: enough for the verification call to work."""
    verify: str
    """Which verification call proves the connection: desk | crm | books | userinfo."""
    notes: tuple[str, ...] = ()


SERVICES: dict[str, Service] = {
    s.key: s
    for s in (
        Service(
            "desk", "Zoho Desk",
            ("Desk.basic.READ", "Desk.tickets.READ", "Desk.contacts.READ", "Desk.tickets.ALL",
             "Desk.contacts.ALL", "Desk.tickets.CREATE", "Desk.tickets.UPDATE", "Desk.settings.READ",
             "Desk.search.READ", "Desk.tasks.ALL", "Desk.events.ALL", "Desk.articles.READ",
             "Desk.products.READ", PROFILE_SCOPE),
            ("Desk.basic.READ", "Desk.tickets.READ", "Desk.contacts.READ"),
            "desk",
            # The exact scope Desk wants for GET /organizations is unconfirmed (facts §8):
            # Desk.basic.READ is what third parties use.
        ),
        Service(
            "crm", "Zoho CRM",
            ("ZohoCRM.modules.ALL", "ZohoCRM.modules.READ", "ZohoCRM.settings.ALL", "ZohoCRM.settings.READ",
             "ZohoCRM.users.READ", "ZohoCRM.users.ALL", "ZohoCRM.org.READ", "ZohoCRM.org.ALL",
             "ZohoCRM.coql.READ", "ZohoCRM.bulk.ALL", PROFILE_SCOPE),
            # Read-only by default; write scopes only when the user picks them.
            ("ZohoCRM.modules.READ", "ZohoCRM.settings.READ", "ZohoCRM.org.READ", "ZohoCRM.users.READ"),
            "crm",
        ),
        Service(
            "books", "Zoho Books",
            ("ZohoBooks.fullaccess.all", "ZohoBooks.settings.READ", "ZohoBooks.contacts.READ",
             "ZohoBooks.invoices.READ", "ZohoBooks.invoices.CREATE", "ZohoBooks.customerpayments.READ",
             "ZohoBooks.expenses.READ", "ZohoBooks.bills.READ", "ZohoBooks.banking.READ", PROFILE_SCOPE),
            ("ZohoBooks.settings.READ", "ZohoBooks.contacts.READ", "ZohoBooks.invoices.READ"),
            "books",
        ),
        Service(
            "projects", "Zoho Projects",
            ("ZohoProjects.portals.READ", "ZohoProjects.projects.ALL", "ZohoProjects.tasks.ALL",
             "ZohoProjects.tasklists.ALL", "ZohoProjects.milestones.ALL", "ZohoProjects.timesheets.ALL",
             "ZohoProjects.bugs.ALL", "ZohoProjects.users.ALL", "ZohoProjects.documents.READ", PROFILE_SCOPE),
            ("ZohoProjects.portals.READ", "ZohoProjects.projects.ALL", PROFILE_SCOPE),
            "userinfo",
        ),
        Service(
            "mail", "Zoho Mail",
            ("ZohoMail.accounts.READ", "ZohoMail.messages.READ", "ZohoMail.messages.ALL",
             "ZohoMail.folders.READ", "ZohoMail.organization.accounts.READ", "ZohoMail.notes.ALL", PROFILE_SCOPE),
            ("ZohoMail.accounts.READ", "ZohoMail.messages.READ", PROFILE_SCOPE),
            "userinfo",
        ),
        Service(
            "people", "Zoho People",
            ("ZOHOPEOPLE.forms.READ", "ZOHOPEOPLE.forms.ALL", "ZOHOPEOPLE.employee.ALL",
             "ZOHOPEOPLE.timesheet.READ", "ZOHOPEOPLE.organization.READ", PROFILE_SCOPE),
            ("ZOHOPEOPLE.forms.READ", PROFILE_SCOPE),
            "userinfo",
        ),
        Service(
            "creator", "Zoho Creator",
            ("ZohoCreator.report.READ", "ZohoCreator.report.CREATE", "ZohoCreator.report.UPDATE",
             "ZohoCreator.form.CREATE", "ZohoCreator.meta.application.READ", "ZohoCreator.meta.form.READ",
             "ZohoCreator.dashboard.READ", "ZohoCreator.customapi.EXECUTE", PROFILE_SCOPE),
            ("ZohoCreator.report.READ", "ZohoCreator.meta.application.READ", PROFILE_SCOPE),
            "userinfo",
        ),
        Service(
            "workdrive", "Zoho WorkDrive",
            ("WorkDrive.team.READ", "WorkDrive.team.ALL", "WorkDrive.teamfolders.READ",
             "WorkDrive.teamfolders.ALL", "WorkDrive.files.ALL", "WorkDrive.workspace.ALL",
             "WorkDrive.groups.READ", PROFILE_SCOPE),
            ("WorkDrive.team.READ", "WorkDrive.files.ALL", PROFILE_SCOPE),
            "userinfo",
        ),
        Service("custom", "Other Zoho service", (PROFILE_SCOPE,), (PROFILE_SCOPE,), "userinfo"),
    )
}

# service.name.OPERATION, or a bare OIDC scope; loose on purpose (facts §8: case varies). A string,
# compiled on first use (see model.NAME_RE).
_SCOPE_RE = r"^(?:[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+){1,4}|openid|email|profile)$"


def get_service(key: str) -> Service:
    """The service for `key`; unknown keys raise a ConfigError naming the choices."""
    try:
        return SERVICES[key]
    except KeyError:
        raise UsageError(f"Unknown service {key!r}.", f"Choose one of {', '.join(SERVICES)}.") from None


def parse_scopes(text: str | list[str] | tuple[str, ...]) -> list[str]:
    """Split comma/space separated scopes, drop duplicates (keeping order), validate loosely."""
    items = text if isinstance(text, list | tuple) else re.split(r"[,\s]+", text)
    seen: dict[str, None] = {}
    for item in (s.strip() for s in items):
        if not item:
            continue
        if not re.match(_SCOPE_RE, item):
            raise UsageError(
                f"{item!r} does not look like a Zoho scope.",
                "Scopes look like Service.name.OPERATION, e.g. Desk.tickets.READ.",
            )
        seen.setdefault(item, None)
    if not seen:
        raise UsageError("No scopes given.", "Name at least one scope, e.g. Desk.tickets.READ.")
    return list(seen)
