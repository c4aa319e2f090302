"""UX round 3 (#22) on the dashboard and across the app: ctrl+q asks, long names, the authorize dialog
at 60×20, results shown once, and the smaller ones (the save-API name, Esc on a typed call, the wide panel)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLIENT_SECRET, Registered
from test_tui_dashboard import conn
from test_tui_experience import dashboard, write_states
from test_tui_support import (
    SIZE,
    dashboard_ready,
    frame_text,
    keys_on_screen,
    make_app,
    notices,
    type_into,
    wait_for,
    wizard,
)
from textual.widgets import Button, Input, Static

from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.model import Connection
from zconnect_tui.store import Store
from zconnect_tui.tui.authorize_panel import AuthorizePanel
from zconnect_tui.tui.screens.api import ApiScreen
from zconnect_tui.tui.screens.api_save import SaveApiModal
from zconnect_tui.tui.screens.authorize import AuthorizeModal
from zconnect_tui.tui.screens.confirm import ConfirmModal
from zconnect_tui.tui.screens.dashboard import DashboardScreen
from zconnect_tui.tui.screens.edit import EditScreen
from zconnect_tui.tui.widgets import FieldError

LONG_NAME = "desk-" + "a" * 57 + "z"
"""63 characters, the issue's example: the end ("z") is what a cut loses."""


# ----- item 4: ctrl+q asks too; ctrl+c's notice is not raw markup --------------------------------------------
async def test_ctrl_q_with_something_typed_asks_first_and_again_quits(tmp_path: Path) -> None:
    app = make_app(tmp_path / "connections.toml")
    async with app.run_test(size=SIZE) as pilot:
        wizard(pilot)
        await type_into(pilot, "#name", "half")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the question")
        assert app.is_running and "not saved anywhere yet" in app.screen.text
        await pilot.press("n")  # stay: what was typed is still there
        assert wizard(pilot).query_one("#name", Input).value == "half"
        await pilot.press("ctrl+q", "ctrl+q")  # asked, then quit
        await wait_for(pilot, lambda: not app.is_running, what="the app to quit")


async def test_ctrl_q_with_nothing_typed_quits_at_once(tmp_path: Path) -> None:
    app = make_app(tmp_path / "connections.toml")
    async with app.run_test(size=SIZE) as pilot:
        wizard(pilot)
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, what="the app to quit")


async def test_ctrl_c_says_how_to_quit_in_plain_words(tmp_path: Path) -> None:
    app = make_app(tmp_path / "connections.toml")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        wizard(pilot)
        app.set_focus(None)  # (a focused field takes ctrl+c as copy)
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: notices(app), what="the notice")
        [note] = notices(app)
        assert note.message == "Press ctrl+q to quit zconnect." and "[" not in note.message


# ----- item 5: long names -----------------------------------------------------------------------------------
def long_named(config: Path) -> None:
    write_states(config)
    Store(config).save_connection(Connection(LONG_NAME, "desk", "lab", "1000.X", ["Desk.basic.READ"],
                                             client_secret=CLIENT_SECRET,
                                             redirect_uri="http://127.0.0.1:9646/callback"))


@pytest.mark.parametrize("size", [(60, 20), (80, 24), (120, 40)])
async def test_a_long_name_is_cut_so_the_state_and_expiry_show(config_path: Path, size: tuple[int, int]) -> None:
    long_named(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=size) as pilot:
        screen = dashboard(pilot)
        await wait_for(pilot, lambda: screen.table.row_count == 7, what="the rows")
        screen.table.select(LONG_NAME)
        await pilot.pause()
        await wait_for(pilot, lambda: "Expires" in frame_text(app), what="the header to its Expires")
        rows = frame_text(app).splitlines()
        row = next(line for line in rows if "desk-aaaa" in line and "not authorized" in line)
        assert "…" in row and LONG_NAME not in row  # cut, with an ellipsis
        assert row.split("…")[1].split()[:3] == ["desk", "lab", "-"]  # its service, data centre, expiry
        header = next(line for line in rows if "State" in line and "Name" in line)
        assert "Service" in header and "DC" in header and "Expires" in header
        assert any(when in line for line in rows for when in ("in 41m", "in 3m", "5m ago"))
        # The whole name is in the details panel (and nowhere is it cut without an ellipsis).
        assert ("Name", LONG_NAME) in screen.details_rows


# ----- item 8: the re-authorize dialog at 60×20 -------------------------------------------------------------
async def test_at_60x20_the_consent_dialogs_focused_paste_box_is_in_view(desk: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await dashboard_ready(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeModal), what="the dialog")
        panel = app.screen.query_one(AuthorizePanel)
        await wait_for(pilot, lambda: panel.flow is not None and panel.busy, what="the wait")
        paste = panel.query_one("#auth-paste", Input)
        body = app.screen.query_one(".dialog-scroll")
        await wait_for(pilot, lambda: body.region.contains_region(paste.region) and paste.region.area,
                       what="the focused paste box in view")
        assert app.focused is paste
        # The countdown is in view too, and Cancel does not dress as the default (it was red).
        assert body.region.contains_region(panel.query_one("#auth-status").region)
        assert panel.query_one("#auth-cancel", Button).variant == "default"
        # What Zoho's "Invalid Redirect Uri" means, with the URI to register.
        note = str(panel.query_one("#auth-uri-note", Static).content)
        assert "Invalid Redirect Uri" in note and desk.redirect_uri in note
        await pilot.press("escape", "escape")


async def test_a_port_changed_in_edit_is_registered_before_the_consent(desk: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard_ready(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditScreen), what="edit")
        await type_into(pilot, "#port", str(desk.port + 1))
        await pilot.press("ctrl+s")  # never authorized: the consent follows the save
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeModal), what="the consent dialog")
        panel = app.screen.query_one(AuthorizePanel)
        await wait_for(pilot, lambda: panel.phase == "register", what="the question")
        assert panel.flow is None and not panel.busy  # no browser, no listener yet
        assert f"http://127.0.0.1:{desk.port + 1}/callback" in frame_text(app)
        assert app.focused is panel.query_one("#auth-registered", Button)
        await pilot.press("enter")  # "Registered": now the consent
        await wait_for(pilot, lambda: panel.flow is not None and panel.busy, what="the wait")
        await pilot.press("escape", "escape")


# ----- item 9: a result once, where the user looks; the panel true ------------------------------------------
async def test_a_refresh_shows_its_result_once_in_the_details_not_as_a_toast(authorized_desk_no_browser: Registered,
                                                                             config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await dashboard_ready(pilot)
        await pilot.press("r")
        await wait_for(pilot, lambda: "desk" in screen.outcomes, what="the result")
        await wait_for(pilot, lambda: "Refreshed desk" in frame_text(app), what="the result on screen")
        await pilot.pause()
        assert frame_text(app).count("Refreshed desk") == 1
        assert not notices(app)


async def test_after_zoho_refuses_the_refresh_token_the_panel_no_longer_gives_an_expiry(
        authorized_desk_no_browser: Registered, config_path: Path, emulator: ZohoEmulator) -> None:
    emulator.revoke_refresh_token(conn(config_path).token.refresh_token)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await dashboard_ready(pilot)
        await wait_for(pilot, lambda: dict(screen.details_rows).get("Token expires", "").endswith("(in 59m)"),
                       what="the expiry in the panel")
        await pilot.press("r")
        await wait_for(pilot, lambda: dict(screen.details_rows)["State"] == "▲ re-authorize", what="the state")
        assert dict(screen.details_rows)["Token expires"] == "-"
        assert "expires in" not in frame_text(app) and "(in 59m)" not in frame_text(app)


async def test_the_key_bar_lists_w_when_the_panel_says_press_w(config_path: Path) -> None:
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = dashboard(pilot)
        await wait_for(pilot, lambda: screen.table.row_count == 6, what="the rows")
        screen.table.select("fresh")  # never authorized: "press a …, or w to resume its setup"
        await wait_for(pilot, lambda: "w to resume" in dict(screen.details_rows).get("Next", ""), what="the panel")
        await wait_for(pilot, lambda: "w" in keys_on_screen(app), what="w in the key bar")


# ----- item 11: the smaller ones ------------------------------------------------------------------------------
async def test_the_save_api_dialogs_name_error_goes_once_fixed_and_the_save_is_said_once(
        authorized_desk_no_browser: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard_ready(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ApiScreen), what="the API screen")
        await type_into(pilot, "#path", "/api/v1/tickets")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveApiModal), what="the dialog")
        modal = app.screen
        await type_into(pilot, "#key", "bad name")
        await pilot.press("enter")
        error = modal.query_one("#key-error", FieldError)
        assert "not a usable name" in error.text
        await type_into(pilot, "#key", "good_name")
        await pilot.pause()
        assert not error.text and not error.display  # gone before Enter
        await pilot.press("enter")
        status = app.screen.query_one("#api-status", Static)
        await wait_for(pilot, lambda: str(status.content).startswith("✔ Saved @good_name"), what="the save")
        assert not notices(app)  # said once, in the status line (item 9)


async def test_esc_and_ctrl_q_on_a_typed_api_call_ask_first(authorized_desk_no_browser: Registered,
                                                            config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard_ready(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ApiScreen), what="the API screen")
        api = app.screen
        await pilot.press("escape")  # nothing typed: straight back
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ApiScreen), what="the API screen")
        api = app.screen
        await type_into(pilot, "#path", "/api/v1/tickets")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the question")
        assert "not saved" in app.screen.text
        await pilot.press("n")
        assert app.screen is api and api.query_one("#path", Input).value == "/api/v1/tickets"
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="ctrl+q's question")
        await pilot.press("n")
        assert app.is_running and app.screen is api


async def test_at_120_columns_the_details_panel_has_the_client_id_on_one_line(authorized_desk_no_browser: Registered,
                                                                               config_path: Path) -> None:
    client_id = conn(config_path).client_id
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await dashboard_ready(pilot)
        await wait_for(pilot, lambda: screen.query("#details-panel") and client_id in frame_text(app),
                       what="the Client ID on one line")
        table, panel = screen.table, screen.query_one("#details-panel")
        assert panel.region.width > table.region.width  # the room goes where the text is


async def test_edit_with_nothing_changed_says_so_whatever_the_stored_order(config_path: Path) -> None:
    """Found on the tmux journey: `add` stores a service's default scopes in their own order; Edit's list
    is the catalogue's, so an untouched list read as "New scopes … need a new consent"."""
    Store(config_path).save_connection(Connection(
        "fresh", "crm", "lab", "1000.X", ["ZohoCRM.modules.READ", "ZohoCRM.settings.READ", "ZohoCRM.org.READ",
                                          "ZohoCRM.users.READ", "ZohoCRM.custom.READ"],
        client_secret=CLIENT_SECRET, redirect_uri="http://127.0.0.1:9646/callback"))
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard_ready(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditScreen), what="edit")
        await pilot.pause()
        assert str(app.screen.query_one("#edit-note", Static).content) == "Nothing changed yet."
