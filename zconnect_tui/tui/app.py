"""The Textual application: the dashboard, and the wizard on top of it when asked or when empty."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Input

from zconnect_tui.text import clean

if TYPE_CHECKING:
    from zconnect_tui.errors import ZconnectError
    from zconnect_tui.manager import Manager
    from zconnect_tui.store import Snapshot


def _warm_imports() -> None:
    """Import what the first action needs (the HTTP stack) while the user reads the first screen."""
    import zconnect_tui.flow  # noqa: F401
    import zconnect_tui.oauth  # noqa: F401
    import zconnect_tui.verify  # noqa: F401


def screenshot_dir() -> Path:
    """Where F12 saves: `platformdirs.user_data_dir("zconnect")/screenshots` (created 0700, each missing
    directory: a screenshot may show connection names and Client IDs)."""
    from platformdirs import user_data_dir

    directory = Path(user_data_dir("zconnect")) / "screenshots"
    missing = [d for d in (directory, *directory.parents) if not d.exists()]
    for path in reversed(missing):
        os.mkdir(path, 0o700)
        os.chmod(path, 0o700)  # whatever the umask
    return directory


QUIT_QUESTION = "quit-question"
"""The id of the "Quit zconnect?" question (ctrl+q pressed in it quits)."""

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
                tooltip="Save an SVG screenshot (in zconnect's data directory; the notice says where)"),
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

    def run(self, *args: Any, **kwargs: Any) -> int | None:
        """Run the app (see `App.run`), with the garbage collector out of the way of the first frame.

        Every object the imports created (modules, classes, Textual's CSS machinery: about 50,000) is
        alive until exit, yet each full garbage collection walks them all again: the first one fell just
        before the wizard's first frame, 40 ms of its start. `gc.freeze()` puts them in the permanent
        generation (CPython's tool for exactly this), so collections only walk what the app made since.
        Then collection pauses until the first frame is up (`on_ready`), as Textual pauses it while
        scrolling (`App.PAUSE_GC_ON_SCROLL`): building the first screen allocates tens of thousands of
        objects that all stay, and collecting among them cost 11 M of the wizard's 1,172 M instructions
        to its first frame (#10). Pilot tests (`run_test`) do not come here: a test process keeps both.
        """
        gc.freeze()
        gc.disable()
        try:
            return super().run(*args, **kwargs)
        finally:
            gc.enable()  # also when the app ended before its first frame

    def get_default_screen(self) -> Screen[Any]:
        """The first screen: the wizard when asked or when there is nothing to list, else the dashboard.

        It is the app's own first screen, not a screen pushed over Textual's empty default one: a pushed
        first screen is composed, laid out and drawn in Textual's start-up batch (a frame nobody sees)
        and again after it: 75 M of the 1,262 M instructions to the wizard's first frame (#10).
        """
        # One read of the file (no lock) decides the first screen and fills it.
        try:
            snapshot = self._snapshot or self.manager.snapshot()
        except Exception as exc:  # noqa: BLE001 - the file broke since `run_app` read it: the dashboard says how
            from zconnect_tui.store import Snapshot
            from zconnect_tui.tui.widgets import as_error

            return self._dashboard(Snapshot(), error=as_error(exc))
        self._snapshot = snapshot
        if self.start_in_wizard or not snapshot.connections:
            from zconnect_tui.tui.screens.wizard import WizardScreen

            return WizardScreen(self.manager, snapshot, self.prefill)
        return self._dashboard(snapshot)

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
        gc.enable()  # paused by `run` for the first frame
        callbacks, self._after_first_frame = self._after_first_frame, []
        for callback in callbacks:
            self.call_after_refresh(callback)
        # Later, once what those mount is on screen: a thread importing meanwhile would slow them down.
        self.set_timer(WARM_UP_DELAY, self._warm_up)

    def _warm_up(self) -> None:
        threading.Thread(target=_warm_imports, daemon=True).start()

    def open_dashboard(self, select: str | None = None) -> None:
        """The dashboard in place of the wizard that opened first (it closes to here), on `select`."""
        from zconnect_tui.store import Snapshot

        first = self.screen
        # Textual 8.2.8's switch_screen drops the replaced screen's result callback, which the app's
        # first screen never got (IndexError); push_screen gives a screen pushed without one a None.
        if not first._result_callbacks:
            first._push_result_callback(self, None)
        self.switch_screen(self._dashboard(self._snapshot or Snapshot(), select))

    def _dashboard(self, snapshot: Snapshot, select: str | None = None, *,
                   error: ZconnectError | None = None) -> Screen[Any]:
        """The dashboard on `snapshot`; `error`: why the file could not be read."""
        from zconnect_tui.tui.screens.dashboard import DashboardScreen

        return DashboardScreen(self.manager, snapshot, select=select, error=error)

    async def action_quit(self) -> None:
        """Quit (ctrl+q; q on the dashboard), asking first when a screen holds something typed and not
        saved (the wizard, a typed API call), as Esc and ctrl+o do; ctrl+q again in that question quits."""
        from zconnect_tui.tui.screens.confirm import ConfirmModal

        if isinstance(self.screen, ConfirmModal) and self.screen.id == QUIT_QUESTION:
            self.exit()
            return
        for screen in reversed(self.screen_stack):
            unsaved = getattr(screen, "unsaved_text", None)
            text = unsaved() if callable(unsaved) else None
            if text:
                question = ConfirmModal("Quit zconnect?", f"{text} (ctrl+q again quits.)", "Quit", cancel="Stay")
                question.id = QUIT_QUESTION
                self.push_screen(question, callback=lambda ok: self.exit() if ok else None)
                return
        self.exit()

    def action_help_quit(self) -> None:
        """Ctrl+C: say which key quits (Textual's own notice is markup, which `notify` shows as typed)."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit zconnect.", title="Do you want to quit?")
                return

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Save an SVG screenshot in `path`, else zconnect's data directory (`screenshot_dir`; never the current
        directory, which may be a git work tree), safe to share: a revealed secret field is masked while the
        picture is taken, and the file is created 0600 (it never replaces one). The notice names the file."""
        revealed = [field for screen in self.screen_stack for field in screen.query(Input)
                    if field.has_class("secret") and not field.password]
        for field in revealed:
            field.password = True
        try:
            svg = self.export_screenshot()
        finally:
            for field in revealed:
                field.password = False
        try:
            target = Path(path) if path else screenshot_dir()
            target = target / (filename or f"zconnect_{datetime.now():%Y-%m-%dT%H_%M_%S_%f}.svg")
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(svg)
        except OSError as exc:
            self.notify(f"Cannot save the screenshot: {exc.strerror}.", title="Screenshot", severity="error")
            return
        self.notify(f"Saved {target}", title="Screenshot", timeout=10)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification (the screens' and widgets' go through here) with text from Zoho made safe:
        control characters and bidi overrides removed, and never read as markup (`markup` is ignored)."""
        super().notify(clean(str(message), keep="\n"), title=clean(str(title)), severity=severity,
                       timeout=timeout, markup=False)

    def _fatal_error(self) -> None:
        """A crash report without local variables: they hold client secrets and tokens.

        Textual 8.2.8 renders `Traceback(show_locals=True)` here and has no setting for it
        (textual/app.py `_fatal_error`); this is the same report, locals off.
        """
        import rich
        from rich.traceback import Traceback

        self.bell()
        self.panic(Traceback(show_locals=False, width=None, suppress=[rich]))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
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
