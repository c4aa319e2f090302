"""The API core in-process: hosts allowed per data centre, pagination rules, fields, output safety,
cancelling from another thread (as the TUI will), and flat memory over many pages."""

from __future__ import annotations

import threading
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from factories import authorized_connection, connection
from pytest_httpx import HTTPXMock
from reliability.lab import Lab
from waiting import wait_for

from zconnect_tui.api import ApiCall, ApiCancelled, ApiRequest
from zconnect_tui.api_rules import rate_limited, retry_after, token_rejected
from zconnect_tui.apiout import pretty_json, terminal_safe
from zconnect_tui.apitarget import target_for
from zconnect_tui.datacenters import DataCenters
from zconnect_tui.errors import UsageError
from zconnect_tui.manager import Manager
from zconnect_tui.pagination import PageContextPaginator
from zconnect_tui.products import PRODUCTS, paginator_for
from zconnect_tui.products.crm import CrmPaginator
from zconnect_tui.products.desk import DeskPaginator
from zconnect_tui.saved import body_from_fields, fill, typed_value
from zconnect_tui.store import Store
from zconnect_tui.stores.base import ConnectionStore

OnKind = Callable[[Store], ConnectionStore]


# ----- where the token may go -------------------------------------------------------------------
def test_desk_in_its_users_own_data_centre() -> None:
    target = target_for(connection(service="desk", location="eu", api_domain="https://www.zohoapis.eu"), DataCenters())
    assert target.url_for("/api/v1/tickets") == "https://desk.zoho.eu/api/v1/tickets"
    for ok in ("https://desk.zoho.eu/api/v1/x", "https://www.zohoapis.eu/crm/v8/org",
               "https://sandbox.zohoapis.eu/crm/v8/Leads", "https://content.zohoapis.eu/crm/v8/files",
               "https://DESK.ZOHO.EU:443/api/v1/x"):
        target.check(ok)
    for bad in ("https://desk.zoho.com/api/v1/x", "https://www.zohoapis.eu.evil.example/x", "http://desk.zoho.eu/x",
                "https://desk.zoho.eu:8443/x", "https://desk.zoho.eu@evil.example/x", "https://evil.example/x",
                "https://accounts.zoho.eu/oauth/user/info", "ftp://desk.zoho.eu/x", "//evil.example/x",
                "https://desk.zoho.eu\\@evil.example/x", "https://desk.zoho.eu/x\r\nHost: evil"):
        with pytest.raises(UsageError, match="Refused"):
            target.check(bad)


def test_crm_and_books_use_the_stored_api_domain() -> None:
    crm = target_for(connection(service="crm", location="in", api_domain="https://www.zohoapis.in"), DataCenters())
    assert crm.url_for("crm/v8/Leads") == "https://www.zohoapis.in/crm/v8/Leads"
    assert crm.url_for("//evil.example/x").startswith("https://www.zohoapis.in//")  # a path, not a host
    with pytest.raises(UsageError):
        crm.url_for("https://www.zohoapis.com/crm/v8/Leads")  # the US domain is another data centre
    books = target_for(connection(service="books", dc="ca"), DataCenters())  # before the first token: the DC's domain
    assert books.base == "https://www.zohoapis.ca"


def test_a_custom_data_centre_allows_only_its_own_hosts() -> None:
    dcs = DataCenters.from_config({"lab": {"accounts": "http://127.0.0.1:9000", "api": "http://127.0.0.1:9001",
                                           "desk": "http://localhost:9002"}}, PRODUCTS)
    target = target_for(connection(service="desk", dc="lab"), dcs)
    assert target.base == "http://localhost:9002"
    target.check("http://127.0.0.1:9001/crm/v8/org")
    for bad in ("http://127.0.0.1:9000/oauth/user/info", "https://www.zohoapis.com/x", "http://127.0.0.1:9003/x"):
        with pytest.raises(UsageError):
            target.check(bad)


# ----- pagination -------------------------------------------------------------------------------
def test_desk_pages_by_from_and_limit() -> None:
    pager = DeskPaginator()
    first = pager.first([("status", "Open")])
    assert first == [("status", "Open"), ("from", "0"), ("limit", "100")]
    assert pager.next(first, {"data": [{}] * 100}) == [("status", "Open"), ("from", "100"), ("limit", "100")]
    assert pager.next(first, {"data": [{}] * 99}) is None
    custom = pager.first([("limit", "25"), ("from", "1")])
    assert pager.next(custom, {"data": [{}] * 25}) == [("limit", "25"), ("from", "26")]
    assert pager.next(first, "not json") is None


def test_crm_pages_then_tokens_past_2000() -> None:
    pager = CrmPaginator()
    params = pager.first([])
    assert params == [("page", "1"), ("per_page", "200")]
    more = {"info": {"more_records": True, "next_page_token": "tok"}}
    assert pager.next(params, more) == [("page", "2"), ("per_page", "200")]
    page10 = [("page", "10"), ("per_page", "200")]
    assert pager.next(page10, more) == [("per_page", "200"), ("page_token", "tok")]
    assert pager.next([("per_page", "200"), ("page_token", "a")], more) == [("per_page", "200"),
                                                                            ("page_token", "tok")]
    assert pager.next(page10, {"info": {"more_records": True}}) == [("page", "11"), ("per_page", "200")]
    assert pager.next(params, {"info": {"more_records": False}}) is None


def test_books_family_pages_by_page_context() -> None:
    pager = PageContextPaginator()
    params = pager.first([("status", "unpaid")])
    assert pager.next(params, {"page_context": {"has_more_page": True}})[1] == ("page", "2")
    assert pager.next(params, {"page_context": {"has_more_page": False}}) is None
    assert isinstance(paginator_for("/inventory/v1/items"), PageContextPaginator)
    assert isinstance(paginator_for("/api/v1/tickets", {"desk"}), DeskPaginator)
    assert isinstance(paginator_for("/crm/v8/Leads", {"desk"}), CrmPaginator)
    assert paginator_for("/api/v1/tickets") is None  # Desk's paths page only on the Desk host
    assert paginator_for("/oauth/user/info") is None


# ----- fields, placeholders, output -------------------------------------------------------------
def test_typed_and_nested_fields() -> None:
    assert [typed_value(v) for v in ("42", "-1.5", "1e3", "true", "false", "null", "0123", "x")] == \
        [42, -1.5, 1000.0, True, False, None, "0123", "x"]
    body = body_from_fields([("data[][Last_Name]", "Smith"), ("data[][Company]", "Zylker"),
                             ("data[][Last_Name]", "Jones"), ("trigger[]", "workflow"), ("a[b][c]", 1)])
    assert body == {"data": [{"Last_Name": "Smith", "Company": "Zylker"}, {"Last_Name": "Jones"}],
                    "trigger": ["workflow"], "a": {"b": {"c": 1}}}
    with pytest.raises(UsageError):
        body_from_fields([("a[b", "x")])
    with pytest.raises(UsageError):
        body_from_fields([("a", "x"), ("a[]", "y")])
    assert fill("/x/{id}/{n}", {"id": "a/b c", "n": "1"}, in_url=True) == "/x/a%2Fb%20c/1"


def test_terminal_output_escapes_what_could_steer_a_terminal() -> None:
    assert terminal_safe("ok\n\ttab é 日本") == "ok\n\ttab é 日本"
    assert terminal_safe("a\x1bb\x9bc\x7fd\u202ee") == "a\\u001bb\\u009bc\\u007fd\\u202ee"
    shown = pretty_json({"k": "\x9b", "n": 1, "t": True}, colour=False)
    assert shown == '{\n  "k": "\\u009b",\n  "n": 1,\n  "t": true\n}'


def test_error_classification() -> None:
    assert token_rejected({"errorCode": "INVALID_OAUTH"}) and token_rejected({"code": 57}) and token_rejected(None)
    assert not token_rejected({"code": "OAUTH_SCOPE_MISMATCH"}) and not token_rejected({"errorCode": "SCOPE_MISMATCH"})
    assert rate_limited(429, None) and rate_limited(400, {"code": "TOO_MANY_REQUESTS"})
    assert rate_limited(400, {"error": "Access Denied", "error_description": "too many requests continuously"})
    assert not rate_limited(400, {"code": "INVALID_DATA"})
    assert retry_after(httpx.Headers({"Retry-After": "12"})) == 12
    assert retry_after(httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})) == 0
    assert retry_after(httpx.Headers({})) is None and retry_after(httpx.Headers({"Retry-After": "soon"})) is None


# ----- the core as the TUI will use it ----------------------------------------------------------
def test_run_returns_status_headers_time_and_body(lab: Lab, on_kind: OnKind) -> None:
    request = ApiRequest("GET", "/api/v1/tickets", [("limit", "2")])
    response = ApiCall(Manager(on_kind(lab.store)), "desk", request).run()
    assert response.status == 200 and response.ok and response.elapsed > 0
    assert ("content-type", "application/json;charset=UTF-8") in response.headers
    assert len(response.json()["data"]) == 2


def test_cancel_from_another_thread_wakes_a_blocked_call(lab: Lab) -> None:
    lab.emu.hang_seconds = 60
    lab.emu.queue_fault("hang", path_prefix="/api/v1/tickets")
    call = ApiCall(Manager(lab.store), "desk", ApiRequest("GET", "/api/v1/tickets"))
    outcome: list[BaseException | int] = []

    def worker() -> None:
        try:
            outcome.append(call.run().status)
        except BaseException as exc:  # noqa: BLE001 - the test inspects what the worker got
            outcome.append(exc)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    wait_for(lambda: lab.emu.requests_to("/api/v1/tickets"), what="the call to reach the emulator")
    call.cancel()
    thread.join(timeout=5)
    assert not thread.is_alive() and isinstance(outcome[0], ApiCancelled)


def test_cancel_during_a_rate_limit_wait(lab: Lab) -> None:
    lab.emu.products.rate_limit(count=1, retry_after="30", path_prefix="/api/v1/tickets")
    waiting = threading.Event()
    call = ApiCall(Manager(lab.store), "desk", ApiRequest("GET", "/api/v1/tickets"),
                   on_wait=lambda seconds, why: waiting.set())
    threading.Thread(target=lambda: (waiting.wait(10), call.cancel()), daemon=True).start()
    with pytest.raises(ApiCancelled):
        call.run()
    assert len(lab.emu.requests_to("/api/v1/tickets")) == 1


def test_a_long_walk_renews_the_token_between_pages(lab: Lab, monkeypatch: pytest.MonkeyPatch, on_kind: OnKind) -> None:
    """Each page takes 20 (pretend) minutes: past the 5-minute margin the token is refreshed first."""
    from datetime import timedelta

    import zconnect_tui.api
    import zconnect_tui.manager
    import zconnect_tui.manager_auth
    import zconnect_tui.model

    lab.emu.products.counts["tickets"] = 500  # 5 pages and Desk's closing 204: minutes 0 to 100
    real_now, ticks = zconnect_tui.model.now_utc, []

    def clock() -> object:
        return real_now() + timedelta(minutes=20 * len(ticks))

    for module in (zconnect_tui.model, zconnect_tui.api, zconnect_tui.manager, zconnect_tui.manager_auth):
        monkeypatch.setattr(module, "now_utc", clock)
    call = ApiCall(Manager(on_kind(lab.store)), "desk", ApiRequest("GET", "/api/v1/tickets", paginate=True))
    tokens = []
    for _ in call.responses():
        tokens.append(lab.emu.requests_to("/api/v1/tickets")[-1].headers["authorization"])
        ticks.append(1)
    assert len(tokens) == 6 and len(set(tokens)) == 2  # renewed once, at minute 60, when the hour ran out
    assert tokens[:3] == [tokens[0]] * 3 and tokens[3:] == [tokens[3]] * 3
    assert len(lab.emu.token_requests("refresh_token")) == 1 and call.refreshes == 0  # no 401 was needed


def test_paginating_keeps_memory_flat(lab: Lab) -> None:
    lab.emu.products.counts["tickets"] = 3_000  # benchmarks/api_speed.py measures 10,000 in a real process
    call = ApiCall(Manager(lab.store), "desk", ApiRequest("GET", "/api/v1/tickets", paginate=True))
    peaks: dict[int, int] = {}
    total = 0
    tracemalloc.start()
    try:
        for response in call.responses():
            total += len((response.json() or {}).get("data", []))  # the walk ends on Desk's 204
            if response.page in (5, 30):
                peaks[response.page] = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert total == 3_000
    # A page is ~35 kB of JSON: had pages been kept, 25 more would add ~1 MB (and ~4 MB of Python objects).
    assert peaks[30] - peaks[5] < 512 * 1024, peaks


def test_a_walk_that_does_not_move_stops(tmp_path: Path, httpx_mock: HTTPXMock, on_kind: OnKind) -> None:
    """Wire-level: a CRM that keeps handing out the same page_token ends the walk with an error."""
    import re

    from zconnect_tui.errors import ZconnectError
    from zconnect_tui.store import Store

    store = Store(tmp_path / "c.toml")
    crm = authorized_connection("c", service="crm", access_token="1000.a", location="us",
                                api_domain="https://www.zohoapis.com")
    store.save_connection(crm)
    httpx_mock.add_response(url=re.compile(r"https://www\.zohoapis\.com/crm/v8/Leads\?.*"), is_reusable=True,
                            json={"data": [{"id": "1"}], "info": {"more_records": True, "next_page_token": "same"}})
    call = ApiCall(Manager(on_kind(store)), "c", ApiRequest("GET", "/crm/v8/Leads", paginate=True))
    seen = []
    with pytest.raises(ZconnectError, match="again without a way forward"):
        for response in call.responses():
            seen.append(str(httpx.URL(response.url).params))
    assert seen[9] == "page=10&per_page=200" and seen[10] == "per_page=200&page_token=same" and len(seen) == 11
    assert all(r.headers["Authorization"] == "Zoho-oauthtoken 1000.a" for r in httpx_mock.get_requests())
