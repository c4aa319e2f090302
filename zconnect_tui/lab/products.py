"""Product list endpoints for the Zoho emulator: Desk tickets/contacts, CRM records, Books invoices,
Projects projects (on the Projects host only) and Inventory items.

Each paginates the way its product does (Desk `from`/`limit` and 204 when empty, each ticket in
the organisation the token is bound to, checked by the emulator's `_desk_guard`; CRM
`page`/`per_page` with `info.more_records` and `page_token` past 2,000 records; Books and Inventory
`page`/`per_page` with `page_context` and a known `organization_id`; Projects `index`/`range` in a
portal's path, 204 past the end). Records are made from their index on demand, so a list of 10,000
costs nothing until a page of it is asked for. Switches for tests: record counts, whether Desk's
`from` and Projects' `index` count from 0 or 1 (`offset_base`; neither is confirmed for Desk), a rate
limit (429 + Retry-After) for the next N calls, and access tokens that expire after N more calls (a
token dying in the middle of a `--paginate`).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable
from typing import Any, Protocol

from zconnect_tui.lab import support as sup

_CRM_MODULE = re.compile(r"/crm/v\d+(?:\.\d+)?/(Leads|Contacts|Accounts|Deals)")
_DESK_TICKET = re.compile(r"/api/v1/tickets/(\d+)")
_PROJECTS_LIST = re.compile(r"/restapi/portal/([^/]+)/projects/?")
CRM_PAGE_LIMIT = 2000  # records reachable through `page`; past it CRM wants page_token
# Bodies modelled on each product's documented error shape; the exact wording is UNCONFIRMED.
DESK_NO_ORG = {"errorCode": "UNPROCESSABLE_ENTITY", "fieldName": "/orgId", "errorType": "invalid",
               "message": "orgId is not an organization of this portal."}
CRM_PAGE_LIMIT_ERROR = {"code": "DISCRETE_PAGINATION_LIMIT_EXCEEDED", "details": {"limit": CRM_PAGE_LIMIT},
                        "message": "you cannot get more than 2000 records using page param. Use page_token.",
                        "status": "error"}
BOOKS_NO_ORG = {"code": 6041, "message": "Invalid value passed for organization_id"}
# Projects' error shape for its REST API is UNCONFIRMED (its API page shows only the V3 shape).
PROJECTS_ERROR = {"error": {"code": 6401, "message": "Invalid OAuth access token."}}
PROJECTS_NO_PORTAL = {"error": {"code": 6500, "message": "Portal not found or not accessible."}}
PROJECTS_BAD_RANGE = {"error": {"code": 6831, "message": "index must be 1 or more and range 1 to 200."}}
# Two portals, the default one second (as Zoho's sample lists one that is not): `id_string` is what
# goes into the path (Zoho's sample links with it), so it differs from `id` here, as it does there.
DEFAULT_PORTALS: list[dict[str, Any]] = [
    {"id": 680404658, "id_string": "647154632", "name": "Zylker Events", "default": False, "plan": "Free",
     "role": "admin", "link": {"project": {"url": "https://projectsapi.zoho.com/restapi/portal/647154632/projects/"}}},
    {"id": 680404700, "id_string": "647154700", "name": "Difference Works", "default": True, "plan": "Enterprise",
     "role": "admin", "link": {"project": {"url": "https://projectsapi.zoho.com/restapi/portal/647154700/projects/"}}},
]
DEFAULT_INVENTORY_ORGS: list[dict[str, Any]] = [
    {"organization_id": "20234695", "name": "Engine Works Stores", "is_default_org": False, "currency_code": "GBP",
     "contact_name": "Ada Lovelace", "email": "ada@example.com"},
    {"organization_id": "20234696", "name": "Analytical Engines Ltd", "is_default_org": True, "currency_code": "USD",
     "contact_name": "Ada Lovelace", "email": "ada@example.com"},
]
RATE_LIMIT_BODIES = {
    "desk": {"errorCode": "TOO_MANY_REQUESTS", "message": "You have made too many requests. Try again later."},
    "crm": {"code": "TOO_MANY_REQUESTS", "details": {}, "message": "too many requests", "status": "error"},
    "books": {"code": 44, "message": "You have exceeded the maximum number of API requests."},
    "inventory": {"code": 44, "message": "You have exceeded the maximum number of API requests."},
    "projects": {"error": {"code": 6403, "message": "You have reached the API threshold limit."}},
}
SCOPE_PREFIXES = {"crm": "zohocrm.", "books": "zohobooks.", "inventory": "zohoinventory.",
                  "projects": "zohoprojects."}


def desk_ticket(i: int) -> dict[str, Any]:
    return {"id": str(7_000_000_000 + i), "ticketNumber": str(101 + i), "subject": f"Printer on fire #{i + 1}",
            "status": "Open" if i % 3 else "Closed", "email": f"customer{i}@example.com", "channel": "Email",
            "departmentId": "60001000000006907", "createdTime": f"2026-01-{1 + i % 28:02d}T09:30:00.000Z",
            "webUrl": f"https://desk.zoho.com/support/analyticalengines/ShowHomePage.do#Cases/dv/{7_000_000_000 + i}"}


def desk_contact(i: int) -> dict[str, Any]:
    return {"id": str(8_000_000_000 + i), "lastName": f"Babbage {i + 1}", "firstName": "Charles",
            "email": f"contact{i}@example.com", "accountId": None}


def crm_record(module: str, i: int) -> dict[str, Any]:
    return {"id": str(4_150_868_000_000_000 + i), "Last_Name": f"Lovelace {i + 1}", "First_Name": "Ada",
            "Company": f"Engine Works {i % 50}", "Email": f"lead{i}@example.com", "Lead_Status": "Contacted",
            "$module": module}


def books_invoice(i: int) -> dict[str, Any]:
    return {"invoice_id": str(982_000_000_000 + i), "invoice_number": f"INV-{i + 1:06d}", "customer_name": "Zylker",
            "status": "paid" if i % 4 else "overdue", "total": 100 + i, "balance": 0 if i % 4 else 100 + i,
            "currency_code": "USD", "date": "2026-01-15"}


def project(i: int) -> dict[str, Any]:
    return {"id": 170_876_000_000_270_000 + i, "id_string": str(170_876_000_000_270_000 + i),
            "name": f"Difference Engine No. {i + 1}", "status": "active", "owner_name": "Ada Lovelace"}


def inventory_item(i: int) -> dict[str, Any]:
    return {"item_id": str(4_815_000_000_044_000 + i), "name": f"Brass gear {i + 1}", "sku": f"GEAR-{i + 1:05d}",
            "status": "active", "rate": 6 + i % 7, "stock_on_hand": i % 40}


class Emulator(Protocol):
    """What the product endpoints use of the ZohoEmulator that owns them (emulator.py imports this module)."""

    lock: threading.RLock
    orgs: list[dict[str, Any]]
    books_orgs: list[dict[str, Any]]

    def _bearer(self, req: sup.RecordedRequest, prefix: str, bearer_ok: bool) -> str | None: ...

    def _desk_guard(self, req: sup.RecordedRequest) -> sup.Token | sup.Resp: ...

    def _inventory_orgs(self, req: sup.RecordedRequest) -> sup.Resp: ...

    def _projects_portals(self, req: sup.RecordedRequest) -> sup.Resp: ...

    def expire_access_tokens(self) -> None: ...


class Products:
    """The product endpoints of one ZohoEmulator (called with its lock held)."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.counts = {"tickets": 120, "contacts": 30, "crm": 450, "invoices": 230, "projects": 230, "items": 230}
        self.offset_base = {"desk": 0, "projects": 1}
        """What `from` (Desk) and `index` (Projects) count from: the first record is 0 or 1 (Desk's is
        unconfirmed; 1 is Projects' documented base). Below the base reads as the first record."""
        self.portals: list[dict[str, Any]] = [dict(p) for p in DEFAULT_PORTALS]
        self.inventory_orgs: list[dict[str, Any]] = [dict(o) for o in DEFAULT_INVENTORY_ORGS]
        self.created: list[dict[str, Any]] = []
        self.subject: Callable[[int], str] | None = None
        """Override ticket subjects (e.g. to put control characters in them)."""
        self._rate_limits: list[list[Any]] = []  # [remaining, retry_after or None, path_prefix]
        self._expire_after: int | None = None
        self._page_tokens: dict[str, int] = {}

    # ----- switches ------------------------------------------------------------------------------
    def rate_limit(self, count: int = 1, retry_after: str | None = "1", path_prefix: str = "/") -> None:
        """Answer the next `count` product calls under `path_prefix` with 429 (+ Retry-After)."""
        with self.emu.lock:
            self._rate_limits.append([count, retry_after, path_prefix])

    def expire_tokens_after(self, calls: int) -> None:
        """Let `calls` more product calls succeed, then expire every access token (a 401 follows)."""
        with self.emu.lock:
            self._expire_after = calls

    # ----- routing -------------------------------------------------------------------------------
    def route(self, req: sup.RecordedRequest) -> Callable[[sup.RecordedRequest], sup.Resp] | None:
        if req.path in ("/api/v1/tickets", "/api/v1/contacts"):
            kind = "tickets" if req.path.endswith("tickets") else "contacts"
            if req.method == "GET":
                return lambda r: self._guarded(r, "desk", lambda: self._desk_list(r, kind))
            if req.method == "POST" and kind == "tickets":
                return lambda r: self._guarded(r, "desk", lambda: self._desk_create(r))
        if _DESK_TICKET.fullmatch(req.path) and req.method == "GET":
            return lambda r: self._guarded(r, "desk", lambda: self._desk_ticket(r))
        match = _CRM_MODULE.fullmatch(req.path)
        if match and req.method in ("GET", "POST"):
            module = match.group(1)
            handler = self._crm_list if req.method == "GET" else self._crm_create
            return lambda r: self._guarded(r, "crm", lambda: handler(r, module))
        if req.path == "/books/v3/invoices" and req.method == "GET":
            return lambda r: self._guarded(r, "books", lambda: self._books_list(r))
        if req.path == "/inventory/v1/items" and req.method == "GET":
            return lambda r: self._guarded(r, "inventory", lambda: self._inventory_list(r))
        if req.path == "/inventory/v1/organizations" and req.method == "GET":
            return self.emu._inventory_orgs
        match = _PROJECTS_LIST.fullmatch(req.path)
        if req.host == "projects" and match and req.method == "GET":  # on the Projects host only
            return lambda r: self._guarded(r, "projects", lambda: self._projects_list(r, match.group(1)))
        if req.host == "projects" and req.path == "/restapi/portals/" and req.method == "GET":
            return self.emu._projects_portals
        return None

    def _guarded(self, req: sup.RecordedRequest, product: str, handler: Callable[[], sup.Resp]) -> sup.Resp:
        for limit in self._rate_limits:
            if req.path.startswith(limit[2]):
                limit[0] -= 1
                if limit[0] <= 0:
                    self._rate_limits.remove(limit)
                headers = {"Retry-After": limit[1]} if limit[1] is not None else {}
                return sup.Resp(429, sup.JSON_CT, json.dumps(RATE_LIMIT_BODIES[product]).encode(), headers)
        if product == "desk":  # a Desk token, the orgId header, the organisation the token is bound to
            guard = self.emu._desk_guard(req)
            if isinstance(guard, sup.Resp):
                return guard
            if req.headers["orgid"].strip() not in {str(o["id"]) for o in self.emu.orgs}:
                return sup.json_resp(DESK_NO_ORG, 422)
        else:
            err = self.emu._bearer(req, SCOPE_PREFIXES[product], bearer_ok=False)
            if err:
                body = {"crm": sup.CRM_ERRORS.get(err), "projects": PROJECTS_ERROR}.get(product, sup.BOOKS_ERROR)
                return sup.json_resp(body, 401)
        resp = handler()
        if self._expire_after is not None and resp.status < 300:
            self._expire_after -= 1
            if self._expire_after <= 0:
                self._expire_after = None
                self.emu.expire_access_tokens()
        return resp

    # ----- Desk ----------------------------------------------------------------------------------
    def _desk_list(self, req: sup.RecordedRequest, kind: str) -> sup.Resp:
        try:
            start, limit = int(req.query.get("from", "0")), int(req.query.get("limit", "10"))
        except ValueError:
            start, limit = -1, -1
        if start >= 0:
            start = max(start - self.offset_base["desk"], 0)  # counted from 1: from=0 reads as the first
        if start < 0 or not 1 <= limit <= 100:
            return sup.json_resp({"errorCode": "UNPROCESSABLE_ENTITY", "message": "from must be 0 or more and "
                                  "limit 1 to 100.", "errors": [{"fieldName": "/limit", "errorType": "invalid"}]},
                                 422)
        end = min(start + limit, self.counts[kind])
        if start >= end:
            return sup.Resp(204, sup.JSON_CT, b"")  # Desk answers an empty list with 204 No Content
        org = req.headers["orgid"].strip()
        make = self._ticket if kind == "tickets" else desk_contact
        return sup.json_resp({"data": [{**make(i), "orgId": org} for i in range(start, end)]})

    def _ticket(self, i: int) -> dict[str, Any]:
        ticket = desk_ticket(i)
        if self.subject is not None:
            ticket["subject"] = self.subject(i)
        return ticket

    def _desk_ticket(self, req: sup.RecordedRequest) -> sup.Resp:
        i = int(req.path.rsplit("/", 1)[1]) - 7_000_000_000
        if not 0 <= i < self.counts["tickets"]:
            return sup.json_resp({"errorCode": "URL_NOT_FOUND", "message": "The URL you requested could not "
                                  "be found."}, 404)
        return sup.json_resp(self._ticket(i))

    def _desk_create(self, req: sup.RecordedRequest) -> sup.Resp:
        try:
            body = json.loads(req.body or b"null")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not body.get("subject"):
            return sup.json_resp({"errorCode": "UNPROCESSABLE_ENTITY", "message": "subject is required.",
                                  "errors": [{"fieldName": "/subject", "errorType": "missing"}]}, 422)
        ticket = {**desk_ticket(self.counts["tickets"] + len(self.created)), **body}
        self.created.append(ticket)
        return sup.json_resp(ticket)

    # ----- CRM -----------------------------------------------------------------------------------
    def _crm_list(self, req: sup.RecordedRequest, module: str) -> sup.Resp:
        q = req.query
        per_page = int(q.get("per_page", "200"))
        if "page_token" in q:
            if "page" in q:
                return sup.json_resp({"code": "INVALID_REQUEST", "details": {}, "message": "page and page_token "
                                      "cannot be given together", "status": "error"}, 400)
            start = self._page_tokens.get(q["page_token"])
            if start is None:
                return sup.json_resp({"code": "INVALID_DATA", "details": {"param": "page_token"},
                                      "message": "invalid page_token", "status": "error"}, 400)
            page = None
        else:
            page = int(q.get("page", "1"))
            if page * per_page > CRM_PAGE_LIMIT:
                return sup.json_resp(CRM_PAGE_LIMIT_ERROR, 400)
            start = (page - 1) * per_page
        end = min(start + per_page, self.counts["crm"])
        if start >= end:
            return sup.Resp(204, sup.JSON_CT, b"")
        more = end < self.counts["crm"]
        token = None
        if more:
            token = f"{secrets.token_hex(8)}.{end}"
            self._page_tokens[token] = end
        info = {"per_page": per_page, "count": end - start, "page": page, "sort_by": "id", "sort_order": "desc",
                "more_records": more, "next_page_token": token, "previous_page_token": None,
                "page_token_expiry": "2026-12-31T00:00:00+00:00"}
        return sup.json_resp({"data": [crm_record(module, i) for i in range(start, end)], "info": info})

    def _crm_create(self, req: sup.RecordedRequest, module: str) -> sup.Resp:
        body = json.loads(req.body or b"{}")
        rows = body.get("data") if isinstance(body, dict) else None
        if not isinstance(rows, list) or not rows:
            return sup.json_resp({"code": "INVALID_DATA", "details": {}, "message": "data is required",
                                  "status": "error"}, 400)
        out = []
        for row in rows:
            self.created.append({"$module": module, **row})
            out.append({"code": "SUCCESS", "details": {"id": str(4_150_869_000_000_000 + len(self.created))},
                        "message": "record added", "status": "success"})
        return sup.json_resp({"data": out}, 201)

    # ----- Books ---------------------------------------------------------------------------------
    def _books_list(self, req: sup.RecordedRequest) -> sup.Resp:
        q = req.query
        if q.get("organization_id") not in {str(o["organization_id"]) for o in self.emu.books_orgs}:
            return sup.json_resp(BOOKS_NO_ORG, 400)
        page, per_page = int(q.get("page", "1")), int(q.get("per_page", "200"))
        start = (page - 1) * per_page
        end = min(start + per_page, self.counts["invoices"])
        context = {"page": page, "per_page": per_page, "has_more_page": end < self.counts["invoices"],
                   "report_name": "Invoices", "applied_filter": "Status.All", "sort_column": "created_time",
                   "sort_order": "D"}
        invoices = [books_invoice(i) for i in range(start, end)]
        return sup.json_resp({"code": 0, "message": "success", "invoices": invoices, "page_context": context})

    # ----- Projects (its own host; the portal in the path) --------------------------------------------
    def _projects_list(self, req: sup.RecordedRequest, portal: str) -> sup.Resp:
        if portal not in {str(p["id_string"]) for p in self.portals}:
            return sup.json_resp(PROJECTS_NO_PORTAL, 404)
        try:
            index, size = int(req.query.get("index", "1")), int(req.query.get("range", "100"))
        except ValueError:
            index, size = -1, -1
        if index < 0 or not 1 <= size <= 200:  # range at most 200 (facts §14.3)
            return sup.json_resp(PROJECTS_BAD_RANGE, 400)
        start = max(index - self.offset_base["projects"], 0)
        end = min(start + size, self.counts["projects"])
        if start >= end:
            return sup.Resp(204, sup.JSON_CT, b"")
        return sup.json_resp({"projects": [project(i) for i in range(start, end)]})

    # ----- Inventory (as Books: organization_id, page_context) ---------------------------------------
    def _inventory_list(self, req: sup.RecordedRequest) -> sup.Resp:
        q = req.query
        if q.get("organization_id") not in {str(o["organization_id"]) for o in self.inventory_orgs}:
            return sup.json_resp(BOOKS_NO_ORG, 400)
        page, per_page = int(q.get("page", "1")), int(q.get("per_page", "200"))
        start = (page - 1) * per_page
        end = min(start + per_page, self.counts["items"])
        context = {"page": page, "per_page": per_page, "has_more_page": end < self.counts["items"],
                   "report_name": "Items", "sort_column": "name", "sort_order": "A"}
        items = [inventory_item(i) for i in range(start, end)]
        return sup.json_resp({"code": 0, "message": "success", "items": items, "page_context": context})
