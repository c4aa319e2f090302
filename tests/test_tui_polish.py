"""Dashboard leftovers of issue 10: toasts never over the key bar at 40-60 columns, the filter box's
Esc in the key bar, consent text shown literally, and what using the dashboard in tmux turned up."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLIENT_SECRET, Registered, free_port
from test_tui_dashboard import note_containing
from test_tui_experience import dashboard, write_states
from test_tui_support import footer_keys, frame_text, keys_on_screen, make_app, notices, shows, wait_for
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from zconnect_tui.model import Connection
from zconnect_tui.store import Store
from zconnect_tui.tui.actions import ACTIONS
from zconnect_tui.tui.app import ZconnectApp
from zconnect_tui.tui.authorize_panel import AuthorizePanel
from zconnect_tui.tui.keybar import KeyBar
from zconnect_tui.tui.screens.authorize import AuthorizeModal
from zconnect_tui.tui.screens.help import HelpScreen
from zconnect_tui.tui.screens.wizard import WizardScreen

LONG = "A toast with a message long enough to take two or three lines in the corner of a narrow terminal."


def toasts(app: ZconnectApp) -> list[Widget]:
    """The toasts on the current screen that are on screen (a toast scrolled out of the rack has no region)."""
    return [toast for toast in app.screen.query("Toast") if toast.region.area]


async def wait_for_widget(pilot: Pilot, selector: str) -> Widget:
    """The widget `selector` once it is mounted and laid out (the details panel joins after the first frame)."""
    screen = pilot.app.screen
    await wait_for(pilot, lambda: screen.query(selector) and screen.query_one(selector).region.area,
                   what=selector)
    return screen.query_one(selector)


async def assert_toasts_clear_of(pilot: Pilot, keep_clear: list[Widget], count: int) -> None:
    app = pilot.app
    assert isinstance(app, ZconnectApp)
    await wait_for(pilot, lambda: len(toasts(app)) >= count, what=f"{count} toasts laid out")
    await pilot.pause()
    width = app.size.width
    for toast in toasts(app):
        for widget in keep_clear:
            assert not toast.region.overlaps(widget.region), (width, toast.region, widget, widget.region)


@pytest.mark.parametrize("width", [40, 50, 60])
async def test_toasts_never_cover_the_dashboards_keys_however_many_lines_they_take(config_path: Path,
                                                                                    width: int) -> None:
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(width, 20), notifications=True) as pilot:
        bar = dashboard(pilot).query_one(KeyBar)
        await wait_for(pilot, lambda: bar.region.height >= 3, what="the key bar wrapped")  # 3 lines at 60, 5 at 40
        app.notify(LONG)
        app.notify("Another one.", severity="warning")
        await assert_toasts_clear_of(pilot, [bar], 2)
        # Narrower with the toasts up: the bar takes more lines and the toasts move up with it.
        await pilot.resize_terminal(width - 10, 20)
        await wait_for(pilot, lambda: bar.region.width == width - 10, what="the resize")
        await assert_toasts_clear_of(pilot, [bar], 2)


@pytest.mark.parametrize("width", [40, 50, 60])
async def test_toasts_never_cover_the_wizards_back_next_or_keys(config_path: Path, width: int) -> None:
    app = make_app(config_path)
    async with app.run_test(size=(width, 20), notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, WizardScreen), what="the wizard")
        screen = app.screen
        bar = screen.query_one(KeyBar)
        await wait_for(pilot, lambda: bar.region.height >= (2 if width < 60 else 1), what="the key bar laid out")
        app.notify(LONG)
        await assert_toasts_clear_of(pilot, [bar, screen.query_one("#nav")], 1)


async def test_the_filter_box_shows_esc_and_esc_clears_it(config_path: Path) -> None:
    """While the filter box has focus the key bar says what Esc does there, and shows no letter keys
    (they are typed into the box); Esc does what the bar says: every row back, the table focused."""
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = dashboard(pilot)
        table = screen.query_one(DataTable)
        assert "escape" not in footer_keys(screen)  # nothing to clear or cancel yet
        await pilot.press("slash", *"crm")
        field = screen.query_one("#filter", Input)
        assert field.has_focus and table.row_count == 1

        def bar() -> dict[str, str]:
            return {key: shown.description for key, shown in footer_keys(screen).items()}

        await wait_for(pilot, lambda: bar().get("escape") == "Clear filter", what="esc Clear filter in the key bar")
        assert "escape" in keys_on_screen(app) and await shows(pilot, "esc Clear filter")
        assert not {"r", "t", "n", "s", "question_mark", "slash"} & set(bar())  # typed into the box, not shown
        await pilot.press("escape")
        assert table.row_count == 6 and table.has_focus and not field.display and field.value == ""
        await wait_for(pilot, lambda: "escape" not in bar() and "r" in bar(), what="the table's keys back")
        assert "filter" not in str(screen.query_one("#dashboard-title", Static).content)

        # Enter keeps the filter and goes back to the table; Esc from there clears it too, as the bar says.
        await pilot.press("slash", *"crm", "enter")
        assert table.has_focus and table.row_count == 1
        await wait_for(pilot, lambda: bar().get("escape") == "Clear filter" and "r" in bar(), what="table keys + esc")
        await pilot.press("escape")
        assert table.row_count == 6 and not field.display


async def test_the_consent_dialog_shows_a_redirect_uri_literally_never_as_markup(config_path: Path) -> None:
    """The redirect URI is the file's text: `[bold]…[/]` in it is shown as typed, not read as markup."""
    uri = f"http://127.0.0.1:{free_port()}/callback[bold]x[/]"
    Store(config_path).save_connection(Connection("odd", "desk", "lab", "1000.ABCDEFGH", ["Desk.basic.READ"],
                                                  client_secret=CLIENT_SECRET, redirect_uri=uri))
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeModal), what="the consent dialog")
        panel = app.screen.query_one(AuthorizePanel)
        await wait_for(pilot, lambda: panel.flow is not None, what="the flow")
        intro = panel.query_one("#auth-intro", Static)
        await wait_for(pilot, lambda: "Accept" in intro.render().plain, what="the consent text")
        assert f"redirects it to {uri}," in intro.render().plain
        await pilot.press("escape", "escape")


# ----- found using the dashboard in tmux (60×20, 80×24, 120×40) -------------------------------------------------
async def test_no_blank_row_above_the_keys_once_an_action_is_done(
        authorized_desk_no_browser: Registered, config_path: Path) -> None:
    """The progress line goes when the action ends: the details panel reaches down to the key bar again."""
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = dashboard(pilot)
        panel = await wait_for_widget(pilot, "#details-panel")
        bar = screen.query_one(KeyBar)
        assert panel.region.bottom == bar.region.y
        await pilot.press("r")
        await note_containing(pilot, "Refreshed desk")
        await wait_for(pilot, lambda: screen.running is None, what="the refresh done")
        await pilot.pause()
        assert panel.region.bottom == bar.region.y, (panel.region, bar.region)


async def test_help_puts_each_command_on_a_line_of_its_own(config_path: Path) -> None:
    """At 80 columns the help's "$ zconnect …" lines are whole: no "$" left at the end of a line."""
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        scroll = app.screen.query_one("#help-scroll")
        await wait_for(pilot, lambda: scroll.max_scroll_y > 0, what="the help laid out")
        lines: list[str] = []
        y = 0
        while True:
            scroll.scroll_to(y=y, animate=False)
            await pilot.pause()
            lines += [line.strip(" █▇▅▃▁▄▆▂") for line in frame_text(app).splitlines()]
            if y >= scroll.max_scroll_y:
                break
            y += max(1, scroll.region.height - 2)
        assert not [line for line in lines if line.endswith("$")]
        for action in ACTIONS:  # each command starts a line, after its sentence
            assert any(line.startswith(f"$ {action.cli[:20]}") for line in lines), action.cli


async def test_the_expiry_stays_on_screen_at_60_columns(config_path: Path) -> None:
    """The organisation (any length: Zoho's name) is the last column, so a narrow terminal cuts it, not
    the expiry."""
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(60, 20)) as pilot:
        table = dashboard(pilot).query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 6, what="the rows")
        await pilot.pause()
        frame = frame_text(app)
        assert "Expires" in frame and "in 41m" in frame and "5m ago" in frame


async def test_the_wide_details_panel_keeps_a_redirect_uri_on_one_line(config_path: Path) -> None:
    """At 120 columns the panel beside the table is wide enough for the URI to register, unbroken."""
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_widget(pilot, "#details-panel")
        assert await shows(pilot, "http://127.0.0.1:9646/callback")


async def test_a_greyed_out_key_says_why_it_does_not_apply(config_path: Path) -> None:
    """Textual ignores a disabled binding silently; the dashboard says why (the key bar greys it out,
    the details panel lists it below the fold at 80×24). Typed into the filter box, letters say nothing."""
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = dashboard(pilot)
        table = screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 6, what="the rows")
        table.move_cursor(row=[table.get_row_at(i)[1].plain for i in range(6)].index("fresh"))
        await pilot.pause()
        assert screen.check_action("refresh", ()) is None
        await pilot.press("r")
        status = screen.query_one("#status", Static)  # one line above the keys, not a toast (#22 item 9)
        await wait_for(pilot, lambda: status.display and "fresh was never authorized" in str(status.content),
                       what="the reason above the keys")
        assert not list(notices(app))
        screen.note("")
        await pilot.press("slash", *"fresh", "c", "r")
        await pilot.pause()
        assert not status.display and not list(notices(app))
