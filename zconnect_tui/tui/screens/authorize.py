"""Authorize (or re-authorize) a stored connection from the dashboard, with the wizard's step-6 panel:
the browser one, or Zoho's device flow for a Non-browser connection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from zconnect_tui.model import ClientType, Connection
from zconnect_tui.tui.consent import ConsentPanel
from zconnect_tui.tui.screens.dialog import Dialog

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager


class AuthorizeModal(Dialog[Connection | None]):
    """Dismisses with the authorized connection, or None when closed first."""

    BINDINGS = [Binding("escape", "close", "Cancel / close", id="authorize.close",
                        tooltip="Cancel the wait; press again to close")]

    def __init__(self, manager: Manager, name: str, *, first: bool = False,
                 client_type: ClientType = ClientType.SERVER, register: str | None = None) -> None:
        super().__init__()
        self.manager, self.name_, self.first = manager, name, first
        self.client_type = client_type
        self.register = register
        """A redirect URI the user just changed to (Edit, a new port): asked to register it first."""

    def compose(self) -> ComposeResult:
        verb = "Authorize" if self.first else "Re-authorize"
        with Vertical(classes="dialog wide tall"):
            yield Static(f"{verb} {self.name_}", classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield self._panel()
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close")

    def _panel(self) -> ConsentPanel:
        if self.client_type == ClientType.NON_BROWSER:
            from zconnect_tui.tui.device_panel import DevicePanel

            return DevicePanel(self.manager, id="authorize")
        from zconnect_tui.tui.authorize_panel import AuthorizePanel

        return AuthorizePanel(self.manager, id="authorize")

    @property
    def panel(self) -> ConsentPanel:
        return self.query_one("#authorize", ConsentPanel)

    def on_mount(self) -> None:
        self.panel.start(self.name_, register=self.register)

    def action_close(self) -> None:
        """Esc: cancel a running wait first (the panel says so), then close."""
        panel = self.panel
        if panel.busy:
            panel.cancel()
            return
        panel.stop()
        self.dismiss(panel.conn)

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        panel = self.panel
        panel.stop()
        self.dismiss(panel.conn)

    @on(ConsentPanel.Succeeded)
    def _done(self, event: ConsentPanel.Succeeded) -> None:
        event.stop()
        self.dismiss(event.conn)
