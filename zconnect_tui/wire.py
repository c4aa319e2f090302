"""Bounded calls to Zoho: one deadline per call, a response size cap, JSON read as data.

`ZohoClient._send` (oauth.py) uses these for every request zconnect makes: the code exchange,
refreshes, revokes, the device flow and the verification calls. Nothing here knows OAuth.
"""

from __future__ import annotations

import json
import math
import os
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from zconnect_tui.errors import Unreachable, UsageError
from zconnect_tui.text import clean

DEFAULT_TIMEOUT = 15.0
MAX_TIMEOUT = 600.0
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
"""Zoho's answers are a few KiB; anything past this is refused while it streams, not after."""


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


def host(url: str) -> str:
    return urlsplit(url).netloc or url


def unreachable(url: str, exc: Exception) -> Unreachable:
    """The one-line error for a call that failed on the way (timeout, refused, broken)."""
    where = host(url)
    hint = "Check the network (and HTTPS_PROXY if you use a proxy), then try again; nothing was changed."
    if isinstance(exc, httpx.TimeoutException):
        return Unreachable(f"{where} did not answer in time.", hint)
    if isinstance(exc, httpx.ConnectError):
        return Unreachable(f"Cannot connect to {where} ({exc or 'connection refused'}).", hint)
    return Unreachable(f"The connection to {where} broke before the answer was complete.", hint)


def read_capped(url: str, response: httpx.Response, deadline: Deadline) -> bytes:
    """The body, read as it streams: refused past MAX_RESPONSE_BYTES (a 600 MB answer costs nothing)."""
    too_big = Unreachable(f"{host(url)} answered with more than {MAX_RESPONSE_BYTES // 2**20} MiB; refused.",
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


def json_body(url: str, response: httpx.Response, content: bytes) -> dict[str, Any]:
    """The answer's JSON object; a 5xx, a page that is not JSON or JSON that is not an object is Unreachable."""
    if response.status_code >= 500:
        raise Unreachable(
            f"{host(url)} answered HTTP {response.status_code} ({clean(response.reason_phrase, limit=60)}).",
            "Zoho is having trouble; try again in a minute. Nothing was changed.",
        )
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
        kind = "an HTML page" if "html" in response.headers.get("content-type", "") else "something that is not JSON"
        raise Unreachable(
            f"{host(url)} answered HTTP {response.status_code} with {kind} instead of Zoho's JSON.",
            "Check the data centre's URLs and any proxy or captive portal in between; nothing was changed.",
        ) from None
    if not isinstance(body, dict):
        raise Unreachable(f"{host(url)} answered with unexpected JSON.", "Nothing was changed.")
    return body
