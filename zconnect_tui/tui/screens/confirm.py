"""Ask before something that cannot be undone (or loses what was typed)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from zconnect_tui.tui.screens.dialog import Dialog


class ConfirmModal(Dialog[bool]):
    """y/Enter on the confirm button confirms; n/Escape keeps everything as it is."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Do it"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="Keep everything as it is"),
    ]

    def __init__(self, title: str, text: str, confirm: str = "Yes", *, cancel: str = "Cancel") -> None:
        super().__init__()
        self.title_, self.text, self.confirm, self.cancel = title, text, confirm, cancel

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(self.text, classes="dialog-body", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(f"{self.confirm} (y)", id="yes", variant="error")
                yield Button(f"{self.cancel} (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe choice is the default

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
