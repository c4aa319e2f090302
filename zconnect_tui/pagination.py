"""How each Zoho product pages through a list, for `zconnect api --paginate`.

A paginator sees the query parameters of the request just sent and the JSON body that came
back, and returns the parameters of the next page, or None at the end. Each page's body is
parsed on its own, so memory stays flat however many pages there are. A new product is one
class and one entry in PAGINATORS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Params = list[tuple[str, str]]


def get_param(params: Params, key: str) -> str | None:
    for k, v in params:
        if k == key:
            return v
    return None


def set_param(params: Params, key: str, value: str | None) -> Params:
    """A copy of `params` with `key` set to `value` (or removed when None), keeping its position."""
    out: Params = []
    done = False
    for k, v in params:
        if k != key:
            out.append((k, v))
        elif not done and value is not None:
            out.append((k, value))
            done = True
    if not done and value is not None:
        out.append((key, value))
    return out


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class Paginator:
    """One product's paging rules."""

    name = ""

    def first(self, params: Params) -> Params:
        return params

    def next(self, params: Params, body: Any) -> Params | None:
        raise NotImplementedError


class DeskPaginator(Paginator):
    """Desk: `from` (index of the first item) and `limit`, until a page comes back short.

    Desk's lists take at most 100 per page (some endpoints fewer: a `-f limit=…` given by the
    user is kept). Whether `from` counts from 0 or 1 is UNCONFIRMED; third-party code and our
    emulator use 0, and the next page starts right after the last item received either way.
    A 204 (Desk's "no content" for an empty list) ends the walk before this is called.
    """

    name = "Desk"
    default_limit = 100

    def first(self, params: Params) -> Params:
        params = set_param(params, "from", get_param(params, "from") or "0")
        return set_param(params, "limit", get_param(params, "limit") or str(self.default_limit))

    def next(self, params: Params, body: Any) -> Params | None:
        data = body.get("data") if isinstance(body, dict) else None
        limit = _int(get_param(params, "limit"), self.default_limit)
        if not isinstance(data, list) or not data or len(data) < limit:
            return None
        return set_param(params, "from", str(_int(get_param(params, "from"), 0) + len(data)))


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


class PageContextPaginator(Paginator):
    """Books (and Invoice, Inventory, ERP, which share its API): `page`/`per_page` while
    `page_context.has_more_page`."""

    name = "Books"
    default_per_page = 200

    def first(self, params: Params) -> Params:
        params = set_param(params, "page", get_param(params, "page") or "1")
        return set_param(params, "per_page", get_param(params, "per_page") or str(self.default_per_page))

    def next(self, params: Params, body: Any) -> Params | None:
        context = body.get("page_context") if isinstance(body, dict) else None
        if not isinstance(context, dict) or context.get("has_more_page") is not True:
            return None
        return set_param(params, "page", str(_int(get_param(params, "page"), 1) + 1))


@dataclass(frozen=True)
class Rule:
    """When a request belongs to a product: its path prefix (and, for Desk, the Desk host)."""

    paginator: Callable[[], Paginator]
    prefix: str
    desk_host: bool = False


PAGINATORS: tuple[Rule, ...] = (
    Rule(DeskPaginator, prefix="/api/", desk_host=True),
    Rule(CrmPaginator, prefix="/crm/"),
    Rule(CrmPaginator, prefix="/bigin/"),  # Bigin's REST API is CRM's
    Rule(PageContextPaginator, prefix="/books/"),
    Rule(PageContextPaginator, prefix="/invoice/"),
    Rule(PageContextPaginator, prefix="/inventory/"),
    Rule(PageContextPaginator, prefix="/erp/"),
)

PAGE_CONTEXT_PREFIXES = tuple(r.prefix for r in PAGINATORS if r.paginator is PageContextPaginator)
"""Books-family APIs, which also want `organization_id` on every call."""


def paginator_for(on_desk_host: bool, path: str) -> Paginator | None:
    """The paginator for a request to `path` (on the Desk host or not), or None if none applies."""
    for rule in PAGINATORS:
        if path.startswith(rule.prefix) and (on_desk_host or not rule.desk_host):
            return rule.paginator()
    return None
