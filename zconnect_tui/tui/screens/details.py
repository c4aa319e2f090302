"""Every field of a connection, formatted (secrets masked): the dashboard's Enter."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.model import Connection
from zconnect_tui.tui.details import detail_rows
from zconnect_tui.tui.details_panel import rows_grid
from zconnect_tui.tui.screens.dialog import Dialog


class DetailsScreen(Dialog[None]):
    """A read-only, scrollable view of one connection."""

    BINDINGS = [Binding("escape,q,enter", "close", "Close", id="details.close", tooltip="Back to the dashboard")]

    def __init__(self, conn: Connection, dcs: DataCenters) -> None:
        super().__init__()
        self.conn, self.dcs = conn, dcs

    @property
    def text(self) -> str:
        """The rows as plain text (what the view shows)."""
        return "\n".join(f"{label}: {value}" for label, value in detail_rows(self.conn, self.dcs, full=True))

    def compose(self) -> ComposeResult:
        # A grid, not padded lines: a value that wraps (at 60 columns) stays in its column.
        body = rows_grid(detail_rows(self.conn, self.dcs, full=True), self.app.theme_variables.get("text-accent", ""))
        with Vertical(classes="dialog wide"):
            yield Static(f"{self.conn.name}", classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(body, classes="dialog-body", id="details-body")
            with Horizontal(classes="buttons"):
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self) -> None:
        self.dismiss(None)
