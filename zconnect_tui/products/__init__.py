"""The products zconnect knows: one profile per Zoho product (`base.Product`), one line each below.

Adding a product is a module (its scopes, host, context, paginator and first call; see `projects.py`)
and its line in PRODUCTS. Nothing outside this package branches on a product's name
(`tests/test_products.py` checks it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from zconnect_tui.errors import UsageError
from zconnect_tui.model import MAX_ORG_ID
from zconnect_tui.pagination import Paginator
from zconnect_tui.products.base import MISSING, OTHER, Context, Product
from zconnect_tui.products.books import BOOKS
from zconnect_tui.products.crm import CRM
from zconnect_tui.products.desk import DESK
from zconnect_tui.products.inventory import INVENTORY
from zconnect_tui.products.plain import CREATOR, CUSTOM, MAIL, PEOPLE, WORKDRIVE
from zconnect_tui.products.projects import PROJECTS

if TYPE_CHECKING:
    from zconnect_tui.datacenters import DataCenter

__all__ = ["DEFAULT_PRODUCT", "MISSING", "OTHER", "PRODUCTS", "Context", "Product", "get_product", "org_id_numeric",
           "org_id_ok", "paginator_for", "product_of", "unconfirmed"]

PRODUCTS: dict[str, Product] = {p.key: p for p in (
    DESK,
    CRM,
    BOOKS,
    PROJECTS,
    INVENTORY,
    MAIL,
    PEOPLE,
    CREATOR,
    WORKDRIVE,
    CUSTOM,
)}
"""In the wizard's order."""

DEFAULT_PRODUCT = next(iter(PRODUCTS))
"""What the wizard preselects."""


def get_product(key: str) -> Product:
    """The profile for `key`; an unknown key is a UsageError naming the choices."""
    try:
        return PRODUCTS[key]
    except KeyError:
        raise UsageError(f"Unknown service {key!r}.", f"Choose one of {', '.join(PRODUCTS)}.") from None


def product_of(service: str) -> Product:
    """The profile of a stored connection's service; one this version does not know (a newer one wrote
    it) is treated as a product checked through /oauth/user/info."""
    return PRODUCTS.get(service) or CUSTOM



def org_id_ok(service: str, org_id: str) -> bool:
    """The one rule for an organisation (or portal) id, from Zoho's JSON (verify.py) or from the file
    (from_table): digits for a product that sends it (a header, a query, a path: its profile says so),
    MAX_ORG_ID characters at most."""
    return product_of(service).id_ok(org_id, MAX_ORG_ID)


def org_id_numeric(service: str) -> bool:
    """Whether `service`'s organisation ids are digits (the file's error says which rule applies)."""
    context = product_of(service).context
    return context is not None and context.numeric

def paginator_for(path: str, own_hosts: Iterable[str] = ()) -> Paginator | None:
    """The paginator for a list at `path` (`own_hosts`: the products whose own host the URL is on),
    or None when no product pages it."""
    hosts = set(own_hosts)
    for product in PRODUCTS.values():
        paginator = product.paginator(path, product.key in hosts)
        if paginator is not None:
            return paginator
    return None


def unconfirmed(dc: DataCenter) -> set[str]:
    """The fields of `dc` no Zoho-authored source confirms: its own (`accounts`, `api`, `console`) and the
    keys of the products whose host there is unconfirmed (`desk`, `projects`)."""
    return set(dc.unconfirmed) | {p.key for p in PRODUCTS.values() if dc.builtin and dc.key in p.unconfirmed_hosts}
