"""UX round 3 (#22) in the wizard: a changed redirect URI registered before the consent, the title with a
long name, a paste in pieces, the way back after a refused secret, the device step at 60×20, and a data
centre added to the file while the wizard is open."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, Browser, free_port
from test_tui_device import DEVICE_ID, device_client  # noqa: F401 - a fixture
from test_tui_support import SIZE, drive_to, frame_text, key_of, make_app, next_step, type_into, wait_for, wizard
from test_tui_wizard import auth_panel, port, register  # noqa: F401 - a fixture
from textual import events
from textual.widgets import Input, Select, Static

from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.manager import Manager
from zconnect_tui.model import ClientType
from zconnect_tui.tui.consent import Phase
from zconnect_tui.tui.device_panel import DevicePanel

LONG_NAME = "desk-" + "a" * 57 + "z"


# ----- item 3: a changed port's URI is registered first -----------------------------------------------------
async def test_a_port_typed_at_step_3_is_registered_before_the_browser_opens(
        emulator: ZohoEmulator, config_path: Path, browser: Browser, port: int) -> None:  # noqa: F811
    changed = free_port()
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{changed}/callback"])

    async def new_port(key: str) -> None:
        if key == "redirect":
            await type_into(pilot, "#port", str(changed))

    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "authorize", client_id=CLIENT_ID, secret=CLIENT_SECRET, on_step=new_port)
        panel = auth_panel(screen)
        await wait_for(pilot, lambda: panel.phase == Phase.REGISTER, what="the question")
        uri = f"http://127.0.0.1:{changed}/callback"
        assert uri in frame_text(app) and "Copy URI" in frame_text(app)
        assert panel.flow is None and not browser.visits()  # no consent before the URI is registered
        assert "Invalid Redirect Uri" in frame_text(app)  # what Zoho shows otherwise
        await pilot.click("#auth-registered")
        await wait_for(pilot, lambda: key_of(screen) == "organization", what="authorized on the new port")
        assert screen.draft.registered_uri == uri  # asked once per URI (a Retry, Back and Next do not ask again)


async def test_the_proposed_port_goes_straight_to_the_consent(emulator: ZohoEmulator, config_path: Path,
                                                              port: int) -> None:  # noqa: F811
    import httpx

    register(emulator, port)
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "authorize", client_id=CLIENT_ID, secret=CLIENT_SECRET)
        panel = auth_panel(screen)
        await wait_for(pilot, lambda: panel.phase == Phase.WAITING, what="the consent at once")
        await pilot.pause()
        note = panel.query_one("#auth-uri-note", Static)
        # The waiting screen's note (the fake browser may finish the consent before a frame, hiding the wait).
        assert "Invalid Redirect Uri" in str(note.content) and f"http://127.0.0.1:{port}/callback" in str(note.content)
        assert panel.flow is not None and panel.flow.url is not None  # (no browser here: the user pastes)
        await type_into(pilot, "#auth-paste", httpx.get(panel.flow.url, follow_redirects=False).headers["location"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: key_of(screen) == "organization", what="authorized")


# ----- item 5: the wizard's title keeps the step and a cut name -----------------------------------------------
@pytest.mark.parametrize("width", [60, 80, 120])
async def test_the_title_shows_the_step_and_a_long_name_cut(config_path: Path, port: int, width: int) -> None:  # noqa: F811
    app = make_app(config_path)
    async with app.run_test(size=(width, 24)) as pilot:
        screen = await drive_to(pilot, "authorize", name=LONG_NAME, client_id=CLIENT_ID, secret=CLIENT_SECRET)
        await pilot.press("escape")  # cancel the wait; the title stays
        title = str(screen.query_one("#wizard-title", Static).content)
        assert len(title) <= width - 2 and "Authorize" in title and "Step 6 of 8" in title
        # The whole name where it fits (120 columns), else its start and "…": never the step lost.
        assert LONG_NAME in title if width == 120 else ("desk-aaaa" in title and "…" in title)


# ----- item 6: a redirect address pasted in pieces ------------------------------------------------------------
async def test_a_wrapped_redirect_address_pasted_in_the_box_authorizes(emulator: ZohoEmulator, config_path: Path,
                                                                       port: int) -> None:  # noqa: F811
    import httpx

    register(emulator, port)
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "authorize", client_id=CLIENT_ID, secret=CLIENT_SECRET)
        flow = auth_panel(screen).flow
        assert flow is not None and flow.url is not None
        location = httpx.get(flow.url, follow_redirects=False).headers["location"]
        box = screen.query_one("#auth-paste", Input)
        box.focus()
        await pilot.pause()
        # As a terminal copies a wrapped line: cut in two, the second part indented.
        box.post_message(events.Paste(location[:40] + "\n    " + location[40:]))
        await pilot.pause()
        assert location[40:60] in box.value  # the whole of it, not the first line only
        await pilot.press("enter")
        await wait_for(pilot, lambda: key_of(screen) == "organization", what="authorized")


# ----- item 7: back at step 5 after a refused secret ------------------------------------------------------------
async def test_back_after_a_refused_secret_lands_on_the_secret_marked(emulator: ZohoEmulator, config_path: Path,
                                                                      browser: Browser, port: int) -> None:  # noqa: F811
    register(emulator, port)
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "credentials")
        box = screen.query_one("#client-id", Input)
        box.focus()
        box.post_message(events.Paste("  " + CLIENT_ID + " "))  # copied with the spaces around it
        await wait_for(pilot, lambda: box.value == CLIENT_ID, what="the spaces stripped")
        await type_into(pilot, "#client-secret", "not-the-secret-0123456789")
        await next_step(pilot)
        panel = auth_panel(screen)
        await wait_for(pilot, lambda: panel.error is not None, what="invalid_client")
        await pilot.press("escape")
        assert key_of(screen) == "credentials"
        secret = screen.query_one("#client-secret", Input)
        await wait_for(pilot, lambda: app.focused is secret, what="the secret focused")
        assert secret.has_class("-invalid")
        note = str(screen.query_one("#client-secret-error", Static).content)
        assert "(invalid_client)" in note and "Client Secret tab" in note
        await type_into(pilot, "#client-secret", CLIENT_SECRET)
        assert not secret.has_class("-invalid")
        await next_step(pilot)
        await wait_for(pilot, lambda: key_of(wizard(pilot)) == "organization", what="authorized")


# ----- item 8: the device step at 60×20 ---------------------------------------------------------------------------
async def test_at_60x20_the_device_step_shows_the_url_unbroken_and_the_live_status(
        device_client: Path, emulator: ZohoEmulator) -> None:  # noqa: F811
    app = make_app(device_client)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await drive_to(pilot, "device", client_id=DEVICE_ID, secret=CLIENT_SECRET,
                                client_type=ClientType.NON_BROWSER)
        panel = screen.body("device").query_one(DevicePanel)
        await wait_for(pilot, lambda: panel.last is not None, what="a poll answer")
        frame = frame_text(app)
        # The URL on screen: whole on a line, or broken right after a "/" (never "…/oa" + "uth/…").
        shown = panel.query_one("#device-url").render().plain.split("\n")
        assert "".join(shown) == panel.url and all(line.endswith("/") for line in shown[:-1]), shown
        assert all(line in frame for line in shown)
        for widget in ("#device-expiry", "#device-status", "#device-code"):
            region = panel.query_one(widget).region
            assert region.area and screen.query_one("#body").region.contains_region(region), widget
        assert "The code expires in" in frame and "Zoho:" in frame
        await pilot.press("escape")


# ----- item 11: a data centre added while the wizard is open ---------------------------------------------------
async def test_a_data_centre_added_to_the_file_is_offered_when_step_0_shows_again(
        config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[bool] = []
    original = Manager.dcs

    def dcs(self: Manager):  # noqa: ANN202 - DataCenters
        threads.append(threading.current_thread() is threading.main_thread())
        return original(self)

    monkeypatch.setattr(Manager, "dcs", dcs)
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "console")
        with config_path.open("a") as fh:
            fh.write('\n[data_centers.lab2]\naccounts = "http://127.0.0.1:9"\napi = "http://127.0.0.1:9"\n')
        await pilot.press("escape")  # back to step 0
        assert key_of(screen) == "connector"
        select = screen.query_one("#dc", Select)
        await wait_for(pilot, lambda: any(value == "lab2" for _label, value in select._options), what="lab2")
        assert select.value == "lab"  # the choice made is kept
        assert threads and not any(threads)  # read off the UI thread
