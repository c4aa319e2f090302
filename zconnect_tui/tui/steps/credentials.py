"""Step 5, Client credentials: the Client ID and the (masked) Client Secret; Save writes the connection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Static

from zconnect_tui.errors import Fix, ZconnectError
from zconnect_tui.model import validate_client_id, validate_secret
from zconnect_tui.tui.steps.base import Commit, Step, WizardContext, WizardDraft, definition
from zconnect_tui.tui.widgets import Guide

if TYPE_CHECKING:
    from textual.widgets import Checkbox


class CredentialsStep(Step):
    """Enter the two values from the Client Secret tab; Save writes the connection (no tokens yet)."""

    key = "credentials"
    title = "Client credentials"
    guide = "Copy the Client ID and Client Secret from the Client Secret tab; Save writes the connection."
    next_label = "Save →"

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx)
        self.checks = {"client-id": validate_client_id, "client-secret": validate_secret}

    def compose(self) -> ComposeResult:
        from textual.widgets import Checkbox  # imported on this step's first visit

        draft = self.ctx.draft
        yield Guide("[b]5. Copy the client credentials[/] from the Client Secret tab and enter them here. "
                    "[b]Save[/] writes the connection to your connections file (no tokens yet).")
        yield Static("Client ID", classes="field-label")
        yield Input(draft.client_id, placeholder="1000.XXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", id="client-id")
        yield self.error_widget("client-id-error")
        yield Static("Client Secret", classes="field-label")
        with Horizontal(classes="secret-row"):
            # class "secret": the app's screenshot key masks it even while revealed.
            yield Input(draft.client_secret, placeholder="paste the Client Secret", password=True,
                        id="client-secret", classes="secret")
            yield Checkbox("Reveal", id="reveal", tooltip="Show the secret while you check it")
        yield self.error_widget("client-secret-error")
        yield self.error_widget("save-error")
        yield Guide("The secret is stored in your connections file (mode 0600) and shown masked everywhere "
                    "else, e.g. 1000.ab…f3c2.", classes="muted")

    @property
    def focus_target(self) -> str:  # type: ignore[override]  # a ClassVar elsewhere: here it depends on step 6
        """The Client ID, or the Client Secret after Zoho refused the client at step 6 (Back lands there)."""
        return "#client-secret" if self.ctx.draft.refused else "#client-id"

    def enter(self, draft: WizardDraft) -> None:
        """After a refusal at step 6: the secret is marked, with Zoho's words and what to do."""
        secret = self.query_one("#client-secret", Input)
        secret.set_class(bool(draft.refused), "-invalid")
        if draft.refused:
            self.field_error("client-secret").show(
                f"{draft.refused} If the Client ID above is right, the Client Secret is not: copy it again from "
                "the Client Secret tab (Reveal shows what is typed), then Save.")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "reveal":
            self.query_one("#client-secret", Input).password = not event.value

    def leave(self, draft: WizardDraft) -> None:
        """Hide the secret again, so it is never left on screen."""
        from textual.widgets import Checkbox

        self.query_one("#reveal", Checkbox).value = False

    def read(self, draft: WizardDraft) -> None:
        draft.client_id = self.query_one("#client-id", Input).value.strip()
        draft.client_secret = self.query_one("#client-secret", Input).value.strip()

    def on_input_changed(self, event: Input.Changed) -> None:
        field = event.input
        if field.id == "client-id" and field.value != field.value.strip():
            # Pasted with the spaces around it (a copy from a web page): stripped on the way in.
            field.value = field.value.strip()
            field.cursor_position = len(field.value)
            return  # the change posts its own Changed
        super().on_input_changed(event)
        if field.id == "client-secret" and field.has_class("-invalid"):
            field.remove_class("-invalid")  # a new secret is being typed: the mark has said its piece
        self.changed()  # step 0's preview shows the Client ID

    def validate(self, draft: WizardDraft) -> bool:
        """Loose checks (Zoho's formats vary); errors show under each field."""
        self.field_error("save").clear()
        if not self.check_fields(["client-id", "client-secret"]):
            return False
        self.read(draft)
        return True

    @property
    def nav_hint(self) -> str:
        return "Save writes the connection (no tokens yet)"

    def commit(self, draft: WizardDraft) -> Commit | None:
        conn = draft.connection()
        if draft.saved is not None and definition(draft.saved) == definition(conn):
            return None  # nothing changed since the last Save: keep the tokens it may have now
        previous = draft.saved.name if draft.saved is not None else None
        manager = self.ctx.manager

        def save() -> object:
            manager.save_draft(conn, previous)
            return conn

        return save

    def committed(self, draft: WizardDraft, result: object) -> None:
        draft.refused = ""  # saved anew: step 6 tries these credentials
        draft.saved = draft.connection()
        draft.authorized = None  # a changed definition needs a new consent
        draft.verification = None

    def commit_failed(self, error: ZconnectError) -> None:
        if error.remedy is not None and error.remedy.fix == Fix.OTHER_NAME:
            self.ctx.existing.add(error.remedy.name)  # someone else took the name meanwhile
        self.field_error("save").show(error)
