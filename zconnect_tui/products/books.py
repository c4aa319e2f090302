"""Zoho Books: the API domain, an organisation sent as `organization_id`, `page_context` pages.

`GET {api_domain}/books/v3/organizations` (scope ZohoBooks.settings.READ) lists the organisations;
every other call takes `?organization_id=` (facts §9.4). Invoice and ERP share Books' API and its
organisation, so their paths get it too.
"""

from __future__ import annotations

from zconnect_tui.pagination import PageContextPaginator
from zconnect_tui.products.base import QUERY, Context, Product
from zconnect_tui.services import PROFILE_SCOPE

BOOKS = Product(
    key="books", label="Zoho Books", short="Books",
    scopes=("ZohoBooks.fullaccess.all", "ZohoBooks.settings.READ", "ZohoBooks.contacts.READ",
            "ZohoBooks.invoices.READ", "ZohoBooks.invoices.CREATE", "ZohoBooks.customerpayments.READ",
            "ZohoBooks.expenses.READ", "ZohoBooks.bills.READ", "ZohoBooks.banking.READ", PROFILE_SCOPE),
    defaults=("ZohoBooks.settings.READ", "ZohoBooks.contacts.READ", "ZohoBooks.invoices.READ"),
    prefixes=("/books/", "/invoice/", "/inventory/", "/erp/"),
    context=Context(
        noun="organization", label="Books organization", list_path="/books/v3/organizations",
        list_key="organizations", id_keys=("organization_id",), name_keys=("name",),
        default_key="is_default_org", detail_key="currency_code", numeric=True, send=QUERY,
        send_name="organization_id"),
    pages=(("/books/", PageContextPaginator), ("/invoice/", PageContextPaginator),
           ("/erp/", PageContextPaginator)),
    first_call="/books/v3/invoices",
)
