"""Zoho's device flow on screen, for Non-browser clients: the user code large, the verification URL,
copy buttons, a live countdown to the code's expiry, every poll answer in words, cancel and a new code.

The same panel runs in the wizard's step 6 (Non-browser branch) and in the dashboard's authorize
dialog. One async worker per attempt drives it: asking Zoho for a code, polling (blocking, in a
thread, `Manager.poll_device`) and storing the tokens all run off the UI thread; the poll reports a
`DeviceProgress` about once a second, posted back to this widget. Cancelling ends the poll at once.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, ProgressBar, Static

from zconnect_tui.errors import AccessDenied, FlowCancelled, FlowTimeout, ZconnectError
from zconnect_tui.model import Connection
from zconnect_tui.text import clean
from zconnect_tui.tui import stylesheet
from zconnect_tui.tui.consent import ConsentPanel, DcSecretForm, Phase
from zconnect_tui.tui.url_text import UrlText
from zconnect_tui.tui.widgets import OSC52_NOTE, FieldError, Guide, as_error
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.device import DeviceFlow, DeviceProgress
    from zconnect_tui.manager import Manager
    from zconnect_tui.tui.remedies import StepLabel


def clock_text(seconds: float) -> str:
    """4:05"""
    whole = max(int(seconds + 0.5), 0)
    return f"{whole // 60}:{whole % 60:02d}"


def spaced(code: str) -> str:
    """The user code with a space between characters, so each one reads alone from a distance."""
    return " ".join(code) if len(code) <= 24 else code


def answer_words(progress: DeviceProgress) -> str:
    """Zoho's last poll answer, in words (the code in brackets, as Zoho's documentation names it)."""
    wait = clock_text(progress.next_poll)
    if progress.answer == "authorization_pending":
        times = "once" if progress.polls == 1 else f"{progress.polls} times"
        return f"Zoho: not approved yet (authorization_pending) · asked {times} · next check in {wait}"
    if progress.answer == "slow_down":
        return f"Zoho: asked too often (slow_down), so zconnect waits longer · next check in {wait}"
    if progress.answer == "other_dc":
        return f"Zoho: you are in the {progress.dc} data centre (other_dc) · asking {progress.dc} now"
    if progress.answer == "unreachable":
        return f"Zoho ({progress.dc}) did not answer · trying again in {wait}"
    return f"Waiting for you to enter the code · first check with Zoho in {wait}"


class DevicePanel(ConsentPanel):
    """One device-flow attempt at a time for the Non-browser connection `name`; New code starts again."""

    DEFAULT_CSS = stylesheet("device.tcss")
    retry_label = "New code"

    class _Progress(Message):
        def __init__(self, flow: DeviceFlow, progress: DeviceProgress) -> None:
            super().__init__()
            self.flow, self.progress = flow, progress

    class _Approved(Message):
        def __init__(self, flow: DeviceFlow) -> None:
            super().__init__()
            self.flow = flow

    def __init__(self, manager: Manager, *, step: StepLabel | None = None, id: str | None = None) -> None:  # noqa: A002
        super().__init__(manager, step=step, id=id, classes="device-panel")
        self.flow: DeviceFlow | None = None
        self.last: DeviceProgress | None = None
        """The latest countdown tick (tests and the snapshot read it)."""

    def compose(self) -> ComposeResult:
        # Ordered for 80×24: what to do, then the URL and the code, then how the wait goes.
        yield Guide("", id="device-intro")
        with Horizontal(classes="device-row"):
            yield Static("1. Open", classes="device-label")
            yield UrlText(id="device-url")  # broken only after a "/", never inside a word
            yield Button("Copy URL", id="device-copy-url", compact=True)
        with Horizontal(classes="device-row"):
            yield Static("2. Enter", classes="device-label")
            yield Static("", id="device-code", markup=False)
            yield Button("Copy code", id="device-copy-code", compact=True)
        with Horizontal(classes="device-row", id="device-life-row"):
            yield Static("", id="device-expiry", markup=False)
            yield ProgressBar(id="device-life", show_eta=False, show_percentage=False)
        yield Static("", id="device-status", markup=False)
        yield Static("", id="device-note", markup=False)
        yield FieldError(id="device-error", step=self.step)
        yield DcSecretForm(self.manager, step=self.step)
        with Horizontal(classes="buttons"):
            yield Button("New code", id="device-retry", classes="consent-retry", variant="primary", compact=True)
            # Not red: it ends a wait, nothing is lost; a red button reads as the focused one (#22).
            yield Button("Cancel (esc)", id="device-cancel", classes="consent-cancel", compact=True)

    @property
    def user_code(self) -> str:
        """The code shown now ("" before Zoho gave one)."""
        return self.flow.code.user_code if self.flow is not None and self.flow.code is not None else ""

    @property
    def url(self) -> str:
        return self.flow.code.verification_url if self.flow is not None and self.flow.code is not None else ""

    # ----- life cycle ------------------------------------------------------------------------
    def start(self, name: str, *, register: str | None = None) -> None:
        """Ask Zoho for a new code for `name` (ending any previous attempt), then poll (a device flow has
        no redirect URI: `register` does not apply)."""
        self.stop()
        self.name_, self.conn, self.error, self.last = name, None, None, None
        self.query_one("#device-error", FieldError).clear()
        self.secret_form().hide()
        self._note("")
        self._show_code(None)
        self.query_one("#device-status", Static).update("Asking Zoho for a code…")
        self._set_phase(Phase.STARTING)
        self._set_buttons(waiting=True)
        self._attempt(name)

    def stop(self) -> None:
        """End the current attempt (the poll thread returns within a second); safe to call twice."""
        self.workers.cancel_group(self, "device")
        flow, self.flow = self.flow, None
        if flow is not None:
            flow.cancel()

    def cancel(self) -> None:
        """The user's cancel (Esc, the Cancel button): stop and say so; New code starts again."""
        if not self.busy:
            return
        storing = self.phase == Phase.EXCHANGING
        self.stop()
        self.error = FlowCancelled("Authorization cancelled.")
        self.query_one("#device-status", Static).update(
            "Cancelled. The tokens were already being stored: if that completes, the connection is authorized."
            if storing else "Cancelled. New code asks Zoho for a fresh code.")
        self._set_phase(Phase.CANCELLED)
        self._after_attempt()

    def on_unmount(self) -> None:
        self.stop()

    # ----- the worker ------------------------------------------------------------------------
    @work(exclusive=True, group="device", exit_on_error=False)
    async def _attempt(self, name: str) -> None:
        manager = self.manager

        def open_flow() -> DeviceFlow:
            flow = manager.begin_device(name)
            manager.start_device(flow)
            return flow

        def poll_and_store(flow: DeviceFlow) -> Connection:
            # One thread for both: tokens Zoho issues as the user cancels are stored, not dropped
            # (the grant is used up once Zoho answered with them).
            result = manager.poll_device(flow, lambda p: self.post_message(self._Progress(flow, p)))
            self.post_message(self._Approved(flow))
            return manager.complete_device(flow, result)

        try:
            flow = await off_thread(open_flow, on_drop=lambda f: f.cancel())
            self.flow = flow
            self._describe(flow)
            self._set_phase(Phase.WAITING)
            conn = await off_thread(lambda: poll_and_store(flow))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is shown, none may crash the app
            self._fail(as_error(exc))
            return
        self.conn = conn
        self.query_one("#device-status", Static).update(
            f"✔ Approved: {conn.name} is authorized ({conn.token_state()}, data centre {conn.location or conn.dc}).")
        self._set_phase(Phase.DONE)
        self._after_attempt()
        self.post_message(self.Succeeded(conn))

    # ----- display -----------------------------------------------------------------------------
    def _describe(self, flow: DeviceFlow) -> None:
        conn, code = flow.conn, flow.code
        assert code is not None
        number = "6. " if self.step is not None else ""  # the wizard's step 6; the dashboard's dialog has none
        # Two lines at 60 columns: then the URL, the code and the live status below them fit 60×20.
        self.query_one("#device-intro", Guide).update(
            f"[b]{number}Authorize {conn.name} from any device with a browser[/] (a phone will do): open the page, "
            "enter the code and approve.")
        self._show_code(code.user_code, code.verification_url)
        self.query_one("#device-life", ProgressBar).update(total=code.expires_in, progress=code.expires_in)
        self.query_one("#device-expiry", Static).update(f"The code expires in {clock_text(code.expires_in)}")
        self.query_one("#device-copy-code", Button).focus(scroll_visible=False)

    def _show_code(self, user_code: str | None, url: str = "") -> None:
        for widget in self.query(".device-row"):
            widget.display = user_code is not None
        # Zoho's strings: checked when parsed (device.parse_device_code), cleaned again where shown.
        self.query_one("#device-code", Static).update(spaced(clean(user_code or "", limit=64)))
        self.query_one("#device-url", UrlText).set_url(clean(url, limit=512))

    @on(_Approved)
    def _approved(self, message: _Approved) -> None:
        if message.flow is self.flow and self.phase == Phase.WAITING:
            self._set_phase(Phase.EXCHANGING)
            self.query_one("#device-status", Static).update("Approved at Zoho; storing the tokens…")

    @on(_Progress)
    def _progress(self, message: _Progress) -> None:
        if message.flow is not self.flow or self.phase != Phase.WAITING:
            return  # a tick from an attempt that was cancelled or replaced
        progress = self.last = message.progress
        self.query_one("#device-expiry", Static).update(f"The code expires in {clock_text(progress.remaining)}")
        self.query_one("#device-life", ProgressBar).update(progress=progress.remaining)
        # The data centre keys in these come from the connections file, the answer from Zoho.
        self.query_one("#device-status", Static).update(clean(answer_words(progress)))
        if progress.note:  # slow_down, other_dc, a blip: stays until the next one
            self._note(clean(progress.note) + ".")

    def _note(self, text: str) -> None:
        note = self.query_one("#device-note", Static)
        note.update(text)
        note.display = bool(text)

    def _fail(self, error: ZconnectError) -> None:
        self.error = error
        cancelled = isinstance(error, FlowCancelled)
        status = self.query_one("#device-status", Static)
        widget = self.query_one("#device-error", FieldError)
        if isinstance(error, FlowTimeout):
            status.update("✘ The code expired before it was approved (expired).")
            widget.show("Zoho keeps a code 5 minutes. Press New code for a fresh one, then enter it at once.")
            self.secret_form().hide()
        elif isinstance(error, AccessDenied):
            status.update("✘ The request was denied at Zoho's verification page (access_denied).")
            widget.show("Press New code to try again, and approve the request this time.")
            self.secret_form().hide()
        else:
            status.update("Cancelled." if cancelled else "✘ Not authorized.")
            if not cancelled:
                self._show_error(widget, error)
        self._set_phase(Phase.CANCELLED if cancelled else Phase.FAILED)
        self._after_attempt()

    def _after_attempt(self) -> None:
        self._show_code(None)  # used, expired, denied or no longer polled: only New code helps now
        self._set_buttons(waiting=False)
        if self.phase != Phase.DONE and not self.secret_form().display:  # else the secret field has it
            self.query_one("#device-retry", Button).focus(scroll_visible=False)

    def _set_buttons(self, *, waiting: bool) -> None:
        self.query_one("#device-retry", Button).display = not waiting and self.phase != Phase.DONE
        self.query_one("#device-cancel", Button).display = waiting

    # ----- user actions --------------------------------------------------------------------------
    @on(Button.Pressed, "#device-copy-url, #device-copy-code")
    def _copy(self, event: Button.Pressed) -> None:
        event.stop()
        what, value = (("code", self.user_code) if event.button.id == "device-copy-code"
                       else ("verification URL", self.url))
        if value:
            self.app.copy_to_clipboard(value)
            self.notify(f"Copied the {what} ({OSC52_NOTE}).", timeout=4, markup=False)


__all__ = ["DcSecretForm", "DevicePanel", "Phase"]
