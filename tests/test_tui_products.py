"""Zoho Projects in the TUI, driven with Pilot at 80×24 against the emulator (Projects on its own host):
the wizard's step 7 lists the portals, says "portal" and preselects Zoho's default; the API screen fills
`{portal}` from the stored portal."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, DC, Browser, free_port
from test_tui_support import SIZE, drive_to, frame_text, make_app, next_step, wait_for
from textual.widgets import OptionList, Static

from zconnect_tui import listener
from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.store import Store


@pytest.fixture
def projects_config(emulator: ZohoEmulator, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Projects' host named in the `lab` data centre, a client registered; returns the wizard's port."""
    url = emulator.add_product_host("projects")
    config_path.write_text(config_path.read_text().replace(f"[data_centers.{DC}]\n",
                                                           f'[data_centers.{DC}]\nprojects = "{url}"\n'))
    port = free_port()
    monkeypatch.setattr(listener, "find_free_port", lambda preferred, tries=50: port)
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{port}/callback"])
    return port


async def test_step_7_lists_the_portals_with_the_default_preselected(emulator: ZohoEmulator, config_path: Path,
                                                                   projects_config: int, browser: Browser) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "organization", name="proj", service="projects", client_id=CLIENT_ID,
                                secret=CLIENT_SECRET)
        portals = screen.query_one("#orgs", OptionList)
        await wait_for(pilot, lambda: portals.option_count and portals.display, what="the portals")
        shown = [str(portals.get_option_at_index(i).prompt) for i in range(portals.option_count)]
        assert shown == ["Zylker Events · 647154632", "Difference Works (default) · 647154700"]
        assert portals.highlighted == 1  # Zoho's default, listed second
        frame = frame_text(app)
        assert "7. Choose the portal" in frame and "which portals this token reaches" in frame
        assert "Reached 2 Projects portals" in str(screen.query_one("#org-status", Static).content)
        await next_step(pilot)
        await wait_for(pilot, lambda: "Portal" in frame_text(app), what="the summary")
        assert "Difference Works (647154700)" in frame_text(app)
    conn = Store(config_path).load().get("proj")
    assert (conn.org_id, conn.org_name, conn.service) == ("647154700", "Difference Works", "projects")


async def test_the_api_screen_fills_the_portal_from_the_stored_one(tmp_path: Path) -> None:
    from api_lab import PROJECTS_PORTAL, api_lab
    from test_tui_api import open_api, run, typed

    with api_lab(tmp_path / "lab", every_product=True) as lab:
        app = make_app(lab.config, wizard=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_api(pilot, "projects")
            assert screen.query_one("#path").placeholder == "path, e.g. /restapi/portal/{portal}/projects/"
            await typed(pilot, "GET", "/restapi/portal/{portal}/projects/", "range=2")
            assert not screen.query_one("#values-row").display  # nothing to ask: the stored portal fills it
            answer = await run(pilot, screen)
            assert answer.status == 200 and [p["name"] for p in answer.value["projects"]] == [
                "Difference Engine No. 1", "Difference Engine No. 2"]
        sent = lab.emu.requests[-1]
        assert (sent.host, sent.path) == ("projects", f"/restapi/portal/{PROJECTS_PORTAL}/projects/")
