"""Zoho Desk: its own host per data centre, an organisation sent as the `orgId` header, `from`/`limit` pages.

Desk serves its API from `desk.zoho.<tld>`, not the API domain (facts §2.3). "All API endpoints except
/organizations mandatorily require the orgId" header (DeskAPIDocument); a token is bound to the
organisation picked on Zoho's consent page, so the stored one is proved with a call that sends it.
"""

from __future__ import annotations

from zconnect_tui.pagination import OffsetPaginator
from zconnect_tui.products.base import HEADER, MISSING, OTHER, Context, Product
from zconnect_tui.services import PROFILE_SCOPE


class DeskPaginator(OffsetPaginator):
    """Desk: `from` (the index of the first item) and `limit` (at most 100; some endpoints fewer).

    Whether `from` counts from 0 or 1 is UNCONFIRMED (facts §14.3): the walk starts at 0 and drops a
    ticket seen on the page before, so neither base skips or repeats one (OffsetPaginator).
    """

    name = "Desk"
    list_key = "data"


DESK = Product(
    key="desk", label="Zoho Desk", short="Desk",
    scopes=("Desk.basic.READ", "Desk.tickets.READ", "Desk.contacts.READ", "Desk.tickets.ALL",
            "Desk.contacts.ALL", "Desk.tickets.CREATE", "Desk.tickets.UPDATE", "Desk.settings.READ",
            "Desk.search.READ", "Desk.tasks.ALL", "Desk.events.ALL", "Desk.articles.READ",
            "Desk.products.READ", PROFILE_SCOPE),
    # The exact scope Desk wants for GET /organizations is UNCONFIRMED (facts §8): Desk.basic.READ is
    # what third parties use.
    defaults=("Desk.basic.READ", "Desk.tickets.READ", "Desk.contacts.READ"),
    host_pattern="https://desk.zoho.{tld}",
    host_exceptions={"ca": "https://desk.zohocloud.ca"},
    # JP/CA/SA Desk hosts come from third-party sources only; no Zoho source names a UK one; AE follows
    # the other regions' pattern (facts §2.3, §13.1, §13.2).
    unconfirmed_hosts=("jp", "ca", "sa", "uk", "ae"),
    prefixes=("/",),  # everything on its host is Desk's
    context=Context(
        noun="organization", label="Desk organization", list_path="/api/v1/organizations", list_key="data",
        id_keys=("id",), name_keys=("companyName", "organizationName"), default_key="isDefault",
        detail_key="portalName", numeric=True, send=HEADER, send_name="orgId",
        # Whether this call enforces the consent-time binding as the data APIs do is UNCONFIRMED (verify.py).
        probe_path="/api/v1/organizations/{id}",
        # OAUTH_ORG_MISMATCH (DeskAPIDocument, Errors); the 422 for a missing orgId is the emulator's reading.
        refusals=((401, "OAUTH_ORG_MISMATCH", OTHER), (422, "orgId", MISSING))),
    pages=(("/api/", DeskPaginator),),
    first_call="/api/v1/tickets?limit=10",
    env_aliases=("ZOHO_DESK_URL",),
)
