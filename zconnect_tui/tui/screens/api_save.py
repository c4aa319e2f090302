"""Name the typed call before the API screen saves it (`[connections.NAME.apis.KEY]`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from zconnect_tui.errors import ZconnectError
from zconnect_tui.saved import validate_key
from zconnect_tui.tui.screens.dialog import Dialog
from zconnect_tui.tui.widgets import FieldError


class SaveApiModal(Dialog[tuple[str, str] | None]):
    """Dismisses with (key, description), or None (Esc)."""

    BINDINGS = [Binding("escape", "close", "Cancel", id="api-save.close", tooltip="Back without saving")]

    def __init__(self, conn_name: str, existing: list[str], key: str = "", description: str = "") -> None:
        super().__init__()
        self.conn_name, self.existing = conn_name, existing
        self.key, self.description = key, description

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Save this call on {self.conn_name}", classes="dialog-title", markup=False)
            yield Static("Name (letters, digits, - and _)", classes="field-label")
            yield Input(self.key, placeholder="e.g. tickets", id="key", max_length=64)
            yield FieldError(id="key-error")
            yield Static("Description (optional)", classes="field-label")
            yield Input(self.description, placeholder="e.g. Open tickets", id="description", max_length=200)
            yield Static("", id="save-note", classes="muted", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Save (Enter)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#key", Input).focus()
        self._note()

    @on(Input.Changed, "#key")
    def _note(self) -> None:
        key = self.query_one("#key", Input).value.strip()
        error = self.query_one("#key-error", FieldError)
        if error.text:  # an error shown is checked again as the name is typed: gone once it is fixed
            try:
                validate_key(key)
                error.clear()
            except ZconnectError as exc:
                error.show(exc)
        note = (f"@{key} exists: saving replaces it." if key in self.existing else
                f"Then also from a shell: zconnect api {self.conn_name} @{key or 'NAME'}")
        self.query_one("#save-note", Static).update(note)

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        error = self.query_one("#key-error", FieldError)
        try:
            key = validate_key(self.query_one("#key", Input).value.strip())
        except ZconnectError as exc:
            error.show(exc)
            self.query_one("#key", Input).focus()
            return
        self.dismiss((key, self.query_one("#description", Input).value.strip()))

    @on(Button.Pressed, "#cancel")
    def action_close(self) -> None:
        self.dismiss(None)
