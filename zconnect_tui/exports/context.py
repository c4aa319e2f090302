"""The product-specific facts the export formats need, in one function (`dynamic_context`).

An extension installed by other organisations sends their context id (Desk's organisation, Books'
organisation, a Projects portal), never the developer's: every extension-facing format writes it as a
named dynamic value, and needs to know where it travels. Nothing else in `exports/` looks at a
product's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from zconnect_tui.datacenters import BUILTIN
from zconnect_tui.model import Connection
from zconnect_tui.services import get_service


@dataclass(frozen=True)
class ContextRule:
    """Where a product's context id travels, and what an export calls it."""

    kind: Literal["header", "query", "path"] | None
    """How it is sent (None: the product has no context id)."""
    name: str = ""
    """Its name on the wire: the header, the query parameter, or the {placeholder} in the path."""
    label: str = ""
    """What it is, in words: "organisation", "portal"."""
    variable: str = ""
    """Its name in Deluge and the Developer Console: a variable, a map key, a ${…} value."""
    listing: str = ""
    """The path that lists them (and is sent without one)."""
    desk_host: bool = False
    """Its API lives on the data centre's Desk host rather than on the API domain."""
    deluge_service: str = ""
    """The `service:` Deluge's invokeapi takes for it, where Zoho documents one."""

    def applies(self, path: str) -> bool:
        """Whether a call to `path` carries the context id (its listing call does not)."""
        return self.kind is not None and not path.split("?", 1)[0].rstrip("/").endswith(self.listing)

    def example_bases(self) -> str:
        """The API base in a few of Zoho's data centres, for a reader choosing the installing org's."""
        hosts = [dc.desk if self.desk_host else dc.api for dc in BUILTIN.values()]
        return ", ".join(h for h in hosts[:3] if h) + ", …"


# moves to the product profile when zconnect_tui/products lands
def dynamic_context(conn: Connection) -> ContextRule:
    """The export rules of `conn`'s product, from what services.py, apitarget.py and export.py knew."""
    verify = get_service(conn.service).verify
    if verify == "desk":
        # Desk wants the orgId header on every call but /organizations (facts §9.1).
        return ContextRule("header", "orgId", "organisation", "orgId", "/api/v1/organizations", desk_host=True)
    if conn.service in ("books", "inventory"):
        # Books (and Inventory, as Books) take organization_id as a query parameter (facts §9.4, §14.3).
        return ContextRule("query", "organization_id", "organisation", "organizationId", "/organizations")
    if conn.service == "projects":
        # Projects' portal id is a path segment: /restapi/portal/{portal}/… (facts §14.3).
        return ContextRule("path", "portal", "portal", "portalId", "/restapi/portals")
    if verify == "crm":
        # invokeapi's service name is documented for CRM only (zoho.com/deluge/help/webhook/invokeapitask.html).
        return ContextRule(None, deluge_service="zohocrm")
    return ContextRule(None)
