"""Step 3, Redirect URL: the exact loopback URI to register, on a port that is free now."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Static

from zconnect_tui.errors import Fix, PortInUse, Remedy, ZconnectError
from zconnect_tui.model import DEFAULT_PORT, PORT_MAX, PORT_MIN, redirect_uri_for, validate_port
from zconnect_tui.tui.steps.base import Step, WizardContext, WizardDraft
from zconnect_tui.tui.widgets import CopyValue, Guide


class RedirectStep(Step):
    """Show the redirect URI with a port checked free now; the port stays editable."""

    key = "redirect"
    title = "Redirect URL"
    guide = "Enter the redirect URL in Authorized Redirect URLs: exactly the loopback URI zconnect listens on."
    focus_target = "#port"

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx)
        from zconnect_tui import listener

        saved = ctx.draft.saved
        # Checked when the step is first shown; checked again on Next (someone may take it meanwhile).
        self.initial_port = saved.port if saved is not None and saved.port else listener.find_free_port(DEFAULT_PORT)
        ctx.draft.port = self.initial_port
        if ctx.draft.proposed_port is None:
            ctx.draft.proposed_port = self.initial_port
        self.checks = {"port": validate_port}

    def compose(self) -> ComposeResult:
        yield Guide("", id="redirect-text")
        yield Static("Loopback port zconnect listens on during step 6", classes="field-label", id="port-label")
        yield Input(str(self.initial_port), id="port", type="integer", max_length=5,
                    tooltip=f"Any free port from {PORT_MIN} to {PORT_MAX}; the URI below follows it")
        yield self.error_widget("port-error")
        yield Static("Authorized Redirect URL (register exactly this)", classes="field-label", id="uri-label")
        yield CopyValue(redirect_uri_for(self.initial_port), id="redirect-uri")

    def enter(self, draft: WizardDraft) -> None:
        """A Self Client or a Non-browser client has no redirect: explain instead of asking."""
        text = self.query_one("#redirect-text", Guide)
        for widget in self.query("#port-label, #port, #uri-label, #redirect-uri"):
            widget.display = draft.uses_redirect
        if not draft.uses_redirect:
            self.field_error("port").clear()
            kind = "a Self Client" if draft.self_client else "a Non-browser client"
            how = ("you paste a code the console generates" if draft.self_client
                   else "you enter a code at Zoho's verification page")
            text.update(f"[b]3. Redirect URL: not needed for {kind}.[/]\n\n"
                        f"{kind[0].upper()}{kind[1:]} never redirects a browser here ({how} instead), "
                        "so there is nothing to enter. Click [b]Create[/] (or [b]OK[/]) in the console to create "
                        "the client.")
        else:
            text.update("[b]3. Enter the redirect URL in Authorized Redirect URLs.[/] This is the URL "
                        "Zoho Accounts sends you to with a grant code after you sign in. Paste it "
                        "exactly (http, 127.0.0.1, the port, /callback), then click [b]Create[/].")

    @property
    def port_text(self) -> str:
        return self.query_one("#port", Input).value

    def read(self, draft: WizardDraft) -> None:
        try:
            draft.port = validate_port(self.port_text)
        except ZconnectError:
            pass  # the preview says the port is not usable; the draft keeps the last good one

    def preview(self, draft: WizardDraft) -> None:
        """The URI follows the port field, and says so when the port cannot be used."""
        uri = self.query_one("#redirect-uri", CopyValue)
        try:
            uri.set_value(redirect_uri_for(validate_port(self.port_text)))
        except ZconnectError:
            uri.set_value("")
            uri.query_one(".value", Static).update(f"(no URI: use a port from {PORT_MIN} to {PORT_MAX})")

    def on_input_changed(self, event: Input.Changed) -> None:
        super().on_input_changed(event)
        self.changed()

    def validate(self, draft: WizardDraft) -> bool:
        """The port when it parses and nobody listens on it."""
        if not draft.uses_redirect:
            return True
        if not self.check_fields(["port"]):
            return False
        from zconnect_tui import listener

        port = validate_port(self.port_text)
        if not listener.port_is_free(port):
            error = PortInUse(f"Port {port} is in use on this computer.",
                              f"Choose another one (e.g. {listener.find_free_port(port + 1)}) and register that "
                              "URI instead.", remedy=Remedy(Fix.CHOOSE_PORT, port=port))
            self.field_error("port").show(error.message + " " + error.hint)
            self.query_one("#port", Input).focus()
            return False
        draft.port = port
        return True
