"""The Textual application: the dashboard, and the wizard on top of it when asked or when empty."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager
    from zconnect_tui.store import Snapshot


def _warm_imports() -> None:
    """Import what the first action needs (the HTTP stack) while the user reads the first screen."""
    import zconnect_tui.flow  # noqa: F401
    import zconnect_tui.oauth  # noqa: F401
    import zconnect_tui.verify  # noqa: F401


WARM_UP_DELAY = 0.4
"""Seconds after the first frame to start `_warm_imports`: after the rest of the first screen has
mounted (about 0.1 s), well before a first action."""


class ZconnectApp(App[int]):
    """Connect to Zoho: a dashboard of connections and a wizard that mirrors Zoho's guide."""

    CSS_PATH = "zconnect.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (90, "-wide")]
    TITLE = "zconnect"
    SUB_TITLE = "Zoho OAuth connections"
    BINDINGS = [
        # Shown by the wizard's footer; the dashboard's is full (q quits there, ? lists every key).
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave zconnect", priority=True, show=False),
        Binding("f12", "screenshot", "Screenshot", show=False, id="app.screenshot",
                tooltip="Save an SVG screenshot in the current directory"),
    ]

    def __init__(self, manager: Manager, *, wizard: bool = False, prefill: dict[str, str] | None = None,
                 snapshot: Snapshot | None = None) -> None:
        super().__init__()
        self.manager = manager
        """The only door to the store and to Zoho; its HTTP stack loads on first use."""
        self.start_in_wizard = wizard
        self.prefill = dict(prefill or {})
        self._snapshot = snapshot
        self._first_frame_shown = False
        self._after_first_frame: list[Callable[[], object]] = []

    def on_mount(self) -> None:
        """The wizard when asked or when there is nothing to list, else the dashboard."""
        # One read of the file (no lock) decides the first screen and fills it.
        snapshot = self._snapshot or self.manager.snapshot()
        if self.start_in_wizard or not snapshot.connections:
            from zconnect_tui.tui.screens.wizard import WizardScreen

            self.push_screen(WizardScreen(self.manager, snapshot, self.prefill),
                             callback=lambda name: self.open_dashboard(snapshot, name))
        else:
            self.open_dashboard(snapshot)

    @property
    def first_frame_shown(self) -> bool:
        """Whether the first frame is on screen (what it does not need waits for `after_first_frame`)."""
        return self._first_frame_shown

    def after_first_frame(self, callback: Callable[[], object]) -> None:
        """Run `callback` once the app's first frame is on screen (after the next refresh when it is).

        What the first frame does not need (the lower part of a form, imports for later) waits for
        this, so the first screen shows sooner.
        """
        if self._first_frame_shown:
            self.call_after_refresh(callback)
        else:
            self._after_first_frame.append(callback)

    def on_ready(self) -> None:
        """Textual's Ready: the DOM is ready and the first frame has been displayed."""
        self._first_frame_shown = True
        callbacks, self._after_first_frame = self._after_first_frame, []
        for callback in callbacks:
            self.call_after_refresh(callback)
        # Later, once what those mount is on screen: a thread importing meanwhile would slow them down.
        self.set_timer(WARM_UP_DELAY, self._warm_up)

    def _warm_up(self) -> None:
        threading.Thread(target=_warm_imports, daemon=True).start()

    def open_dashboard(self, snapshot: Snapshot, select: str | None = None) -> None:
        """Show the dashboard (the wizard opened first returns here)."""
        from zconnect_tui.tui.screens.dashboard import DashboardScreen

        self.push_screen(DashboardScreen(self.manager, snapshot, select=select))

    def action_screenshot(self) -> None:
        """Save an SVG screenshot (secrets are never on screen, so this is safe to share)."""
        path = self.save_screenshot()
        self.notify(f"Saved {path}", title="Screenshot")

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette: Textual's own commands plus the current screen's (the dashboard's actions)."""
        yield from super().get_system_commands(screen)
        commands = getattr(screen, "palette_commands", None)
        if callable(commands):
            yield from commands()


def run_app(manager: Manager, *, wizard: bool, prefill: dict[str, str]) -> int:
    """Run the TUI until the user quits; the exit code for `zconnect`/`zconnect new`."""
    # A broken file raises ConfigError here, so the CLI reports it as one line before any screen opens.
    snapshot = manager.snapshot()
    result = ZconnectApp(manager, wizard=wizard, prefill=prefill, snapshot=snapshot).run()
    return int(result or 0)
