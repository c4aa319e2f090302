"""Export a connection in every format of the registry (`exports.FORMATS`), one tab each."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Static, TabbedContent, TabPane

from zconnect_tui.text import clean
from zconnect_tui.tui.remedies import error_text
from zconnect_tui.tui.screens.dialog import Dialog
from zconnect_tui.tui.widgets import OSC52_NOTE, as_error
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager


class ExportScreen(Dialog[None]):
    """One tab per format (`exports.FORMATS`, so a new format shows up here by itself); a format that fails
    shows its own error in its tab, and the others still work."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="export.close", tooltip="Back to the dashboard"),
        Binding("c", "copy", "Copy", id="export.copy", tooltip=f"Copy the shown text ({OSC52_NOTE})"),
        Binding("left", "tab(-1)", "Previous format", id="export.previous", show=False),
        Binding("right", "tab(1)", "Next format", id="export.next", show=False),
    ]

    def __init__(self, manager: Manager, name: str) -> None:
        super().__init__()
        self.manager, self.name_ = manager, name
        self.texts: dict[str, str] = {}
        """Each format's text (what Copy copies), once every tab is there."""
        self.failed: dict[str, str] = {}
        """Why a format could not be made, by format."""
        self.formats: list[str] = []
        """The tabs, in order."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Static(f"Export {self.name_}", classes="dialog-title", markup=False)
            yield Static("Loading…", id="export-status", markup=False)
            yield Static("←/→ switch the format, ↑/↓ scroll it; c copies the one shown.", classes="muted")
            yield TabbedContent(id="formats")
            with Horizontal(classes="buttons"):
                yield Button("Copy (c)", id="copy", variant="primary")
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self._load()

    @work(exclusive=True, group="export", exit_on_error=False)
    async def _load(self) -> None:
        manager, name = self.manager, self.name_

        def render_all() -> dict[str, tuple[str, str | None]]:
            rendered = manager.exports(name)  # every format, from one read of the file
            # Names from Zoho or the file are in there: shown and copied without control characters.
            return {fmt: (clean(r.text, keep="\n\t"), None if r.error is None else
                          clean(error_text(as_error(r.error)), keep="\n")) for fmt, r in rendered.items()}

        status = self.query_one("#export-status", Static)
        try:
            texts = await off_thread(render_all)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            status.update(clean(error_text(as_error(exc)), keep="\n"))
            return
        status.update("Secrets stay masked; the token is fetched when the command runs (zconnect token).")
        tabs = self.query_one("#formats", TabbedContent)
        for fmt, (text, error) in texts.items():
            shown = Static(text, markup=False, classes="export-text") if error is None else \
                Static(f"This format could not be made: {error}", markup=False, classes="export-text error-text")
            await tabs.add_pane(TabPane(fmt, VerticalScroll(shown), id=f"format-{fmt}"))
        self.failed = {fmt: error for fmt, (_, error) in texts.items() if error is not None}
        self.texts = {fmt: text for fmt, (text, error) in texts.items() if error is None}
        self.formats = list(texts)  # once every tab is there
        self.query_one("#copy", Button).focus()

    def body_scroll(self) -> Widget | None:
        """The shown format's text (what ↑/↓ scroll)."""
        found = self.query(f"#format-{self.shown} VerticalScroll") if self.formats else None
        return found.first() if found else None

    @property
    def shown(self) -> str:
        """The format of the tab shown."""
        active = self.query_one("#formats", TabbedContent).active
        return active.removeprefix("format-")

    def action_tab(self, step: int) -> None:
        """←/→: the previous or next format."""
        if not self.formats:
            return
        names = [f"format-{fmt}" for fmt in self.formats]
        tabs = self.query_one("#formats", TabbedContent)
        tabs.active = names[(names.index(tabs.active) + step) % len(names)]

    def action_copy(self) -> None:
        if self.shown in self.failed:
            self.notify(f"Nothing to copy: the {self.shown} format could not be made (its tab says why).",
                        severity="warning", timeout=4, markup=False)
            return
        text = self.texts.get(self.shown)
        if text:
            self.app.copy_to_clipboard(text)
            self.notify(f"Copied the {self.shown} text ({OSC52_NOTE}).", timeout=4, markup=False)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#copy")
    def _copy(self) -> None:
        self.action_copy()

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self.dismiss(None)
