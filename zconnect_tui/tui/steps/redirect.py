"""Step 3, Redirect URL: the exact loopback URI to register, on a port that is free now."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Input, Label

from zconnect_tui import listener
from zconnect_tui.errors import UsageError
from zconnect_tui.model import DEFAULT_PORT, redirect_uri_for
from zconnect_tui.tui.widgets import CopyValue, FieldError, Guide


def parse_port(text: str) -> int:
    """A TCP port a user may listen on, or UsageError."""
    try:
        port = int(text.strip())
    except ValueError:
        raise UsageError(f"{text.strip()!r} is not a port number.", "Use a number from 1024 to 65535.") from None
    if not 1024 <= port <= 65535:
        raise UsageError(f"Port {port} is out of range.", "Use a number from 1024 to 65535.")
    return port


class RedirectStep(VerticalScroll):
    """Show the redirect URI with a port checked free now; the port stays editable."""

    def __init__(self, *, id: str) -> None:  # noqa: A002
        super().__init__(id=id, classes="step")
        # Checked once when the wizard opens; checked again on Next (someone may take it meanwhile).
        self.initial_port = listener.find_free_port(DEFAULT_PORT)

    def compose(self) -> ComposeResult:
        yield Guide("", id="redirect-text")
        yield Label("Loopback port zconnect listens on during step 6", classes="field-label", id="port-label")
        yield Input(str(self.initial_port), id="port", type="integer", max_length=5,
                    tooltip="Any free port from 1024 to 65535; the URI below follows it")
        yield FieldError(id="port-error")
        yield Label("Authorized Redirect URL (register exactly this)", classes="field-label", id="uri-label")
        yield CopyValue(redirect_uri_for(self.initial_port), id="redirect-uri")

    def set_self_client(self, self_client: bool) -> None:
        """A Self Client has no redirect: explain instead of asking."""
        text = self.query_one("#redirect-text", Guide)
        for widget in self.query("#port-label, #port, #uri-label, #redirect-uri"):
            widget.display = not self_client
        if self_client:
            self.query_one("#port-error", FieldError).clear()
            text.update("[b]3. Redirect URL: not needed for a Self Client.[/]\n\n"
                        "A Self Client never redirects a browser, so there is nothing to enter here. "
                        "Click [b]Create[/] (or [b]OK[/]) in the console to create the Self Client.")
        else:
            text.update("[b]3. Enter the redirect URL in Authorized Redirect URLs.[/] This is the URL "
                        "Zoho Accounts sends you to with a grant code after you sign in. Paste it "
                        "exactly (http, 127.0.0.1, the port, /callback), then click [b]Create[/].")

    @on(Input.Changed, "#port")
    def _port_changed(self, event: Input.Changed) -> None:
        try:
            port = parse_port(event.value)
        except UsageError:
            return
        self.query_one("#redirect-uri", CopyValue).set_value(redirect_uri_for(port))

    @property
    def port_text(self) -> str:
        return self.query_one("#port", Input).value

    def validate(self) -> int | None:
        """The port when it parses and nobody listens on it."""
        error = self.query_one("#port-error", FieldError)
        try:
            port = parse_port(self.port_text)
        except UsageError as exc:
            error.show(exc)
            self.query_one("#port", Input).focus()
            return None
        if not listener.port_is_free(port):
            error.show(f"Port {port} is in use on this computer. Choose another one "
                       f"(e.g. {listener.find_free_port(port + 1)}) and register that URI instead.")
            self.query_one("#port", Input).focus()
            return None
        error.clear()
        return port
