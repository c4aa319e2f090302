"""The loopback listener that catches Zoho's consent redirect (RFC 8252 §7.3, §8.3).

It binds 127.0.0.1 only, for the duration of one flow, and answers only `GET /callback` and the one-time
start links the browser is opened on (`GET /start/<random>`: a 302 to the consent URL, once; see loopback.py).
It runs asyncio in its own thread, so hostile or slow clients cost a coroutine, not a
thread; requests are bounded in size, time and concurrency. A request whose `state` is
missing or wrong gets an error page and does not end the wait; the first valid callback
(or a pasted one, via `deliver`) does. No page echoes a code or token.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from zconnect_tui.errors import (
    AccessDenied,
    Fix,
    FlowCancelled,
    FlowError,
    FlowTimeout,
    PortInUse,
    Remedy,
    StartLinkReused,
    StateMismatch,
    ZconnectError,
)
from zconnect_tui.loopback import START_PREFIX, StartLinks, Take, another_users, host_allowed, redirect
from zconnect_tui.loopback import page as _page
from zconnect_tui.model import REDIRECT_PATH
from zconnect_tui.text import clean

MAX_REQUEST_BYTES = 16 * 1024
REQUEST_TIMEOUT = 10.0
MAX_CONNECTIONS = 64


@dataclass
class CallbackResult:
    """What the redirect (or a pasted URL/code) carried."""

    code: str = field(repr=False)
    location: str | None = None
    accounts_server: str | None = None
    via: str = "listener"


@dataclass
class ListenerStats:
    """Counters for tests and the reliability benchmark."""

    connections: int = 0
    callbacks_accepted: int = 0
    start_links_followed: int = 0
    rejected: dict[str, int] = field(default_factory=dict)

    def reject(self, reason: str) -> None:
        self.rejected[reason] = self.rejected.get(reason, 0) + 1


def state_matches(given: str | None, expected: str) -> bool:
    """Constant-time compare on bytes (`compare_digest` raises on non-ASCII str)."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8"))


def interpret_params(params: dict[str, list[str]], expected_state: str | None, via: str) -> CallbackResult:
    """Apply the callback rules to parsed query parameters.

    `state` is checked before anything else, so `error=access_denied&state=wrong` cannot end
    a flow. `expected_state=None` skips the check (a bare pasted code has no state).
    """
    if any(len(values) > 1 for values in params.values()):
        raise FlowError("The redirect repeats a parameter.", "Ignored; waiting for the real redirect.")
    first = {k: v[0] for k, v in params.items()}
    if expected_state is not None and not state_matches(first.get("state"), expected_state):
        raise StateMismatch(
            "This redirect does not belong to the sign-in zconnect started (state mismatch).",
            "Use the consent link zconnect showed for this attempt.",
        )
    if "error" in first:
        if first["error"] == "access_denied":
            # Zoho sends the same error for both (facts §3.3): say both.
            raise AccessDenied("Zoho answered access_denied: either Deny was clicked on the consent page, or "
                               "Zoho's limit of 10 authorization codes per 10 minutes for this client was reached.",
                               "Authorize again and click Accept; if you did click Accept, wait 10 minutes first.")
        raise AccessDenied(f"Zoho's consent page returned the error {clean(first['error'], limit=80)!r}.",
                           "Check the client's settings in the API Console and authorize again.")
    code = first.get("code", "").strip()
    if not code:
        raise FlowError("The redirect carries no authorization code.", "Authorize again.")
    if not (code.isascii() and code.isprintable() and " " not in code and len(code) <= 512):
        raise FlowError("The redirect's code is not a Zoho code.", "Authorize again.")
    location = first.get("location")
    return CallbackResult(code=code, location=clean(location, limit=40) if location is not None else None,
                          accounts_server=first.get("accounts-server"), via=via)


_ALREADY_DONE = _page(409, "Already done", "zconnect has finished this sign-in; you can close this tab.")
"""The answer to anything that arrives once the flow has its result."""


class Outcome:
    """The single result of a flow: the first delivered result or error wins (thread-safe)."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._value: CallbackResult | BaseException | None = None

    @property
    def finished(self) -> bool:
        return self._value is not None

    def deliver(self, value: CallbackResult | BaseException) -> bool:
        """Record the outcome unless one exists; returns whether this one won."""
        with self._lock:
            if self._value is not None:
                return False
            self._value = value
        self._done.set()
        return True

    def cancel(self) -> None:
        self.deliver(FlowCancelled("Authorization cancelled.", "Run it again when you are ready."))

    def wait(self, timeout: float) -> CallbackResult:
        """Block until the outcome; raise its error, or FlowTimeout after `timeout` seconds."""
        if not self._done.wait(timeout):
            self.deliver(FlowTimeout(
                f"Nothing arrived within {int(timeout)} seconds.",
                "Paste the address the browser landed on, or authorize again (try --timeout to wait longer).",
            ))
        value = self._value
        if isinstance(value, BaseException):
            raise value
        assert value is not None
        return value


class CallbackListener:
    """Serve `GET /callback` on 127.0.0.1:`port` until a valid callback, a cancel or a timeout."""

    def __init__(self, port: int, expected_state: str, *, max_connections: int = MAX_CONNECTIONS,
                 request_timeout: float = REQUEST_TIMEOUT, max_request_bytes: int = MAX_REQUEST_BYTES,
                 check: Callable[[CallbackResult], object] | None = None, consent_url: str | None = None) -> None:
        self.requested_port = port
        self.expected_state = expected_state
        self.start_links = StartLinks(consent_url) if consent_url else None
        self.check = check
        """Run on a callback whose state matched; a ZconnectError ends the flow with it (a 400 page)."""
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self.max_request_bytes = max_request_bytes
        self.stats = ListenerStats()
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._active = 0
        self.outcome = Outcome()

    # ----- life cycle -----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._sock.getsockname()[1] if self._sock else self.requested_port

    def start(self) -> None:
        """Bind now (so the browser never races an unbound port) and serve in a thread."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if sys.platform != "win32":
                # Lets a re-run reuse a port in TIME_WAIT; POSIX still refuses a port someone listens on.
                # (On Windows the same option would let two programs share a port, so it is not set.)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", self.requested_port))
            sock.listen(128)
        except OSError as exc:
            sock.close()
            raise _bind_error(self.requested_port, exc) from None
        sock.setblocking(False)
        self._sock = sock
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="zconnect-listener", daemon=True)
        self._thread.start()
        ready.wait(5)

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._handle, sock=self._sock, limit=self.max_request_bytes))
            ready.set()
            loop.run_forever()
        finally:
            ready.set()
            if self._server is not None:
                self._server.close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

    def close(self) -> None:
        """Stop listening and release the port."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:  # loop closed between the check and the call
                pass
        if self._thread is not None:
            self._thread.join(5)
        if self._sock is not None:
            self._sock.close()

    def start_link(self) -> str:
        """A new one-time link to give the browser instead of the consent URL (after `start`)."""
        assert self.start_links is not None, "a listener without a consent URL has no start link"
        return self.start_links.new(self.port)

    # ----- outcome --------------------------------------------------------------------------------
    def deliver(self, value: CallbackResult | BaseException) -> bool:
        return self.outcome.deliver(value)

    def cancel(self) -> None:
        self.outcome.cancel()

    @property
    def finished(self) -> bool:
        return self.outcome.finished

    def wait(self, timeout: float) -> CallbackResult:
        return self.outcome.wait(timeout)

    # ----- HTTP -----------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.stats.connections += 1
        if self._active >= self.max_connections:
            self.stats.reject("too_many_connections")
            writer.transport.abort()
            return
        self._active += 1
        try:
            response = await self._respond(reader, writer.get_extra_info("peername"),
                                           writer.get_extra_info("sockname"))
            if response:
                writer.write(response)
                await asyncio.wait_for(writer.drain(), self.request_timeout)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass
        finally:
            self._active -= 1
            writer.close()

    async def _respond(self, reader: asyncio.StreamReader, peer: tuple[str, int] | None,
                       local: tuple[str, int] | None) -> bytes | None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.request_timeout)
        except TimeoutError:
            self.stats.reject("slow_request")
            return _page(408, "Request timed out", "Nothing to see here.")
        except asyncio.LimitOverrunError:
            self.stats.reject("request_too_large")
            return _page(431, "Request too large", "Nothing to see here.")
        except (asyncio.IncompleteReadError, ConnectionError):
            self.stats.reject("incomplete_request")
            return None
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            self.stats.reject("malformed")
            return _page(400, "Bad request", "Nothing to see here.")
        method, target, _ = parts
        try:
            url = urlsplit(target)
        except ValueError:  # e.g. `GET http://[::1/callback`: an unclosed IPv6 bracket
            self.stats.reject("malformed")
            return _page(400, "Bad request", "Nothing to see here.")
        if not host_allowed(head, self.port):
            self.stats.reject("bad_host")
            return _page(400, "Bad request", "zconnect answers only at its own loopback address.")
        start = url.path.startswith(START_PREFIX) and self.start_links is not None
        if url.path != REDIRECT_PATH and not start:
            self.stats.reject("wrong_path")
            return _page(404, "Not found", "zconnect only answers its sign-in redirect here.")
        if method != "GET":
            self.stats.reject("wrong_method")
            return _page(405, "Method not allowed", "zconnect only accepts the browser's redirect (GET).")
        if another_users(peer, local):  # Linux: the asking socket belongs to another user of this machine
            self.stats.reject("other_user")
            return _page(403, "Not yours", "This sign-in belongs to another user of this machine.")
        if start:
            return self._start(url.path, url.query)
        if self.finished:
            self.stats.reject("after_finish")
            return _ALREADY_DONE
        try:
            params = parse_qs(url.query, keep_blank_values=True, errors="strict", max_num_fields=32)
            result = interpret_params(params, self.expected_state, "listener")
        except (UnicodeDecodeError, ValueError):
            self.stats.reject("bad_query")
            return _page(400, "Bad request", "This address is not a Zoho sign-in redirect.")
        except AccessDenied as exc:
            self.deliver(exc)
            return _page(200, "Access was not granted", f"{exc.message} {exc.hint} You can close this tab.")
        except StateMismatch as exc:
            self.stats.reject("state_mismatch")
            return _page(400, "Not accepted", f"{exc.message} zconnect is still waiting.")
        except FlowError as exc:
            self.stats.reject("bad_callback")
            return _page(400, "Not accepted", f"{exc.message} zconnect is still waiting.")
        if self.check is not None:
            try:
                self.check(result)
            except ZconnectError as exc:  # e.g. an accounts server the connection does not trust
                self.stats.reject("untrusted")
                self.deliver(exc)
                return _page(400, "Not accepted", exc.one_line())
        if self.deliver(result):
            self.stats.callbacks_accepted += 1
            return _page(200, "zconnect is connected",
                         "The authorization reached zconnect. You can close this tab and go back to the terminal.")
        return _ALREADY_DONE

    def _start(self, path: str, query: str) -> bytes:
        """A start link: the first GET is sent on to the consent page; a second one stops the attempt."""
        assert self.start_links is not None
        taken = Take.UNKNOWN if query else self.start_links.take(path)
        if taken is Take.UNKNOWN:
            self.stats.reject("wrong_start_link")
            return _page(404, "Not found", "This is not a sign-in link zconnect gave out.")
        if taken is Take.USED:
            # Someone else may have had it first (it was in the browser's command line): whatever they
            # do next, no code is accepted in this attempt.
            self.stats.reject("start_link_reused")
            self.deliver(StartLinkReused(
                "The sign-in link zconnect gave the browser was opened twice (another program on this machine "
                "may have opened it first), so this attempt was stopped and accepts no code.",
                "Authorize again; if it happens again, check what else runs on this machine."))
            return _page(409, "This link was already used",
                         "This sign-in link works once and was already used — start again in zconnect. "
                         "zconnect has stopped this attempt; no code from it will be accepted.")
        if self.finished:
            self.stats.reject("after_finish")
            return _ALREADY_DONE
        self.stats.start_links_followed += 1
        return redirect(self.start_links.target)


def _bind_error(port: int, exc: OSError) -> PortInUse:
    remedy = Remedy(Fix.CHOOSE_PORT, port=port)
    if exc.errno == errno.EADDRINUSE:
        return PortInUse(f"Port {port} on 127.0.0.1 is already in use.", remedy=remedy)
    if exc.errno in (errno.EACCES, errno.EPERM):
        return PortInUse(f"This system does not allow listening on port {port} ({exc.strerror}).", remedy=remedy)
    return PortInUse(f"Cannot listen on 127.0.0.1:{port} ({exc.strerror}).", remedy=remedy)


def port_is_free(port: int) -> bool:
    """Whether the listener could bind 127.0.0.1:`port` now.

    SO_REUSEADDR, as the listener sets it, ignores sockets in TIME_WAIT (e.g. our own listener
    just closed after a cancelled attempt) but still fails when another program listens there.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if sys.platform != "win32":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def find_free_port(preferred: int, tries: int = 50) -> int:
    """`preferred` if nothing listens there, else the next free port after it."""
    for port in range(preferred, preferred + tries):
        if port_is_free(port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
