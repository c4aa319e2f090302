"""The key bar (tui/keybar.py): what Textual's Footer showed, from one widget.

Keys are the screen's shown bindings, greyed out when they do not apply; a click on a key does what
the key does, a click on a greyed-out one does nothing; at any width a key is never split across
lines and every key stays on screen.
"""

from __future__ import annotations

from pathlib import Path

from test_tui_support import frame_text, keys_on_screen, make_app, wait_for
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from zconnect_tui.tui.keybar import KeyBar
from zconnect_tui.tui.screens.wizard import WizardScreen


class KeysScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "count('next')", "Next"),
        Binding("r", "count('refresh')", "Refresh"),
        Binding("h", "count('hidden')", "Hidden", show=False),
        *(Binding(f"f{i}", f"count('f{i}')", f"Function{i}") for i in range(2, 9)),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}
        self.refresh_applies = False

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def action_count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "count" and parameters == ("refresh",):
            return True if self.refresh_applies else None  # greyed out, still shown
        return True


class KeysApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(KeysScreen())


def offset_of(app: App[None], text: str) -> tuple[int, int]:
    """Where `text` starts on screen (column, row)."""
    for row, line in enumerate(frame_text(app).splitlines()):  # type: ignore[arg-type]
        if text in line:
            return line.index(text), row
    raise AssertionError(f"{text!r} is not on screen")


async def test_keys_click_grey_out_and_wrap_whole() -> None:
    app = KeysApp()
    async with app.run_test(size=(60, 12)) as pilot:
        screen = app.screen
        assert isinstance(screen, KeysScreen)
        bar = screen.query_one(KeyBar)
        await wait_for(pilot, lambda: "n" in bar.keys, what="the keys")
        assert "h" not in bar.keys and not bar.keys["r"].enabled and bar.keys["n"].enabled
        # A click on a key is the key; a greyed-out key does nothing.
        x, y = offset_of(app, "n Next")
        await pilot.click(offset=(x + 1, y))
        await wait_for(pilot, lambda: screen.counts.get("next") == 1, what="the click on n")
        x, y = offset_of(app, "r Refresh")
        await pilot.click(offset=(x + 1, y))
        await pilot.pause()
        assert "refresh" not in screen.counts
        # Once it applies, the bar says so by itself (no recompose of anything else).
        screen.refresh_applies = True
        screen.refresh_bindings()
        await wait_for(pilot, lambda: bar.keys["r"].enabled, what="r enabled")
        # Nine keys and the palette do not fit 60 columns: more lines, no key split, every key seen.
        assert bar.region.height >= 2
        frame = frame_text(app)  # type: ignore[arg-type]
        assert all(key.text in frame for key in bar.keys.values())
        await pilot.resize_terminal(30, 12)
        await wait_for(pilot, lambda: bar.region.height >= 4, what="more lines at 30 columns")
        frame = frame_text(app)  # type: ignore[arg-type]
        assert all(key.text in frame for key in bar.keys.values())


async def test_the_wizard_keys_follow_the_width(config_path: Path) -> None:
    """The wizard's bar: ^q Quit always; "^p palette" only from 70 columns."""
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        await wait_for(pilot, lambda: {"ctrl+n", "ctrl+q", "ctrl+p"} <= keys_on_screen(app), what="the keys")
        await pilot.resize_terminal(60, 20)
        await wait_for(pilot, lambda: "ctrl+p" not in screen.query_one(KeyBar).keys, what="no palette at 60")
        assert {"ctrl+n", "escape", "ctrl+q"} <= keys_on_screen(app)


async def test_the_wizard_names_ctrl_n_as_its_button_does(config_path: Path) -> None:
    """^n is "Next" at step 0 and "Save" at step 5, where the button says "Save →"."""
    app = make_app(config_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, WizardScreen)
        bar = screen.query_one(KeyBar)
        await wait_for(pilot, lambda: "ctrl+n" in bar.keys, what="the keys")
        assert bar.keys["ctrl+n"].description == "Next"
        screen.step = screen.index_of("credentials")
        await wait_for(pilot, lambda: bar.keys["ctrl+n"].description == "Save", what="^n Save")
        assert "^n Save" in frame_text(app)  # type: ignore[arg-type]
