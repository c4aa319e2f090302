"""Plumbing for zconnect_tui/lab/emulator.py: records, HTTP server and handler, responses, faults, canned data."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import socket
import socketserver
import struct
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

JSON_CT = "application/json;charset=UTF-8"
HTML_CT = "text/html;charset=UTF-8"
FAULT_KINDS = ("503", "500", "html200", "badjson", "reset", "hang")


@dataclass
class RecordedRequest:
    """One request as the emulator saw it. ``headers`` keys are lower-cased."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    dc: str = ""  # the location of the data-centre front end that received it
    host: str = ""  # the product whose own host received it ("" for the data centre's main front end)
    at: float = field(default_factory=time.monotonic)
    """When it arrived (benchmarks/fleet.py counts refreshes per token lifetime)."""

    @property
    def params(self) -> dict[str, str]:
        """Token-call parameters: Zoho reads them from the query string or the form body (facts §1.2)."""
        return {**self.query, **self.form}


@dataclass
class Resp:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Client:
    secret: str = field(repr=False)
    redirect_uris: list[str]
    self_client: bool
    kind: str = "server"  # server | self | non-browser (the API Console's client types)
    home: str = ""  # the data centre it is registered in
    multi_dc: bool = False  # the API Console's Multi-DC setting: users of other data centres allowed
    dc_secrets: dict[str, str] = field(default_factory=dict, repr=False)  # per-DC secrets; else `secret` everywhere

    def secret_at(self, dc: str) -> str | None:
        """The secret this client has in `dc`, or None when it is unknown there (Multi-DC off)."""
        if dc == self.home:
            return self.secret
        return self.dc_secrets.get(dc, self.secret) if self.multi_dc else None


@dataclass
class Grant:
    client_id: str
    redirect_uri: str | None  # None for Self Client codes (no redirect_uri needed at exchange)
    scopes: list[str]
    refresh: bool  # whether the exchange yields a refresh token
    challenge: str | None
    method: str
    created: float
    lifetime: float
    dc: str = ""  # the user's data centre: the code is exchanged there
    org_id: str = ""  # Desk: the organisation picked on the consent page


@dataclass
class Token:
    client_id: str
    scopes: list[str]
    expires: float = float("inf")
    parent: str | None = None  # for access tokens: the refresh token they came from
    dc: str = ""  # the data centre that issued it
    org_id: str = ""  # Desk binds a token to one organisation


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for a hung handler
    emulator: Any  # the ZohoEmulator that owns this server
    location: str = ""  # the data centre this front end answers for
    host: str = ""  # a product's own host in that data centre (Projects'), else ""

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse-DNS ``getfqdn`` call (it can stall for seconds)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: clients that time out or hang up are expected in tests."""


class EmulatorHandler(BaseHTTPRequestHandler):
    """Records each request, applies any queued fault, else hands it to ``ZohoEmulator._handle``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes; avoid 40 ms delayed-ACK stalls
    server: EmulatorServer

    def log_message(self, *args: Any) -> None:
        """Silence the per-request log on stderr."""

    def version_string(self) -> str:
        return "ZGS"  # what Zoho's front ends send as Server:

    def setup(self) -> None:
        super().setup()
        self.server.emulator._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.emulator._track(self.connection, add=False)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    do_PUT = do_PATCH = do_DELETE = do_POST  # recorded, then 404 like any unknown route

    def _dispatch(self) -> None:
        emu = self.server.emulator
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        is_form = "x-www-form-urlencoded" in self.headers.get("Content-Type", "")
        rec = RecordedRequest(
            method=self.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            form=dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)) if is_form else {},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            dc=self.server.location,
            host=self.server.host,
        )
        with emu.lock:
            emu.requests.append(rec)
        fault = emu._take_fault(split.path)
        if fault == "hang":  # then answer normally, unless stop() interrupts the wait
            if emu.hang_wait():
                self.close_connection = True
                return
        elif fault == "reset":
            reset_connection(self)
            return
        elif fault:
            self.send(FAULT_RESPONSES[fault])
            return
        self.send(emu._take_canned(split.path) or emu._handle(rec))

    def send(self, resp: Resp) -> None:
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(resp.body)


def new_token() -> str:
    """Zoho's grant-code / token shape: ``1000.<32 hex>.<32 hex>``."""
    return f"1000.{secrets.token_hex(16)}.{secrets.token_hex(16)}"


def json_resp(obj: Any, status: int = 200) -> Resp:
    return Resp(status, JSON_CT, json.dumps(obj).encode())


def error_page(title: str, detail: str) -> Resp:
    """Zoho shows /oauth/v2/auth problems as an HTTP 200 page and never redirects."""
    body = (
        f"<!DOCTYPE html><html><head><title>Zoho Accounts</title></head><body><div class='error'>"
        f"<h2>{html.escape(title)}</h2><p>{html.escape(detail)}</p></div></body></html>"
    )
    return Resp(200, HTML_CT, body.encode())


def redirect(base: str, params: dict[str, str]) -> Resp:
    """302 to ``base`` with ``params`` percent-encoded in the query string (keeps any existing query)."""
    sep = "&" if "?" in base else "?"
    return Resp(302, HTML_CT, b"", {"Location": f"{base}{sep}{urlencode(params)}"})


def pkce_ok(challenge: str, method: str, verifier: str | None) -> bool:
    """RFC 7636 check; S256 = base64url(sha256(verifier)) without padding."""
    if not verifier:
        return False
    if method == "S256":
        digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return secrets.compare_digest(verifier.encode(), challenge.encode())


_ERROR_HTML = (
    b"<!DOCTYPE html><html><head><title>Zoho Accounts</title></head><body><h1>Oops!</h1>"
    b"<p>An internal error occurred. Please try again later.</p></body></html>"
)
FAULT_RESPONSES = {
    "503": Resp(503, "text/plain;charset=UTF-8", b"Service Temporarily Unavailable"),
    "500": Resp(500, "text/plain;charset=UTF-8", b"Internal Server Error"),
    "html200": Resp(200, HTML_CT, _ERROR_HTML),
    "badjson": Resp(200, JSON_CT, b"{not json"),
}


def reset_connection(handler: BaseHTTPRequestHandler) -> None:
    """Send headers and part of the body, then abort the TCP connection (RST via SO_LINGER 0)."""
    handler.send_response(200)
    handler.send_header("Content-Type", JSON_CT)
    handler.send_header("Content-Length", "400")
    handler.end_headers()
    handler.wfile.write(b'{"access_token":"1000.')
    handler.wfile.flush()
    handler.close_connection = True
    conn = handler.connection
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()  # the fd really closes (with RST) once the handler's rfile/wfile close in finish()


BOOKS_ERROR = {"code": 57, "message": "You are not authorized to perform this operation"}
ACCESS_DENIED = {
    "error": "Access Denied",
    "error_description": "You have made too many requests continuously. Please try again after some time.",
    "status": "failure",
}
# The same throttle as seen localized (facts §13.2): no English text to match, only its shape.
ACCESS_DENIED_LOCALIZED = {
    "error": "Zugriff verweigert",
    "error_description": "Sie haben zu viele Anfragen gestellt. Bitte versuchen Sie es später erneut.",
    "status": "failure",
}
DESK_ERRORS = {
    "missing": {
        "errorCode": "UNAUTHORIZED",
        "message": "You are not authenticated to perform this operation.",
    },
    "token": {"errorCode": "INVALID_OAUTH", "message": "The OAuth Token you provided is invalid."},
    "scope": {"errorCode": "SCOPE_MISMATCH", "message": "The OAuth Token does not have the required scope."},
    # Desk's wording for these two is not quoted anywhere we could read: the codes are Desk's
    # (DeskAPIDocument, Errors), the messages and statuses ours.
    "org": {"errorCode": "OAUTH_ORG_MISMATCH",
            "message": "The OAuth Token was generated for another organization than the one in orgId."},
    "no_org": {"errorCode": "UNPROCESSABLE_ENTITY", "fieldName": "/orgId", "errorType": "missing",
               "message": "orgId is required in the header for this API."},
}
CRM_ERRORS = {
    key: {"code": code, "details": {}, "message": message, "status": "error"}
    for key, code, message in [
        ("missing", "AUTHENTICATION_FAILURE", "Authentication failed"),
        ("token", "INVALID_TOKEN", "invalid oauth token"),
        ("scope", "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL"),
    ]
}

DEFAULT_USER: dict[str, Any] = {
    "First_Name": "Ada",
    "Last_Name": "Lovelace",
    "Email": "ada@example.com",
    "Display_Name": "Ada Lovelace",
    "ZUID": 795542386,
}
DEFAULT_DESK_ORGS: list[dict[str, Any]] = [
    {
        "id": "60001000001",
        "companyName": "Analytical Engines Ltd",
        "organizationName": "analyticalengines",
        "portalName": "analyticalengines",
        "portalURL": "https://desk.zoho.com/support/analyticalengines",
        "isDefault": False,
        "isAdminInOrg": True,
        "edition": "ENTERPRISE",
    },
    {
        "id": "60002000002",
        "companyName": "Difference Works",
        "organizationName": "differenceworks",
        "portalName": "differenceworks",
        "portalURL": "https://desk.zoho.com/support/differenceworks",
        "isDefault": True,
        "isAdminInOrg": True,
        "edition": "ENTERPRISE",
    },
]
DEFAULT_CRM_ORG: dict[str, Any] = {
    "id": "4150868000000225013",
    "company_name": "Analytical Engines Ltd",
    "primary_email": "ada@example.com",
    "primary_zuid": "795542386",
    "zgid": "795542387",
    "domain_name": "org795542387",
    "country_code": "US",
    "time_zone": "Europe/London",
    "currency": "USD",
}
DEFAULT_BOOKS_ORGS: list[dict[str, Any]] = [
    {
        "organization_id": "10234695",
        "name": "Analytical Engines Ltd",
        "contact_name": "Ada Lovelace",
        "email": "ada@example.com",
        "is_default_org": True,
        "currency_code": "USD",
        "country": "U.S.A",
        "time_zone": "Europe/London",
        "is_org_active": True,
    },
    {
        "organization_id": "10234696",
        "name": "Difference Works",
        "contact_name": "Ada Lovelace",
        "email": "ada@example.com",
        "is_default_org": False,
        "currency_code": "GBP",
        "country": "U.K",
        "time_zone": "Europe/London",
        "is_org_active": True,
    },
]
