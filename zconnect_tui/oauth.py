"""Zoho's OAuth 2.0 endpoints: consent URL (state + PKCE S256), code exchange, refresh, revoke.

Wire rules (facts sheet §1, §3): token calls POST a form body so the secret never sits in a
URL; Zoho answers OAuth errors with HTTP 200 and `{"error": …}`, so success means the body
holds `access_token`, whatever the status. Retries happen only where a repeat is harmless.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from zconnect_tui.datacenters import DataCenter, is_loopback_host
from zconnect_tui.errors import RateLimited, Unreachable, UsageError, ZohoError
from zconnect_tui.model import Connection
from zconnect_tui.text import clean

USER_AGENT = "zconnect/0.1 (+https://github.com/zconnect)"
RETRY_DELAYS = (0.25, 1.0)
"""Backoff between attempts, used only for calls that are safe to repeat."""
DEFAULT_TIMEOUT = 15.0
MAX_TIMEOUT = 600.0
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
"""Zoho's answers are a few KiB; anything past this is refused while it streams, not after."""
TOKEN_LIFETIME = 3600
"""Zoho's documented access-token lifetime (facts §4): the most a token response is believed."""
MAX_TOKEN_CHARS = 4096


def http_timeout_seconds() -> float:
    """One deadline per call to Zoho, retries included: 15 s, or `ZCONNECT_HTTP_TIMEOUT` (0-600 s)."""
    raw = os.environ.get("ZCONNECT_HTTP_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_TIMEOUT:  # also refuses nan and inf
        raise UsageError(f"ZCONNECT_HTTP_TIMEOUT={clean(raw, limit=40)!r} is not a number of seconds from 0 to 600.",
                         "Set it to e.g. 15, or unset it.")
    return value


class Deadline(dict[str, float]):
    """httpcore's per-request "timeout" extension, asked before every connect, read and write.

    Each answer is the time left until one deadline, so a whole call ends by then: a server that
    drips a byte a second cannot stretch it, as it could with httpx's per-read timeouts.
    """

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.connect_limit = min(5.0, seconds)
        super().__init__(connect=self.connect_limit, read=seconds, write=seconds, pool=seconds)

    def left(self) -> float:
        return self.end - time.monotonic()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        left = max(self.left(), 0.001)  # 0 would make the socket non-blocking, not time out
        return min(left, self.connect_limit) if key == "connect" else left


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


def request_token_url(dc: DataCenter, conn: Connection) -> str:
    """The guide's connector "Request Token URL": the auth URL with the scopes (no state)."""
    params = {"scope": ",".join(conn.scopes), "client_id": conn.client_id, "response_type": "code",
              "access_type": conn.access_type}
    if conn.redirect_uri:
        params["redirect_uri"] = conn.redirect_uri
    return f"{dc.auth_url}?{urlencode(params, safe=',')}"


# ----- errors -------------------------------------------------------------------------------------
_ERRORS: dict[str, tuple[str, str]] = {
    "invalid_client": (
        "Zoho does not know this Client ID in this data centre (invalid_client).",
        "Check the Client ID and Secret, and the data centre; if the user is in another data centre, "
        "enable Multi-DC in the client's Settings tab of the API Console.",
    ),
    "invalid_client_secret": (  # UNCONFIRMED as a Zoho value (facts §3.3); mapped in case it appears.
        "Zoho rejected the Client Secret (invalid_client_secret).",
        "Copy the secret again from the client's Client Secret tab.",
    ),
    "invalid_code": (
        "Zoho rejected the authorization code: it expired (codes live 2 minutes) or was already used "
        "(invalid_code).",
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


def text_field(value: object, limit: int = 200) -> str:
    """A string from Zoho's JSON, cleaned for the terminal; anything else (a number, null, a list) is ""."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # ids and codes sometimes arrive as numbers
    return clean(value, limit=limit) if isinstance(value, str) else ""


def zoho_error(body: dict[str, Any], conn: Connection | None = None) -> ZohoError:
    """Turn Zoho's `{"error": …}` body into an error with a sentence and a fix."""
    description = text_field(body.get("error_description"))
    code = text_field(body.get("error"), 80) or description[:80] or "unknown"
    if code.lower().startswith("access denied") or "too many requests" in description.lower():
        return RateLimited(
            code,
            "Zoho's rate limit: too many token requests for this connection (\"Access Denied\").",
            "Wait a few minutes and try again: Zoho allows 10 refreshes per 10 minutes per refresh token, "
            "and retrying early extends the block.",
        )
    if code in _ERRORS:
        message, hint = _ERRORS[code]
        return ZohoError(code, message, hint.format(redirect_uri=(conn.redirect_uri if conn else "")))
    detail = f": {description}" if description else ""
    return ZohoError(code, f"Zoho answered with the error {code!r}{detail}.",
                     "Check the connection's settings with `zconnect show`.")


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


def _json_body(url: str, response: httpx.Response, content: bytes) -> dict[str, Any]:
    if response.status_code >= 500:
        raise Unreachable(
            f"{_host(url)} answered HTTP {response.status_code} ({clean(response.reason_phrase, limit=60)}).",
            "Zoho is having trouble; try again in a minute. Nothing was changed.",
        )
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
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


def parse_token_response(body: dict[str, Any], conn: Connection | None = None) -> TokenResponse:
    """Success means a usable `access_token` is present; anything else is Zoho's error."""
    access = _token_text(body.get("access_token"))
    if access is None:
        if body.get("access_token") and "error" not in body:
            raise ZohoError("invalid_response", "Zoho's answer carries an access token zconnect cannot use.",
                            "Try again; nothing was changed.")
        raise zoho_error(body, conn)
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
        self._http = self._new_http(trust_env=True)
        self._direct: httpx.Client | None = None
        """For loopback data centres (e.g. an emulator): built on first use, never through a proxy."""

    def _new_http(self, *, trust_env: bool) -> httpx.Client:
        # trust_env: Zoho calls honour HTTP(S)_PROXY/ALL_PROXY/NO_PROXY, as users behind a proxy need.
        return httpx.Client(timeout=http_timeout_seconds(), transport=self._transport, trust_env=trust_env,
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
                    content = _read_capped(url, response, deadline)
                finally:
                    response.close()
            except httpx.ConnectError as exc:
                if last:
                    raise _unreachable(url, exc) from None
            except httpx.HTTPError as exc:
                raise _unreachable(url, exc) from None
            except httpx.InvalidURL:
                raise Unreachable(f"{clean(url, limit=120)} is not a URL zconnect can call.",
                                  "Check the data centre's URLs in the config file.") from None
            else:
                if not (repeat_safe and response.status_code in (502, 503, 504)) or last:
                    return response, content
            time.sleep(RETRY_DELAYS[attempt])
        raise AssertionError("unreachable")  # pragma: no cover

    def _token_call(self, url: str, form: dict[str, str], *, repeat_safe: bool,
                    conn: Connection | None) -> TokenResponse:
        response, content = self._send("POST", url, data=form, repeat_safe=repeat_safe)
        return parse_token_response(_json_body(url, response, content), conn)

    def exchange_code(self, accounts: str, conn: Connection, code: str,
                      verifier: str | None) -> TokenResponse:
        """Trade a grant code for tokens at `accounts` (a validated accounts server)."""
        form = {"grant_type": "authorization_code", "client_id": conn.client_id,
                "client_secret": conn.client_secret, "code": code}
        if not conn.self_client:  # Self Client codes are exchanged without a redirect URI.
            form["redirect_uri"] = conn.redirect_uri
        if verifier:
            form["code_verifier"] = verifier
        return self._token_call(f"{accounts}/oauth/v2/token", form, repeat_safe=False, conn=conn)

    def refresh(self, accounts: str, conn: Connection) -> TokenResponse:
        form = {"grant_type": "refresh_token", "client_id": conn.client_id,
                "client_secret": conn.client_secret, "refresh_token": conn.token.refresh_token}
        return self._token_call(f"{accounts}/oauth/v2/token", form, repeat_safe=True, conn=conn)

    def revoke(self, accounts: str, token: str) -> bool:
        """Revoke at Zoho. True when revoked now, False when Zoho already considered it invalid (400)."""
        url = f"{accounts}/oauth/v2/token/revoke"
        response, content = self._send("POST", url, data={"token": token}, repeat_safe=True)
        if response.status_code == 400:
            return False
        body = _json_body(url, response, content)
        if body.get("status") == "success":
            return True
        raise zoho_error(body)

    def get_json(self, url: str, access_token: str) -> tuple[int, dict[str, Any]]:
        """GET a product API with `Authorization: Zoho-oauthtoken …`; returns (status, JSON body)."""
        response, content = self._send("GET", url, headers={"Authorization": f"Zoho-oauthtoken {access_token}"},
                                       repeat_safe=True)
        return response.status_code, _json_body(url, response, content)


def _read_capped(url: str, response: httpx.Response, deadline: Deadline) -> bytes:
    """The body, read as it streams: refused past MAX_RESPONSE_BYTES (a 600 MB answer costs nothing)."""
    too_big = Unreachable(f"{_host(url)} answered with more than {MAX_RESPONSE_BYTES // 2**20} MiB; refused.",
                          "That is not Zoho's answer: check the data centre's URLs and any proxy. Nothing was changed.")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
        raise too_big
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise too_big
        chunks.append(chunk)
        if deadline.left() <= 0:
            raise httpx.ReadTimeout("deadline")
    return b"".join(chunks)
