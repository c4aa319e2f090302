"""How Zoho's lists page, for `zconnect api --paginate`: the mechanisms each product's profile picks.

A paginator sees the query parameters of the request just sent and the JSON body that came
back, and returns the parameters of the next page, or None at the end. Each page's body is
parsed on its own, so memory stays flat however many pages there are. Which paths page how is
each product's (`products/`, `Product.pages`); a product that pages in a new way adds its class there.
"""

from __future__ import annotations

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
    """One way of paging."""

    name = ""

    def first(self, params: Params) -> Params:
        return params

    def next(self, params: Params, body: Any) -> Params | None:
        raise NotImplementedError

    def drop_repeats(self, body: Any) -> bool:
        """Remove from `body` the records a page boundary repeated; True when it changed (see OffsetPaginator)."""
        return False


class OffsetPaginator(Paginator):
    """An index of the first record (`start_key`) and a page size (`size_key`), until a page comes back
    short (an empty list, Desk's and Projects' 204 No Content, ends the walk before this is called).

    Whether an index counts from 0 or from 1 is not always documented (Desk's `from` is not): the walk
    starts at `first_index` (the lowest the product can mean, so nothing is skipped), each next page starts
    right after the records received, and a record whose id was on the previous page is dropped, so a
    count from 1 read as from 0 repeats nothing either. Only the previous page's ids are kept: memory
    stays flat. A size the user gives (`-f limit=…`) is kept.
    """

    start_key = "from"
    size_key = "limit"
    first_index = 0
    default_size = 100
    list_key: str | None = None
    """Where the records are ("data"); None: the body's one list (Projects names it by resource)."""
    id_key = "id"

    def __init__(self) -> None:
        self._previous: set[str] = set()

    def first(self, params: Params) -> Params:
        params = set_param(params, self.start_key, get_param(params, self.start_key) or str(self.first_index))
        return set_param(params, self.size_key, get_param(params, self.size_key) or str(self.default_size))

    def records(self, body: Any) -> list[Any] | None:
        """The page's list of records, or None when the body has none."""
        if not isinstance(body, dict):
            return None
        if self.list_key is not None:
            found = body.get(self.list_key)
            return found if isinstance(found, list) else None
        return next((v for v in body.values() if isinstance(v, list)), None)

    def next(self, params: Params, body: Any) -> Params | None:
        data = self.records(body)
        size = _int(get_param(params, self.size_key), self.default_size)
        if not data or len(data) < size:
            return None
        return set_param(params, self.start_key, str(_int(get_param(params, self.start_key), self.first_index)
                                                     + len(data)))

    def drop_repeats(self, body: Any) -> bool:
        data = self.records(body)
        if data is None:
            return False
        ids = [str(r.get(self.id_key)) if isinstance(r, dict) and r.get(self.id_key) is not None else None
               for r in data]
        kept = [r for r, i in zip(data, ids, strict=True) if i is None or i not in self._previous]
        self._previous = {i for i in ids if i is not None}
        if len(kept) == len(data):
            return False
        data[:] = kept  # the same list object, in place: the body is what the page writes
        return True


class PageContextPaginator(Paginator):
    """Books' API family (Books, Invoice, Inventory, ERP): `page`/`per_page` while
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
