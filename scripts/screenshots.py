"""Make the README screenshots: every wizard step, the dashboard, the API screen and the Export dialog's
extension tabs, from the real app.

Starts the in-repo Zoho emulator, writes a temporary connections file whose `lab` data centre
points at it, and drives `ZconnectApp` headless with Pilot at 80×24, the way a user would:
the redirect URI shown in step 3 is registered at the emulator (as one would in the API
Console), the fake browser follows the consent redirect in step 6. For the Non-browser branch's
step 6 the wizard runs again and stops while Zoho's device flow waits for the user. Every SVG
is checked for the client secret and the tokens before it is written.

    python scripts/screenshots.py [--out screenshots] [--size 80x24]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from test_tui_support import drive_to, make_app, wait_for  # noqa: E402
from textual.pilot import Pilot  # noqa: E402
from textual.widgets import DataTable, Input, TabbedContent  # noqa: E402

from zconnect_tui.lab.emulator import ZohoEmulator  # noqa: E402
from zconnect_tui.manager import Manager  # noqa: E402
from zconnect_tui.model import ClientType, Connection, now_utc  # noqa: E402
from zconnect_tui.saved import SavedApi  # noqa: E402
from zconnect_tui.store import Store  # noqa: E402
from zconnect_tui.tui.app import ZconnectApp  # noqa: E402
from zconnect_tui.tui.device_panel import DevicePanel  # noqa: E402
from zconnect_tui.tui.json_tree import JsonTree  # noqa: E402
from zconnect_tui.tui.screens.api import ApiScreen  # noqa: E402
from zconnect_tui.tui.screens.dashboard import DashboardScreen  # noqa: E402
from zconnect_tui.tui.screens.export import ExportScreen  # noqa: E402
from zconnect_tui.tui.steps import STEPS, guide_numbers  # noqa: E402

CLIENT_ID = "1000.Q7ZK3WJ0D5ARPX2M8LN4VHYBCT6E1F"
CLIENT_SECRET = "5f0c2e9a7b1d43c8a6e2f0b9d7c5a3e1f2b4d6c8a0"
DEVICE_ID = "1004.JNB00640KVIR87109F4XV941E2SY22"


def start_emulator() -> ZohoEmulator:
    """On port 9000 when free (stable screenshots), else any port."""
    emulator = ZohoEmulator(location="lab")
    try:
        return emulator.start(9000)
    except OSError:
        return emulator.start(0)


def write_config(path: Path, url: str) -> None:
    path.write_text(f'version = 1\n\n[data_centers.lab]\nlabel = "Zoho emulator"\naccounts = "{url}"\n'
                    f'api = "{url}"\ndesk = "{url}"\nconsole = "{url}"\n')
    path.chmod(0o600)


def secrets_in(svg: str, store: Store) -> list[str]:
    """Which secrets (client secret, any stored token) appear in `svg`."""
    found = [CLIENT_SECRET] if CLIENT_SECRET in svg else []
    for conn in store.load().connections.values():
        found += [t for t in (conn.client_secret, conn.token.access_token, conn.token.refresh_token)
                  if t and t in svg]
    return found


async def shoot(out: Path, size: tuple[int, int], emulator: ZohoEmulator, config: Path) -> list[Path]:
    store = Store(config)
    app = make_app(config)
    written: list[Path] = []

    def save(filename: str) -> None:
        save_svg(app, store, out / filename)
        written.append(out / filename)

    async with app.run_test(size=size) as pilot:
        numbers = guide_numbers(STEPS)

        async def on_step(key: str) -> None:
            if key == "redirect":  # the user registers the shown URI in the console
                port = int(app.screen.query_one("#port", Input).value)
                emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{port}/callback"])
            await pilot.pause()
            save(f"wizard-{numbers[key]}-{key}.svg")

        await drive_to(pilot, "accepted", client_id=CLIENT_ID, secret=CLIENT_SECRET, on_step=on_step)
        # A few more connections in other states, so the dashboard shows what it can show.
        soon = now_utc() + timedelta(minutes=3)
        store.save_connection(Connection("crm-eu", "crm", "eu", "1000.EU", ["ZohoCRM.modules.ALL"],
                                         client_secret="x" * 42, redirect_uri="http://127.0.0.1:9647/callback"))
        books = Connection("books", "books", "us", "1000.US", ["ZohoBooks.settings.READ"], client_secret="y" * 42,
                           status="needs_reauth", org_name="Analytical Engines Ltd", location="us")
        books.token.refresh_token, books.token.access_token, books.token.expires_at = "r" * 20, "a" * 20, soon
        store.save_connection(books)
        await pilot.press("ctrl+n")  # Finish
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await wait_for(pilot, lambda: app.screen.query_one(DataTable).row_count == 3, what="three rows")
        save("dashboard.svg")
        await shoot_api(pilot, store)
        save("api.svg")
        for fmt, scroll in (("deluge", 13), ("console", 5)):  # the Export dialog's extension tabs
            await shoot_export(pilot, fmt, scroll)
            save(f"export-{fmt}.svg")
    written += await shoot_device(out, size, emulator, config, save_as=save_svg)
    return written


def save_svg(app: ZconnectApp, store: Store, path: Path) -> None:
    """Write the app's screen to `path`, unless a secret would be in it."""
    for widget in app.screen.query(Input):
        widget.cursor_blink = False
    app.clear_notifications()
    svg = app.export_screenshot(title="zconnect")
    if secrets_in(svg, store):
        raise SystemExit(f"{path.name}: a secret is visible; not saved")
    path.write_text(svg, encoding="utf-8")


async def shoot_device(out: Path, size: tuple[int, int], emulator: ZohoEmulator, config: Path, *,
                       save_as: Callable[[ZconnectApp, Store, Path], None]) -> list[Path]:
    """The Non-browser branch's step 6 (Zoho's device flow), once Zoho answered the first poll."""
    emulator.register_client(DEVICE_ID, CLIENT_SECRET, [], kind="non-browser")
    emulator.device_interval = 1.0
    store = Store(config)
    app = make_app(config)
    async with app.run_test(size=size) as pilot:
        screen = await drive_to(pilot, "device", name="desk-ssh", client_id=DEVICE_ID, secret=CLIENT_SECRET,
                                client_type=ClientType.NON_BROWSER)
        panel = screen.body("device").query_one(DevicePanel)
        await wait_for(pilot, lambda: panel.last is not None and panel.last.answer == "authorization_pending",
                       what="Zoho's first answer")
        await pilot.pause()
        path = out / f"wizard-{guide_numbers(STEPS)['device']}-device.svg"
        save_as(app, store, path)
        panel.stop()
    return [path]


async def shoot_api(pilot: Pilot, store: Store) -> None:
    """The API screen on desk: two saved APIs, the second one run, its first ticket unfolded."""
    manager = Manager(store)
    manager.save_api("desk", "ticket", SavedApi("GET", "/api/v1/tickets/{id}", description="One ticket"))
    manager.save_api("desk", "tickets", SavedApi("GET", "/api/v1/tickets", {"limit": 3}, description="Open tickets"))
    dashboard = pilot.app.screen
    assert isinstance(dashboard, DashboardScreen)
    dashboard.reload(select="desk")
    await wait_for(pilot, lambda: dashboard.selected is not None and dashboard.selected.name == "desk"
                   and len(dashboard.selected.apis) == 2, what="desk with its saved APIs")
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ApiScreen), what="the API screen")
    screen = pilot.app.screen
    assert isinstance(screen, ApiScreen)
    await pilot.press("down", "enter", "enter")  # @tickets fills the form; Enter runs it
    await wait_for(pilot, lambda: screen.answer is not None and screen.runner is None, what="the answer")
    tree = screen.query_one(JsonTree)
    tree.root.children[0].children[0].expand()
    tree.focus()
    await pilot.pause()


async def shoot_export(pilot: Pilot, fmt: str, scroll: int) -> None:
    """The Export dialog of desk (its two saved APIs), on the tab `fmt`, scrolled down `scroll` lines."""
    if not isinstance(pilot.app.screen, ExportScreen):
        while not isinstance(pilot.app.screen, DashboardScreen):
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ExportScreen), what="the export dialog")
    export = pilot.app.screen
    assert isinstance(export, ExportScreen)
    await wait_for(pilot, lambda: export.formats, what="the export's tabs")
    export.query_one("#formats", TabbedContent).active = f"format-{fmt}"
    await pilot.pause()
    body = export.body_scroll()
    if body is not None:
        body.scroll_to(y=scroll, animate=False)
    await pilot.pause()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--size", default="80x24", help="columns x rows (default 80x24)")
    args = parser.parse_args()
    size = tuple(int(n) for n in args.size.lower().split("x"))
    assert len(size) == 2
    args.out.mkdir(parents=True, exist_ok=True)
    emulator = start_emulator()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "connections.toml"
        write_config(config, emulator.url)
        os.environ["ZCONNECT_CONFIG"] = str(config)
        os.environ["BROWSER"] = f"{sys.executable} {ROOT / 'tests' / 'fake_browser.py'} %s"
        os.environ["FAKE_BROWSER_DELAY"] = "1"  # so step 6 is seen waiting
        os.environ.pop("SSH_CONNECTION", None)
        try:
            written = asyncio.run(shoot(args.out, (size[0], size[1]), emulator, config))
        finally:
            emulator.stop()
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
