"""Steps 1, 2 and 4: the guide's API Console, Client type and Client Secret tab."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, RadioButton, RadioSet

from zconnect_tui.browser import browser_available, open_in_background
from zconnect_tui.tui.widgets import CopyValue, FieldError, Guide


class ConsoleStep(VerticalScroll):
    """Step 1: open the data centre's API Console and click Add Client."""

    def __init__(self, *, id: str) -> None:  # noqa: A002
        super().__init__(id=id, classes="step")
        self.url = ""

    def compose(self) -> ComposeResult:
        yield Guide("[b]1. Go to Zoho API Console. Click Add Client.[/]\n\n"
                    "Register the application with Zoho before it can ask for access. Open the API "
                    "Console of your data centre (sign in with the Zoho account that owns the data), "
                    "then click [b]Add Client[/] (or [b]+ Add Client[/] if you have clients already).")
        yield CopyValue(id="console-url")
        with Horizontal(classes="buttons"):
            yield Button("Open API Console", id="open-console", variant="primary")
        yield FieldError(id="console-note")
        yield Guide("No browser on this machine (SSH)? Open the address above on any computer; "
                    "nothing in these steps needs to run here until step 6.", classes="muted")

    def set_url(self, url: str) -> None:
        """Attributes down: the wizard tells the step which console to show."""
        self.url = url
        self.query_one("#console-url", CopyValue).set_value(url)

    @on(Button.Pressed, "#open-console")
    def _open(self) -> None:
        ok, why = browser_available()
        note = self.query_one("#console-note", FieldError)
        if not ok:
            note.show(f"Not opening a browser: {why}. Open the address above yourself.")
            return
        open_in_background(self.url)
        note.show("Opening your browser… (if nothing opens, use the address above)")


class ClientTypeStep(VerticalScroll):
    """Step 2: choose Server-based Applications (or the Self Client branch)."""

    def compose(self) -> ComposeResult:
        yield Guide("[b]2. Choose the client type.[/] Choose [b]Create Now[/] under "
                    "[b]Server-based Applications[/] and enter a Client Name and Homepage URL "
                    "(any page of yours; Zoho only shows it).\n\n"
                    "[i]Note:[/] Server-based Application is the client type for web-based applications "
                    "built to run with a dedicated HTTP server. zconnect is that server: during step 6 it "
                    "listens on this computer for Zoho's redirect.")
        with RadioSet(id="client-kind"):
            yield RadioButton("Server-based Applications",
                              value=True, id="type-server")
            yield RadioButton("Self Client (paste a code)",
                              id="type-self")
        yield Guide("Choose [b]Self Client[/] when no browser can reach this machine's redirect, or for a "
                    "one-off script: the console generates a short-lived code (Self Client → Generate "
                    "Code) that you paste in step 6.", classes="muted")

    @property
    def self_client(self) -> bool:
        return self.query_one("#type-self", RadioButton).value


class SecretTabStep(VerticalScroll):
    """Step 4: where the Client ID and Client Secret appear."""

    def compose(self) -> ComposeResult:
        yield Guide("", id="secret-tab-text")

    def set_self_client(self, self_client: bool) -> None:
        """Attributes down: the text differs for a Self Client."""
        where = ("the Self Client's [b]Client Secret[/] tab" if self_client
                 else "the [b]Client Secret[/] tab of the client you just created")
        self.query_one("#secret-tab-text", Guide).update(
            "[b]4. The Client ID and Client Secret will now be displayed on the Client Secret tab.[/]\n\n"
            f"Open {where}. You will copy two values from it in the next step:\n\n"
            "  • [b]Client ID[/]: looks like 1000.ABCDEFGHIJ…\n"
            "  • [b]Client Secret[/]: a long string of letters and digits\n\n"
            "Treat the secret like a password. zconnect stores it in your connections file "
            "(readable only by you) and never shows it again in clear.")
