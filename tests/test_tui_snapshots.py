"""One snapshot per wizard step (0-8) and the dashboard, at 80×24, deterministic.

Ports, PKCE/state, the countdown and the listener are pinned (nothing random or timed is in
a frame); steps 0-6 need no server (the `lab` data centre is a fixed address); steps 7 and 8
reach the emulator but show none of its addresses. Plain `def` tests: snap_compare runs the
app itself. Update with `pytest --snapshot-update` only after looking at the report.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, Browser, free_port
from test_tui_support import SIZE, drive_to, make_app, wait_for
from textual.pilot import Pilot
from textual.widgets import Input
from zoho_emulator import ZohoEmulator

from zconnect_tui import flow, listener, oauth
from zconnect_tui.model import AUTHORIZED, NEEDS_REAUTH, Connection, now_utc, redirect_uri_for
from zconnect_tui.store import Store
from zconnect_tui.tui.steps import authorize
from zconnect_tui.tui.wizard import ACCEPTED, AUTHORIZE, ORGANIZATION

FIXED_URL = "http://127.0.0.1:9000"
PORT = 9646

RunBefore = Callable[[Pilot], Awaitable[None]]


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything that would differ between runs, fixed."""
    monkeypatch.setattr(listener, "find_free_port", lambda preferred, tries=50: PORT)
    monkeypatch.setattr(listener, "port_is_free", lambda port: True)
    monkeypatch.setattr(authorize, "clock", lambda: 1000.0)


@pytest.fixture
def fixed_config(tmp_path: Path, pinned: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `lab` data centre at a fixed address (never contacted) and no listener socket."""
    monkeypatch.setattr(listener.CallbackListener, "start", lambda self: None)
    # The consent URL is on screen in step 6: pin its state and PKCE challenge.
    monkeypatch.setattr(flow, "new_state", lambda: "STATE")
    monkeypatch.setattr(flow, "new_pkce", lambda: ("v" * 64, "CHALLENGE"))
    path = tmp_path / "fixed.toml"
    path.write_text(f'version = 1\n[data_centers.lab]\naccounts = "{FIXED_URL}"\napi = "{FIXED_URL}"\n'
                    f'console = "{FIXED_URL}"\n')
    return path


async def settle(pilot: Pilot) -> None:
    """Freeze what moves: cursors blink, notifications time out."""
    await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    pilot.app.clear_notifications()
    await pilot.pause()


def to_step(step: int) -> RunBefore:
    async def run_before(pilot: Pilot) -> None:
        screen = await drive_to(pilot, step, client_id=CLIENT_ID, secret=CLIENT_SECRET)
        if step == ORGANIZATION:
            await wait_for(pilot, lambda: not screen.org_step.busy, what="verification")
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("step", range(AUTHORIZE + 1))
def test_wizard_steps_0_to_6(step: int, fixed_config: Path, snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(make_app(fixed_config), run_before=to_step(step), terminal_size=SIZE)


@pytest.fixture
def emulated(emulator: ZohoEmulator, config_path: Path, browser: Browser, pinned: None,
             monkeypatch: pytest.MonkeyPatch) -> Path:
    """The emulator behind `lab`, a real port for the listener, and a token that reads '1h00m'."""
    port = free_port()
    monkeypatch.setattr(listener, "find_free_port", lambda preferred, tries=50: port)
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri_for(port)])
    emulator.access_token_lifetime = 3630  # "valid 1h00m" for the first 30 s, whatever the clock
    monkeypatch.setattr(oauth, "TOKEN_LIFETIME", 3630)  # (zconnect believes at most Zoho's documented hour)
    return config_path


@pytest.mark.parametrize("step", [ORGANIZATION, ACCEPTED])
def test_wizard_steps_7_and_8(step: int, emulated: Path, snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(make_app(emulated), run_before=to_step(step), terminal_size=SIZE)


def test_dashboard(fixed_config: Path, snap_compare) -> None:  # noqa: ANN001
    store = Store(fixed_config)
    expires = now_utc() + timedelta(minutes=30, seconds=30)  # "valid 30m" for 30 s
    desk = Connection("desk", "desk", "lab", "1000.DESKCLIENT", ["Desk.basic.READ", "Desk.tickets.READ"],
                      client_secret=CLIENT_SECRET, redirect_uri=redirect_uri_for(PORT), status=AUTHORIZED,
                      location="lab", org_id="60002000002", org_name="Difference Works")
    desk.token.access_token, desk.token.refresh_token, desk.token.expires_at = "1000.a" * 5, "1000.r" * 5, expires
    books = Connection("books", "books", "us", "1000.BOOKS", ["ZohoBooks.settings.READ"], client_secret="s" * 42,
                       status=NEEDS_REAUTH, org_name="Analytical Engines Ltd",
                       last_error="Zoho rejected the refresh token.")
    crm = Connection("crm-eu", "crm", "eu", "1000.CRM", ["ZohoCRM.modules.ALL"], client_secret="c" * 42,
                     redirect_uri=redirect_uri_for(9647))
    for conn in (desk, books, crm):
        store.save_connection(conn)
    assert snap_compare(make_app(fixed_config, wizard=False), run_before=settle, terminal_size=SIZE)
