"""The loopback listener's HTTP pieces: its pages, the Host check, the one-time start link, and who is asking.

The start link is rclone's answer to a browser's command line being readable by every local user
(`ps`, /proc/PID/cmdline): the browser is given `http://127.0.0.1:PORT/start/<random>`, not Zoho's
consent URL, and the listener answers its first GET with a 302 to the consent URL. What argv shows is
then worth one redirect; a second GET means someone else had it first, and the attempt is stopped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import os
import secrets
import socket
import sys
import threading
from enum import Enum

START_PREFIX = "/start/"

_STYLE = "body{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;line-height:1.5}"
_PAGE = ("<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title><style>"
         + _STYLE.replace("{", "{{").replace("}", "}}")
         + "</style></head><body><h1>{title}</h1><p>{text}</p></body></html>")
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()

# The pages run no script and load nothing (their one inline style is allowed by its hash), may not
# be framed or sniffed, are never cached and never leak the callback URL (with its code) as a Referer.
_SAFE_HEADERS = ("X-Frame-Options: DENY\r\nX-Content-Type-Options: nosniff\r\n"
                 "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n")
_PAGE_HEADERS = ("Content-Type: text/html; charset=utf-8\r\n"
                 f"Content-Security-Policy: default-src 'none'; style-src 'sha256-{_STYLE_HASH}'\r\n"
                 + _SAFE_HEADERS)
_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
            405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 431: "Request Header Fields Too Large"}


def page(status: int, title: str, text: str) -> bytes:
    """A whole HTTP response: a small HTML page, escaped, with the headers above."""
    body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode("utf-8")
    head = (f"HTTP/1.1 {status} {_REASONS[status]}\r\n{_PAGE_HEADERS}Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode("ascii")
    return head + body


def redirect(location: str) -> bytes:
    """A 302 to `location` (the consent URL: built by zconnect, printable ASCII), with no body."""
    if not (location.isascii() and location.isprintable()):
        raise ValueError("a redirect target must be printable ASCII")
    return (f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Security-Policy: default-src 'none'\r\n"
            f"{_SAFE_HEADERS}Content-Length: 0\r\nConnection: close\r\n\r\n").encode("ascii")


def host_allowed(head: bytes, port: int) -> bool:
    """Whether the request's one `Host` header names this listener as a browser would: 127.0.0.1:PORT or
    localhost:PORT. Any other name (DNS rebinding: evil.example resolving to 127.0.0.1) gets a 400."""
    hosts = [line.split(b":", 1)[1].strip().lower() for line in head.split(b"\r\n")[1:]
             if line[:5].lower() == b"host:"]
    return len(hosts) == 1 and hosts[0] in (f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode())


class Take(Enum):
    """What a GET of a start link found."""

    FRESH = "fresh"  # the first GET: answer with the 302
    USED = "used"  # taken before: someone else may have had it first
    UNKNOWN = "unknown"  # not a link this listener gave out


class StartLinks:
    """The one-time links that send a browser on to `target` (thread-safe; a new one per browser opened)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._tokens: dict[bytes, bool] = {}  # token -> taken
        self._lock = threading.Lock()

    def new(self, port: int) -> str:
        """A fresh link (256 random bits); each works once."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token.encode()] = False
        return f"http://127.0.0.1:{port}{START_PREFIX}{token}"

    def take(self, path: str) -> Take:
        """Mark the link at `path` taken; say whether it was fresh, taken before, or not ours."""
        given = path[len(START_PREFIX):].encode("utf-8", "surrogateescape")
        with self._lock:
            for token, taken in self._tokens.items():
                if hmac.compare_digest(token, given):  # every token compared: no timing on which one
                    self._tokens[token] = True
                    return Take.USED if taken else Take.FRESH
        return Take.UNKNOWN


def _proc_address(host: str, port: int) -> str:
    """An IPv4 address as /proc/net/tcp prints it: the 32-bit word in host byte order, then the port."""
    return f"{int.from_bytes(socket.inet_aton(host), sys.byteorder):08X}:{port:04X}"


def socket_owner(peer: tuple[str, int], local: tuple[str, int]) -> int | None:
    """The uid that owns the client end of a loopback TCP connection, from Linux's /proc/net/tcp;
    None where that cannot be told (another system, another network namespace, the entry gone)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        client, server = _proc_address(*peer), _proc_address(*local)
        with open("/proc/net/tcp", encoding="ascii") as table:
            for line in table:
                fields = line.split()
                if len(fields) > 7 and fields[1] == client and fields[2] == server:
                    return int(fields[7])
    except (OSError, ValueError):
        return None
    return None


def another_users(peer: tuple[str, int] | None, local: tuple[str, int] | None) -> bool:
    """Whether this connection comes from a program of another (non-root) user of this machine.

    A browser runs as the user who runs zconnect; root may read everything anyway, and zconnect run as
    root (sudo) is answered by the user's browser: neither is refused. Unknown owners are let through.
    """
    if peer is None or local is None or not sys.platform.startswith("linux") or os.getuid() == 0:
        return False
    owner = socket_owner(peer, local)
    return owner is not None and owner not in (os.getuid(), 0)
