"""The wizard's Non-browser branch (Zoho's device flow) and the dashboard's re-authorization of such a
connection, driven with Pilot against the emulator's device endpoints through real sockets.

The emulator announces a short poll interval (Zoho's is 30 s; zconnect keeps that floor for Zoho's
own data centres and trusts a user-defined one's `interval`), so nothing here waits long.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from conftest import CLIENT_SECRET, EU_SECRET
from test_tui_support import SIZE, drive_to, frame_text, key_of, make_app, next_step, notices, shows, wait_for, wizard
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input

from zconnect_tui.device import DeviceProgress
from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.model import ClientType, Connection
from zconnect_tui.store import Store
from zconnect_tui.tui import device_panel
from zconnect_tui.tui.consent import Phase
from zconnect_tui.tui.device_panel import DevicePanel, answer_words, spaced
from zconnect_tui.tui.screens.authorize import AuthorizeModal
from zconnect_tui.tui.screens.dashboard import DashboardScreen
from zconnect_tui.tui.widgets import FieldError

DEVICE_ID = "1004.JNB00640KVIR87109F4XV941E2SY22"


@pytest.fixture
def device_client(emulator: ZohoEmulator, two_dcs: Path) -> Path:  # noqa: F811 - the fixture above
    """A Non-browser client registered at `lab` (Multi-DC on, one secret for all), polled every 0.05 s."""
    emulator.register_client(DEVICE_ID, CLIENT_SECRET, [], kind="non-browser", multi_dc=True)
    emulator.device_interval = 0.05
    return two_dcs


def panel_of(pilot: Pilot) -> DevicePanel:
    return pilot.app.screen.query_one(DevicePanel)


async def a_code(pilot: Pilot, panel: DevicePanel, emulator: ZohoEmulator, other_than: str = "") -> str:
    """Wait until the panel shows a (new) user code that Zoho is polled for; return it."""
    await wait_for(pilot, lambda: panel.phase == Phase.WAITING and panel.user_code not in ("", other_than),
                   what="a user code")
    assert panel.user_code in emulator.device_user_codes()
    return panel.user_code


async def new_code(pilot: Pilot, panel: DevicePanel) -> None:
    """Press New code, once the failed attempt has put the focus on it (as a user would: Enter)."""
    retry = panel.query_one("#device-retry", Button)
    await wait_for(pilot, lambda: retry.display and pilot.app.screen.focused is retry, what="New code focused")
    await pilot.press("enter")


def status(panel: DevicePanel) -> str:
    return str(panel.query_one("#device-status").content)


async def test_the_non_browser_branch_end_to_end(emulator: ZohoEmulator, device_client: Path) -> None:
    app = make_app(device_client)
    seen: dict[str, str] = {}
    async with app.run_test(size=SIZE) as pilot:
        async def on_step(key: str) -> None:
            seen[key] = frame_text(app)

        screen = await drive_to(pilot, "device", name="dev", client_type=ClientType.NON_BROWSER,
                                client_id=DEVICE_ID, secret=CLIENT_SECRET, on_step=on_step)
        # Step 2 explains the choice; step 3 has nothing to register; step 6 is the device flow.
        assert "Non-browser Applications: for machines without a browser" in seen["client-type"]
        assert "not needed for a Non-browser client" in seen["redirect"]
        assert key_of(screen) == "device" and await shows(pilot, "Step 6 of 8 · Authorize")
        panel = panel_of(pilot)
        code = await a_code(pilot, panel, emulator)
        await wait_for(pilot, lambda: len(emulator.device_answers) >= 2, what="two polls")
        # The code large and spaced in its box, the URL, the countdown, Zoho's answer in words.
        frame = frame_text(app)
        assert spaced(code) in frame and f"{emulator.url}/oauth/v3/device" in frame
        # Counting down from 5:00: the emulator's polls are quick, so it may still show 5:00, or 4:MM on a
        # loaded machine.
        assert re.search(r"The code expires in (5:00|4:[0-5]\d)", frame)
        assert await shows(pilot, "Zoho: not approved yet (authorization_pending)")
        assert screen.query_one("#next", Button).disabled and "Esc cancels" in frame
        # Copy buttons for both (OSC 52, with the note for tmux).
        await pilot.click("#device-copy-code")
        assert app.clipboard == code and any("set-clipboard on" in n.message for n in notices(app))
        await pilot.click("#device-copy-url")
        assert app.clipboard == f"{emulator.url}/oauth/v3/device"
        emulator.device_approve(code)  # the user, on another device
        await wait_for(pilot, lambda: key_of(screen) == "organization", what="authorized")
        await drive_to(pilot, "accepted")
        await next_step(pilot)  # Finish
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
    conn = Store(device_client).load().get("dev")
    assert conn.client_type == ClientType.NON_BROWSER and conn.redirect_uri == ""
    assert conn.status == "authorized" and conn.token.refresh_token and conn.location == "lab"
    assert [a for _, a in emulator.device_answers][-1] == "tokens"


async def test_esc_cancels_the_poll_and_new_code_starts_again(emulator: ZohoEmulator, device_client: Path) -> None:
    app = make_app(device_client)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "device", name="dev", client_type=ClientType.NON_BROWSER,
                                client_id=DEVICE_ID, secret=CLIENT_SECRET)
        panel = panel_of(pilot)
        first = await a_code(pilot, panel, emulator)
        flow = panel.flow
        assert flow is not None and screen.body().busy
        await pilot.press("escape")  # cancels the poll, stays on the step
        assert key_of(screen) == "device" and panel.phase == Phase.CANCELLED
        assert status(panel).startswith("Cancelled.") and screen.query_one("#device-retry", Button).display
        assert flow._cancel.is_set()
        await wait_for(pilot, lambda: not [t for t in threading.enumerate() if t.name == "zconnect-core"],
                       what="the poll thread to end")
        await new_code(pilot, panel)
        second = await a_code(pilot, panel, emulator, other_than=first)
        assert second != first
        await pilot.press("escape", "escape")  # cancel, then Back to step 5
        assert key_of(screen) == "credentials"


def test_every_poll_answer_has_words() -> None:
    def words(answer: str, polls: int = 3) -> str:
        return answer_words(DeviceProgress(250.0, 4.0, polls, "lab-eu", "", answer))

    assert words("").startswith("Waiting for you to enter the code")
    assert "not approved yet (authorization_pending) · asked 3 times · next check in 0:04" in words(
        "authorization_pending")
    assert "asked once" in words("authorization_pending", polls=1)
    assert "asked too often (slow_down)" in words("slow_down")
    assert "you are in the lab-eu data centre (other_dc)" in words("other_dc")
    assert "did not answer" in words("unreachable")
    assert spaced("AB12-CD34") == "A B 1 2 - C D 3 4"


async def test_dashboard_reauthorizes_a_non_browser_connection_with_every_answer_in_words(
        emulator: ZohoEmulator, device_client: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Denied, expired, slow_down and other_dc, each worded on the panel, then approved from lab-eu."""
    Store(device_client).save_connection(Connection("dev", "desk", "lab", DEVICE_ID, ["Desk.basic.READ"],
                                                    client_secret=CLIENT_SECRET, client_type="non-browser"))
    shown: list[str] = []  # every status and note line the panel showed

    def words(progress: DeviceProgress) -> str:
        shown.append(answer_words(progress))
        return shown[-1]

    def note(self: DevicePanel, text: str) -> None:
        shown.append(text)
        _note(self, text)

    _note = DevicePanel._note
    monkeypatch.setattr(device_panel, "answer_words", words)
    monkeypatch.setattr(DevicePanel, "_note", note)
    app = make_app(device_client, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await pilot.press("a")  # Authorize: the same panel as the wizard's step 6 (no "run zconnect authorize")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeModal), what="the dialog")
        panel = panel_of(pilot)
        code = await a_code(pilot, panel, emulator)
        assert await shows(pilot, "(authorization_pending)") and await shows(pilot, spaced(code))
        emulator.device_deny(code)
        await wait_for(pilot, lambda: panel.phase == Phase.FAILED, what="denied")
        assert await shows(pilot, "denied at Zoho's verification page (access_denied)")
        assert await shows(pilot, "Press New code") and spaced(code) not in frame_text(app)  # a dead code goes
        await new_code(pilot, panel)
        code = await a_code(pilot, panel, emulator, other_than=code)
        emulator.expire_device_codes()
        await wait_for(pilot, lambda: panel.phase == Phase.FAILED, what="expired")
        assert await shows(pilot, "The code expired before it was approved (expired)")
        await new_code(pilot, panel)
        emulator.device_min_interval = 0.3  # the announced 0.05 s is too fast for this server: slow_down
        code = await a_code(pilot, panel, emulator, other_than=code)
        await wait_for(pilot, lambda: any("(slow_down)" in s for s in shown), what="slow_down")
        panel.query_one("#device-note").scroll_visible(animate=False)  # below the wait, in the dialog
        assert await shows(pilot, "Zoho asked to poll less often")  # the note stays
        emulator.device_approve(code, location="lab-eu")  # the user belongs to lab-eu: other_dc
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dialog closed")
        assert "The user is in the data centre lab-eu: asking there." in shown
        assert any("you are in the lab-eu data centre (other_dc)" in s for s in shown)
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.get_row("dev")[0].plain == "● valid", what="the row valid")
    conn = Store(device_client).load().get("dev")
    assert conn.location == "lab-eu" and conn.token.access_token
    assert ("lab", "other_dc") in emulator.device_answers and emulator.device_answers[-1] == ("lab-eu", "tokens")


async def test_resume_setup_of_a_non_browser_connection_opens_its_step_6(emulator: ZohoEmulator,
                                                                          device_client: Path) -> None:
    """"Resume setup" asks for step 6 by its key; the Non-browser branch's own step 6 stands for it."""
    Store(device_client).save_connection(Connection("dev", "desk", "lab", DEVICE_ID, ["Desk.basic.READ"],
                                                    client_secret=CLIENT_SECRET, client_type="non-browser"))
    app = make_app(device_client, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await pilot.press("w")
        await wait_for(pilot, lambda: key_of(wizard(pilot)) == "device", what="step 6 of the branch")
        screen = wizard(pilot)
        assert screen.step_label("authorize") == "step 6 (Authorize)"
        await a_code(pilot, panel_of(pilot), emulator)


async def test_the_device_step_at_60x20(emulator: ZohoEmulator, device_client: Path) -> None:
    """At 60×20 the code, the URL with its Copy button, Copy code and Cancel are each reachable whole."""
    app = make_app(device_client)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await drive_to(pilot, "device", name="dev", client_type=ClientType.NON_BROWSER,
                                client_id=DEVICE_ID, secret=CLIENT_SECRET)
        panel = panel_of(pilot)
        code = await a_code(pilot, panel, emulator)
        body = screen.body()
        for selector in ("#device-code", "#device-url", "#device-copy-url", "#device-copy-code", "#device-cancel"):
            widget = panel.query_one(selector)
            widget.scroll_visible(animate=False)
            await pilot.pause()
            assert body.region.contains_region(widget.region), selector
        assert await shows(pilot, "Approve at Zoho · Esc cancels")  # the hint on one line beside Back/Next
        assert await shows(pilot, "^q Quit")
        panel.query_one("#device-copy-url").scroll_visible(animate=False)  # back up, as the user scrolls
        await pilot.pause()
        await pilot.click("#device-copy-url")
        assert app.clipboard == f"{emulator.url}/oauth/v3/device"
        emulator.device_approve(code)
        await wait_for(pilot, lambda: key_of(screen) == "organization", what="authorized")


async def test_another_data_centres_secret_in_the_device_flow(emulator: ZohoEmulator, two_dcs: Path) -> None:  # noqa: F811
    """Zoho says other_dc, and lab-eu refuses the common secret: the panel names both fixes, takes lab-eu's own
    secret, stores it, and a new code approved from lab-eu authorizes."""
    emulator.register_client(DEVICE_ID, CLIENT_SECRET, [], kind="non-browser", multi_dc=True,
                             dc_secrets={"lab-eu": EU_SECRET})
    emulator.device_interval = 0.05
    Store(two_dcs).save_connection(Connection("dev", "desk", "lab", DEVICE_ID, ["Desk.basic.READ"],
                                              client_secret=CLIENT_SECRET, client_type="non-browser"))
    app = make_app(two_dcs, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AuthorizeModal), what="the dialog")
        panel = panel_of(pilot)
        code = await a_code(pilot, panel, emulator)
        emulator.device_approve(code, location="lab-eu")
        await wait_for(pilot, lambda: panel.phase == Phase.FAILED, what="lab-eu's refusal")
        text = panel.query_one("#device-error", FieldError).text
        assert "enable lab-eu under Multi-DC" in text and "then New code" in text and "lab-eu's own Client" in text
        field = panel.query_one("#dc-secret", Input)
        await wait_for(pilot, lambda: app.screen.focused is field, what="the focus on lab-eu's secret")
        assert field.display and field.password
        await pilot.press(*EU_SECRET, "enter")
        code = await a_code(pilot, panel, emulator, other_than=code)  # stored, and a new code at once
        emulator.device_approve(code, location="lab-eu")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dialog closed")
    conn = Store(two_dcs).load().get("dev")
    assert conn.client_secrets == {"lab-eu": EU_SECRET} and conn.location == "lab-eu" and conn.token.access_token
