"""What a new user noticed in the TUI (tmux at 60×20, 80×24 and 120×40), each fixed and held here.

The dashboard's authorize dialog words its own title, not the wizard's step number; Edit says at once
what is wrong with a field instead of "Nothing changed yet"; help opens at the keys of the screen it is
opened from (F1 on the API screen too); the client types fit 60 columns; a code pasted at 60×20 is seen
as it is typed; the details never offer `zconnect token` as the way to use a connection that has no token.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, DC, Browser, Registered, authorize, run_cli
from test_tui_support import (
    SIZE,
    dashboard_ready,
    drive_to,
    frame_text,
    keys_on_screen,
    make_app,
    shows,
    type_into,
    wait_for,
    wizard,
)
from textual.pilot import Pilot
from textual.widgets import Input

from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.tui.authorize_panel import AuthorizePanel
from zconnect_tui.tui.screens.api import ApiScreen
from zconnect_tui.tui.screens.authorize import AuthorizeModal
from zconnect_tui.tui.screens.edit import EditScreen
from zconnect_tui.tui.screens.help import HelpScreen
from zconnect_tui.tui.widgets import FieldError


def intro(app: object) -> str:
    """The consent panel's opening words, as shown (without their markup)."""
    screen = app.screen  # type: ignore[attr-defined]
    return re.sub(r"\[/?b?\]", "", str(screen.query_one("#auth-intro").content))


async def authorize_dialog(pilot: Pilot) -> AuthorizeModal:
    """`a` on the dashboard: the authorize dialog, once its attempt waits for Zoho."""
    await dashboard_ready(pilot)
    await pilot.press("a")
    modal = pilot.app.screen
    assert isinstance(modal, AuthorizeModal)
    panel = modal.query_one(AuthorizePanel)
    await wait_for(pilot, lambda: panel.flow is not None and panel.busy, what="the wait")
    return modal


# ----- the authorize dialog is not step 6 -------------------------------------------------------------------
async def test_the_wizard_says_step_6_the_dashboard_dialog_its_own_title(desk: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard_ready(pilot)
        await pilot.press("w")  # resume its setup: the wizard's step 6
        await wait_for(pilot, lambda: bool(app.screen.query(AuthorizePanel)), what="the wizard's step 6")
        panel = app.screen.query_one(AuthorizePanel)
        await wait_for(pilot, lambda: panel.flow is not None and panel.busy, what="the wait")
        assert intro(app).startswith("6. Authorize the connector. Your browser opens Zoho's consent page")
        await pilot.press("escape")  # cancel the wait

    authorize(config_path)  # authorized: the dashboard offers Re-authorize
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await authorize_dialog(pilot)
        assert await shows(pilot, "Re-authorize desk")
        assert intro(app).startswith("Your browser opens Zoho's consent page")
        assert "6." not in frame_text(app)
        await pilot.press("escape", "escape")


async def test_a_self_client_dialog_has_no_step_number_and_a_code_typed_at_60x20_is_seen(
        emulator: ZohoEmulator, config_path: Path) -> None:
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [], self_client=True)
    added = run_cli("add", "selfie", "--service", "desk", "--dc", DC, "--client-id", CLIENT_ID, "--self-client",
                    stdin=f"{CLIENT_SECRET}\n")
    assert added.code == 0, added.err
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(60, 20)) as pilot:
        modal = await authorize_dialog(pilot)  # never authorized: "Authorize", the Self Client's paste
        assert await shows(pilot, "Authorize selfie")
        assert intro(app).startswith("In the API Console open the Self Client")
        paste = modal.query_one("#auth-paste", Input)
        assert app.focused is paste
        assert "badcode" not in frame_text(app)
        await pilot.press(*"badcode")
        # Below the instructions at 60×20: typing brings the box into view (not typed blind).
        await wait_for(pilot, lambda: "badcode" in frame_text(app), what="the typed code on screen")
        await pilot.press("enter")  # not a code Zoho issued: the error under the box is in view too
        error = modal.query_one("#auth-paste-error", FieldError)
        await wait_for(pilot, lambda: bool(error.text), what="the paste error")
        assert error.text[:30] in " ".join(frame_text(app).split())


# ----- edit says what is wrong as it is typed ------------------------------------------------------------
async def test_edit_shows_a_bad_port_as_it_is_typed(desk: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard_ready(pilot)
        await pilot.press("e")
        edit = app.screen
        assert isinstance(edit, EditScreen)
        note = edit.query_one("#edit-note")
        assert str(note.content) == "Nothing changed yet."
        await type_into(pilot, "#port", "80")
        assert "Port 80 is out of range" in edit.query_one("#port-error", FieldError).text
        assert str(note.content) == "Fix the field marked above, then Save."
        await type_into(pilot, "#port", "9700")
        assert not edit.query_one("#port-error", FieldError).text
        assert "register http://127.0.0.1:9700/callback" in str(note.content)
        await pilot.press("escape")


# ----- help opens at the keys of the screen it is opened from --------------------------------------------------
async def test_help_opens_at_this_screens_keys(authorized_desk_no_browser: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        dash = await dashboard_ready(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert await shows(pilot, "Dashboard keys")
        assert "The wizard follows Zoho's guide" not in frame_text(app)  # further down, not first
        await pilot.press("escape")

        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ApiScreen), what="the API screen")
        api = app.screen
        await wait_for(pilot, lambda: "f1" in keys_on_screen(app), what="f1 Help in the key bar")
        await pilot.press("f1")  # "?" would go into the path box
        assert isinstance(app.screen, HelpScreen)
        assert await shows(pilot, "API screen keys")
        assert "Dashboard keys" not in frame_text(app)
        await pilot.press("escape")
        assert app.screen is api
        await pilot.press("escape")
        assert app.screen is dash

        await pilot.press("n")
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        assert await shows(pilot, "The wizard follows Zoho's guide")


# ----- 60 columns ------------------------------------------------------------------------------------
async def test_step_0_and_the_client_types_fit_60_columns(config_path: Path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await wizard(pilot).body().ready()  # step 0 makes its later fields after the first frame
        await pilot.pause()
        access = app.screen.query_one("#access-type")
        access.focus()
        await wait_for(pilot, lambda: access.region.height > 0, what="the access type laid out")
        access.scroll_visible(animate=False)
        shown: list[str] = []  # the line as one frame showed it (the next frame may have scrolled on)

        def offline_line() -> bool:
            shown[:] = [line for line in frame_text(app).splitlines() if "offline: access" in line]
            return bool(shown)

        await wait_for(pilot, offline_line, what="the access type in view")
        assert "offline: access + refresh token" in shown[0] and "…" not in shown[0]
        app.screen.query_one("#extra-scopes").scroll_visible(animate=False)
        await wait_for(pilot, lambda: "More scopes, comma separated" in frame_text(app), what="the scopes box")
        await drive_to(pilot, "client-type")
        frame = frame_text(app)
        for label in ("Server-based Applications (a browser here)", "Self Client (paste a code)",
                      "Non-browser Applications (a code, for SSH)"):
            assert label in frame, frame


# ----- details --------------------------------------------------------------------------------------------
async def test_details_offer_the_token_command_only_with_a_token(desk: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        dash = await dashboard_ready(pilot)
        await wait_for(pilot, lambda: bool(dash.details_rows), what="the details")
        assert dict(dash.details_rows)["Use it"] == "zconnect token desk, once it is authorized"
    authorize(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        dash = await dashboard_ready(pilot)
        await wait_for(pilot, lambda: dict(dash.details_rows).get("Use it") == "zconnect token desk",
                       what="the command, now that it works")


async def test_details_at_60_columns_keep_wrapped_values_in_their_column(authorized_desk_no_browser: Registered,
                                                                         config_path: Path) -> None:
    from zconnect_tui.tui.screens.details import DetailsScreen

    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await dashboard_ready(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailsScreen), what="the details")
        body = app.screen.query_one("#details-body")
        await wait_for(pilot, lambda: body.size.height > 0, what="the details laid out")
        lines = [body.render_line(y).text for y in range(body.size.height)]
        row = next(i for i, line in enumerate(lines) if line.startswith("Access type"))
        assert "connected" not in lines[row]  # the value wraps at 60 columns…
        column = lines[row].index("offline")
        assert lines[row + 1][:column].strip() == "" and lines[row + 1][column:].startswith("connected"), lines


async def test_sort_is_in_the_footer_at_every_size(desk: Registered, config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(60, 20)) as pilot:
        await dashboard_ready(pilot)
        for size in ((60, 20), (80, 24), (120, 40)):
            await pilot.resize_terminal(*size)
            await wait_for(pilot, lambda: "s" in keys_on_screen(app), what=f"s Sort in the key bar at {size}")
        await pilot.press("s")
        assert await shows(pilot, "sorted by state")


async def test_a_single_organization_is_not_offered_as_a_choice(
        desk: Registered, config_path: Path, browser: Browser) -> None:
    added = run_cli("add", "crm", "--service", "crm", "--dc", DC, "--client-id", CLIENT_ID, "--port",
                    str(desk.port), stdin=f"{CLIENT_SECRET}\n")  # the client desk's registration made
    assert added.code == 0, added.err
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        dash = await dashboard_ready(pilot)
        dash.table.select("crm")
        await wait_for(pilot, lambda: dash.selected is not None and dash.selected.name == "crm", what="crm")
        await pilot.press("w")  # resume at step 6: the fake browser accepts, step 7 checks the organisations
        await wait_for(pilot, lambda: bool(app.screen.query("#org-status")), what="step 7", timeout=30)
        status = app.screen.query_one("#org-status")
        await wait_for(pilot, lambda: str(status.content).startswith("✔"), what="the verification")
        text = str(status.content)
        assert text.startswith("✔ Reached 1 CRM organization") and text.endswith("The only one: Next connects it.")
        assert "↑/↓" not in text


async def test_no_empty_consent_url_while_the_listener_starts(
        authorized_desk_no_browser: Registered, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from zconnect_tui.manager import Manager

    release = threading.Event()
    begin = Manager.begin_authorization

    def slow_begin(self: Manager, *args: object, **kwargs: object) -> object:
        release.wait(10)  # the listener is "starting" until the test lets it
        return begin(self, *args, **kwargs)

    monkeypatch.setattr(Manager, "begin_authorization", slow_begin)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await dashboard_ready(pilot)
        await pilot.press("a")
        assert await shows(pilot, "Starting the listener")
        modal = app.screen
        hidden = ("#auth-url-label", "#auth-url", "#auth-open", "#auth-copy")
        assert not any(modal.query_one(selector).display for selector in hidden)
        assert "Consent URL" not in frame_text(app) and "Copy URL" not in frame_text(app)
        release.set()
        panel = modal.query_one(AuthorizePanel)
        await wait_for(pilot, lambda: panel.flow is not None and panel.busy, what="the wait")
        assert all(modal.query_one(selector).display for selector in hidden)
        await pilot.press("escape", "escape")
