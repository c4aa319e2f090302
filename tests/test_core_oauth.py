"""The OAuth client at the wire level, with pytest-httpx: what is sent, and how answers are read."""

from __future__ import annotations

from functools import partial
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from factories import REDIRECT_URI, connection

from zconnect_tui import oauth
from zconnect_tui.datacenters import BUILTIN
from zconnect_tui.errors import RateLimited, Unreachable, ZohoError
from zconnect_tui.oauth import ZohoClient, consent_url, new_pkce, new_state, request_token_url

ACCOUNTS = "https://accounts.zoho.eu"
TOKEN_URL = f"{ACCOUNTS}/oauth/v2/token"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(oauth, "RETRY_DELAYS", (0.0, 0.0))


conn = partial(connection, dc="eu", scopes=["Desk.tickets.READ", "Desk.basic.READ"], client_secret="s3cr3t",
               redirect_uri=REDIRECT_URI, refresh_token="1000.rt")
"""Desk in eu with a refresh token, and the scopes, secret and redirect the wire assertions below name."""


def test_consent_url_has_state_pkce_and_offline_consent():
    state = new_state()
    verifier, challenge = new_pkce()
    url = consent_url(BUILTIN["eu"], conn(), state, challenge)
    parts = urlsplit(url)
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://accounts.zoho.eu/oauth/v2/auth"
    assert q["scope"] == "Desk.tickets.READ,Desk.basic.READ"  # comma-separated, as Zoho documents
    assert q["access_type"] == "offline" and q["prompt"] == "consent"
    assert q["state"] == state and len(state) >= 22  # 128 bits, URL-safe
    assert q["code_challenge_method"] == "S256" and q["code_challenge"] == challenge
    assert 43 <= len(verifier) <= 128
    assert "client_secret" not in url


def test_online_consent_does_not_force_prompt():
    url = consent_url(BUILTIN["us"], conn(access_type="online"), "s", None)
    assert "prompt=" not in url and "access_type=online" in url and "code_challenge" not in url


def test_request_token_url_is_the_guides_form():
    url = request_token_url(BUILTIN["us"], conn())
    assert url.startswith("https://accounts.zoho.com/oauth/v2/auth?scope=Desk.tickets.READ,Desk.basic.READ")


def test_exchange_posts_a_form_body_with_verifier(httpx_mock):
    httpx_mock.add_response(url=TOKEN_URL, method="POST", json={
        "access_token": "1000.a.b", "refresh_token": "1000.r.t", "api_domain": "https://www.zohoapis.eu",
        "token_type": "Bearer", "expires_in": 3600, "scope": "Desk.tickets.READ"})
    with ZohoClient() as client:
        tokens = client.exchange_code(ACCOUNTS, conn(), "1000.code", "verifier")
    request = httpx_mock.get_request()
    assert request.url.query == b""  # the secret never sits in a URL
    form = parse_qs(request.content.decode())
    assert form["client_secret"] == ["s3cr3t"] and form["code_verifier"] == ["verifier"]
    assert form["redirect_uri"] == ["http://127.0.0.1:9646/callback"]
    assert tokens.refresh_token == "1000.r.t" and tokens.expires_in == 3600


def test_legacy_expires_in_sec_wins():
    parsed = oauth.parse_token_response({"access_token": "a", "expires_in": 3600000, "expires_in_sec": 3600})
    assert parsed.expires_in == 3600


@pytest.mark.parametrize(("error", "words"), [
    ("invalid_client", "Multi-DC"),
    ("invalid_code", "2–3 minutes"),
    ("invalid_redirect_uri", "Register exactly http://127.0.0.1:9646/callback"),
    ("something_new", "'something_new'"),
])
def test_zoho_errors_in_http_200_become_sentences(httpx_mock, error, words):
    httpx_mock.add_response(url=TOKEN_URL, json={"error": error})
    with ZohoClient() as client, pytest.raises(ZohoError) as info:
        client.exchange_code(ACCOUNTS, conn(), "c", None)
    assert info.value.code == error and words in info.value.one_line()


def test_throttle_is_rate_limited(httpx_mock):
    httpx_mock.add_response(url=TOKEN_URL, json={
        "error": "Access Denied", "status": "failure",
        "error_description": "You have made too many requests continuously. Please try again after some time."})
    with ZohoClient() as client, pytest.raises(RateLimited) as info:
        client.refresh(ACCOUNTS, conn())
    assert "10 refreshes per 10 minutes" in info.value.hint


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"status_code": 200, "html": "<html>Maintenance</html>"}, "HTML page"),
    ({"status_code": 200, "text": "{not json"}, "not JSON"),
])
def test_unusable_bodies_are_unreachable(httpx_mock, kwargs, words):
    httpx_mock.add_response(url=TOKEN_URL, **kwargs)
    with ZohoClient() as client, pytest.raises(Unreachable) as info:
        client.refresh(ACCOUNTS, conn())
    assert words in info.value.message and info.value.exit_code == 4


def test_refresh_retries_503_but_exchange_does_not(httpx_mock):
    httpx_mock.add_response(url=TOKEN_URL, status_code=503)
    httpx_mock.add_response(url=TOKEN_URL, json={"access_token": "1000.new", "expires_in": 3600})
    with ZohoClient() as client:
        assert client.refresh(ACCOUNTS, conn()).access_token == "1000.new"
    assert len(httpx_mock.get_requests()) == 2

    httpx_mock.reset()
    httpx_mock.add_response(url=TOKEN_URL, status_code=503)
    with ZohoClient() as client, pytest.raises(Unreachable):
        client.exchange_code(ACCOUNTS, conn(), "c", None)
    assert len(httpx_mock.get_requests()) == 1  # a grant code works once: never repeated


def test_exchange_retries_only_a_refused_connect(httpx_mock):
    httpx_mock.add_exception(httpx.ConnectError("refused"), url=TOKEN_URL)
    httpx_mock.add_response(url=TOKEN_URL, json={"access_token": "1000.ok", "expires_in": 3600})
    with ZohoClient() as client:
        assert client.exchange_code(ACCOUNTS, conn(), "c", None).access_token == "1000.ok"
    httpx_mock.reset()
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=TOKEN_URL)
    with ZohoClient() as client, pytest.raises(Unreachable) as info:
        client.exchange_code(ACCOUNTS, conn(), "c", None)
    assert "did not answer in time" in info.value.message
    assert len(httpx_mock.get_requests()) == 1


def test_self_client_exchange_has_no_redirect_uri(httpx_mock):
    httpx_mock.add_response(url=TOKEN_URL, json={"access_token": "1000.a", "expires_in": 3600})
    with ZohoClient() as client:
        client.exchange_code(ACCOUNTS, conn(client_type="self", redirect_uri=""), "c", None)
    assert "redirect_uri" not in parse_qs(httpx_mock.get_request().content.decode())


def test_revoke(httpx_mock):
    url = f"{ACCOUNTS}/oauth/v2/token/revoke"
    httpx_mock.add_response(url=url, json={"status": "success"})
    httpx_mock.add_response(url=url, status_code=400, json={"status": "failure"})
    with ZohoClient() as client:
        assert client.revoke(ACCOUNTS, "1000.rt") is True
        assert client.revoke(ACCOUNTS, "1000.rt") is False
    assert parse_qs(httpx_mock.get_requests()[0].content.decode()) == {"token": ["1000.rt"]}


def test_product_calls_use_zoho_oauthtoken(httpx_mock):
    httpx_mock.add_response(url="https://desk.zoho.eu/api/v1/organizations", json={"data": []})
    with ZohoClient() as client:
        client.get_json("https://desk.zoho.eu/api/v1/organizations", "1000.at")
    assert httpx_mock.get_request().headers["Authorization"] == "Zoho-oauthtoken 1000.at"
