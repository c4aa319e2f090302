"""Issue #8 item 8: after every consent, which Zoho account and organisation were connected, and a warning
when they are not the ones the connection had (a code for another account slipped into the flow)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, DC, Browser, free_port
from inprocess import zconnect
from test_tui_dashboard import note_containing
from test_tui_support import SIZE, drive_to, make_app, shows, wait_for
from textual.widgets import Label, SelectionList, Static

from zconnect_tui import listener
from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.services import PROFILE_SCOPE
from zconnect_tui.store import Store
from zconnect_tui.tui.org_picker import OrgPickerModal
from zconnect_tui.tui.screens.dashboard import DashboardScreen

MALLORY = {"Email": "mallory@example.com", "Display_Name": "Mallory", "ZUID": 1}


@pytest.fixture
def profiled(emulator: ZohoEmulator, config_path: Path, browser: Browser) -> str:
    """A Desk connection that may name its Zoho account (AaaServer.profile.READ), authorized once."""
    port = free_port()
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{port}/callback"])
    added = zconnect("add", "desk", "--service", "desk", "--dc", DC, "--client-id", CLIENT_ID, "--port", str(port),
                     "--scopes", "Desk.basic.READ,AaaServer.profile.READ", "--client-secret-env", "S",
                     env={"S": CLIENT_SECRET})
    assert added.code == 0, added.err
    first = zconnect("authorize", "desk", "--timeout", "30")
    assert first.code == 0 and first.err == "", first.err
    assert "Zoho account: ada@example.com. Organization: Difference Works (60002000002)" in first.out
    return "desk"


def swap_account(emulator: ZohoEmulator) -> None:
    """From now on the consent page signs in someone else, whose Desk has other organisations."""
    emulator.user = dict(MALLORY)
    for org in emulator.orgs:
        org["id"] = "9" + org["id"]


def test_cli_shows_the_account_and_warns_when_it_changed(profiled: str, emulator: ZohoEmulator) -> None:
    same = zconnect("authorize", profiled, "--timeout", "30")
    assert same.code == 0 and same.err == "" and "Zoho account: ada@example.com." in same.out
    swap_account(emulator)
    swapped = zconnect("authorize", profiled, "--timeout", "30")
    assert "Zoho account: mallory@example.com." in swapped.out
    warning, refused = swapped.err.splitlines()
    assert warning.startswith("zconnect: warning: This consent connected a different Zoho account than before")
    assert "(was ada@example.com, Difference Works (60002000002))" in warning and "zconnect revoke desk" in warning
    # The other account's organisations are not the stored one's: it is kept, never swapped silently (#20).
    assert swapped.code == 1 and "no longer reaches Difference Works (60002000002)" in refused


async def test_dashboard_reauthorization_shows_the_account_and_warns_when_it_changed(
        profiled: str, config_path: Path, emulator: ZohoEmulator) -> None:
    swap_account(emulator)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")  # the modal opens and, with the fake browser, closes by itself
        # Authorized: back on the dashboard, or already under the organisation picker it opens (#20).
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen | OrgPickerModal), what="authorized")
        dashboard = next(s for s in app.screen_stack if isinstance(s, DashboardScreen))
        note = await note_containing(pilot, "Zoho account: mallory@example.com")
        assert "different Zoho account than before (was ada@example.com" in note
        # The other account's organisations do not include the stored one: it is kept, and asked about (#20).
        await wait_for(pilot, lambda: isinstance(app.screen, OrgPickerModal), what="the organisation picker")
        assert Store(config_path).load().get("desk").org_id == "60002000002"
        outcome = dashboard.outcomes["desk"]  # the details panel's top, in the error colour
        assert not outcome[0] and "mallory" in outcome[1]


async def test_the_wizards_last_step_shows_the_zoho_account(emulator: ZohoEmulator, config_path: Path,
                                                           browser: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wizard's step 8 names the Zoho account that consented (the connection may ask: profile scope)."""
    port = free_port()
    monkeypatch.setattr(listener, "find_free_port", lambda preferred, tries=50: port)
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{port}/callback"])

    async def add_profile_scope(key: str) -> None:
        if key == "connector":
            app.screen.query_one("#scopes", SelectionList).select(PROFILE_SCOPE)

    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "accepted", client_id=CLIENT_ID, secret=CLIENT_SECRET,
                                on_step=add_profile_scope)
        rows = {str(row.query_one(".key", Label).content): str(row.query_one(".value", Static).content)
                for row in screen.body("accepted").query(".summary-row")}
        assert rows["Zoho account"] == "ada@example.com", rows
        assert rows["Organization"] == "Difference Works (60002000002)"
        assert await shows(pilot, "ada@example.com")
