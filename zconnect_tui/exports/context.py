"""What the export formats need of a connection's product, read from its profile (`dynamic_context`).

An extension installed by other organisations sends their context id (Desk's organisation, Books'
organisation, a Projects portal), never the developer's: every extension-facing format writes it as a
named dynamic value, and needs to know where it travels. The facts are the product profile's
(`zconnect_tui/products/`); nothing in `exports/` looks at a product's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from zconnect_tui.datacenters import BUILTIN
from zconnect_tui.model import Connection


@dataclass(frozen=True)
class ContextRule:
    """Where a product's context id travels, and what an export calls it."""

    kind: Literal["header", "query", "path"] | None
    """How it is sent (None: the product sends no context id)."""
    name: str = ""
    """Its name on the wire: the header, the query parameter, or the {placeholder} in the path."""
    label: str = ""
    """What it is, in words: "organization", "portal"."""
    variable: str = ""
    """Its name in Deluge and the Developer Console: a variable, a map key, a ${…} value."""
    listing: str = ""
    """The path that lists them (and is sent without one)."""
    bases: tuple[str, ...] = ()
    """The product's API base in a few of Zoho's data centres."""
    deluge_service: str = ""
    """The `service:` Deluge's invokeapi takes for it, where Zoho documents one."""

    def applies(self, path: str) -> bool:
        """Whether a call to `path` carries the context id (its listing call does not)."""
        return self.kind is not None and not path.split("?", 1)[0].rstrip("/").endswith(self.listing.rstrip("/"))

    def example_bases(self) -> str:
        """The API base in a few of Zoho's data centres, for a reader choosing the installing org's."""
        return ", ".join(self.bases) + ", …"


def _variable(send_name: str) -> str:
    """A wire name as a Deluge/Console variable: `orgId` stays, `organization_id` → `organizationId`,
    `portal` → `portalId` (it holds an id)."""
    head, *rest = send_name.split("_")
    name = head + "".join(part.capitalize() for part in rest)
    return name if name.endswith("Id") else name + "Id"


def dynamic_context(conn: Connection) -> ContextRule:
    """The export rules of `conn`'s product, from its profile."""
    from zconnect_tui.products import product_of

    product = product_of(conn.service)
    bases = tuple(product.host_of(dc) or dc.api for dc in list(BUILTIN.values())[:3])
    ctx = product.context
    if ctx is None or not ctx.send:
        return ContextRule(None, bases=bases, deluge_service=product.deluge_service)
    kind = cast('Literal["header", "query", "path"]', ctx.send)
    return ContextRule(kind, ctx.send_name, ctx.noun, _variable(ctx.send_name), ctx.list_path, bases,
                       product.deluge_service)
