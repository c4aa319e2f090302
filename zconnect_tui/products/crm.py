"""Zoho CRM (and Bigin, whose REST API is CRM's): the API domain, one organisation, `page`/`page_token`.

The org (`GET {api_domain}/crm/v8/org`, facts §9.2) is stored as it comes: no call of zconnect's sends it.
"""

from __future__ import annotations

from typing import Any

from zconnect_tui.pagination import Paginator, Params, _int, get_param, set_param
from zconnect_tui.products.base import Context, Product
from zconnect_tui.services import PROFILE_SCOPE


class CrmPaginator(Paginator):
    """CRM: `page`/`per_page` while `info.more_records`; past 2,000 records, `page_token`.

    CRM serves only the first 2,000 records of a list through `page` and hands out
    `info.next_page_token` for the rest. Pages are numbered while they stay within 2,000 (that
    is documented to work); after that the token is used. If CRM ever gives a token earlier
    it is not needed then; if it gives none past 2,000, the next numbered page is asked for and
    CRM's own error is shown.
    """

    name = "CRM"
    default_per_page = 200
    page_limit = 2000

    def first(self, params: Params) -> Params:
        if get_param(params, "page_token"):
            return params
        params = set_param(params, "page", get_param(params, "page") or "1")
        return set_param(params, "per_page", get_param(params, "per_page") or str(self.default_per_page))

    def next(self, params: Params, body: Any) -> Params | None:
        info = body.get("info") if isinstance(body, dict) else None
        if not isinstance(info, dict) or info.get("more_records") is not True:
            return None
        token = info.get("next_page_token")
        per_page = _int(get_param(params, "per_page"), self.default_per_page)
        using_token = get_param(params, "page_token") is not None
        page = _int(get_param(params, "page"), 1)
        if isinstance(token, str) and token and (using_token or (page + 1) * per_page > self.page_limit):
            return set_param(set_param(params, "page", None), "page_token", token)
        if using_token:
            return None  # more_records without a token to follow: nothing more can be fetched
        return set_param(params, "page", str(page + 1))


CRM = Product(
    key="crm", label="Zoho CRM", short="CRM",
    scopes=("ZohoCRM.modules.ALL", "ZohoCRM.modules.READ", "ZohoCRM.settings.ALL", "ZohoCRM.settings.READ",
            "ZohoCRM.users.READ", "ZohoCRM.users.ALL", "ZohoCRM.org.READ", "ZohoCRM.org.ALL",
            "ZohoCRM.coql.READ", "ZohoCRM.bulk.ALL", PROFILE_SCOPE),
    # Read-only by default; write scopes only when the user picks them.
    defaults=("ZohoCRM.modules.READ", "ZohoCRM.settings.READ", "ZohoCRM.org.READ", "ZohoCRM.users.READ"),
    prefixes=("/crm/", "/bigin/"),
    context=Context(
        noun="organization", label="CRM organization", list_path="/crm/v8/org", list_key="org",
        id_keys=("id",), name_keys=("company_name",), default_key="", detail_key="domain_name",
        numeric=False, send="", send_name=""),
    pages=(("/crm/", CrmPaginator), ("/bigin/", CrmPaginator)),
    first_call="/crm/v8/users?type=CurrentUser",
    # invokeapi's service name is documented for CRM only (zoho.com/deluge/help/webhook/invokeapitask.html).
    deluge_service="zohocrm",
)
