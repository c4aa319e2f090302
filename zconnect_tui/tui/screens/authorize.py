"""Authorize (or re-authorize) a stored connection from the dashboard, with the wizard's step-6 panel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from zconnect_tui.model import Connection
from zconnect_tui.tui.authorize_panel import AuthorizePanel

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager


class AuthorizeModal(ModalScreen[Connection | None]):
    """Dismisses with the authorized connection, or None when closed first."""

    BINDINGS = [Binding("escape", "close", "Cancel / close", id="authorize.close",
                        tooltip="Cancel the wait; press again to close")]

    def __init__(self, manager: Manager, name: str, *, first: bool = False) -> None:
        super().__init__(classes="modal")
        self.manager, self.name_, self.first = manager, name, first

    def compose(self) -> ComposeResult:
        verb = "Authorize" if self.first else "Re-authorize"
        with Vertical(classes="dialog wide tall"):
            yield Static(f"{verb} {self.name_}", classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield AuthorizePanel(self.manager, id="authorize")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close")

    def on_mount(self) -> None:
        self.query_one(AuthorizePanel).start(self.name_)

    def action_close(self) -> None:
        """Esc: cancel a running wait first (the panel says so), then close."""
        panel = self.query_one(AuthorizePanel)
        if panel.busy:
            panel.cancel()
            return
        panel.stop()
        self.dismiss(panel.conn)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        panel = self.query_one(AuthorizePanel)
        panel.stop()
        self.dismiss(panel.conn)

    @on(AuthorizePanel.Succeeded)
    def _done(self, event: AuthorizePanel.Succeeded) -> None:
        event.stop()
        self.dismiss(event.conn)
