"""Tests for the test infrastructure itself: zconnect_tui/lab/emulator.py and tests/fake_browser.py."""

from __future__ import annotations

import base64
import hashlib
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import webbrowser
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from waiting import wait_for

from zconnect_tui.lab.emulator import ZohoEmulator

CID = "1000.GMB0YULZHJK411248S8I5GZ4CHUEX0"
SECRET = "215734b0a1c9f0e2d3c4b5a6978812345609c2b6ab"
REDIRECT = "http://127.0.0.1:9646/callback"
SCOPES = "AaaServer.profile.READ,Desk.basic.READ,ZohoCRM.org.READ,ZohoBooks.settings.READ"
TOKEN_RE = re.compile(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}")
TESTS = Path(__file__).parent
FAKE_BROWSER = TESTS / "fake_browser.py"


@pytest.fixture
def emu() -> Iterator[ZohoEmulator]:
    with ZohoEmulator() as e:
        e.register_client(CID, SECRET, [REDIRECT, "http://localhost:9646/callback"])
        yield e


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5, follow_redirects=False, trust_env=False) as client:
        yield client


def auth_params(**extra: str) -> dict[str, str]:
    params = {
        "client_id": CID,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "access_type": "offline",
        "prompt": "consent",
        "state": "st-123",
    }
    params.update(extra)
    return {k: v for k, v in params.items() if v != ""}


def authorize(emu: ZohoEmulator, http: httpx.Client, **extra: str) -> dict[str, str]:
    """Run the consent step; return the callback's query parameters."""
    resp = http.get(f"{emu.url}/oauth/v2/auth", params=auth_params(**extra))
    assert resp.status_code == 302, resp.text
    location = resp.headers["location"]
    assert location.startswith(extra.get("redirect_uri", REDIRECT) + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def token(emu: ZohoEmulator, http: httpx.Client, **form: str | None) -> dict[str, Any]:
    """POST the token endpoint as a form; ``None`` values are left out."""
    body = {"client_id": CID, "client_secret": SECRET, **form}
    resp = http.post(f"{emu.url}/oauth/v2/token", data={k: v for k, v in body.items() if v is not None})
    assert resp.status_code == 200, resp.text
    return resp.json()


def exchange(emu: ZohoEmulator, http: httpx.Client, code: str, **form: str | None) -> dict[str, Any]:
    return token(emu, http, **{"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **form})


def connect(emu: ZohoEmulator, http: httpx.Client) -> dict[str, Any]:
    return exchange(emu, http, authorize(emu, http)["code"])


def refresh(emu: ZohoEmulator, http: httpx.Client, rt: str) -> dict[str, Any]:
    return token(emu, http, grant_type="refresh_token", refresh_token=rt)


def get(emu: ZohoEmulator, http: httpx.Client, path: str, access: str, scheme: str = "Zoho-oauthtoken"):
    return http.get(emu.url + path, headers={"Authorization": f"{scheme} {access}"})


# ----- /oauth/v2/auth -------------------------------------------------------------------------------------
def test_auth_redirect_carries_code_state_location_and_accounts_server(emu, http) -> None:
    resp = http.get(f"{emu.url}/oauth/v2/auth", params=auth_params())
    assert resp.status_code == 302
    assert "accounts-server=http%3A%2F%2F127.0.0.1%3A" in resp.headers["location"]  # percent-encoded
    q = authorize(emu, http)
    assert TOKEN_RE.fullmatch(q["code"])
    assert q["state"] == "st-123"
    assert q["location"] == "lab"
    assert q["accounts-server"] == emu.url
    assert emu.consent_url_hits == 2


def test_auth_without_state_omits_it_and_location_is_configurable(http) -> None:
    with ZohoEmulator(location="eu") as emu:
        emu.register_client(CID, SECRET, [REDIRECT])
        q = authorize(emu, http, state="")
    assert "state" not in q
    assert q["location"] == "eu"


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"client_id": "1000.NOPE"}, "Invalid Client"),
        ({"redirect_uri": "http://127.0.0.1:9646/callback/"}, "Invalid Redirect Uri"),
        ({"redirect_uri": "http://127.0.0.1:9647/callback"}, "Invalid Redirect Uri"),
        ({"redirect_uri": ""}, "Invalid Redirect Uri"),
    ],
)
def test_auth_errors_are_html_pages_without_redirect(emu, http, params, text) -> None:
    resp = http.get(f"{emu.url}/oauth/v2/auth", params=auth_params(**params))
    assert resp.status_code == 200
    assert "location" not in resp.headers
    assert resp.headers["content-type"].startswith("text/html")
    assert text in resp.text


def test_auth_accepts_any_registered_redirect_uri(emu, http) -> None:
    q = authorize(emu, http, redirect_uri="http://localhost:9646/callback")
    assert "code" in q


def test_consent_denied_redirects_with_access_denied(emu, http) -> None:
    emu.consent = "deny"
    assert authorize(emu, http) == {"error": "access_denied", "state": "st-123"}
    assert authorize(emu, http, state="") == {"error": "access_denied"}


def test_spoofed_accounts_server(emu, http) -> None:
    emu.spoof_accounts_server = "https://accounts.evil.example"
    assert authorize(emu, http)["accounts-server"] == "https://accounts.evil.example"


# ----- /oauth/v2/token: authorization_code ------------------------------------------------------------------
def test_code_exchange_offline(emu, http) -> None:
    body = connect(emu, http)
    assert set(body) == {"access_token", "refresh_token", "scope", "api_domain", "token_type", "expires_in"}
    assert TOKEN_RE.fullmatch(body["access_token"]) and TOKEN_RE.fullmatch(body["refresh_token"])
    assert body["api_domain"] == emu.url
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == SCOPES.replace(",", " ")
    assert emu.live_refresh_tokens == {body["refresh_token"]}
    assert emu.issued_access_tokens == [body["access_token"]]
    req = emu.token_requests("authorization_code")[0]
    assert req.form["client_secret"] == SECRET and req.query == {}


def test_online_access_gives_no_refresh_token(emu, http) -> None:
    emu.access_token_lifetime = 60
    body = exchange(emu, http, authorize(emu, http, access_type="online")["code"])
    assert "refresh_token" not in body
    assert body["expires_in"] == 60


def test_offline_refresh_token_only_on_first_consent_unless_prompt_consent(emu, http) -> None:
    assert "refresh_token" in exchange(emu, http, authorize(emu, http, prompt="")["code"])
    assert "refresh_token" not in exchange(emu, http, authorize(emu, http, prompt="")["code"])
    assert "refresh_token" in exchange(emu, http, authorize(emu, http)["code"])


def test_code_is_single_use(emu, http) -> None:
    code = authorize(emu, http)["code"]
    assert "access_token" in exchange(emu, http, code)
    assert exchange(emu, http, code) == {"error": "invalid_code"}


def test_code_expiry(emu, http) -> None:
    code = authorize(emu, http)["code"]
    emu.expire_all_codes()
    assert exchange(emu, http, code) == {"error": "invalid_code"}
    emu.code_lifetime = -1
    assert exchange(emu, http, authorize(emu, http)["code"]) == {"error": "invalid_code"}


def test_code_exchange_errors(emu, http) -> None:
    emu.register_client("1000.OTHER", "othersecret", [REDIRECT])
    code = authorize(emu, http)["code"]
    assert exchange(emu, http, "1000.bogus.bogus") == {"error": "invalid_code"}
    assert exchange(emu, http, code, client_id="1000.UNKNOWN") == {"error": "invalid_client"}
    assert exchange(emu, http, code, client_secret="wrong") == {"error": "invalid_client"}
    assert exchange(emu, http, code, client_id="1000.OTHER", client_secret="othersecret") == {"error": "invalid_code"}
    assert exchange(emu, http, code, redirect_uri="http://localhost:9646/callback") == {"error": "invalid_redirect_uri"}
    assert exchange(emu, http, code, redirect_uri=None) == {"error": "invalid_redirect_uri"}
    assert token(emu, http, grant_type="password", code=code) == {"error": "unsupported_grant_type"}
    assert "access_token" in exchange(emu, http, code)  # failed attempts did not consume the code


def test_token_parameters_in_the_query_string_work_as_at_zoho(emu, http) -> None:
    """Zoho's Accounts pages list the token parameters as query parameters (facts §1.2): accepted, as there."""
    code = authorize(emu, http)["code"]
    params = {"client_id": CID, "client_secret": SECRET, "grant_type": "authorization_code", "code": code}
    resp = http.post(f"{emu.url}/oauth/v2/token", params={**params, "redirect_uri": REDIRECT})
    assert resp.status_code == 200 and "refresh_token" in resp.json()
    rt = resp.json()["refresh_token"]
    again = http.post(f"{emu.url}/oauth/v2/token", params={"client_id": CID, "grant_type": "refresh_token"},
                      data={"client_secret": SECRET, "refresh_token": rt})  # split between both works too
    assert "access_token" in again.json()
    assert http.post(f"{emu.url}/oauth/v2/token/revoke", params={"token": rt}).json() == {"status": "success"}


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@pytest.mark.parametrize("method", ["S256", "plain", ""])
def test_pkce(emu, http, method) -> None:
    verifier = "v" * 43 + "-._~0123456789"
    challenge = s256(verifier) if method == "S256" else verifier
    code = authorize(emu, http, code_challenge=challenge, code_challenge_method=method)["code"]
    assert exchange(emu, http, code) == {"error": "invalid_code_verifier"}
    assert exchange(emu, http, code, code_verifier="x" * 43) == {"error": "invalid_code_verifier"}
    assert "access_token" in exchange(emu, http, code, code_verifier=verifier)


def test_bad_pkce_method_is_an_error_page(emu, http) -> None:
    resp = http.get(f"{emu.url}/oauth/v2/auth", params=auth_params(code_challenge="abc", code_challenge_method="S512"))
    assert resp.status_code == 200 and "location" not in resp.headers


def test_self_client_code(emu, http) -> None:
    emu.register_client("1000.SELF", "selfsecret", [], self_client=True)
    with pytest.raises(ValueError):
        emu.issue_self_client_code(CID, ["Desk.basic.READ"])
    creds = {"client_id": "1000.SELF", "client_secret": "selfsecret", "grant_type": "authorization_code"}
    code = emu.issue_self_client_code("1000.SELF", ["Desk.basic.READ", "AaaServer.profile.READ"])
    body = token(emu, http, **creds, code=code)
    assert "refresh_token" in body and body["scope"] == "Desk.basic.READ AaaServer.profile.READ"
    code = emu.issue_self_client_code("1000.SELF", ["Desk.basic.READ"])
    assert "access_token" in token(emu, http, **creds, code=code, redirect_uri="http://ignored.example/")
    assert token(emu, http, **creds, code=code) == {"error": "invalid_code"}
    resp = http.get(f"{emu.url}/_emulator/self-client-code", params={"client_id": "1000.SELF", "scope": "A,B"})
    assert TOKEN_RE.fullmatch(resp.json()["code"])


# ----- /oauth/v2/token: refresh_token -----------------------------------------------------------------------
def test_refresh(emu, http) -> None:
    rt = connect(emu, http)["refresh_token"]
    body = refresh(emu, http, rt)
    assert set(body) == {"access_token", "scope", "api_domain", "token_type", "expires_in"}
    assert get(emu, http, "/oauth/user/info", body["access_token"]).status_code == 200
    assert emu.refresh_count(rt) == 1
    assert len(emu.token_requests("refresh_token")) == 1


def test_refresh_errors(emu, http) -> None:
    rt = connect(emu, http)["refresh_token"]
    emu.register_client("1000.OTHER", "othersecret", [REDIRECT])
    assert refresh(emu, http, "1000.unknown.token") == {"error": "invalid_code"}
    assert token(emu, http, grant_type="refresh_token", refresh_token=rt, client_secret="x") == {
        "error": "invalid_client"
    }
    other = {"client_id": "1000.OTHER", "client_secret": "othersecret"}
    assert token(emu, http, grant_type="refresh_token", refresh_token=rt, **other) == {"error": "invalid_code"}
    emu.revoke_refresh_token(rt)
    assert refresh(emu, http, rt) == {"error": "invalid_code"}
    assert emu.refresh_count(rt) == 3  # every attempt that named the token counts


def test_refresh_rate_limit(emu, http) -> None:
    now = [1000.0]
    emu.clock = lambda: now[0]
    rt = connect(emu, http)["refresh_token"]
    for _ in range(10):
        assert "access_token" in refresh(emu, http, rt)
    denied = {
        "error": "Access Denied",
        "error_description": "You have made too many requests continuously. Please try again after some time.",
        "status": "failure",
    }
    assert refresh(emu, http, rt) == denied
    now[0] += 601
    assert "access_token" in refresh(emu, http, rt)
    emu.rate_limit = False
    for _ in range(12):
        assert "access_token" in refresh(emu, http, rt)


def test_21st_refresh_token_evicts_the_oldest(emu, http) -> None:
    rts = [connect(emu, http)["refresh_token"] for _ in range(21)]
    assert rts[0] not in emu.live_refresh_tokens
    assert len(emu.live_refresh_tokens) == 20


# ----- revoke -----------------------------------------------------------------------------------------------
def test_revoke_refresh_token_kills_its_access_tokens(emu, http) -> None:
    body = connect(emu, http)
    rt, at = body["refresh_token"], body["access_token"]
    at2 = refresh(emu, http, rt)["access_token"]
    resp = http.post(f"{emu.url}/oauth/v2/token/revoke", data={"token": rt})
    assert resp.status_code == 200 and resp.json() == {"status": "success"}
    for access in (at, at2):
        assert get(emu, http, "/oauth/user/info", access).status_code == 401
    assert refresh(emu, http, rt) == {"error": "invalid_code"}
    resp = http.post(f"{emu.url}/oauth/v2/token/revoke", data={"token": rt})
    assert resp.status_code == 400 and resp.json()["status"] == "failure"


def test_revoke_access_token_only(emu, http) -> None:
    body = connect(emu, http)
    resp = http.post(f"{emu.url}/oauth/v2/token/revoke", data={"token": body["access_token"]})
    assert resp.json() == {"status": "success"}
    assert body["access_token"] not in emu.live_access_tokens
    assert body["refresh_token"] in emu.live_refresh_tokens
    resp = http.post(f"{emu.url}/oauth/v2/token/revoke", data={"token": body["access_token"]})
    assert resp.status_code == 400  # already revoked


# ----- resource APIs ----------------------------------------------------------------------------------------
def test_user_info(emu, http) -> None:
    at = connect(emu, http)["access_token"]
    for scheme in ("Zoho-oauthtoken", "Bearer"):
        resp = get(emu, http, "/oauth/user/info", at, scheme)
        assert resp.status_code == 200
        assert resp.json() == {
            "First_Name": "Ada",
            "Last_Name": "Lovelace",
            "Email": "ada@example.com",
            "Display_Name": "Ada Lovelace",
            "ZUID": 795542386,
        }
    resp = get(emu, http, "/oauth/user/info", "1000.bad.token")
    assert resp.status_code == 401 and resp.json() == {"response": "error", "cause": "INVALID_OAUTHTOKEN"}
    assert http.get(f"{emu.url}/oauth/user/info").status_code == 401


def test_access_token_expiry(emu, http) -> None:
    emu.access_token_lifetime = 0
    at = connect(emu, http)["access_token"]
    assert get(emu, http, "/oauth/user/info", at).status_code == 401
    emu.access_token_lifetime = 3600
    at = connect(emu, http)["access_token"]
    assert get(emu, http, "/api/v1/organizations", at).status_code == 200
    emu.expire_access_tokens()
    assert get(emu, http, "/api/v1/organizations", at).status_code == 401


def test_desk_organizations(emu, http) -> None:
    at = connect(emu, http)["access_token"]
    data = get(emu, http, "/api/v1/organizations", at).json()["data"]
    assert [o["isDefault"] for o in data] == [False, True]
    keys = {"id", "companyName", "organizationName", "portalName", "portalURL", "isDefault", "isAdminInOrg"}
    assert keys <= set(data[0]) and data[0]["edition"] == "ENTERPRISE"
    emu.orgs = [dict(data[0], isDefault=True)]
    assert len(get(emu, http, "/api/v1/organizations", at).json()["data"]) == 1
    resp = get(emu, http, "/api/v1/organizations", "1000.bad.token")
    assert resp.status_code == 401
    assert resp.json() == {"errorCode": "INVALID_OAUTH", "message": "The OAuth Token you provided is invalid."}
    assert http.get(f"{emu.url}/api/v1/organizations").json()["errorCode"] == "UNAUTHORIZED"


@pytest.mark.parametrize("version", ["v8", "v2", "v2.1"])
def test_crm_org(emu, http, version) -> None:
    at = connect(emu, http)["access_token"]
    org = get(emu, http, f"/crm/{version}/org", at).json()["org"]
    keys = {"id", "company_name", "primary_email", "domain_name", "country_code", "time_zone", "currency"}
    assert len(org) == 1 and keys <= set(org[0])
    resp = get(emu, http, f"/crm/{version}/org", "1000.bad.token")
    assert resp.status_code == 401
    assert resp.json() == {"code": "INVALID_TOKEN", "details": {}, "message": "invalid oauth token", "status": "error"}


def test_books_organizations(emu, http) -> None:
    at = connect(emu, http)["access_token"]
    body = get(emu, http, "/books/v3/organizations", at).json()
    assert body["code"] == 0 and body["message"] == "success"
    assert [o["is_default_org"] for o in body["organizations"]] == [True, False]
    assert "organization_id" in body["organizations"][0]
    assert get(emu, http, "/books/v3/organizations", "1000.bad.token").status_code == 401


def test_enforce_scopes(emu, http) -> None:
    emu.enforce_scopes = True
    at = exchange(emu, http, authorize(emu, http, scope="Desk.basic.READ")["code"])["access_token"]
    assert get(emu, http, "/api/v1/organizations", at).status_code == 200
    resp = get(emu, http, "/oauth/user/info", at)
    assert resp.status_code == 401 and resp.json()["cause"] == "INVALID_OAUTHSCOPE"
    assert get(emu, http, "/crm/v8/org", at).json()["code"] == "OAUTH_SCOPE_MISMATCH"


def test_unknown_paths_404(emu, http) -> None:
    assert http.get(f"{emu.url}/nope").status_code == 404
    assert http.post(f"{emu.url}/oauth/v2/auth").status_code == 404
    assert http.get(f"{emu.url}/oauth/v2/token").status_code == 404
    assert emu.requests[-1].path == "/oauth/v2/token" and emu.requests[-1].method == "GET"


def test_recorded_request_details(emu, http) -> None:
    at = connect(emu, http)["access_token"]
    get(emu, http, "/oauth/user/info", at)
    req = emu.requests_to("/oauth/user/info")[0]
    assert req.headers["authorization"] == f"Zoho-oauthtoken {at}"
    auth = emu.requests_to("/oauth/v2/auth")[0]
    assert auth.query["scope"] == SCOPES and auth.method == "GET"


# ----- faults -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "status", "ctype", "text"),
    [
        ("503", 503, "text/plain", "Unavailable"),
        ("500", 500, "text/plain", "Internal Server Error"),
        ("html200", 200, "text/html", "<html>"),
        ("badjson", 200, "application/json", "{not json"),
    ],
)
def test_http_faults(emu, http, kind, status, ctype, text) -> None:
    code = authorize(emu, http)["code"]
    emu.queue_fault(kind, count=2)
    for _ in range(2):
        resp = http.post(f"{emu.url}/oauth/v2/token", data={"grant_type": "authorization_code", "code": code})
        assert resp.status_code == status
        assert resp.headers["content-type"].startswith(ctype) and text in resp.text
    assert "access_token" in exchange(emu, http, code)  # faulted requests were not processed


def test_fault_path_prefix(emu, http) -> None:
    emu.queue_fault("503", path_prefix="/api/v1/")
    at = connect(emu, http)["access_token"]  # token endpoint unaffected
    assert get(emu, http, "/api/v1/organizations", at).status_code == 503
    assert get(emu, http, "/api/v1/organizations", at).status_code == 200
    emu.queue_fault("500", count=5)
    emu.clear_faults()
    assert "access_token" in connect(emu, http)
    with pytest.raises(ValueError):
        emu.queue_fault("teapot")


def test_reset_fault(emu, http) -> None:
    emu.queue_fault("reset")
    with pytest.raises(httpx.TransportError):
        http.post(f"{emu.url}/oauth/v2/token", data={"grant_type": "refresh_token"})
    assert "access_token" in connect(emu, http)


def test_hang_fault_times_out_client_and_does_not_block(emu, http) -> None:
    emu.queue_fault("hang")
    errors: list[Exception] = []

    def hung_call() -> None:
        try:
            httpx.post(f"{emu.url}/oauth/v2/token", data={"grant_type": "x"}, timeout=0.3, trust_env=False)
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=hung_call)
    thread.start()
    wait_for(emu.token_requests)  # until the hung request has taken the fault
    assert "access_token" in connect(emu, http)  # other requests are served meanwhile
    thread.join(5)
    assert len(errors) == 1 and isinstance(errors[0], httpx.TimeoutException)


def test_stop_is_prompt_with_hang_in_progress(http) -> None:
    emu = ZohoEmulator().start()
    emu.queue_fault("hang", path_prefix="/")
    errors: list[Exception] = []

    def hung_call() -> None:
        try:
            http.get(emu.url + "/x")
        except httpx.HTTPError as exc:
            errors.append(exc)

    thread = threading.Thread(target=hung_call)
    thread.start()
    wait_for(lambda: emu.requests)
    started = time.monotonic()
    emu.stop()
    assert time.monotonic() - started < 2
    thread.join(5)
    assert not thread.is_alive() and len(errors) == 1  # the client saw the connection drop


# ----- fake browser -----------------------------------------------------------------------------------------
class Catcher:
    """A tiny stand-in for the app's loopback callback listener."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                catcher.hits.append(self.path)
                body = b"<html><body><h1>Connected to Zoho</h1>You can close this tab.</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.callback = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def catcher(emu: ZohoEmulator) -> Iterator[Catcher]:
    c = Catcher()
    emu.register_client(CID, SECRET, [c.callback])
    yield c
    c.close()


def run_browser(url: str, log: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {"FAKE_BROWSER_LOG": str(log), "PATH": "/usr/bin:/bin", **env}
    return subprocess.run(
        [sys.executable, str(FAKE_BROWSER), url], env=full_env, capture_output=True, text=True, timeout=20
    )


def consent_url(emu: ZohoEmulator, catcher: Catcher, **extra: str) -> str:
    return str(httpx.URL(f"{emu.url}/oauth/v2/auth", params=auth_params(redirect_uri=catcher.callback, **extra)))


def test_fake_browser_follows_consent_redirect_to_callback(emu, catcher, tmp_path) -> None:
    log = tmp_path / "browser.log"
    proc = run_browser(consent_url(emu, catcher), log, FAKE_BROWSER_DELAY="0.05", FAKE_BROWSER_FAVICON="1")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert catcher.hits[0].startswith("/callback?") and catcher.hits[1] == "/favicon.ico"
    q = parse_qs(urlsplit(catcher.hits[0]).query)
    assert q["state"] == ["st-123"] and TOKEN_RE.fullmatch(q["code"][0])
    lines = log.read_text().splitlines()
    assert lines[0].startswith(f"VISIT {emu.url}/oauth/v2/auth?")
    assert lines[1].startswith(f"VISIT {catcher.callback}?state=st-123&code=")
    assert lines[2].startswith("FINAL 200 <html>") and "Connected to Zoho" in lines[2]


def test_fake_browser_via_webbrowser_module(emu, catcher, tmp_path, monkeypatch) -> None:
    log = tmp_path / "browser.log"
    monkeypatch.setenv("FAKE_BROWSER_LOG", str(log))
    browser = webbrowser.GenericBrowser([sys.executable, str(FAKE_BROWSER), "%s"])
    assert browser.open(consent_url(emu, catcher))  # waits for the fake browser to exit
    assert len(catcher.hits) == 1 and "FINAL 200" in log.read_text()


def test_fake_browser_denied_and_error_pages(emu, catcher, tmp_path) -> None:
    log = tmp_path / "browser.log"
    emu.consent = "deny"
    run_browser(consent_url(emu, catcher), log)
    assert "error=access_denied" in catcher.hits[0]
    emu.consent = "approve"
    log.unlink()
    run_browser(consent_url(emu, catcher, client_id="1000.NOPE"), log)
    assert len(catcher.hits) == 1  # Zoho's error page never redirects
    assert "Invalid Client" in log.read_text().splitlines()[-1]


def test_fake_browser_is_silent_and_exits_zero_on_failure(tmp_path) -> None:
    log = tmp_path / "browser.log"
    proc = run_browser(f"http://127.0.0.1:{free_port()}/callback", log)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert log.read_text().splitlines()[-1].startswith("ERROR ConnectError")
    proc = run_browser("http://127.0.0.1:1/x", tmp_path / "missing-dir" / "log")  # unwritable log
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_fake_browser_detach_returns_before_loading(emu, catcher, tmp_path) -> None:
    log = tmp_path / "browser.log"
    proc = run_browser(consent_url(emu, catcher), log, FAKE_BROWSER_DETACH="1", FAKE_BROWSER_DELAY="0.2")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    wait_for(lambda: "FINAL" in (log.read_text() if log.exists() else ""))
    assert "FINAL 200" in log.read_text() and len(catcher.hits) == 1


def test_fake_browser_without_url_is_silent(tmp_path) -> None:
    proc = subprocess.run([sys.executable, str(FAKE_BROWSER)], capture_output=True, text=True, timeout=20)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def free_port() -> int:
    """A port with nothing listening on it (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_fake_browser_redirect_limit(tmp_path) -> None:
    class Loop(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "/again")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Loop)
    threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True).start()
    try:
        log = tmp_path / "browser.log"
        run_browser(f"http://127.0.0.1:{server.server_address[1]}/start", log)
        lines = log.read_text().splitlines()
        assert len([ln for ln in lines if ln.startswith("VISIT")]) == 6  # first GET + 5 redirects
        assert lines[-1].startswith("ERROR too many redirects")
    finally:
        server.shutdown()
        server.server_close()


# ----- manual CLI -------------------------------------------------------------------------------------------
def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("how", ["sigint", "sigint-inherited-ignored", "sigterm"])
def test_cli_serves_until_ctrl_c(tmp_path, how: str) -> None:
    """Ctrl-C (or SIGTERM) stops it, even when started from a shell without job control.

    Such a shell (`(pytest &)`, some CI wrappers) starts children with SIGINT ignored; the
    second case recreates that whatever the way this test itself was started.
    """
    cmd = [sys.executable, "-m", "zconnect_tui.lab.emulator", "--port", "0", "--client-id", CID]
    cmd += ["--client-secret", SECRET, "--redirect-uri", REDIRECT]
    preexec = _ignore_sigint if how == "sigint-inherited-ignored" else None
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=preexec)
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        params = auth_params()
        resp = httpx.get(f"{url}/oauth/v2/auth", params=params, trust_env=False)
        assert resp.status_code == 302 and resp.headers["location"].startswith(REDIRECT)
        proc.send_signal(signal.SIGTERM if how == "sigterm" else signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
        proc.wait()
