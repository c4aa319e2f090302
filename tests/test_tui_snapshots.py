"""Snapshots of every wizard step, the dashboard and the consent dialog, at 80×24, 120×40 and 60×20,
deterministic.

Ports, PKCE/state, the clock and the countdown are pinned (nothing random or timed is in a frame);
steps 0-6 need no server (the `lab` data centre is a fixed address); steps 7 and 8 reach the
emulator but show none of its addresses; the Non-browser branch (step 2 with it chosen, its step 6)
runs on a pinned device flow, and step 6 also shows the Multi-DC secret field and the question to
register a changed redirect URI first. One app run takes every step at the three sizes (resizing in
between; the consent dialog over the dashboard has a run per size), so the 45 snapshots cost seven runs.
Update with
`pytest --snapshot-update` only after looking at the new SVGs (e.g. `rsvg-convert file.svg -o file.png`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, Browser, free_port
from pytest_textual_snapshot import SVGImageExtension
from syrupy.assertion import SnapshotAssertion
from test_tui_support import drive_to, make_app, wait_for
from textual.pilot import Pilot
from textual.widgets import Input

from zconnect_tui import flow, listener, manager, manager_auth, model
from zconnect_tui.device import DeviceCode, DeviceFlow, DeviceProgress
from zconnect_tui.errors import FlowCancelled, multi_dc_error
from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.manager import Manager
from zconnect_tui.model import AUTHORIZED, NEEDS_REAUTH, ClientType, Connection, redirect_uri_for
from zconnect_tui.store import Store
from zconnect_tui.tui import authorize_panel, connections_table, details
from zconnect_tui.tui.app import ZconnectApp
from zconnect_tui.tui.device_panel import DevicePanel

FIXED_URL = "http://127.0.0.1:9000"
PORT = 9646
SIZES = ((80, 24), (120, 40), (60, 20))
"""The first is the size each run starts at (and comes back to)."""
NOW = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything that would differ between runs, fixed: ports, the clock, the countdown."""
    monkeypatch.setattr(listener, "find_free_port", lambda preferred, tries=50: PORT)
    monkeypatch.setattr(listener, "port_is_free", lambda port: True)
    monkeypatch.setattr(authorize_panel, "clock", lambda: 1000.0)
    for module in (model, manager, manager_auth, details, connections_table):
        monkeypatch.setattr(module, "now_utc", lambda: NOW)


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
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


async def shoot(pilot: Pilot, snapshot: SnapshotAssertion, name: str) -> list[str]:
    """Compare the frame at each size with its snapshot; the names of those that differ."""
    app = pilot.app
    assert isinstance(app, ZconnectApp)
    failed = []
    for width, height in SIZES:
        await pilot.resize_terminal(width, height)
        await settle(pilot)
        svg = app.export_screenshot(title="zconnect")
        if not snapshot(name=f"{name}-{width}x{height}", extension_class=SVGImageExtension) == svg:
            failed.append(f"{name}-{width}x{height}")
    await pilot.resize_terminal(*SIZES[0])
    await settle(pilot)
    return failed


async def test_wizard_steps_0_to_6(fixed_config: Path, snapshot: SnapshotAssertion) -> None:
    app = make_app(fixed_config)
    failed: list[str] = []
    async with app.run_test(size=SIZES[0]) as pilot:
        async def on_step(key: str) -> None:
            if key != "authorize":
                failed.extend(await shoot(pilot, snapshot, f"wizard-{key}"))

        screen = await drive_to(pilot, "authorize", client_id=CLIENT_ID, secret=CLIENT_SECRET, on_step=on_step)
        panel = screen.body("authorize").query_one(authorize_panel.AuthorizePanel)
        await wait_for(pilot, lambda: panel.phase == authorize_panel.Phase.WAITING, what="the wait")
        failed.extend(await shoot(pilot, snapshot, "wizard-authorize"))
        # Multi-DC: another data centre refused the client; step 6 asks for that data centre's secret
        # (driven end to end in test_tui_wizard_fidelity.py; here, how it looks).
        panel.stop()
        panel._fail(multi_dc_error("desk", "lab", "lab-eu"))
        await wait_for(pilot, lambda: panel.secret_form().display, what="the secret field")
        failed.extend(await shoot(pilot, snapshot, "wizard-authorize-dc-secret"))
        # A port typed at step 3 instead of the proposed one: its URI is registered before the consent.
        panel.start("desk", register=redirect_uri_for(PORT + 1))
        await wait_for(pilot, lambda: panel.phase == authorize_panel.Phase.REGISTER, what="the question")
        failed.extend(await shoot(pilot, snapshot, "wizard-authorize-register"))
    assert not failed, f"snapshots differ: {failed}"


@pytest.fixture
def device_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    """Zoho's device flow without a server: a fixed code, one "pending" answer, then a wait until cancelled."""
    def start(self: Manager, flow: DeviceFlow) -> None:
        flow.code = DeviceCode("K7QM-4XWP", "1004.device", f"{FIXED_URL}/oauth/v3/device", 300.0, 30.0)

    def poll(self: Manager, flow: DeviceFlow, on_progress: object = None) -> None:
        assert callable(on_progress)
        on_progress(DeviceProgress(263.0, 17.0, 2, "lab", "", "authorization_pending"))
        flow._cancel.wait(60)  # until the panel stops it
        raise FlowCancelled("Authorization cancelled.")

    monkeypatch.setattr(Manager, "start_device", start)
    monkeypatch.setattr(Manager, "poll_device", poll)


async def test_wizard_non_browser_branch(fixed_config: Path, device_pinned: None, snapshot: SnapshotAssertion) -> None:
    """Step 2 with Non-browser Applications chosen, and its step 6: the code large, the URL, the countdown."""
    app = make_app(fixed_config)
    failed: list[str] = []
    async with app.run_test(size=SIZES[0]) as pilot:
        async def on_step(key: str) -> None:
            if key == "client-type":
                failed.extend(await shoot(pilot, snapshot, "wizard-client-type-non-browser"))

        screen = await drive_to(pilot, "device", client_id=CLIENT_ID, secret=CLIENT_SECRET,
                                client_type=ClientType.NON_BROWSER, on_step=on_step)
        panel = screen.body("device").query_one(DevicePanel)
        await wait_for(pilot, lambda: panel.last is not None, what="the first answer")
        failed.extend(await shoot(pilot, snapshot, "wizard-device"))
    assert not failed, f"snapshots differ: {failed}"


@pytest.fixture
def emulated(emulator: ZohoEmulator, config_path: Path, browser: Browser, pinned: None,
             monkeypatch: pytest.MonkeyPatch) -> Path:
    """The emulator behind `lab` and a real port for the listener."""
    port = free_port()
    monkeypatch.setattr(listener, "find_free_port", lambda preferred, tries=50: port)
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri_for(port)])
    return config_path


async def test_wizard_steps_7_and_8(emulated: Path, snapshot: SnapshotAssertion) -> None:
    app = make_app(emulated)
    failed: list[str] = []
    async with app.run_test(size=SIZES[0]) as pilot:
        async def on_step(key: str) -> None:
            if key in ("organization", "accepted"):
                failed.extend(await shoot(pilot, snapshot, f"wizard-{key}"))

        await drive_to(pilot, "accepted", client_id=CLIENT_ID, secret=CLIENT_SECRET, on_step=on_step)
    assert not failed, f"snapshots differ: {failed}"


def dashboard_connections(store: Store) -> None:
    """Three connections in three states, as a user would have them."""
    desk = Connection("desk", "desk", "lab", "1000.DESKCLIENT", ["Desk.basic.READ", "Desk.tickets.READ"],
                      client_secret=CLIENT_SECRET, redirect_uri=redirect_uri_for(PORT), status=AUTHORIZED,
                      location="lab", org_id="60002000002", org_name="Difference Works")
    desk.token.access_token, desk.token.refresh_token = "1000.a" * 5, "1000.r" * 5
    desk.token.expires_at = NOW + timedelta(minutes=41)
    books = Connection("books", "books", "us", "1000.BOOKS", ["ZohoBooks.settings.READ"], client_secret="s" * 42,
                       status=NEEDS_REAUTH, org_name="Analytical Engines Ltd",
                       last_error="Zoho rejected the refresh token.")
    books.token.refresh_token = "1000.r" * 5
    crm = Connection("crm-eu", "crm", "eu", "1000.CRM", ["ZohoCRM.modules.ALL"], client_secret="c" * 42,
                     redirect_uri=redirect_uri_for(9647))
    for conn in (desk, books, crm):
        store.save_connection(conn)


async def test_dashboard(fixed_config: Path, snapshot: SnapshotAssertion) -> None:
    dashboard_connections(Store(fixed_config))
    app = make_app(fixed_config, wizard=False)
    async with app.run_test(size=SIZES[0]) as pilot:
        failed = await shoot(pilot, snapshot, "dashboard")
    assert not failed, f"snapshots differ: {failed}"


LONG_NAME = "desk-" + "a" * 57 + "z"


async def test_dashboard_with_a_long_name_and_its_consent_dialog(fixed_config: Path,
                                                                 snapshot: SnapshotAssertion) -> None:
    """A 63-character name cut with "…" (state, service, data centre and expiry in view; the whole name in
    the details panel), then the consent dialog for it: the countdown, what "Invalid Redirect Uri" means,
    the paste box focused and in view, the consent URL broken at its seams."""
    store = Store(fixed_config)
    dashboard_connections(store)
    store.save_connection(Connection(LONG_NAME, "desk", "lab", CLIENT_ID, ["Desk.basic.READ", "Desk.tickets.READ"],
                                     client_secret=CLIENT_SECRET, redirect_uri=redirect_uri_for(PORT)))
    failed: list[str] = []
    # One run per size for the dialog: the dashboard shows around it at 120 columns, and a screen under a
    # dialog is laid out again after a resize in its own time (a resized run caught it halfway).
    for index, size in enumerate(SIZES):
        app = make_app(fixed_config, wizard=False)
        async with app.run_test(size=size) as pilot:
            screen = app.screen
            table = screen.query_one(connections_table.ConnectionsTable)
            await wait_for(pilot, lambda table=table: table.row_count == 4, what="the rows")
            table.select(LONG_NAME)
            await wait_for(pilot, lambda screen=screen: ("Name", LONG_NAME) in screen.details_rows, what="the panel")
            if index == 0:
                failed += await shoot(pilot, snapshot, "dashboard-long-name")
            await pilot.press("a")
            panel = await wait_for_panel(pilot)
            await settle(pilot)
            name = f"authorize-dialog-{size[0]}x{size[1]}"
            if not snapshot(name=name, extension_class=SVGImageExtension) == app.export_screenshot(title="zconnect"):
                failed.append(name)
            panel.stop()
    assert not failed, f"snapshots differ: {failed}"


async def wait_for_panel(pilot: Pilot) -> authorize_panel.AuthorizePanel:
    """The consent dialog's panel, once it waits."""
    await wait_for(pilot, lambda: bool(pilot.app.screen.query(authorize_panel.AuthorizePanel)), what="the dialog")
    panel = pilot.app.screen.query_one(authorize_panel.AuthorizePanel)
    await wait_for(pilot, lambda: panel.phase == authorize_panel.Phase.WAITING, what="the wait")
    return panel
