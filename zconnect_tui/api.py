"""One authenticated call to a Zoho product API, for `zconnect api` and the TUI's API screen.

    call = ApiCall(manager, "desk", ApiRequest("GET", "/api/v1/tickets", paginate=True))
    for page in call.responses():      # in a worker thread; call.cancel() from any other
        print(page.status, page.elapsed, page.read())

What it does for the caller: the URL on the connection's own host (apitarget, the one trust
rule), the token as `zconnect token` gets it, the stored context as the product wants it (its
profile's `add_context`: Desk's `orgId` header, Books' and Inventory's `organization_id`; unless
given), one refresh-and-retry on a 401, `Retry-After` on a 429 for safe methods, pages one at a
time (the profile's paginator; a record an offset repeated across a page boundary dropped), and a
cancel that wakes a blocked read.

Bounds (wire.py, as for every call zconnect makes): each HTTP request (each page, each retry)
has one overall deadline, `ZCONNECT_HTTP_TIMEOUT` (15 s by default, up to 600 s), covering
connect, upload, headers and the whole body, streamed bodies included; the waits between
attempts are bounded apart (Retry-After ≤ 60 s, 3 times). A body zconnect holds in memory (a
page it reads for the next one's parameters, JSON it pretty-prints, an error it reports) is
refused past `wire.MAX_RESPONSE_BYTES` (4 MiB); a body streamed raw to a pipe is not held, so
it is not capped and memory stays flat. A compressed body is inflated by wire.py in steps of at
most 64 KiB, each counted against the cap and the deadline (a 2 KB answer can hold 1 GiB).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx

from zconnect_tui.api_rules import (
    DEFAULT_RETRY_AFTER,
    MAX_RETRY_AFTER,
    RATE_LIMIT_RETRIES,
    SAFE_METHODS,
    json_or_none,
    rate_limited,
    retry_after,
    small,
    token_rejected,
)
from zconnect_tui.apitarget import Target, target_for
from zconnect_tui.errors import UsageError, ZconnectError
from zconnect_tui.manager import Manager
from zconnect_tui.model import REFRESH_MARGIN, Connection, now_utc
from zconnect_tui.pagination import Paginator, Params
from zconnect_tui.products import paginator_for, product_of
from zconnect_tui.saved import Field, body_from_fields, query_value, validate_header
from zconnect_tui.text import clean
from zconnect_tui.wire import (
    MAX_RESPONSE_BYTES,
    RETRY_DELAYS,
    Deadline,
    chunks_until,
    collect,
    declared_size,
    http_timeout_seconds,
    new_client,
    unreachable,
)

CHUNK = 64 * 1024


class ApiCancelled(ZconnectError):
    """The call was cancelled (Esc in the TUI)."""

    exit_code = 130


class ResponseTooLarge(ZconnectError):
    """A body that had to be held in memory was larger than its cap (MAX_RESPONSE_BYTES)."""


@dataclass
class ApiRequest:
    """What to call: method, path (or a full URL on the connection's hosts), fields, headers, body.

    Fields go into the query string for GET/HEAD/DELETE/OPTIONS and whenever a body is given,
    else into a JSON body (`key[sub]` nests, `key[]` appends, as `gh api` does).
    """

    method: str = "GET"
    path: str = "/"
    fields: list[Field] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | IO[bytes] | None = None
    """Raw body; a file must be seekable, so a refresh-and-retry can send it again."""
    paginate: bool = False


class ApiResponse:
    """One response (one page with --paginate): status and headers at once, the body on demand."""

    def __init__(self, call: ApiCall, raw: httpx.Response, page: int, started: float, deadline: Deadline) -> None:
        self._call = call
        self._raw = raw
        self._deadline = deadline
        self._body: bytes | None = None
        self._started = started
        self.page = page
        self.status = raw.status_code
        self.reason = raw.reason_phrase
        self.http_version = raw.http_version
        self.headers: list[tuple[str, str]] = list(raw.headers.multi_items())
        self.url = str(raw.request.url)
        self.elapsed = time.monotonic() - started
        self.rate_limit_wait: float | None = None
        """Set when Zoho's rate limit was hit and not waited out (unsafe method or too long a wait)."""
        self.refreshed = False
        """The token was refreshed (after a 401) before this response."""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        value: str = self._raw.headers.get("content-type", "")
        return value

    def iter_bytes(self) -> Iterator[bytes]:
        """The body as it arrives (decoded from gzip if Zoho compressed it), within the request's deadline."""
        if self._body is not None:
            yield self._body
            return
        with self._call._guard(self.url):
            for chunk in chunks_until(self._raw, self._deadline):
                self._call._check_cancel()
                yield chunk
        self.elapsed = time.monotonic() - self._started

    def read(self, limit: int = MAX_RESPONSE_BYTES) -> bytes:
        """The whole body, held in memory: refused beyond `limit`, as it streams."""
        if self._body is None:
            def refuse() -> ResponseTooLarge:
                return ResponseTooLarge(f"The response is larger than {limit // (1024 * 1024)} MiB, more than "
                                        "zconnect holds in memory.", "Ask for fewer records per page, or send "
                                        "the output to a file (a single response is then streamed, not held).")

            if (declared_size(self._raw) or 0) > limit:
                raise refuse()
            self._body = collect(self.iter_bytes(), limit, refuse)
        return self._body

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        return json_or_none(self.read())

    def rewrite(self, value: Any) -> None:
        """Replace the (read) body with `value` as JSON: a page whose repeated records were dropped."""
        self._body = json.dumps(value, ensure_ascii=False).encode("utf-8")

    def close(self) -> None:
        self._raw.close()


class ApiCall:
    """An API call on a stored connection; cancellable from another thread."""

    def __init__(self, manager: Manager, name: str, request: ApiRequest,
                 *, on_wait: Callable[[float, str], None] | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.manager = manager
        self.name = name
        self.request = request
        self.on_wait = on_wait
        """Called with (seconds, why) before waiting out Zoho's rate limit."""
        self._transport = transport
        self._cancel = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self.refreshes = 0
        self.requests_sent = 0

    # ----- cancelling ---------------------------------------------------------------------------
    def cancel(self) -> None:
        """Stop the call: waits end at once and a blocked read is woken (its socket shut down)."""
        self._cancel.set()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise ApiCancelled("Cancelled.", "Nothing more was sent.")

    def _trace(self, event: str, info: dict[str, Any]) -> None:
        # httpcore's trace hook hands us each new socket, so cancel() can wake a blocked read.
        if event == "connection.connect_tcp.complete":
            sock = getattr(info.get("return_value"), "get_extra_info", lambda _: None)("socket")
            if isinstance(sock, socket.socket):
                with self._lock:
                    self._sockets.append(sock)
                if self._cancel.is_set():
                    self.cancel()

    def _wait(self, seconds: float, why: str = "") -> None:
        """Wait, cancellably; `why` (a wait the user should hear about) goes to `on_wait`."""
        if why and self.on_wait is not None:
            self.on_wait(seconds, why)
        if self._cancel.wait(seconds):
            self._check_cancel()

    @contextlib.contextmanager
    def _guard(self, url: str = "") -> Iterator[None]:
        """Network errors become Unreachable (exit 4), or ApiCancelled when cancel() caused them."""
        try:
            yield
        except (httpx.HTTPError, OSError) as exc:
            if self.cancelled:
                raise ApiCancelled("Cancelled.", "The call was stopped part-way.") from None
            if isinstance(exc, httpx.HTTPError):
                raise unreachable(url or self.request.path, exc, nothing_changed=False) from None
            raise

    # ----- preparing ----------------------------------------------------------------------------
    def _prepare(self) -> tuple[Connection, Target, str, Params, dict[str, str], bytes | IO[bytes] | None]:
        snap = self.manager.snapshot()
        conn = snap.get(self.name)
        target = target_for(conn, snap.dcs())
        req = self.request
        method = req.method.upper()
        url = target.url_for(req.path)
        parts = urlsplit(url)
        params: Params = parse_qsl(parts.query, keep_blank_values=True)
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        headers: dict[str, str] = {}
        for key, value in req.headers:
            # The one header rule, however the request was built (-H, a filled {placeholder}, a saved API's):
            # never a second Authorization, nor a Host; one line of ASCII.
            key, value = validate_header(key, value)
            headers[key] = value
        body = req.body
        if req.fields and (body is not None or method in ("GET", "HEAD", "DELETE", "OPTIONS")):
            params += [(k, query_value(v)) for k, v in req.fields]
        elif req.fields:
            body = json.dumps(body_from_fields(req.fields), ensure_ascii=False).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        elif body is not None and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        # The stored context is the connection's product's own: sent only on that product's paths.
        product = product_of(conn.service)
        product.add_context(conn, parts.path, product.key in target.own_hosts(url), params, headers)
        return conn, target, url, params, headers, body

    def _client_for(self, url: str) -> httpx.Client:
        if self._client is None:
            self._client = new_client(url, self._transport)  # wire.py: proxies, no redirects, the user agent
        return self._client

    # ----- sending ------------------------------------------------------------------------------
    def _token(self, failed: str | None = None) -> str:
        """The token as `zconnect token` gets it; after a 401, a refreshed one (once)."""
        if failed is None:
            return self.manager.access_token(self.name)
        stored = self.manager.get(self.name).token.access_token
        if stored and stored != failed:  # another process refreshed meanwhile
            return self.manager.access_token(self.name)
        self.refreshes += 1
        return self.manager.refresh(self.name).token.access_token

    def _send(self, target: Target, url: str, method: str, params: Params, headers: dict[str, str],
              body: bytes | IO[bytes] | None, token: str, page: int) -> tuple[ApiResponse, str]:
        """Send with the retry rules; returns the response (body unread) and the token in use."""
        client = self._client_for(url)
        refreshed = False
        rate_waits = 0
        attempt = 0
        while True:
            self._check_cancel()
            content: Any = body
            sent_headers = {**headers, "Authorization": f"Zoho-oauthtoken {token}"}
            if body is not None and not isinstance(body, bytes):
                # A file is streamed (memory stays flat) with its length, not chunked: not every
                # server takes chunked uploads. Rewound for a retry after a refresh.
                sent_headers["Content-Length"] = str(body.seek(0, 2))
                body.seek(0)
                content = iter(lambda: body.read(CHUNK), b"")
            # One overall deadline for this request: connect, upload, headers and the whole body.
            deadline = Deadline(http_timeout_seconds())
            try:
                request = client.build_request(method, url, params=tuple(params), content=content,
                                               headers=sent_headers,
                                               extensions={"trace": self._trace, "timeout": deadline})
            except httpx.InvalidURL as exc:
                raise UsageError(f"zconnect cannot send to {clean(url, limit=120, escape=True)}: "
                                 f"{clean(str(exc), limit=120)}.", "Check the path and the fields.") from None
            target.check(str(request.url))  # the final URL, as httpx will send it
            started = time.monotonic()
            refused = False
            with self._guard(url):
                try:
                    raw = client.send(request, stream=True)
                except httpx.ConnectError:
                    # A refused connection never reached Zoho: safe to repeat for any method (the
                    # backoff is wire.RETRY_DELAYS; 502/503/504 are repeated for safe methods only).
                    if attempt >= len(RETRY_DELAYS) or self.cancelled:
                        raise
                    refused = True
            if refused:
                self._wait(RETRY_DELAYS[attempt])
                attempt += 1
                continue
            self.requests_sent += 1
            response = ApiResponse(self, raw, page, started, deadline)
            response.refreshed = refreshed
            status = raw.status_code
            if status in (401, 400, 403, 429) and small(raw):
                error_body = json_or_none(response.read())
                if status == 401 and not refreshed and token_rejected(error_body):
                    response.close()
                    token = self._token(failed=token)
                    refreshed = True
                    continue
                if rate_limited(status, error_body):
                    wait = retry_after(raw.headers)
                    wait = DEFAULT_RETRY_AFTER if wait is None else wait
                    if method in SAFE_METHODS and wait <= MAX_RETRY_AFTER and rate_waits < RATE_LIMIT_RETRIES:
                        response.close()
                        rate_waits += 1
                        self._wait(wait, f"Zoho's rate limit (HTTP {status})")
                        continue
                    response.rate_limit_wait = wait
            elif status in (502, 503, 504) and method in SAFE_METHODS and attempt < len(RETRY_DELAYS):
                response.close()
                self._wait(RETRY_DELAYS[attempt])
                attempt += 1
                continue
            return response, token

    def responses(self) -> Generator[ApiResponse, None, None]:
        """Each response in turn: one, or every page with `paginate`. Close each before the next."""
        conn, target, url, params, headers, body = self._prepare()
        method = self.request.method.upper()
        paginator: Paginator | None = None
        if self.request.paginate and method != "GET":
            raise UsageError(f"--paginate follows lists read with GET, not {method}.",
                             "Page a POST (e.g. CRM's COQL) with its own LIMIT/OFFSET.")
        if self.request.paginate:
            paginator = paginator_for(urlsplit(url).path, target.own_hosts(url))
            if paginator is None:
                raise UsageError(f"zconnect does not know how {urlsplit(url).path} pages.",
                                 "--paginate follows Desk (from/limit), CRM (page/per_page, page_token), "
                                 "Books and Inventory (page/per_page) and Projects (index/range); page other "
                                 "APIs with -f.")
            params = paginator.first(params)
        token = self._token()
        expires = conn.token.expires_at if token == conn.token.access_token \
            else self.manager.get(self.name).token.expires_at
        page = 1
        try:
            while True:
                if expires is not None and expires - now_utc() <= REFRESH_MARGIN:
                    token = self._token()  # a long walk outlives the token: renew it between pages
                    expires = self.manager.get(self.name).token.expires_at
                response, token = self._send(target, url, method, params, headers, body, token, page)
                try:
                    following = self._page(paginator, params, response)
                    yield response
                    if paginator is None or not response.ok or response.status == 204:
                        return
                finally:
                    response.close()
                if following is None:
                    return
                if following == params:
                    raise ZconnectError(f"Zoho sent page {page} again without a way forward; stopped.",
                                        "The pages so far were written out.")
                params = following
                page += 1
        finally:
            if self._client is not None:
                self._client.close()

    @staticmethod
    def _page(paginator: Paginator | None, params: Params, response: ApiResponse) -> Params | None:
        """The next page's parameters, read from this page before it is handed on; records a page
        boundary repeated are dropped from it first (then the page is written without them)."""
        if paginator is None or not response.ok or response.status == 204:
            return None
        body = response.json()
        following = paginator.next(params, body)  # on the page as sent: its length moves the offset
        if paginator.drop_repeats(body):
            response.rewrite(body)
        return following

    def run(self) -> ApiResponse:
        """One call, its body read into memory (for the TUI; pages: iterate `responses()`)."""
        for response in self.responses():
            response.read()
            return response
        raise AssertionError("responses() yields at least once")  # pragma: no cover


