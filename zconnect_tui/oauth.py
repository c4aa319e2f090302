"""Zoho's OAuth 2.0 endpoints: consent URL (state + PKCE S256), code exchange, refresh, revoke.

Wire rules (facts sheet §1, §3): token calls POST a form body so the secret never sits in a
URL; Zoho answers OAuth errors with HTTP 200 and `{"error": …}`, so success means the body
holds `access_token`, whatever the status. Retries happen only where a repeat is harmless.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from zconnect_tui.connector import request_token_url
from zconnect_tui.datacenters import DataCenter, is_loopback_host
from zconnect_tui.errors import Unreachable, ZohoError
from zconnect_tui.model import Connection, now_utc
from zconnect_tui.oauth_errors import zoho_error
from zconnect_tui.text import clean, text_field
from zconnect_tui.wire import (
    MAX_RESPONSE_BYTES,
    RETRY_DELAYS,
    USER_AGENT,
    Deadline,
    http_timeout_seconds,
    json_body,
    new_client,
    read_capped,
    unreachable,
)

__all__ = ["MAX_RESPONSE_BYTES", "RETRY_DELAYS", "USER_AGENT", "ZohoClient", "consent_url", "http_timeout_seconds",
           "new_pkce", "new_state", "request_token_url", "text_field", "zoho_error"]

TOKEN_LIFETIME = 3600
"""Zoho's documented access-token lifetime (facts §4): the most a token response is believed."""
MAX_TOKEN_CHARS = 4096
TOKEN_HEADERS = {"Accept-Language": "en"}
"""Zoho localizes its error text (the throttle has been seen in other languages): ask for English."""
THROTTLE_WINDOW = timedelta(minutes=10)
"""Zoho's window for 10 access tokens per refresh token (facts §4)."""


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


@dataclass
class TokenResponse:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_in: int
    api_domain: str | None
    scope: str


def _token_text(value: object) -> str | None:
    """A token as Zoho issues it (`1000.<hex>.<hex>`, checked loosely): visible ASCII, bounded; else None.

    Anything else could not be sent back in a header or a form, or would drive the terminal
    when `zconnect token` prints it.
    """
    if isinstance(value, str) and 0 < len(value) <= MAX_TOKEN_CHARS and value.isascii() \
            and value.isprintable() and " " not in value:
        return value
    return None


def _expires_in(body: dict[str, Any]) -> int:
    """Seconds the access token lives, never more than Zoho's documented hour.

    Old responses carry expires_in_sec (seconds) with expires_in in milliseconds (facts §2.5).
    A value that is missing, not a number or not finite ("abc", null, NaN) must not lose tokens
    Zoho has just issued (the code is spent): the documented hour is assumed, and if the token
    dies sooner the next call's 401 or refresh says so. A larger value (1e20) is capped at the
    hour, so a wrong one at worst makes zconnect refresh earlier than needed.
    """
    value = body.get("expires_in_sec", body.get("expires_in"))
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return TOKEN_LIFETIME
    try:
        seconds = float(value)
    except (ValueError, OverflowError):
        return TOKEN_LIFETIME
    if not math.isfinite(seconds):
        return TOKEN_LIFETIME
    return int(min(max(seconds, 0), TOKEN_LIFETIME))


def parse_token_response(body: dict[str, Any], conn: Connection | None = None, *, status: int = 200,
                         refresh: bool = False, recent: bool = False) -> TokenResponse:
    """Success means a usable `access_token` is present; anything else is Zoho's error (see `zoho_error`
    for `status`, `refresh` and `recent`)."""
    access = _token_text(body.get("access_token"))
    if access is None:
        if body.get("access_token") and "error" not in body:
            raise ZohoError("invalid_response", "Zoho's answer carries an access token zconnect cannot use.",
                            "Try again; nothing was changed.")
        raise zoho_error(body, conn, status=status, refresh=refresh, recent=recent)
    api_domain = body.get("api_domain")
    return TokenResponse(
        access_token=access,
        refresh_token=_token_text(body.get("refresh_token")),
        expires_in=_expires_in(body),
        api_domain=api_domain if isinstance(api_domain, str) and len(api_domain) <= 512 else None,
        scope=text_field(body.get("scope"), 4000),
    )


class ZohoClient:
    """Thin synchronous client; the TUI calls it from thread workers."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._transport = transport
        self._clients: dict[bool, httpx.Client] = {}
        """One client for Zoho (honouring HTTP(S)_PROXY, as users behind a proxy need), one built on
        first use for loopback data centres (e.g. an emulator), never through a proxy."""

    def _client_for(self, url: str) -> httpx.Client:
        loopback = is_loopback_host(urlsplit(url).hostname)
        if loopback not in self._clients:
            self._clients[loopback] = new_client(url, self._transport)
        return self._clients[loopback]

    def close(self) -> None:
        for client in self._clients.values():
            client.close()

    def __enter__(self) -> ZohoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(self, method: str, url: str, *, repeat_safe: bool, **kwargs: Any) -> tuple[httpx.Response, bytes]:
        """Send once; when `repeat_safe`, retry refused connections and 502/503/504 with backoff.

        One deadline bounds the call, retries included, and the body is read as it streams,
        up to MAX_RESPONSE_BYTES. A request that may have reached Zoho is never repeated unless
        repeating is harmless: a grant code works once, so the exchange retries only a refused connect.
        """
        deadline = Deadline(http_timeout_seconds())
        attempts = len(RETRY_DELAYS) + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1 or deadline.left() <= RETRY_DELAYS[attempt]
            try:
                client = self._client_for(url)
                request = client.build_request(method, url, extensions={"timeout": deadline}, **kwargs)
                response = client.send(request, stream=True)
                try:
                    content = read_capped(url, response, deadline)
                finally:
                    response.close()
            except httpx.ConnectError as exc:
                if last:
                    raise unreachable(url, exc) from None
            except httpx.HTTPError as exc:
                raise unreachable(url, exc) from None
            except httpx.InvalidURL:
                raise Unreachable(f"{clean(url, limit=120)} is not a URL zconnect can call.",
                                  "Check the data centre's URLs in the config file.") from None
            else:
                if not (repeat_safe and response.status_code in (502, 503, 504)) or last:
                    return response, content
            time.sleep(RETRY_DELAYS[attempt])
        raise AssertionError("unreachable")  # pragma: no cover

    def post_form(self, url: str, form: dict[str, str], *, repeat_safe: bool) -> tuple[int, dict[str, Any]]:
        """POST a token-endpoint form (never in the URL) in English; returns (status, JSON body)."""
        response, content = self._send("POST", url, data=form, headers=TOKEN_HEADERS, repeat_safe=repeat_safe)
        return response.status_code, json_body(url, response, content)

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
        response, content = self._send("POST", url, data={"token": token}, headers=TOKEN_HEADERS, repeat_safe=True)
        if response.status_code == 400:
            return False
        body = json_body(url, response, content)
        if body.get("status") == "success":
            return True
        raise zoho_error(body)

    def get_json(self, url: str, access_token: str,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        """GET a product API with `Authorization: Zoho-oauthtoken …` (plus `headers`, e.g. Desk's orgId);
        returns (status, JSON body)."""
        sent = {**(headers or {}), "Authorization": f"Zoho-oauthtoken {access_token}"}
        response, content = self._send("GET", url, headers=sent, repeat_safe=True)
        return response.status_code, json_body(url, response, content)
