"""Bounded calls to Zoho: one deadline per call, a response size cap, JSON read as data.

Every request zconnect makes goes through these: `ZohoClient._send` (oauth.py) for the code
exchange, refreshes, revokes, the device flow and the verification calls; `ApiCall` (api.py) for
`zconnect api`, one deadline per HTTP request (a `--paginate` walk is many requests), the size
cap on every body it holds in memory. Nothing here knows OAuth.

Bodies are read raw and inflated here, not by httpx: httpx inflates each network read whole, so
2,493 bytes of `Content-Encoding: gzip, gzip` became 1 GiB in memory before any cap could count it.
Here each step yields at most DECODE_STEP bytes, counted by the cap and timed by the deadline.
"""

from __future__ import annotations

import ipaddress
import math
import os
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from zconnect_tui import safejson
from zconnect_tui.datacenters import is_loopback_host
from zconnect_tui.errors import ConfigError, Unreachable, UsageError
from zconnect_tui.text import clean

USER_AGENT = "zconnect/0.1 (+https://github.com/zconnect)"
RETRY_DELAYS = (0.25, 1.0)
"""Backoff between attempts, used only where a repeat is harmless (a refused connection; a 502/503/504
to a call that is safe to repeat)."""
DEFAULT_TIMEOUT = 15.0
MAX_TIMEOUT = 600.0
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
"""Zoho's answers are a few KiB; anything past this is refused while it streams, not after."""
DECODE_STEP = 64 * 1024
"""Most bytes one step of inflating a body produces (a deflate byte can stand for 1,032)."""
ACCEPT_ENCODING = "gzip, deflate"
"""What zconnect asks for, and all it decodes (besides identity)."""
MAX_ENCODINGS = 2
"""Stacked content codings undone at most: Zoho uses one; more is refused, not inflated."""


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

    def get(self, key: str, default: Any = None) -> Any:
        left = max(self.left(), 0.001)  # 0 would make the socket non-blocking, not time out
        return min(left, self.connect_limit) if key == "connect" else left


def resolve(host: str, port: int, timeout: float) -> list[tuple[str, int]]:
    """`getaddrinfo(host, port)` given at most `timeout` seconds: (address, port) in the system's order.

    The system resolver cannot be interrupted and ignores every socket timeout, so it runs in a daemon
    thread that is abandoned (not waited for) when it hangs; the caller goes on with ConnectTimeout.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=lookup, name="zconnect-resolve", daemon=True).start()
    if not done.wait(max(timeout, 0.001)):
        raise httpcore.ConnectTimeout(f"looking up {host} took longer than {timeout:.1f} s")
    if "error" in box:
        raise httpcore.ConnectError(str(box["error"]))
    return [(str(addr[0]), int(addr[1])) for *_, addr in box["infos"]]


class DeadlineBackend(httpcore.SyncBackend):
    """httpcore's network backend with the name lookup under the same connect timeout (and so the
    call's `Deadline`) as the connect itself, then a connect to each address in turn.

    Only the TCP connect sees the address: httpcore starts TLS with the request's host name as SNI and
    checks the certificate against that name, never against the IP.
    """

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        try:
            ipaddress.ip_address(host)
            numeric = True
        except ValueError:
            numeric = False
        if numeric or timeout is None:  # an address needs no lookup; no timeout means no deadline to keep
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        end = time.monotonic() + timeout
        error: Exception | None = None
        for address, address_port in resolve(host, port, timeout):
            left = end - time.monotonic()
            if left <= 0:
                break
            try:
                return super().connect_tcp(address, address_port, left, local_address, socket_options)
            except httpcore.ConnectError as exc:  # refused or unreachable there: try the next address
                error = exc
        raise error or httpcore.ConnectTimeout(f"connecting to {host} took longer than {timeout:.1f} s")


_BACKEND = DeadlineBackend()


def new_client(url: str, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The httpx client for calls to `url`'s host: no redirects followed (the token would go along),
    HTTP(S)_PROXY/NO_PROXY honoured except for loopback hosts (a proxy cannot reach this machine's
    127.0.0.1, e.g. an emulator). Each request still carries its own `Deadline`, name lookups included."""
    try:
        client = httpx.Client(timeout=http_timeout_seconds(), transport=transport,
                              trust_env=not is_loopback_host(urlsplit(url).hostname),
                              headers={"User-Agent": USER_AGENT, "Accept-Encoding": ACCEPT_ENCODING},
                              follow_redirects=False)
    except (ImportError, ValueError, httpx.InvalidURL):  # httpx refuses the proxy it found in the environment
        raise bad_proxy() from None
    except OSError as exc:  # ssl.SSLError too: the certificates SSL_CERT_FILE or SSL_CERT_DIR name do not load
        raise bad_certificates(exc) from None
    # httpx has no public way to choose httpcore's network backend (httpx==0.28.1 is pinned): set it on
    # the pool of the client's own transport and of every proxy's (a proxy's name is looked up too).
    # A transport passed in (a test's mock) has no pool and is left alone.
    for mounted in (client._transport, *client._mounts.values()):
        pool = getattr(mounted, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            pool._network_backend = _BACKEND
    return client


def bad_certificates(exc: OSError) -> ConfigError:
    """The one-line error for SSL_CERT_FILE / SSL_CERT_DIR naming certificates httpx cannot load (with
    `trust_env` it reads them instead of certifi's): the variable and its path, and what to do."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        value = os.environ.get(name, "")
        if value:
            return ConfigError(f"{name}={clean(value, limit=120)} holds no certificates zconnect can load "
                               f"({clean(exc.strerror or str(exc), limit=80)}).",
                               f"Point {name} at a PEM bundle (a file of CA certificates), or unset it.")
    return ConfigError(f"The CA certificates could not be loaded ({clean(str(exc), limit=120)}).",
                       "Reinstall zconnect's dependencies (pip install --force-reinstall certifi).")


PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def bad_proxy() -> UsageError:
    """The one-line error for a proxy setting httpx cannot use (socks5:// without socksio, ftp://, …),
    naming the variable and the scheme, never the value (it may hold a password)."""
    for name in PROXY_VARIABLES:
        value = os.environ.get(name, "").strip()
        scheme = value.partition("://")[0].lower() if "://" in value else "http"
        if value and scheme not in ("http", "https"):
            return UsageError(f"{name} names a {clean(scheme, limit=20)}:// proxy, which zconnect cannot use.",
                              f"zconnect goes through http:// and https:// proxies; set {name} to one, or unset it.")
    return UsageError("The proxy settings (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY) are not usable.",
                      "zconnect goes through http:// and https:// proxies: set one as http://HOST:PORT, or unset them.")


def host(url: str) -> str:
    return urlsplit(url).netloc or url


def unreachable(url: str, exc: Exception, *, nothing_changed: bool = True) -> Unreachable:
    """The one-line error for a call that failed on the way (timeout, refused, broken).

    `nothing_changed=False` for an API call: a POST that timed out may have reached Zoho."""
    where = host(url)
    hint = "Check the network (and HTTPS_PROXY if you use a proxy), then try again" + \
        ("; nothing was changed." if nothing_changed else ".")
    if isinstance(exc, httpx.TimeoutException):
        return Unreachable(f"{where} did not answer in time.", hint)
    if isinstance(exc, httpx.ConnectError):
        return Unreachable(f"Cannot connect to {where} ({exc or 'connection refused'}).", hint)
    if isinstance(exc, httpx.DecodingError):
        return Unreachable(f"{where} answered with {exc}; refused.",
                           "That is not how Zoho answers: check the data centre's URLs and any proxy" +
                           ("; nothing was changed." if nothing_changed else "."))
    return Unreachable(f"The connection to {where} broke before the answer was complete.", hint)


def too_big(url: str) -> Unreachable:
    return Unreachable(f"{host(url)} answered with more than {MAX_RESPONSE_BYTES // 2**20} MiB; refused.",
                       "That is not Zoho's answer: check the data centre's URLs and any proxy. Nothing was changed.")


def declared_size(response: httpx.Response) -> int | None:
    declared = response.headers.get("content-length", "")
    return int(declared) if declared.isdigit() else None


class BadEncoding(httpx.DecodingError):
    """An answer whose Content-Encoding zconnect does not undo: unknown, or stacked too deep."""


def content_codings(response: httpx.Response) -> list[str]:
    """The answer's content codings in the order they were applied; BadEncoding for any zconnect does not undo."""
    codings = [coding.strip().lower() for value in response.headers.get_list("content-encoding")
               for coding in value.split(",")]
    codings = [coding for coding in codings if coding not in ("", "identity")]
    for coding in codings:
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise BadEncoding(f"Content-Encoding {clean(coding, limit=30)!r}, which zconnect does not decode")
    if len(codings) > MAX_ENCODINGS:
        raise BadEncoding(f"{len(codings)} stacked content encodings (Zoho uses one)")
    return codings


def _inflate(pieces: Iterable[bytes], coding: str, deadline: Deadline) -> Iterator[bytes]:
    """One layer of gzip or deflate undone, DECODE_STEP bytes at most per piece, the deadline checked per step.

    Bytes after the end of the compressed stream are dropped, as httpx does.
    """
    inflater: Any = None
    head = b""
    for piece in pieces:
        if inflater is None:
            head += piece
            if coding == "deflate" and len(head) < 2:
                continue  # two bytes tell a zlib-wrapped stream (RFC 9110) from a raw one (some servers)
            inflater, piece, head = zlib.decompressobj(_wbits(coding, head)), head, b""
        yield from _steps(inflater, piece, coding, deadline)
    if head:  # a whole body of one byte
        yield from _steps(zlib.decompressobj(_wbits(coding, head)), head, coding, deadline)


def _wbits(coding: str, head: bytes) -> int:
    if coding != "deflate":
        return zlib.MAX_WBITS | 16
    zlib_wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0
    return zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS


def _steps(inflater: Any, data: bytes, coding: str, deadline: Deadline) -> Iterator[bytes]:
    """All that `data` inflates to, in pieces of at most DECODE_STEP bytes (zlib keeps the rest of the
    input in `unconsumed_tail`, so one call never makes more)."""
    while not inflater.eof:
        if deadline.left() <= 0:
            raise httpx.ReadTimeout("deadline")
        try:
            out = inflater.decompress(data, DECODE_STEP)
        except zlib.error:
            raise httpx.DecodingError(f"a {coding} body that does not decompress") from None
        data = inflater.unconsumed_tail
        if out:
            yield out
        if not data and len(out) < DECODE_STEP:
            return  # the input is used up and nothing is pending: a full step may have more to give


def chunks_until(response: httpx.Response, deadline: Deadline) -> Iterator[bytes]:
    """The body as it streams, decoded, each piece as it arrives (at most DECODE_STEP bytes once inflated),
    ended by ReadTimeout once `deadline` has passed.

    httpcore asks the deadline for the read timeout once per body, not per read, so a trickle of bytes
    would never leave one read waiting that long: the deadline is checked between pieces too, and between
    steps of inflating one. Hence no `chunk_size` here: httpx would hold pieces back until it had that many.
    """
    pieces: Iterable[bytes] = _raw_until(response, deadline)
    for coding in reversed(content_codings(response)):  # the last one applied is undone first
        pieces = _inflate(pieces, coding, deadline)
    yield from pieces


def _raw_until(response: httpx.Response, deadline: Deadline) -> Iterator[bytes]:
    for chunk in response.iter_raw():
        if deadline.left() <= 0:
            raise httpx.ReadTimeout("deadline")
        if chunk:
            yield chunk


def collect(chunks: Iterable[bytes], limit: int, refuse: Callable[[], Exception]) -> bytes:
    """Join `chunks`, raising `refuse()` as soon as they pass `limit` bytes (memory stays bounded)."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise refuse()
        parts.append(chunk)
    return b"".join(parts)


def read_capped(url: str, response: httpx.Response, deadline: Deadline) -> bytes:
    """The body, read as it streams: refused past MAX_RESPONSE_BYTES (a 600 MB answer costs nothing)."""
    if (declared_size(response) or 0) > MAX_RESPONSE_BYTES:
        raise too_big(url)
    return collect(chunks_until(response, deadline), MAX_RESPONSE_BYTES, lambda: too_big(url))


def json_body(url: str, response: httpx.Response, content: bytes) -> dict[str, Any]:
    """The answer's JSON object; a 5xx, a page that is not JSON or JSON that is not an object is Unreachable."""
    if response.status_code >= 500:
        raise Unreachable(
            f"{host(url)} answered HTTP {response.status_code} ({clean(response.reason_phrase, limit=60)}).",
            "Zoho is having trouble; try again in a minute. Nothing was changed.",
        )
    try:
        body = safejson.loads(content)
    except ValueError:
        kind = "an HTML page" if "html" in response.headers.get("content-type", "") else "something that is not JSON"
        raise Unreachable(
            f"{host(url)} answered HTTP {response.status_code} with {kind} instead of Zoho's JSON.",
            "Check the data centre's URLs and any proxy or captive portal in between; nothing was changed.",
        ) from None
    if not isinstance(body, dict):
        raise Unreachable(f"{host(url)} answered with unexpected JSON.", "Nothing was changed.")
    return body
