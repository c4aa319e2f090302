"""One call from the API screen, run in a worker thread, and its answer made ready to show.

No Textual here: `CallRunner.run()` blocks (the screen runs it through `work.off_thread`) and
`cancel()` comes from the UI thread (Esc). Everything the answer holds for the screen is
already decided here: the body parsed as JSON or cleaned as text (capped), Zoho's own error
code and message as one clean line, and the connection's secrets, which the screen hides
wherever they would appear (`redactor`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from zconnect_tui import safejson
from zconnect_tui.apiout import looks_textual, one_line, terminal_safe
from zconnect_tui.model import Connection, mask
from zconnect_tui.tui.api_form import CallForm

if TYPE_CHECKING:
    from zconnect_tui.api import ApiCall
    from zconnect_tui.manager import Manager

MAX_BODY = 4 * 1024 * 1024
"""The most the screen holds of one answer (a larger one is refused, with how to get it whole): as
`wire.MAX_RESPONSE_BYTES`, not imported from there because wire loads httpx, off the UI thread only."""
MAX_TEXT = 256 * 1024
"""Characters of a non-JSON body shown (the rest is cut, and the status line says so)."""
NOT_JSON = object()


@dataclass
class Answer:
    """What the screen shows for one response."""

    status: int
    reason: str
    elapsed: float
    size: int
    content_type: str
    value: Any = NOT_JSON
    """The parsed JSON body, or NOT_JSON."""
    text: str | None = None
    """A non-JSON textual body, cleaned and cut to MAX_TEXT (None: binary, or JSON)."""
    text_cut: bool = False
    zoho_message: str = ""
    """Zoho's error code and message from the body, as one clean line."""
    refreshed: bool = False
    rate_limit_wait: float | None = None
    secrets: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def is_json(self) -> bool:
        return self.value is not NOT_JSON


def secrets_of(conn: Connection) -> tuple[str, ...]:
    """The values that must never be on screen: tokens and client secrets."""
    values = (conn.token.access_token, conn.token.refresh_token, conn.client_secret, *conn.client_secrets.values())
    return tuple(v for v in values if v and len(v) >= 8)


def redactor(secrets: tuple[str, ...]) -> Callable[[str], str]:
    """A function that writes each secret in a text as its mask (`1000.ab…f3c2`)."""
    ordered = sorted(set(secrets), key=len, reverse=True)

    def redact(text: str) -> str:
        for secret in ordered:
            if secret in text:
                text = text.replace(secret, mask(secret))
        return text

    return redact


def zoho_message(value: Any) -> str:
    """`CODE: message` from an error body of Desk, CRM, Books or Accounts ("" when there is none)."""
    if not isinstance(value, dict):
        return ""
    code = value.get("errorCode") or value.get("code") or value.get("error") or ""
    message = value.get("message") or value.get("error_description") or ""
    return one_line(": ".join(str(p) for p in (code, message) if p not in ("", None)))


def _parsed(body: bytes, content_type: str) -> Any:
    if not body or ("json" not in content_type.lower() and body.lstrip()[:1] not in (b"{", b"[")):
        return NOT_JSON
    try:
        return safejson.loads(body)  # bounded depth: 100,000 `[` from outside cannot recurse to the limit
    except ValueError:
        return NOT_JSON


class CallRunner:
    """One call on a stored connection: `run()` in a worker thread, `cancel()` from any other."""

    def __init__(self, manager: Manager, name: str, form: CallForm,
                 on_wait: Callable[[float, str], None] | None = None) -> None:
        self.manager, self.name, self.form = manager, name, form
        self.on_wait = on_wait
        """Called (in the worker thread) before a wait for Zoho's rate limit."""
        self._lock = threading.Lock()
        self._call: ApiCall | None = None
        self._cancelled = False

    def cancel(self) -> None:
        """Stop the call: a blocked read is woken, nothing more is sent."""
        with self._lock:
            self._cancelled = True
            call = self._call
        if call is not None:
            call.cancel()

    def run(self) -> Answer:
        """Send the call and read its answer (blocking; raises ZconnectError, ApiCancelled when cancelled)."""
        from zconnect_tui.api import ApiCall, ApiRequest  # httpx: loaded off the UI thread

        form = self.form
        call = ApiCall(self.manager, self.name, ApiRequest(form.method, form.path, list(form.fields),
                                                          list(form.headers)), on_wait=self.on_wait)
        with self._lock:
            self._call = call
            cancelled = self._cancelled
        if cancelled:
            call.cancel()
        before = secrets_of(self.manager.get(self.name))
        responses = call.responses()
        try:
            response = next(responses)
            body = response.read(MAX_BODY)
        finally:
            responses.close()
        after = secrets_of(self.manager.get(self.name))  # a refresh during the call stored new tokens
        answer = Answer(response.status, one_line(response.reason), response.elapsed, len(body),
                        one_line(response.content_type), value=_parsed(body, response.content_type),
                        refreshed=response.refreshed, rate_limit_wait=response.rate_limit_wait,
                        secrets=before + after)
        if answer.is_json:
            answer.zoho_message = "" if answer.ok else redactor(answer.secrets)(zoho_message(answer.value))
        elif body and looks_textual(response.content_type, body):
            text = redactor(answer.secrets)(body.decode("utf-8", "replace"))
            answer.text_cut = len(text) > MAX_TEXT
            answer.text = terminal_safe(text[:MAX_TEXT])
        return answer


def size_text(size: int) -> str:
    """`3,412 bytes`, `12.3 KiB`, `1.2 MiB`."""
    if size < 10 * 1024:
        return f"{size:,} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def elapsed_text(seconds: float) -> str:
    """`4 ms`, `210 ms`, `3.4 s`, `12 s`."""
    if seconds < 1:
        return f"{max(seconds * 1000, 1):.0f} ms"
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
