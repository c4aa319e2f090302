"""Zoho Inventory: the API domain, an organisation sent as `organization_id`, `page_context` pages.

Read on Zoho's pages (docs/zoho-fidelity.md): the root is `https://www.zohoapis.com/inventory/v1`;
`GET /organizations` (scope ZohoInventory.settings.READ) lists `organizations[]` with `organization_id`,
`name` and `is_default_org`; "the parameter organization_id … should be sent in with every API
request"; lists page by `page`/`per_page` with `page_context.has_more_page`, 200 by default.
UNCONFIRMED: the per-module scope names beyond settings (`ZohoInventory.items.READ`, by Zoho's pattern).
"""

from __future__ import annotations

from zconnect_tui.pagination import PageContextPaginator
from zconnect_tui.products.base import QUERY, Context, Product
from zconnect_tui.services import PROFILE_SCOPE

INVENTORY = Product(
    key="inventory", label="Zoho Inventory", short="Inventory",
    scopes=("ZohoInventory.FullAccess.all", "ZohoInventory.settings.READ", "ZohoInventory.items.READ",
            "ZohoInventory.items.ALL", "ZohoInventory.salesorders.READ", "ZohoInventory.purchaseorders.READ",
            "ZohoInventory.contacts.READ", "ZohoInventory.invoices.READ", PROFILE_SCOPE),
    defaults=("ZohoInventory.settings.READ", "ZohoInventory.items.READ"),
    prefixes=("/inventory/",),
    context=Context(
        noun="organization", label="Inventory organization", list_path="/inventory/v1/organizations",
        list_key="organizations", id_keys=("organization_id",), name_keys=("name",),
        default_key="is_default_org", detail_key="currency_code", numeric=True, send=QUERY,
        send_name="organization_id", check_listed=True),
    pages=(("/inventory/", PageContextPaginator),),
    first_call="/inventory/v1/items",
)
