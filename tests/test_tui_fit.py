"""Issue 10's last leftovers in the TUI: the dashboard's title fits its width while filtering, and what
using the dialogs at 60×20, 80×24 and 120×40 turned up."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from rich.cells import cell_len
from test_tui_experience import dashboard, write_states
from test_tui_screenshot import svg_text
from test_tui_support import frame_text, make_app, open_dialog, type_into, wait_for
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Static

from zconnect_tui.tui.app import ZconnectApp, screenshot_dir
from zconnect_tui.tui.screens.dashboard_filter import title_text
from zconnect_tui.tui.screens.details import DetailsScreen
from zconnect_tui.tui.screens.dialog import Dialog
from zconnect_tui.tui.screens.edit import EditScreen
from zconnect_tui.tui.screens.export import ExportScreen
from zconnect_tui.tui.screens.help import help_sections


def title_row(app: object) -> str:
    return frame_text(app).splitlines()[0].strip()  # type: ignore[arg-type]


async def test_the_title_says_the_filter_count_and_the_sort_in_full_at_60_columns(config_path: Path) -> None:
    """At 60 columns a filter's count and the sort order read whole: the title words itself shorter,
    it does not lose its end; at 120 columns the long wording is back."""
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = dashboard(pilot)
        title = screen.query_one("#dashboard-title", Static)
        await pilot.press("slash", *"crm")
        await wait_for(pilot, lambda: "1 of 6" in str(title.content), what="the filter's count in the title")
        await wait_for(pilot, lambda: title_row(app) == str(title.content), what="the title drawn")
        shown = title_row(app)
        assert shown == "zconnect · filter 'crm': 1 of 6 · sorted by name", shown
        assert cell_len(shown) <= 58  # the row less its padding: nothing cut
        await pilot.press("enter", "s")  # sort by the next column: still whole
        await wait_for(pilot, lambda: "by state" in title_row(app), what="the new sort in the title")
        assert title_row(app).endswith("1 of 6 · sorted by state")
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: title_row(app).startswith("zconnect · Zoho connections · filter 'crm'"),
                       what="the long wording at 120 columns")
        assert title_row(app).endswith("· sorted by state")


@pytest.mark.parametrize("width", [20, 30, 40, 58, 78, 118])
def test_the_title_never_exceeds_its_width_and_keeps_the_count(width: int) -> None:
    for text in ("crm", "a-filter-typed-by-someone-who-likes-long-words", "日本語のフィルター"):
        title = title_text(width, text, 12, 1000, "expires")
        assert cell_len(title) <= width, (width, title)
        assert "12 of 1000" in title
    assert title_text(width, "", 6, 6, "name") in (
        "zconnect · Zoho connections · sorted by name", "zconnect · sorted by name", "zconnect · by name")


@pytest.mark.parametrize("width", [20, 30, 40, 58, 78, 118])
def test_a_shared_stores_title_says_shared_at_every_width(width: int) -> None:
    """On a store many machines share, "shared" goes last (a change made here reaches them all), and only
    before a filter's count, below 40 columns."""
    for text in ("", "crm"):
        title = title_text(width, text, 2, 9, "name", shared="zconnect on db.example")
        assert cell_len(title) <= width and ("2 of 9" in title) == bool(text), (width, title)
        assert ("shared" in title) == (not text or width >= 40), (width, title)
    assert title_text(118, "", 9, 9, "name", shared="zconnect on db.example") == \
        "zconnect · Zoho connections · shared store zconnect on db.example · sorted by name"
    assert "shared" not in title_text(width, "", 9, 9, "name", shared=None)


# ----- toasts over dialogs -----------------------------------------------------------------------------
DIALOGS = {"details": ("enter",), "export": ("x",), "help": ("question_mark",), "edit": ("e",), "revoke": ("v",),
           "remove": ("d",)}
"""The dashboard's dialogs, by the keys that open them on the first row ("dead": every one applies)."""
NOTE = "A refresh finished meanwhile: desk is valid for 59m, and the account is the one it was before."


def shown_toasts(app: ZconnectApp) -> list[Widget]:
    return [toast for toast in app.screen.query("Toast") if toast.region.area]


def assert_toasts_clear_of_the_box(app: ZconnectApp, what: str) -> None:
    """What a user needs while a toast is up: the box's buttons (to act) and its border (where the box
    ends) stay in view; where the screen leaves room below the box, the toast covers none of it."""
    screen = app.screen
    box = screen.query_one(".dialog")
    buttons = [child.region for child in box.children if child.has_class("buttons")]
    assert all(screen.region.contains_region(row) for row in buttons), (what, "buttons off screen", buttons)
    shown = shown_toasts(app)
    assert shown, what
    for toast in shown:
        region, drawn = toast.region, screen.find_widget(toast).visible_region
        assert drawn == region, (what, "the toast is cut", region, drawn)
        assert not any(region.overlaps(row) for row in buttons), (what, "over the buttons", region, buttons)
        assert box.content_region.contains_region(region) or not region.overlaps(box.region), \
            (what, "over the border", region, box.region)
        if app.size.height - box.region.bottom >= toast.outer_size.height + toast.styles.margin.top:
            assert not region.overlaps(box.region), (what, "over a box the screen had room below", region)


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)])
async def test_toasts_never_cover_a_dialogs_buttons_or_border(config_path: Path, size: tuple[int, int]) -> None:
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=size, notifications=True) as pilot:
        dashboard(pilot)
        for name, keys in DIALOGS.items():
            await pilot.press(*keys)
            await wait_for(pilot, lambda: isinstance(app.screen, Dialog), what=name)
            if name == "export":  # the dialog's own toast: c copies the format shown
                await wait_for(pilot, lambda: app.screen.texts, what="the export's texts")
                await pilot.press("c")
            else:  # a dashboard action's outcome, arriving while the dialog is open
                app.notify(NOTE, title="desk")
            await wait_for(pilot, lambda: shown_toasts(app), what=f"a toast over {name}")
            await pilot.pause()
            assert_toasts_clear_of_the_box(app, f"{name} at {size}")
            layouts: list[object] = []  # placed once: a placement that kept changing would lay out every frame
            app.screen.screen_layout_refresh_signal.subscribe(app.screen, layouts.append)
            for _ in range(3):
                await pilot.pause()
            assert layouts == [], (name, size, len(layouts))
            app.clear_notifications()
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, Dialog), what=f"{name} closed")


# ----- the dialogs at 60×20, as a new user meets them ------------------------------------------------------
def on_screen(app: ZconnectApp, text: str) -> bool:
    return text in " ".join(frame_text(app).split())


async def test_a_dialogs_body_scrolls_from_its_button(config_path: Path) -> None:
    """At 60×20 the Details and Export bodies are longer than the screen and the focus starts on a button:
    ↓, PgDn and End scroll the body from there (they did nothing, the rest was out of reach)."""
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(60, 20)) as pilot:
        dashboard(pilot)
        details = await open_dialog(pilot, "enter", DetailsScreen, "the details")
        assert details.query_one("#close").has_focus
        label, value = details.text.splitlines()[-1].split(": ", 1)
        assert not on_screen(app, label)  # below the fold
        await pilot.press("end")
        await wait_for(pilot, lambda: on_screen(app, f"{label} {value[:20]}"), what=f"{label} after End")
        await pilot.press("home", "pagedown")
        assert details.query_one(".dialog-scroll").scroll_y > 0 and details.query_one("#close").has_focus
        await pilot.press("escape")

        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen) and app.screen.texts, what="the export")
        export = app.screen
        await pilot.press("right", "right")  # json: longer than the screen
        await wait_for(pilot, lambda: export.shown == "json", what="the json tab")
        last = export.texts["json"].rstrip().splitlines()[-2].strip()
        assert not on_screen(app, last)
        await pilot.press("down", "down", "end")
        await wait_for(pilot, lambda: on_screen(app, last), what="the end of the json text")
        assert on_screen(app, "↑/↓ scroll it")  # the hint says so, and the help
        assert "Scroll a dialog's text" in "".join(right for _, rows in help_sections([]) for _, right in rows)


async def test_f12_saves_a_screenshot_from_a_dialog_with_a_revealed_secret_masked(
        config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's F12 did nothing over a dialog (a modal screen ends the binding chain before the app)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    shots = screenshot_dir()  # zconnect's data directory (under this test's XDG_DATA_HOME), never the cwd
    monkeypatch.chdir(tmp_path)
    write_states(config_path)
    secret = "9f" * 21
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(80, 24)) as pilot:
        dashboard(pilot)
        await open_dialog(pilot, "e", EditScreen, "the edit dialog")
        await type_into(pilot, "#secret", secret)
        app.screen.query_one("#reveal", Checkbox).value = True
        await wait_for(pilot, lambda: on_screen(app, secret[:20]), what="the revealed secret")
        await pilot.press("f12")
        await wait_for(pilot, lambda: list(shots.glob("*.svg")), what="the screenshot")
        assert isinstance(app.screen, EditScreen) and not app.screen.query_one("#secret", Input).password
    [shot] = list(shots.glob("*.svg"))
    assert "Edit dead" in svg_text(shot.read_text()) and secret[:8] not in svg_text(shot.read_text())
    assert stat.S_IMODE(shot.stat().st_mode) == 0o600


async def test_edit_at_60x20_keeps_what_save_means_and_why_it_refused_in_view(config_path: Path) -> None:
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(60, 20)) as pilot:
        dashboard(pilot)
        edit = await open_dialog(pilot, "e", EditScreen, "the edit dialog")
        await pilot.press("down", "space")  # a second scope, at the top of the form
        await wait_for(pilot, lambda: on_screen(app, "New scopes reach the token only through a new consent"),
                       what="the note under the form, in view")
        await type_into(pilot, "#port", "80")
        edit.query_one("#scopes").focus()  # back at the top: the port's field and error out of view
        await wait_for(pilot, lambda: not on_screen(app, "Port 80 is out of range"), what="the port out of view")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: edit.query_one("#port").has_focus, what="the refused field focused")
        await wait_for(pilot, lambda: on_screen(app, "Port 80 is out of range"), what="its error in view")
        assert on_screen(app, "Fix the field marked above, then Save.")
