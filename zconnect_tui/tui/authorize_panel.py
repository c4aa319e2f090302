"""The consent attempt on screen: listener + browser + paste box, a live countdown, cancel and retry.

The same panel runs in the wizard's step 6 and in the dashboard's authorize dialog. One async
worker per attempt drives it; every blocking part (binding the listener, the wait, the code
exchange) runs off the UI thread (`work.off_thread`). Cancelling the worker ends the wait at once;
an exchange already under way completes in the core and stores its tokens (the UI drops its answer).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Static

from zconnect_tui.errors import FlowCancelled, FlowTimeout, ZconnectError
from zconnect_tui.tui.consent import ConsentPanel, DcSecretForm, Phase
from zconnect_tui.tui.remedies import StepLabel
from zconnect_tui.tui.url_text import UrlText
from zconnect_tui.tui.widgets import OSC52_NOTE, CopyValue, FieldError, Guide, as_error
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.flow import AuthorizationFlow
    from zconnect_tui.manager import Manager

DEFAULT_TIMEOUT = 300.0
"""Seconds to wait for Zoho's redirect or a paste (flow.DEFAULT_TIMEOUT; not imported for the first frame)."""


def clock() -> float:
    """Monotonic seconds; a module-level function so snapshot tests can freeze the countdown."""
    return time.monotonic()


def invalid_redirect_words(uri: str) -> str:
    """What Zoho's "Invalid Redirect Uri" page means, and where to fix it (the URI is the file's: escaped)."""
    return (f"Zoho says [b]Invalid Redirect Uri[/]? Add {escape(uri)} to the client's Authorized Redirect URIs "
            "in the API Console (Client Details), then [b]Open browser[/] again.")


class PasteBox(Input):
    """The paste box: a paste of several lines (an address a terminal wrapped) is kept whole, its lines
    joined by a space, where an Input keeps the first line only; the check drops the spaces again
    (`flow.parse_pasted`)."""

    def _on_paste(self, event: events.Paste) -> None:
        # Textual then runs Input's own handler (each class's in turn), which inserts `event.text`.
        pieces = event.text.split()
        if len(pieces) > 1:
            event.text = " ".join(pieces)


class AuthorizePanel(ConsentPanel):
    """One consent attempt at a time for the connection `name`; Retry starts a fresh one."""

    DEFAULT_CSS = """
    AuthorizePanel #auth-url {
        padding: 0 1;
        background: $boost;
    }
    AuthorizePanel #auth-status {
        margin: 1 0 0 0;
        text-style: bold;
    }
    AuthorizePanel #auth-uri-note {
        margin: 1 0 0 0;
        color: $text-muted;
    }
    AuthorizePanel #auth-register CopyValue {
        margin: 1 0;
    }
    """

    def __init__(self, manager: Manager, *, timeout: float = DEFAULT_TIMEOUT, step: StepLabel | None = None,
                 id: str | None = None) -> None:  # noqa: A002
        super().__init__(manager, step=step, id=id)
        self.timeout = timeout
        self.flow: AuthorizationFlow | None = None
        self._deadline = 0.0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        # Ordered for 60×20 and 80×24: what to do, the wait and what Zoho's "Invalid Redirect Uri" means,
        # the paste box (focused, so scrolled into view with the countdown still above it), the buttons, and
        # the long URL last.
        yield Guide("", id="auth-intro")
        with Vertical(id="auth-register"):  # before a consent on a changed redirect URI (`start(register=…)`)
            yield CopyValue(id="auth-register-uri", label="Copy URI")
            with Horizontal(classes="buttons"):
                yield Button("Registered: open the consent page", id="auth-registered", variant="primary",
                             compact=True)
        yield Static("", id="auth-status", markup=False)
        yield Guide("", id="auth-uri-note")
        yield FieldError(id="auth-error", step=self.step)
        yield DcSecretForm(self.manager, step=self.step)
        yield Static("", classes="field-label", id="auth-paste-label")
        # Compact (one row): with the countdown above it, both stay in view at 60×20.
        yield PasteBox(placeholder="http://127.0.0.1:…/callback?code=…  or  1000.xxxx…", id="auth-paste",
                       compact=True)
        yield FieldError(id="auth-paste-error", step=self.step)
        with Horizontal(classes="buttons"):
            yield Button("Retry", id="auth-retry", classes="consent-retry", variant="primary", compact=True)
            yield Button("Open browser", id="auth-open", compact=True)
            yield Button("Copy URL", id="auth-copy", compact=True)
            # Not red: it ends a wait, nothing is lost; a red button reads as the focused one.
            yield Button("Cancel (esc)", id="auth-cancel", classes="consent-cancel", compact=True)
        yield Static("Consent URL (open it in any browser):", classes="field-label", id="auth-url-label")
        yield UrlText(id="auth-url")

    @property
    def url(self) -> str:
        """The consent URL of the current attempt ("" for a Self Client)."""
        return self.flow.url or "" if self.flow is not None else ""

    # ----- life cycle ------------------------------------------------------------------------
    def start(self, name: str, *, register: str | None = None) -> None:
        """Begin a new attempt for `name` (ending any previous one): listener, browser, countdown.

        `register`: a redirect URI the user has just changed to (a new port): first ask them to register
        it, with a Copy button, and begin once they say it is; a consent on an unregistered URI ends on
        Zoho's "Invalid Redirect Uri" page, where zconnect would wait in vain.
        """
        self.stop()
        self.name_, self.conn, self.error = name, None, None
        self.query_one("#auth-error", FieldError).clear()
        self.secret_form().hide()
        self.query_one("#auth-paste-error", FieldError).clear()
        self.query_one("#auth-paste", Input).value = ""
        self.query_one("#auth-uri-note", Guide).display = False
        # No URL yet (or the last attempt's, whose state is dead): its label and buttons wait for it.
        for widget in self.query("#auth-url-label, #auth-url, #auth-open, #auth-copy"):
            widget.display = False
        if register:
            self._ask_to_register(register)
            return
        self.query_one("#auth-register").display = False
        for widget in self.query("#auth-paste-label, #auth-paste"):
            widget.display = True
        self.query_one("#auth-status", Static).update("Starting the listener…")
        self._set_phase(Phase.STARTING)
        self._set_buttons(waiting=True)
        self._attempt(name)

    def _ask_to_register(self, uri: str) -> None:
        heading = "[b]6. Register the new redirect URI first.[/] " if self.step is not None else ""
        self.query_one("#auth-intro", Guide).update(
            f"{heading}The port changed, so the redirect URI did: Zoho sends the browser back only to a URI "
            "registered for this client, and shows [b]Invalid Redirect Uri[/] for any other. In the API Console "
            "open the client's Client Details, add this one under Authorized Redirect URIs, and Update:")
        self.query_one("#auth-register-uri", CopyValue).set_value(uri)
        self.query_one("#auth-register").display = True
        self.query_one("#auth-status", Static).update("")
        self.query_one("#auth-paste-label").display = False
        self.query_one("#auth-paste").display = False
        for button in self.query("#auth-retry, #auth-open, #auth-copy, #auth-cancel"):
            button.display = False
        self._set_phase(Phase.REGISTER)
        self.query_one("#auth-registered", Button).focus()

    class Registered(Message):
        """The user says the redirect URI `uri` is registered (the wizard stops asking for it)."""

        def __init__(self, uri: str) -> None:
            super().__init__()
            self.uri = uri

    @on(Button.Pressed, "#auth-registered")
    def _registered(self, event: Button.Pressed) -> None:
        event.stop()
        if self.name_ is None or self.phase != Phase.REGISTER:
            return
        self.post_message(self.Registered(self.query_one("#auth-register-uri", CopyValue).value))
        self.start(self.name_)

    def stop(self) -> None:
        """End the current attempt (frees the port); safe to call twice."""
        self._stop_timer()
        self.workers.cancel_group(self, "authorize")
        flow, self.flow = self.flow, None
        if flow is not None:
            flow.cancel()
            flow.close()

    def cancel(self) -> None:
        """The user's cancel (Esc, the Cancel button): stop and say so; Retry starts again."""
        if not self.busy:
            return
        self.stop()
        self.error = FlowCancelled("Authorization cancelled.")
        self.query_one("#auth-status", Static).update(
            "Cancelled. Retry starts a new attempt." if self.phase != Phase.EXCHANGING else
            "Cancelled. The code exchange was already under way: if it completes, the tokens are stored.")
        self._set_phase(Phase.CANCELLED)
        self._after_attempt()

    def on_unmount(self) -> None:
        self.stop()

    # ----- the worker ------------------------------------------------------------------------
    @work(exclusive=True, group="authorize", exit_on_error=False)
    async def _attempt(self, name: str) -> None:
        """Open the flow, wait for the redirect or a paste, then exchange the code at once (it lives 2 minutes)."""
        manager = self.manager

        def open_flow() -> AuthorizationFlow:
            flow = manager.begin_authorization(name)
            flow.start()  # binds the port before the browser can race it
            return flow

        def close(flow: AuthorizationFlow) -> None:  # opened after a cancel: nobody will use it
            flow.cancel()
            flow.close()

        try:
            flow = await off_thread(open_flow, on_drop=close)
            self.flow = flow
            self._describe(flow)
            self._deadline = clock() + self.timeout
            self._timer = self.set_interval(1, self._tick)
            self._set_phase(Phase.WAITING)
            self._tick()
            if flow.url is not None:
                self._open_browser()
            result = await off_thread(lambda: flow.wait(self.timeout))
            flow.close()  # the port is not needed any more
            self._stop_timer()
            self._set_phase(Phase.EXCHANGING)
            self.query_one("#auth-status", Static).update("Received the authorization; exchanging the code…")
            conn = await off_thread(lambda: manager.complete_authorization(flow, result))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is shown, none may crash the app
            self._fail(as_error(exc))
            return
        self._stop_timer()
        self.conn = conn
        self.query_one("#auth-status", Static).update(
            f"✔ Authorized: {conn.name} ({conn.token_state()}, data centre {conn.location or conn.dc}).")
        self.query_one("#auth-retry", Button).label = "Authorize again"
        self._set_phase(Phase.DONE)
        self._after_attempt()
        self.post_message(self.Succeeded(conn))

    # ----- display -----------------------------------------------------------------------------
    def _describe(self, flow: AuthorizationFlow) -> None:
        conn = flow.conn
        intro = self.query_one("#auth-intro", Guide)
        paste_label = self.query_one("#auth-paste-label", Static)
        # The step's number and heading only in the wizard: the dashboard's dialog has its own title.
        in_wizard = self.step is not None
        for widget in self.query("#auth-url-label, #auth-url, #auth-open, #auth-copy"):
            widget.display = flow.url is not None
        if flow.url is None:
            scopes = escape(",".join(conn.scopes))  # the file's text, never read as markup
            heading = "[b]6. Authorize the Self Client.[/] " if in_wizard else ""
            intro.update(f"{heading}In the API Console open the Self Client, "
                         "tab [b]Generate Code[/], enter these scopes, pick a time duration (10 minutes is "
                         f"plenty), a description, and click [b]Create[/]:\n  [b]{scopes}[/]\n"
                         "Then copy the code and paste it below.")
            paste_label.update("Paste the generated code and press Enter:")
        else:
            heading = "[b]6. Authorize the connector.[/] " if in_wizard else ""
            # The redirect URI is the file's text (hand-editable): escaped, never read as markup.
            intro.update(f"{heading}Your browser opens Zoho's consent page: sign in, "
                         f"check the scopes, click [b]Accept[/]. Zoho redirects it to {escape(conn.redirect_uri)}, "
                         "where zconnect listens.")
            self.query_one("#auth-url", UrlText).set_url(flow.url)
            note = self.query_one("#auth-uri-note", Guide)
            note.update(invalid_redirect_words(conn.redirect_uri))
            note.display = True
            paste_label.update("No browser (SSH)? Open the URL below anywhere; paste the address it lands on, or "
                               "the code, and press Enter:")

    def _tick(self) -> None:
        left = max(0, int(self._deadline - clock()))
        flow = self.flow
        if flow is None or self.phase != Phase.WAITING:
            return
        where = "Zoho's redirect or a paste" if flow.url else "the pasted code"
        self.query_one("#auth-status", Static).update(f"Waiting for {where} · {left // 60}:{left % 60:02d} left")

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _fail(self, error: ZconnectError) -> None:
        self.error = error
        self._stop_timer()
        if self.flow is not None:
            self.flow.close()
        cancelled = isinstance(error, FlowCancelled)
        self.query_one("#auth-status", Static).update("Cancelled." if cancelled else "✘ Not authorized.")
        if not cancelled:
            self._show_error(self.query_one("#auth-error", FieldError), error)
        self._set_phase(Phase.CANCELLED if cancelled else Phase.FAILED)
        self._after_attempt()

    def _after_attempt(self) -> None:
        self._set_buttons(waiting=False)
        retry = self.query_one("#auth-retry", Button)
        if self.phase != Phase.DONE:
            retry.label = "Retry"
            if not self.secret_form().display:  # else the secret field has the focus
                retry.focus()  # in view: the focused control always is

    def _set_buttons(self, *, waiting: bool) -> None:
        self.query_one("#auth-retry", Button).display = not waiting
        self.query_one("#auth-cancel", Button).display = waiting
        self.query_one("#auth-paste", Input).disabled = not waiting
        # What helps only while waiting goes with the wait: Retry and the error come up into view. What
        # "Invalid Redirect Uri" means stays after a wait that ran out: that page is the likely reason.
        for widget in self.query("#auth-paste-label, #auth-paste"):
            widget.display = waiting
        timed_out = isinstance(self.error, FlowTimeout)
        self.query_one("#auth-uri-note").display = (waiting or timed_out) and self.url != ""
        if waiting:
            # Ready for a paste, and in view (a focused box below the fold takes keys blind: #22 saw Enter
            # pressed at a Cancel button that only looked focused); the countdown sits just above it.
            self.query_one("#auth-paste", Input).focus()

    def _open_browser(self) -> None:
        flow = self.flow
        if flow is None:
            return
        # on_done runs in the browser thread: post_message is the thread-safe way back.
        def on_done(ok: bool) -> None:
            self.post_message(self._BrowserDone(flow, ok))

        opened, why = flow.open_browser(on_done)
        if not opened:
            self.query_one("#auth-paste-error", FieldError).show(f"Not opening a browser: {why}. "
                                                                 "Open the URL yourself, or paste.")

    class _BrowserDone(Message):
        def __init__(self, flow: AuthorizationFlow, ok: bool) -> None:
            super().__init__()
            self.flow, self.ok = flow, ok

    @on(_BrowserDone)
    def _browser_done(self, message: _BrowserDone) -> None:
        if not message.ok and message.flow is self.flow and self.conn is None:
            self.query_one("#auth-paste-error", FieldError).show(
                "The browser could not be started. Open the URL yourself, then paste the result.")

    # ----- user actions --------------------------------------------------------------------------
    @on(Button.Pressed, "#auth-copy")
    def _copy(self, event: Button.Pressed) -> None:
        event.stop()
        if self.url:
            self.app.copy_to_clipboard(self.url)
            self.notify(f"Copied the consent URL ({OSC52_NOTE}).", timeout=4)

    @on(Button.Pressed, "#auth-open")
    def _open(self, event: Button.Pressed) -> None:
        event.stop()
        self._open_browser()

    @on(Input.Changed, "#auth-paste")
    def _typed(self, event: Input.Changed) -> None:
        # The box has the focus while the instructions stay in view; on a short terminal it is below
        # them: once something is typed or pasted, the box comes into view (else the user types blind).
        if event.value:
            event.input.scroll_visible(animate=False)

    @on(Input.Submitted, "#auth-paste")
    def _paste(self, event: Input.Submitted) -> None:
        event.stop()
        error = self.query_one("#auth-paste-error", FieldError)
        if self.flow is None or self.phase != Phase.WAITING:
            return
        try:
            self.flow.submit_paste(event.value)  # parsing only; the worker wakes and exchanges
        except Exception as exc:  # noqa: BLE001 - one line under the box; the wait goes on: the browser may still deliver
            error.show(as_error(exc))
            error.scroll_visible(animate=False)
            return
        error.clear()
