"""Modal screens: confirm, read-only text (details, export), and re-authorize."""

from __future__ import annotations

from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from zconnect_tui.manager import Manager
from zconnect_tui.model import Connection
from zconnect_tui.tui.steps.authorize import AuthorizePanel

T = TypeVar("T")


class Modal(ModalScreen[T]):
    """A dialog in the middle of the screen; its stylesheet is added when the first one opens."""

    def __init__(self) -> None:
        super().__init__(classes="modal")


class ConfirmModal(Modal[bool]):
    """Ask before something that cannot be undone; y/Enter confirms, n/Escape keeps."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip="Do it"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no", tooltip="Keep everything as it is"),
    ]

    def __init__(self, title: str, text: str, confirm: str = "Yes") -> None:
        super().__init__()
        self.title_, self.text, self.confirm = title, text, confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_, classes="dialog-title", markup=False)
            yield Static(self.text, classes="dialog-body", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(f"{self.confirm} (y)", id="yes", variant="error")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # the safe choice is the default

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class TextModal(Modal[None]):
    """Show text (a connection's details, its connector export); optional Copy."""

    BINDINGS = [Binding("escape,q", "close", "Close", id="text.close", tooltip="Back to the dashboard")]

    def __init__(self, title: str, text: str, *, copy_text: str | None = None) -> None:
        super().__init__()
        self.title_, self.text, self.copy_text = title, text, copy_text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(self.title_, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(self.text, classes="dialog-body", markup=False, id="text-body")
            with Horizontal(classes="buttons"):
                if self.copy_text is not None:
                    yield Button("Copy", id="copy", variant="primary")
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#copy")
    def _copy(self) -> None:
        if self.copy_text is not None:
            self.app.copy_to_clipboard(self.copy_text)
            self.notify("Copied to the clipboard (if your terminal allows OSC 52).", timeout=3)


class AuthorizeModal(Modal[Connection | None]):
    """Re-authorize a stored connection with the wizard's step-6 panel."""

    BINDINGS = [Binding("escape", "close", "Close", id="authorize.close", tooltip="Stop waiting and go back")]

    def __init__(self, manager: Manager, name: str) -> None:
        super().__init__()
        self.manager, self.name_ = manager, name

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Static(f"Re-authorize {self.name_}", classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield AuthorizePanel(self.manager, id="authorize")
            with Horizontal(classes="buttons"):
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one(AuthorizePanel).start(self.name_)

    def action_close(self) -> None:
        panel = self.query_one(AuthorizePanel)
        panel.stop()
        self.dismiss(panel.conn)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.action_close()

    @on(AuthorizePanel.Succeeded)
    def _done(self, event: AuthorizePanel.Succeeded) -> None:
        event.stop()
        self.dismiss(event.conn)
