"""Errors as Zoho sends them: the access_denied redirect, the throttle in its other shapes, code
lifetimes, and the headers and encoding of token calls."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import httpx
import pytest
from conftest import CLIENT_SECRET
from factories import connection
from inprocess import zconnect
from reliability.lab import one_line

from zconnect_tui.errors import RateLimited, ZohoError
from zconnect_tui.lab.support import ACCESS_DENIED, ACCESS_DENIED_LOCALIZED
from zconnect_tui.oauth import ZohoClient
from zconnect_tui.store import Store

ACCOUNTS = "https://accounts.zoho.eu"
TOKEN_URL = f"{ACCOUNTS}/oauth/v2/token"


conn = partial(connection, dc="eu", refresh_token="1000.rt")
"""Desk in eu with a refresh token (`refreshed_ago`: when it was last refreshed)."""


def test_access_denied_on_the_redirect_names_both_causes(emulator, config_path, desk, browser) -> None:
    emulator.consent = "deny"
    done = zconnect("authorize", "desk", "--timeout", "20")
    line = one_line(done.err)
    assert done.code == 1
    assert "Deny was clicked on the consent page" in line
    assert "Zoho's limit of 10 authorization codes per 10 minutes for this client" in line


@pytest.mark.parametrize(("status", "body", "refreshed_ago"), [
    (200, ACCESS_DENIED, None),  # Zoho's documented throttle, English
    (400, ACCESS_DENIED, None),  # the same as HTTP 400
    (200, ACCESS_DENIED_LOCALIZED, None),  # localized, `status: failure`
    (400, {"error": "Zugriff verweigert"}, None),  # localized, HTTP 400, no status
    (200, {"error": "Zugriff verweigert"}, timedelta(minutes=3)),  # shape only: soon after a refresh
], ids=["english", "http400", "localized", "localized-400", "within-window"])
def test_the_refresh_throttle_is_recognised_by_shape(httpx_mock, status, body, refreshed_ago) -> None:
    httpx_mock.add_response(url=TOKEN_URL, status_code=status, json=body)
    with ZohoClient() as client, pytest.raises(RateLimited) as info:
        client.refresh(ACCOUNTS, conn(refreshed_ago=refreshed_ago))
    assert "Zoho allows 10 refreshes per 10 minutes" in info.value.hint
    assert "extends" not in info.value.one_line()  # no source says retrying extends the block


@pytest.mark.parametrize(("status", "body", "refreshed_ago", "code"), [
    (200, {"error": "invalid_code"}, timedelta(minutes=3), "invalid_code"),  # a dead refresh token stays dead
    (400, {"error": "invalid_code", "status": "failure"}, None, "invalid_code"),
    (400, {"error": "invalid_client"}, None, "invalid_client"),
    (200, {"error": "something_new"}, timedelta(hours=2), "something_new"),  # no sign of the throttle
])
def test_known_errors_are_not_mistaken_for_the_throttle(httpx_mock, status, body, refreshed_ago, code) -> None:
    httpx_mock.add_response(url=TOKEN_URL, status_code=status, json=body)
    with ZohoClient() as client, pytest.raises(ZohoError) as info:
        client.refresh(ACCOUNTS, conn(refreshed_ago=refreshed_ago))
    assert not isinstance(info.value, RateLimited) and info.value.code == code


def test_the_code_exchange_is_not_read_as_a_refresh_throttle(httpx_mock) -> None:
    httpx_mock.add_response(url=TOKEN_URL, status_code=400, json={"error": "Zugriff verweigert", "status": "failure"})
    with ZohoClient() as client, pytest.raises(ZohoError) as info:
        client.exchange_code(ACCOUNTS, conn(), "1000.code", None)
    assert not isinstance(info.value, RateLimited)


def test_code_lifetimes_as_zoho_documents_them(httpx_mock) -> None:
    httpx_mock.add_response(url=TOKEN_URL, json={"error": "invalid_code"})
    httpx_mock.add_response(url=TOKEN_URL, json={"error": "invalid_code"})
    with ZohoClient() as client:
        with pytest.raises(ZohoError) as browser_code:
            client.exchange_code(ACCOUNTS, conn(), "1000.code", "v" * 43)
        with pytest.raises(ZohoError) as self_code:
            client.exchange_code(ACCOUNTS, conn(client_type="self"), "1000.code", None)
    assert "browser codes live about 2–3 minutes" in browser_code.value.message
    assert "a Self Client code lives 3–10 minutes" in self_code.value.message
    assert "Self Client → Generate Code" in self_code.value.hint


def test_the_localized_throttle_through_the_cli_changes_nothing(tmp_path) -> None:
    from reliability.lab import Lab

    with Lab(tmp_path) as lab:
        conn = lab.add("desk", expired=True)
        lab.emu.throttle_body, lab.emu.throttle_status = dict(ACCESS_DENIED_LOCALIZED), 400
        for _ in range(10):  # use up the window (10 access tokens per refresh token per 10 minutes)
            body = httpx.post(f"{lab.emu.url}/oauth/v2/token", trust_env=False, data={
                "grant_type": "refresh_token", "client_id": conn.client_id, "client_secret": CLIENT_SECRET,
                "refresh_token": conn.token.refresh_token}).json()
            assert "access_token" in body
        before = lab.config.read_bytes()
        done = lab.cli("token", "desk")
        assert done.code == 1 and "Zoho's rate limit" in one_line(done.err)
        assert lab.config.read_bytes() == before  # not marked "needs re-authorization"; nothing lost
        assert lab.emu.token_requests("refresh_token")[-1].headers["accept-language"] == "en"


def test_token_calls_ask_for_english_and_keep_secrets_out_of_urls(emulator, config_path, authorized_desk) -> None:
    assert zconnect("refresh", "desk").code == 0
    assert zconnect("revoke", "desk").code == 0
    calls = emulator.requests_to("/oauth/v2/token") + emulator.requests_to("/oauth/v2/token/revoke")
    kinds = {r.form.get("grant_type", "revoke") for r in calls}
    assert kinds == {"authorization_code", "refresh_token", "revoke"}
    for request in calls:
        assert request.headers["accept-language"] == "en" and request.query == {}, request
        assert CLIENT_SECRET not in str(request.query)
    assert Store(config_path).load().get("desk").status == "revoked"
