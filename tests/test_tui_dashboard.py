"""The dashboard: every action against the emulator, at 80×24; each outcome shows once, in the details
panel (or, for a connection not selected, on the line above the keys), never as a toast (#22 item 9)."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from conftest import CLIENT_SECRET, Browser, Registered, authorize
from test_tui_support import SIZE, frame_text, keys_on_screen, make_app, record_lock_threads, shows, wait_for
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import DataTable

from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.model import mask
from zconnect_tui.oauth import RETRY_DELAYS
from zconnect_tui.store import Store
from zconnect_tui.tui.actions import ACTIONS
from zconnect_tui.tui.app import ZconnectApp
from zconnect_tui.tui.authorize_panel import AuthorizePanel
from zconnect_tui.tui.screens.authorize import AuthorizeModal
from zconnect_tui.tui.screens.confirm import ConfirmModal
from zconnect_tui.tui.screens.dashboard import DashboardScreen
from zconnect_tui.tui.screens.details import DetailsScreen
from zconnect_tui.tui.screens.export import ExportScreen
from zconnect_tui.tui.screens.wizard import WizardScreen


def results(app: ZconnectApp) -> dict[str, tuple[bool, str]]:
    """The dashboard's outcomes by connection ((ok, text), shown at the top of the details panel)."""
    dashboard = next(s for s in app.screen_stack if isinstance(s, DashboardScreen))
    return dashboard.outcomes


def notes(app: ZconnectApp) -> list[str]:
    """Every result the dashboard shows now: each connection's outcome and the note above the keys."""
    dashboard = next(s for s in app.screen_stack if isinstance(s, DashboardScreen))
    status = [str(w.content) for w in dashboard.query("#status") if w.display]
    return [text for _ok, text in dashboard.outcomes.values()] + status


async def note_containing(pilot: Pilot, text: str) -> str:
    app = pilot.app
    assert isinstance(app, ZconnectApp)
    await wait_for(pilot, lambda: any(text in n for n in notes(app)), what=f"notification {text!r}")
    return next(n for n in notes(app) if text in n)


def conn(config: Path, name: str = "desk"):  # noqa: ANN201 - a Connection
    return Store(config).load().get(name)


async def test_table_lists_connections_with_live_state(authorized_desk_no_browser: Registered,
                                                       config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, DashboardScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 1
        row = [str(cell) for cell in table.get_row("desk")]
        assert row[:4] == ["● valid", "desk", "desk", "lab"] and row[5] == conn(config_path).org_name
        assert row[4].startswith("in ")
        wanted = ("n", "r", "t", "a", "v", "d", "c", "e", "x", "enter", "question_mark", "slash")
        # Every action is in the key bar and visible at 80×24.
        await wait_for(pilot, lambda: set(wanted) <= keys_on_screen(app), what="the keys")
        # State changes made elsewhere (here: the CLI's store) show up by themselves.
        Store(config_path).update("desk", lambda c: setattr(c, "status", "needs_reauth"))
        app.screen.reload()  # what the live timer does every few seconds
        await wait_for(pilot, lambda: table.get_row("desk")[0].plain == "▲ re-authorize", what="the new state")


async def test_empty_state_and_new(config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, WizardScreen)  # no connections: the wizard opens
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        assert await shows(pilot, "Press n to create one")
        # Nothing to refresh: the key is greyed out in the footer and does nothing.
        assert app.screen.check_action("refresh", ()) is None
        await pilot.press("r")
        assert isinstance(app.screen, DashboardScreen) and not app.screen.running
        await pilot.press("n")
        assert isinstance(app.screen, WizardScreen)


async def test_refresh_and_test(authorized_desk_no_browser: Registered, config_path: Path, emulator: ZohoEmulator,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    before = conn(config_path).token.access_token
    locks = record_lock_threads(monkeypatch)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await note_containing(pilot, "Refreshed desk: valid")
        assert conn(config_path).token.access_token != before
        await pilot.press("t")
        await note_containing(pilot, "desk: OK. Reached 2 Desk organizations")
    assert len(emulator.token_requests("refresh_token")) == 1
    assert locks and not any(locks)  # the refresh locked the file from a worker thread


async def test_fault_on_refresh_is_shown_in_the_details(authorized_desk_no_browser: Registered, config_path: Path,
                                                        emulator: ZohoEmulator) -> None:
    # Refreshes are retried on 503 (repeat-safe): fail every attempt so the error reaches the user.
    emulator.queue_fault("503", count=len(RETRY_DELAYS) + 1)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await wait_for(pilot, lambda: "desk" in results(app), what="the error")
        ok, text = results(app)["desk"]
        assert not ok and ("503" in text or "Zoho" in text)
        assert isinstance(app.screen, DashboardScreen) and app.is_running
        await pilot.press("r")  # the fault was one-off: the next refresh works
        await note_containing(pilot, "Refreshed desk")


async def test_dead_refresh_token_says_reauthorize(authorized_desk_no_browser: Registered, config_path: Path,
                                                   emulator: ZohoEmulator) -> None:
    emulator.revoke_refresh_token(conn(config_path).token.refresh_token)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        text = await note_containing(pilot, "press a to authorize it again")
        assert "refresh token no longer works" in text
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.get_row("desk")[0].plain == "▲ re-authorize")


async def test_reauthorize(authorized_desk_no_browser: Registered, config_path: Path, browser: Browser,
                           emulator: ZohoEmulator) -> None:
    old = conn(config_path).token.refresh_token
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")  # the modal opens and, with the fake browser, closes by itself
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="authorized")
        # "desk is authorized", then the account check's outcome replaces it in the details panel
        await note_containing(pilot, "Zoho account")
    new = conn(config_path)
    assert new.token.refresh_token and new.token.refresh_token != old
    assert old not in emulator.live_refresh_tokens  # the replaced token was revoked
    assert new.org_id  # kept


async def test_reauthorize_escape_stops_waiting(authorized_desk_no_browser: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        modal = app.screen
        assert isinstance(modal, AuthorizeModal)
        panel = modal.query_one(AuthorizePanel)
        await wait_for(pilot, lambda: panel.busy and panel.flow is not None, what="waiting")
        await pilot.press("escape")  # the first Esc cancels the wait (and says so)
        assert not panel.busy and await shows(pilot, "Cancelled")
        await pilot.press("escape")  # the second closes the dialog
        assert isinstance(app.screen, DashboardScreen)
    assert conn(config_path).status == "authorized"


async def test_revoke_confirmed(authorized_desk_no_browser: Registered, config_path: Path,
                                emulator: ZohoEmulator) -> None:
    refresh = conn(config_path).token.refresh_token
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await note_containing(pilot, "Revoked at Zoho")
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).get_row("desk")[0].plain == "⊘ revoked")
    assert conn(config_path).status == "revoked" and not conn(config_path).token.refresh_token
    assert refresh not in emulator.live_refresh_tokens


async def test_remove_cancelled_then_confirmed(authorized_desk_no_browser: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        modal = app.screen
        assert isinstance(modal, ConfirmModal)
        # The dialog's words (on screen they wrap wherever the file's path ends).
        assert "revoke (v) first" in modal.text and await shows(pilot, "Remove desk?")
        await pilot.press("n")
        assert isinstance(app.screen, DashboardScreen)
        assert "desk" in Store(config_path).load().connections
        await pilot.press("delete")
        await pilot.press("y")
        await note_containing(pilot, "Removed desk")
        await wait_for(pilot, lambda: "Press n to create one" in frame_text(app), what="empty state")
    assert "desk" not in Store(config_path).load().connections


async def test_copy_token_never_shows_it(authorized_desk_no_browser: Registered, config_path: Path) -> None:
    token = conn(config_path).token.access_token
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        note = await note_containing(pilot, "Copied desk's access token")
        assert "OSC 52" in note and "set-clipboard on" in note  # what copying needs from the terminal
        assert app.clipboard == token
        assert not any(token in n for n in notes(app))
        assert token not in frame_text(app)


async def test_export_and_details_are_masked(authorized_desk_no_browser: Registered, config_path: Path) -> None:
    stored = conn(config_path)
    secrets = (CLIENT_SECRET, stored.token.access_token, stored.token.refresh_token)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        await wait_for(pilot, lambda: screen.texts, what="the export")
        text = frame_text(app)
        assert "Request Token URL" in text and mask(CLIENT_SECRET) in text
        assert not any(s in text or s in "".join(screen.texts.values()) for s in secrets)
        await pilot.press("escape")
        await pilot.press("enter")
        assert isinstance(app.screen, DetailsScreen)
        body = app.screen.text
        assert f"Client Secret: {mask(CLIENT_SECRET)}" in body and "Refresh token: stored" in body
        assert not any(s in body or s in frame_text(app) for s in secrets)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_actions_are_in_the_command_palette(authorized_desk_no_browser: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        titles = [c.title for c in app.get_system_commands(screen)]
        selected = conn(config_path)
        assert all(action.title in titles for action in ACTIONS if action.unavailable(selected) != "hidden")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"Copy access token")
        commands = app.screen.query_one(CommandList)

        def highlighted() -> str:
            index = commands.highlighted
            return "" if index is None else str(commands.get_option_at_index(index).prompt)

        await wait_for(pilot, lambda: "Copy access token" in highlighted(), what="the command to be found")
        await pilot.press("enter")
        await note_containing(pilot, "Copied desk's access token")
        assert app.clipboard == conn(config_path).token.access_token


async def test_names_from_zoho_are_shown_literally_never_as_markup(
        emulator: ZohoEmulator, desk: Registered, config_path: Path) -> None:
    """Organisation names come from Zoho: brackets must show as typed and cannot break the screen."""
    emulator.orgs = [{"id": "1", "companyName": "Acme [EU] [/]", "isDefault": True},
                     {"id": "2", "companyName": "[b]Bold[/b] Ltd", "isDefault": False}]
    authorize(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(DataTable)
        assert table.get_row("desk")[5].plain == "Acme [EU] [/]"
        await pilot.press("t")
        text = await note_containing(pilot, "Reached 2 Desk organizations")
        assert "Acme [EU] [/], [b]Bold[/b] Ltd" in text
        assert "Acme [EU] [/]" in frame_text(app)


def test_quitting_as_the_first_frame_shows_is_clean(authorized_desk_no_browser: Registered, config_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """q pressed the moment the dashboard appears: the app closes with no crash report (what the first frame
    left for later, the details panel, is not mounted into a screen that is going away)."""

    async def quit_at_first_frame(pilot: Pilot) -> None:
        pilot.app.exit()

    app = make_app(config_path, wizard=False)
    app.run(headless=True, size=SIZE, auto_pilot=quit_at_first_frame)
    assert app.return_code == 0
    assert "Traceback" not in capsys.readouterr().out


def test_quitting_before_the_first_wizard_is_up_is_clean(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Quit before the first-run wizard is up (a q typed ahead of the app): no crash report. The wizard
    is the app's first screen, so its mount can come after the quit began."""

    async def quit_at_once(pilot: Pilot) -> None:
        pilot.app.exit()

    app = make_app(tmp_path / "connections.toml", wizard=True)
    app.run(headless=True, size=SIZE, auto_pilot=quit_at_once)
    assert app.return_code == 0
    assert "Traceback" not in capsys.readouterr().out


def test_the_collector_pauses_only_for_the_first_frame(tmp_path: Path) -> None:
    """`zconnect` pauses garbage collection while it builds its first screen (#10): it runs again once
    the first frame is up, and after an app that ended before its first frame."""
    seen: list[bool] = []

    async def look(pilot: Pilot) -> None:
        await wait_for(pilot, lambda: pilot.app.first_frame_shown, what="the first frame")
        seen.append(gc.isenabled())
        pilot.app.exit()

    async def quit_at_once(pilot: Pilot) -> None:
        pilot.app.exit()

    try:
        make_app(tmp_path / "connections.toml", wizard=True).run(headless=True, size=SIZE, auto_pilot=look)
        assert seen == [True]
        make_app(tmp_path / "connections.toml", wizard=True).run(headless=True, size=SIZE, auto_pilot=quit_at_once)
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()  # `run` froze this test process's objects


async def test_a_long_list_shows_a_screenful_first_then_every_row(tmp_path: Path) -> None:
    """150 connections: the first frame has a screenful of rows, the rest join right after it, and the
    last one can be selected and shows its details."""
    from zconnect_tui.model import Connection

    config = tmp_path / "connections.toml"
    store = Store(config)
    for i in range(150):
        store.save_connection(Connection(f"c{i:03d}", "desk", "us", "1000.ID", ["Desk.basic.READ"],
                                         client_secret="0123456789abcdef"))
    app = make_app(config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        await wait_for(pilot, lambda: screen.table.row_count == 150, what="every row")
        screen.table.select("c149")
        await wait_for(pilot, lambda: screen.selected is not None and screen.selected.name == "c149",
                       what="the last row selected")
