"""Zoho's OAuth 2.0 endpoints: consent URL (state + PKCE S256), code exchange, refresh, revoke.

Wire rules (facts sheet §1, §3): token calls POST a form body so the secret never sits in a
URL; Zoho answers OAuth errors with HTTP 200 and `{"error": …}`, so success means the body
holds `access_token`, whatever the status. Retries happen only where a repeat is harmless.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from zconnect_tui.connector import request_token_url
from zconnect_tui.datacenters import DataCenter, is_loopback_host
from zconnect_tui.errors import Fix, RateLimited, Remedy, Unreachable, ZohoError
from zconnect_tui.model import SELF, Connection, now_utc

__all__ = ["ZohoClient", "consent_url", "new_pkce", "new_state", "request_token_url", "zoho_error"]

USER_AGENT = "zconnect/0.1 (+https://github.com/zconnect)"
RETRY_DELAYS = (0.25, 1.0)
"""Backoff between attempts, used only for calls that are safe to repeat."""
TOKEN_HEADERS = {"Accept-Language": "en"}
"""Zoho localizes its error text (the throttle has been seen in other languages): ask for English."""
THROTTLE_WINDOW = timedelta(minutes=10)
"""Zoho's window for 10 access tokens per refresh token (facts §4)."""


def http_timeout() -> httpx.Timeout:
    """15 s per call (5 s to connect); `ZCONNECT_HTTP_TIMEOUT` overrides, e.g. for slow links."""
    total = float(os.environ.get("ZCONNECT_HTTP_TIMEOUT", "15"))
    return httpx.Timeout(total, connect=min(5.0, total))


# ----- state and PKCE ---------------------------------------------------------------------------
def new_state() -> str:
    """128 random bits, URL-safe."""
    return secrets.token_urlsafe(16)


def new_pkce() -> tuple[str, str]:
    """A (verifier, S256 challenge) pair; the verifier is 64 chars (RFC 7636 allows 43-128)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def consent_url(dc: DataCenter, conn: Connection, state: str, challenge: str | None) -> str:
    """The browser URL that asks the user to consent.

    Offline connections add `prompt=consent`: without it Zoho issues a refresh token only on
    a client's first consent, so a re-authorize would come back without one.
    """
    params: dict[str, str] = {
        "response_type": "code",
        "client_id": conn.client_id,
        "scope": ",".join(conn.scopes),
        "redirect_uri": conn.redirect_uri,
        "access_type": conn.access_type,
    }
    if conn.access_type == "offline":
        params["prompt"] = "consent"
    params["state"] = state
    if challenge:
        params["code_challenge"] = challenge
        params["code_challenge_method"] = "S256"
    return f"{dc.auth_url}?{urlencode(params)}"


# ----- errors -------------------------------------------------------------------------------------
_ERRORS: dict[str, tuple[str, str]] = {
    "invalid_client": (  # the fix is a Remedy (Fix.CHECK_CLIENT): each front end words it
        "Zoho does not know this Client ID in this data centre (invalid_client).",
        "",
    ),
    "invalid_client_secret": (  # seen in real answers by two third parties (facts §13.1)
        "Zoho rejected the Client Secret (invalid_client_secret).",
        "Copy the secret again from the client's Client Secret tab.",
    ),
    "invalid_code": (
        "Zoho rejected the authorization code: it expired (browser codes live about 2–3 minutes) or was "
        "already used (invalid_code).",
        "Authorize again and let zconnect exchange the new code at once.",
    ),
    "invalid_redirect_uri": (
        "Zoho says the redirect URI does not match the one registered for the client (invalid_redirect_uri).",
        "Register exactly {redirect_uri} under Authorized Redirect URIs in the API Console.",
    ),
    "invalid_code_verifier": (  # PKCE failure; Zoho's exact error name is unconfirmed.
        "Zoho rejected the PKCE verifier for this code.",
        "Authorize again: the code belongs to another attempt.",
    ),
    "access_denied": (
        "Zoho refused: too many authorization codes for this client (access_denied).",
        "Wait 10 minutes: Zoho allows 10 codes per 10 minutes per client.",
    ),
    "invalid_token": (
        "Zoho says the token is invalid or expired (invalid_token).",
        "Authorize the connection again.",
    ),
}
_SELF_CLIENT_CODE = (
    "Zoho rejected the code: it expired (a Self Client code lives 3–10 minutes, the duration chosen when it "
    "was generated) or was already used (invalid_code).",
    "Generate a new code in the API Console (Self Client → Generate Code) and paste it at once.",
)


def _throttled(code: str, description: str, body: dict[str, Any], status: int, refresh: bool,
               recent: bool) -> bool:
    """Zoho's "Access Denied … too many requests" throttle, by its English text or by its shape.

    The throttle has been seen as HTTP 200 and as HTTP 400, and with a localized message
    (facts §3.4, §13.2), so an answer to a refresh that carries no access token and no known
    OAuth error code counts when it says `status: failure`, comes with HTTP 400, or follows a
    refresh made within Zoho's 10-minute window (`recent`).
    """
    if code.lower().startswith("access denied") or "too many requests" in description.lower():
        return True
    return refresh and code not in _ERRORS and (body.get("status") == "failure" or status == 400 or recent)


def zoho_error(body: dict[str, Any], conn: Connection | None = None, *, status: int = 200,
               refresh: bool = False, recent: bool = False) -> ZohoError:
    """Turn Zoho's `{"error": …}` body into an error with a sentence and a fix.

    `refresh`: the answer came to a refresh; `recent`: the previous refresh was within Zoho's
    throttle window. Both let the throttle be recognised by its shape.
    """
    code = str(body.get("error") or body.get("error_description") or "unknown")
    description = str(body.get("error_description") or "")
    if _throttled(code, description, body, status, refresh, recent):
        return RateLimited(
            code,
            "Zoho's rate limit: too many token requests for this connection (\"Access Denied\").",
            "Wait up to 10 minutes and try again: Zoho allows 10 refreshes per 10 minutes per refresh token.",
        )
    if code == "invalid_code" and conn is not None and conn.client_type == SELF:
        return ZohoError(code, *_SELF_CLIENT_CODE)
    if code == "invalid_client":
        return ZohoError(code, _ERRORS[code][0],
                         remedy=Remedy(Fix.CHECK_CLIENT, conn.name if conn else "", dc=conn.dc if conn else ""))
    if code in _ERRORS:
        message, hint = _ERRORS[code]
        return ZohoError(code, message, hint.format(redirect_uri=(conn.redirect_uri if conn else "")))
    detail = f": {description}" if description else ""
    return ZohoError(code, f"Zoho answered with the error {code!r}{detail}.",
                     remedy=Remedy(Fix.SHOW, conn.name if conn else ""))


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _unreachable(url: str, exc: Exception) -> Unreachable:
    host = _host(url)
    hint = "Check the network (and HTTPS_PROXY if you use a proxy), then try again; nothing was changed."
    if isinstance(exc, httpx.TimeoutException):
        return Unreachable(f"{host} did not answer in time.", hint)
    if isinstance(exc, httpx.ConnectError):
        return Unreachable(f"Cannot connect to {host} ({exc or 'connection refused'}).", hint)
    return Unreachable(f"The connection to {host} broke before the answer was complete.", hint)


def _json_body(url: str, response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 500:
        raise Unreachable(
            f"{_host(url)} answered HTTP {response.status_code} ({response.reason_phrase}).",
            "Zoho is having trouble; try again in a minute. Nothing was changed.",
        )
    try:
        body = response.json()
    except ValueError:
        kind = "an HTML page" if "html" in response.headers.get("content-type", "") else "something that is not JSON"
        raise Unreachable(
            f"{_host(url)} answered HTTP {response.status_code} with {kind} instead of Zoho's JSON.",
            "Check the data centre's URLs and any proxy or captive portal in between; nothing was changed.",
        ) from None
    if not isinstance(body, dict):
        raise Unreachable(f"{_host(url)} answered with unexpected JSON.", "Nothing was changed.")
    return body


@dataclass
class TokenResponse:
    access_token: str
    refresh_token: str | None
    expires_in: int
    api_domain: str | None
    scope: str


def parse_token_response(body: dict[str, Any], conn: Connection | None = None, *, status: int = 200,
                         refresh: bool = False, recent: bool = False) -> TokenResponse:
    """Success means `access_token` is present; anything else is Zoho's error."""
    if not body.get("access_token"):
        raise zoho_error(body, conn, status=status, refresh=refresh, recent=recent)
    # Old responses carry expires_in_sec (seconds) with expires_in in milliseconds (facts §2.5).
    if "expires_in_sec" in body:
        expires_in = int(body["expires_in_sec"])
    else:
        expires_in = int(body.get("expires_in", 3600))
    return TokenResponse(
        access_token=str(body["access_token"]),
        refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
        expires_in=expires_in,
        api_domain=str(body["api_domain"]) if body.get("api_domain") else None,
        scope=str(body.get("scope", "")),
    )


class ZohoClient:
    """Thin synchronous client; the TUI calls it from thread workers."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._transport = transport
        self._http = self._new_http(trust_env=True)
        self._direct: httpx.Client | None = None
        """For loopback data centres (e.g. an emulator): built on first use, never through a proxy."""

    def _new_http(self, *, trust_env: bool) -> httpx.Client:
        # trust_env: Zoho calls honour HTTP(S)_PROXY/ALL_PROXY/NO_PROXY, as users behind a proxy need.
        return httpx.Client(timeout=http_timeout(), transport=self._transport, trust_env=trust_env,
                            headers={"User-Agent": USER_AGENT}, follow_redirects=False)

    def _client_for(self, url: str) -> httpx.Client:
        """The proxy-aware client, except for loopback hosts: a proxy cannot reach this machine's 127.0.0.1."""
        if not is_loopback_host(urlsplit(url).hostname):
            return self._http
        if self._direct is None:
            self._direct = self._new_http(trust_env=False)
        return self._direct

    def close(self) -> None:
        self._http.close()
        if self._direct is not None:
            self._direct.close()

    def __enter__(self) -> ZohoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, url: str, *, repeat_safe: bool, **kwargs: Any) -> httpx.Response:
        """Send once; when `repeat_safe`, retry refused connections and 502/503/504 with backoff.

        A request that may have reached Zoho is never repeated unless repeating is harmless:
        a grant code works once, so the code exchange retries only a refused connect.
        """
        attempts = len(RETRY_DELAYS) + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._client_for(url).request(method, url, **kwargs)
            except httpx.ConnectError as exc:
                if last:
                    raise _unreachable(url, exc) from None
            except httpx.HTTPError as exc:
                raise _unreachable(url, exc) from None
            else:
                if not (repeat_safe and response.status_code in (502, 503, 504)) or last:
                    return response
            time.sleep(RETRY_DELAYS[attempt])
        raise AssertionError("unreachable")  # pragma: no cover

    def post_form(self, url: str, form: dict[str, str], *, repeat_safe: bool) -> tuple[int, dict[str, Any]]:
        """POST a token-endpoint form (never in the URL) in English; returns (status, JSON body)."""
        response = self._send("POST", url, data=form, headers=TOKEN_HEADERS, repeat_safe=repeat_safe)
        return response.status_code, _json_body(url, response)

    def exchange_code(self, accounts: str, conn: Connection, code: str, verifier: str | None, *,
                      secret: str | None = None) -> TokenResponse:
        """Trade a grant code for tokens at `accounts` (a validated accounts server).

        `secret`: that data centre's Client Secret (Multi-DC), else the connection's own.
        """
        form = {"grant_type": "authorization_code", "client_id": conn.client_id,
                "client_secret": secret or conn.client_secret, "code": code}
        if conn.uses_redirect:  # Self Client codes are exchanged without a redirect URI.
            form["redirect_uri"] = conn.redirect_uri
        if verifier:
            form["code_verifier"] = verifier
        status, body = self.post_form(f"{accounts}/oauth/v2/token", form, repeat_safe=False)
        return parse_token_response(body, conn, status=status)

    def refresh(self, accounts: str, conn: Connection, *, secret: str | None = None) -> TokenResponse:
        form = {"grant_type": "refresh_token", "client_id": conn.client_id,
                "client_secret": secret or conn.client_secret, "refresh_token": conn.token.refresh_token}
        status, body = self.post_form(f"{accounts}/oauth/v2/token", form, repeat_safe=True)
        last = conn.token.refreshed_at
        recent = last is not None and now_utc() - last < THROTTLE_WINDOW
        return parse_token_response(body, conn, status=status, refresh=True, recent=recent)

    def revoke(self, accounts: str, token: str) -> bool:
        """Revoke at Zoho. True when revoked now, False when Zoho already considered it invalid (400)."""
        url = f"{accounts}/oauth/v2/token/revoke"
        response = self._send("POST", url, data={"token": token}, headers=TOKEN_HEADERS, repeat_safe=True)
        if response.status_code == 400:
            return False
        body = _json_body(url, response)
        if body.get("status") == "success":
            return True
        raise zoho_error(body)

    def get_json(self, url: str, access_token: str,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        """GET a product API with `Authorization: Zoho-oauthtoken …` (plus `headers`, e.g. Desk's orgId);
        returns (status, JSON body)."""
        sent = {**(headers or {}), "Authorization": f"Zoho-oauthtoken {access_token}"}
        response = self._send("GET", url, headers=sent, repeat_safe=True)
        return response.status_code, _json_body(url, response)
