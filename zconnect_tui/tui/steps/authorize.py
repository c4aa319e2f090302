"""Step 6, Authorize: listener + browser + paste box, with a live countdown, cancel and retry.

The same panel runs in the wizard and in the dashboard's re-authorize dialog. The blocking
wait and the code exchange run in a thread worker; results come back as messages.
"""

from __future__ import annotations

import time

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Static

from zconnect_tui.errors import FlowCancelled, PortInUse, ZconnectError
from zconnect_tui.flow import DEFAULT_TIMEOUT, AuthorizationFlow
from zconnect_tui.manager import Manager
from zconnect_tui.model import Connection
from zconnect_tui.tui.widgets import FieldError, Guide, as_error


def clock() -> float:
    """Monotonic seconds; a module-level function so snapshot tests can freeze the countdown."""
    return time.monotonic()


class AuthorizePanel(Vertical):
    """One consent attempt at a time for the connection `name`; Retry starts a fresh one."""

    class Succeeded(Message):
        """The code was exchanged and the tokens stored."""

        def __init__(self, conn: Connection) -> None:
            super().__init__()
            self.conn = conn

    class _Finished(Message):
        """Internal: the worker for `flow` ended (with a connection or an error)."""

        def __init__(self, flow: AuthorizationFlow, conn: Connection | None, error: ZconnectError | None) -> None:
            super().__init__()
            self.flow, self.conn, self.error = flow, conn, error

    class _BrowserDone(Message):
        def __init__(self, flow: AuthorizationFlow, ok: bool) -> None:
            super().__init__()
            self.flow, self.ok = flow, ok

    class _Progress(Message):
        def __init__(self, flow: AuthorizationFlow, text: str) -> None:
            super().__init__()
            self.flow, self.text = flow, text

    def __init__(self, manager: Manager, *, timeout: float = DEFAULT_TIMEOUT, port_hint: str = "",
                 id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes="authorize-panel")
        self.manager = manager
        self.timeout = timeout
        self.port_hint = port_hint
        """Extra advice when the port is taken (the wizard: go back to step 3)."""
        self.name_: str | None = None
        self.flow: AuthorizationFlow | None = None
        self.conn: Connection | None = None
        """The authorized connection, once this panel succeeded."""
        self.error: ZconnectError | None = None
        self._deadline = 0.0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        # Ordered for 80×24: what to do, the wait, the paste box; the long URL last.
        yield Guide("", id="auth-intro")
        yield Static("", id="auth-status", markup=False)
        yield FieldError(id="auth-error")
        with Horizontal(classes="buttons"):
            yield Button("Retry", id="auth-retry", variant="primary", compact=True)
            yield Button("Open browser", id="auth-open", compact=True)
            yield Button("Copy URL", id="auth-copy", compact=True)
            yield Button("Cancel", id="auth-cancel", variant="error", compact=True)
        yield Static("", classes="field-label", id="auth-paste-label")
        yield Input(placeholder="http://127.0.0.1:…/callback?code=…  or  1000.xxxx…", id="auth-paste")
        yield FieldError(id="auth-paste-error")
        yield Label("Consent URL (open it in any browser):", classes="field-label", id="auth-url-label")
        yield Static("", id="auth-url", markup=False)

    @property
    def url(self) -> str:
        """The consent URL of the current attempt ("" for a Self Client)."""
        return self.flow.url or "" if self.flow is not None else ""

    # ----- life cycle ------------------------------------------------------------------------
    def start(self, name: str) -> None:
        """Begin a new attempt for `name` (closing any previous one): listener, browser, countdown."""
        self.stop()
        self.name_, self.conn, self.error = name, None, None
        self.query_one("#auth-error", FieldError).clear()
        self.query_one("#auth-paste-error", FieldError).clear()
        self.query_one("#auth-paste", Input).value = ""
        try:
            flow = self.manager.begin_authorization(name)
            self._describe(flow)
            self.flow = flow
            flow.start()  # binds the port before the browser can race it
        except Exception as exc:  # noqa: BLE001 - one line under the panel, never a crash
            self._fail(as_error(exc))
            return
        self._deadline = clock() + self.timeout
        self._timer = self.set_interval(1, self._tick)
        self._tick()
        self._set_buttons(waiting=True)
        self._wait(flow)
        if flow.url is not None:
            self._open_browser()

    def stop(self) -> None:
        """Cancel and close the current attempt (releases the port); safe to call twice."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        flow, self.flow = self.flow, None
        if flow is not None:
            flow.cancel()
            flow.close()

    def on_unmount(self) -> None:
        self.stop()

    # ----- the worker ------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="authorize", exit_on_error=False)
    def _wait(self, flow: AuthorizationFlow) -> None:
        """Block on the flow, then exchange the code at once (codes live 2 minutes)."""
        try:
            result = flow.wait(self.timeout)
            flow.close()  # the port is not needed any more
            self.post_message(self._Progress(flow, "Received the authorization; exchanging the code…"))
            conn = self.manager.complete_authorization(flow, result)
        except BaseException as exc:  # noqa: BLE001 - every failure is shown, none may crash the app
            self.post_message(self._Finished(flow, None, as_error(exc)))
            return
        self.post_message(self._Finished(flow, conn, None))

    @on(_Progress)
    def _progress(self, message: _Progress) -> None:
        if message.flow is self.flow:
            self._stop_timer()
            self.query_one("#auth-status", Static).update(message.text)

    @on(_Finished)
    def _finished(self, message: _Finished) -> None:
        if message.flow is not self.flow:
            return  # a superseded attempt
        self._stop_timer()
        message.flow.close()
        if message.error is not None:
            self._fail(message.error)
            return
        assert message.conn is not None
        self.conn = message.conn
        self.query_one("#auth-status", Static).update(
            f"✔ Authorized: {message.conn.name} ({message.conn.token_state()}, data centre "
            f"{message.conn.location or message.conn.dc}).")
        self._set_buttons(waiting=False)
        self.query_one("#auth-retry", Button).label = "Authorize again"
        self.post_message(self.Succeeded(message.conn))

    # ----- display -----------------------------------------------------------------------------
    def _describe(self, flow: AuthorizationFlow) -> None:
        conn = flow.conn
        intro = self.query_one("#auth-intro", Guide)
        paste_label = self.query_one("#auth-paste-label", Static)
        for widget in self.query("#auth-url-label, #auth-url, #auth-open, #auth-copy"):
            widget.display = flow.url is not None
        if flow.url is None:
            scopes = ",".join(conn.scopes)
            intro.update("[b]6. Authorize the Self Client.[/] In the API Console open the Self Client, "
                         "tab [b]Generate Code[/], enter these scopes, pick a time duration (10 minutes is "
                         f"plenty), a description, and click [b]Create[/]:\n  [b]{scopes}[/]\n"
                         "Then copy the code and paste it below.")
            paste_label.update("Paste the generated code and press Enter:")
        else:
            intro.update("[b]6. Authorize the connector.[/] Your browser opens Zoho's consent page: sign in, "
                         f"check the scopes, click [b]Accept[/]. Zoho redirects it to {conn.redirect_uri}, "
                         "where zconnect listens.")
            self.query_one("#auth-url", Static).update(flow.url)
            paste_label.update("No browser here (SSH)? Open the consent URL below anywhere, then paste the "
                               "address it lands on (or just the code) and press Enter:")

    def _tick(self) -> None:
        left = max(0, int(self._deadline - clock()))
        flow = self.flow
        if flow is None:
            return
        where = "Zoho's redirect or a paste" if flow.url else "the pasted code"
        self.query_one("#auth-status", Static).update(f"Waiting for {where}: {left // 60}:{left % 60:02d} left")

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _fail(self, error: ZconnectError) -> None:
        self.error = error
        self._stop_timer()
        status = "Cancelled." if isinstance(error, FlowCancelled) else "✘ Not authorized."
        self.query_one("#auth-status", Static).update(status)
        text = error.one_line()
        if isinstance(error, PortInUse) and self.port_hint:
            text = f"{error.message} {self.port_hint}"
        if not isinstance(error, FlowCancelled):
            self.query_one("#auth-error", FieldError).show(text)
        self._set_buttons(waiting=False)
        self.query_one("#auth-retry", Button).label = "Retry"
        self.query_one("#auth-retry", Button).focus()

    def _set_buttons(self, *, waiting: bool) -> None:
        self.query_one("#auth-retry", Button).display = not waiting
        self.query_one("#auth-cancel", Button).display = waiting
        self.query_one("#auth-paste", Input).disabled = not waiting
        if waiting:
            # Ready for a paste, but keep the instructions and the countdown in view.
            self.query_one("#auth-paste", Input).focus(scroll_visible=False)

    def _open_browser(self) -> None:
        flow = self.flow
        if flow is None:
            return
        # on_done runs in the browser thread: post_message is the thread-safe way back.
        opened, why = flow.open_browser(lambda ok, f=flow: self.post_message(self._BrowserDone(f, ok)))
        if not opened:
            self.query_one("#auth-paste-error", FieldError).show(f"Not opening a browser: {why}. "
                                                                 "Open the URL yourself, or paste.")

    @on(_BrowserDone)
    def _browser_done(self, message: _BrowserDone) -> None:
        if not message.ok and message.flow is self.flow and self.conn is None:
            self.query_one("#auth-paste-error", FieldError).show(
                "The browser could not be started. Open the URL yourself, then paste the result.")

    # ----- user actions --------------------------------------------------------------------------
    @on(Button.Pressed, "#auth-retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        if self.name_ is not None:
            self.start(self.name_)

    @on(Button.Pressed, "#auth-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        if self.flow is not None:
            self.flow.cancel()  # the worker wakes with FlowCancelled and reports it

    @on(Button.Pressed, "#auth-copy")
    def _copy(self, event: Button.Pressed) -> None:
        event.stop()
        if self.url:
            self.app.copy_to_clipboard(self.url)
            self.notify("Copied the consent URL (if your terminal allows OSC 52).", timeout=3)

    @on(Button.Pressed, "#auth-open")
    def _open(self, event: Button.Pressed) -> None:
        event.stop()
        self._open_browser()

    @on(Input.Submitted, "#auth-paste")
    def _paste(self, event: Input.Submitted) -> None:
        event.stop()
        error = self.query_one("#auth-paste-error", FieldError)
        if self.flow is None:
            return
        try:
            self.flow.submit_paste(event.value)
        except Exception as exc:  # noqa: BLE001 - the wait goes on: the browser may still deliver
            error.show(as_error(exc))
            return
        error.clear()
        event.input.value = ""
        self.query_one("#auth-status", Static).update("Got it; exchanging the code…")
