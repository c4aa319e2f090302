"""Step 5, Client credentials: the Client ID and the (masked) Client Secret; Save writes the connection."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Label

from zconnect_tui.errors import ZconnectError
from zconnect_tui.model import validate_client_id, validate_secret
from zconnect_tui.tui.widgets import FieldError, Guide


@dataclass
class Credentials:
    """The validated Client ID and Secret."""

    client_id: str
    client_secret: str = dataclasses.field(repr=False)


class CredentialsStep(VerticalScroll):
    """Enter the two values from the Client Secret tab."""

    def compose(self) -> ComposeResult:
        yield Guide("[b]5. Copy the client credentials[/] from the Client Secret tab and enter them here. "
                    "[b]Save[/] writes the connection to your connections file (no tokens yet).")
        yield Label("Client ID", classes="field-label")
        yield Input(placeholder="1000.XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", id="client-id")
        yield FieldError(id="client-id-error")
        yield Label("Client Secret", classes="field-label")
        with Horizontal(classes="secret-row"):
            # class "secret": the app's screenshot key masks it even while revealed.
            yield Input(placeholder="paste the Client Secret", password=True, id="client-secret", classes="secret")
            yield Checkbox("Reveal", id="reveal", tooltip="Show the secret while you check it")
        yield FieldError(id="client-secret-error")
        yield FieldError(id="save-error")
        yield Guide("The secret is stored in your connections file (mode 0600) and shown masked everywhere "
                    "else, e.g. 1000.ab…f3c2.", classes="muted")

    @on(Checkbox.Changed, "#reveal")
    def _reveal(self, event: Checkbox.Changed) -> None:
        self.query_one("#client-secret", Input).password = not event.value

    def conceal(self) -> None:
        """Hide the secret again (when leaving the step, so it is never left on screen)."""
        self.query_one("#reveal", Checkbox).value = False

    @property
    def client_id_text(self) -> str:
        return self.query_one("#client-id", Input).value

    def validate(self) -> Credentials | None:
        """Loose checks (Zoho's formats vary); errors show under each field."""
        values: dict[str, str] = {}
        for field, check in (("client-id", validate_client_id), ("client-secret", validate_secret)):
            error = self.query_one(f"#{field}-error", FieldError)
            try:
                values[field] = check(self.query_one(f"#{field}", Input).value)
                error.clear()
            except ZconnectError as exc:
                error.show(exc)
        for field in ("client-id", "client-secret"):
            if field not in values:
                self.query_one(f"#{field}", Input).focus()
                return None
        return Credentials(values["client-id"], values["client-secret"])

    def show_save_error(self, error: ZconnectError | str) -> None:
        self.query_one("#save-error", FieldError).show(error)
