"""The organisation a user chose is kept in the TUI (#20 item 2): re-authorizing from the dashboard keeps it
when the new token reaches it and shows the picker when not; Edit has an organisation field listing what the
token reaches. Driven with Pilot at 80×24 against the emulator; the fake browser consents by itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Browser, Registered
from inprocess import zconnect
from test_org_kept import BOOKS_DEFAULT, BOOKS_OTHER, DEFAULT, OTHER, add_books
from test_tui_dashboard import note_containing
from test_tui_support import SIZE, make_app, open_dialog, shows, wait_for
from textual.widgets import OptionList

from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.model import ORG_NOT_REACHED
from zconnect_tui.store import Store
from zconnect_tui.tui.org_picker import OrgPicker, OrgPickerModal
from zconnect_tui.tui.screens.dashboard import DashboardScreen
from zconnect_tui.tui.screens.edit import EditScreen


@pytest.fixture
def books(emulator: ZohoEmulator, config_path: Path) -> str:
    return add_books(emulator)


def stored(config_path: Path, name: str) -> tuple[str, str]:
    conn = Store(config_path).load().get(name)
    return conn.org_id, conn.last_error


async def test_dashboard_reauthorization_keeps_the_chosen_org(emulator: ZohoEmulator, config_path: Path,
                                                              books: str, browser: Browser) -> None:
    assert zconnect("authorize", "books", "--org", BOOKS_OTHER, "--timeout", "20").code == 0
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")  # the consent dialog closes by itself; then the account check
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="authorized")
        await note_containing(pilot, f"Organization: Difference Works ({BOOKS_OTHER})")
        assert not isinstance(app.screen, OrgPickerModal)
    assert stored(config_path, "books") == (BOOKS_OTHER, "")  # not Zoho's default, BOOKS_DEFAULT


async def test_dashboard_reauthorization_shows_the_picker_when_the_org_is_not_reached(
        emulator: ZohoEmulator, config_path: Path, desk: Registered, browser: Browser) -> None:
    emulator.consent_org = OTHER
    assert zconnect("authorize", "desk", "--timeout", "20").code == 0
    emulator.consent_org = DEFAULT  # the re-consent picks Zoho's default on the consent page
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, OrgPickerModal), what="the organisation picker")
        assert await shows(pilot, "The token does not reach Analytical Engines Ltd")
        listing = app.screen.query_one("#org-list", OptionList)
        assert [o.id for o in listing.options] == [DEFAULT]  # only what the new token reaches
        org_id, note = stored(config_path, "desk")
        assert org_id == OTHER and ORG_NOT_REACHED in note  # unchanged until the user chooses
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await wait_for(pilot, lambda: stored(config_path, "desk") == (DEFAULT, ""), what="the choice stored")


async def test_edit_lists_what_the_token_reaches_and_stores_the_picked_org(
        emulator: ZohoEmulator, config_path: Path, books: str, browser: Browser) -> None:
    assert zconnect("authorize", "books", "--timeout", "20").code == 0
    assert stored(config_path, "books")[0] == BOOKS_DEFAULT
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_dialog(pilot, "e", EditScreen, "the Edit dialog")
        picker = screen.query_one(OrgPicker)
        await wait_for(pilot, lambda: bool(picker.orgs), what="the organisations")
        listing = screen.query_one("#org-list", OptionList)
        assert [o.id for o in listing.options] == [BOOKS_DEFAULT, BOOKS_OTHER]
        assert listing.highlighted == 0  # the stored one
        listing.focus()
        await pilot.press("down")
        assert await shows(pilot, f"Calls will name the organization Difference Works ({BOOKS_OTHER})")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="saved")
    assert stored(config_path, "books")[0] == BOOKS_OTHER
