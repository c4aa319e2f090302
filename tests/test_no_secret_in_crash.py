"""Issue #8 item 3: no secret in a crash report; the TUI shows one line instead of crashing; the file's
types are checked on the way in (a one-line config error naming the key)."""

from __future__ import annotations

import dataclasses
import importlib
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CLIENT_SECRET, Registered
from test_tui_support import SIZE, make_app, wait_for
from textual.widgets import Static

import zconnect_tui
from zconnect_tui import cli
from zconnect_tui.model import Connection
from zconnect_tui.store import Store
from zconnect_tui.tui.screens.dashboard import DashboardScreen

SECRET_FIELD = re.compile(r"secret|access_token|refresh_token|^code$|device_code|verifier|^token$")


def test_every_dataclass_keeps_its_secrets_out_of_repr() -> None:
    """Crash reports and debuggers print reprs: every secret-holding field of every dataclass is repr=False."""
    checked = []
    for module in pkgutil.walk_packages(zconnect_tui.__path__, "zconnect_tui."):
        if module.name.endswith("__main__"):
            continue
        for obj in vars(importlib.import_module(module.name)).values():
            if dataclasses.is_dataclass(obj) and obj.__module__ == module.name:
                for f in dataclasses.fields(obj):
                    if SECRET_FIELD.search(f.name) and f.type in ("str", "str | None", "dict[str, str]"):
                        checked.append(f"{obj.__name__}.{f.name}")
                        assert not f.repr, f"{obj.__name__}.{f.name} would appear in a repr"
    assert {"Connection.client_secret", "TokenSet.access_token", "TokenSet.refresh_token", "WizardDraft.client_secret",
            "TokenResponse.access_token", "TokenResponse.refresh_token", "CallbackResult.code",
            "Connection.client_secrets", "DeviceCode.device_code"} <= set(checked)


CRASH = """
import sys
from zconnect_tui.manager import Manager
from zconnect_tui.model import Connection
from zconnect_tui.store import Store
from zconnect_tui.tui.app import ZconnectApp
from zconnect_tui.tui.screens import dashboard

def crash(self):
    conn = self.manager.get("desk")  # a Connection with its secret and tokens, as a local
    client_secret = conn.client_secret
    raise RuntimeError("boom")

dashboard.DashboardScreen.on_mount = crash
sys.exit(ZconnectApp(Manager(Store(sys.argv[1]))).run(headless=True, size=(100, 40)) or 0)
"""


def test_a_tui_crash_report_shows_no_local_variables(tmp_path: Path, authorized_desk_no_browser: Registered,
                                                     config_path: Path) -> None:
    conn = Store(config_path).load().get("desk")
    proc = subprocess.run([sys.executable, "-c", CRASH, str(config_path)], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "COLUMNS": "100"})
    report = proc.stdout + proc.stderr
    assert "RuntimeError" in report and "boom" in report  # the crash is still reported, with its frames
    for secret in (CLIENT_SECRET, conn.token.access_token, conn.token.refresh_token):
        assert secret not in report
    assert "client_secret =" not in report and "locals" not in report.lower()


@pytest.mark.parametrize(("line", "key"), [
    ("org_name = 5", "connections.desk.org_name must be a string"),
    ("org_name = 60001234567", "connections.desk.org_name must be a string"),
    ('created_at = "yesterday"', "connections.desk.created_at must be a UTC date-time"),
    ("created_at = 2026-01-01T10:00:00", "connections.desk.created_at must be a UTC date-time"),
    ("created_at = 2026-01-01", "connections.desk.created_at must be a UTC date-time"),
    ('scopes = "Desk.basic.READ"', "connections.desk.scopes must be a list of strings"),
    ("scopes = [1, 2]", "connections.desk.scopes must be a list of strings"),
    ('self_client = "no"', "connections.desk.self_client must be true or false"),
    ("client_secret = 42", "connections.desk.client_secret must be a string"),
    ('client_secret = "ab\\u001b[2Jcd"', "connections.desk.client_secret contains control characters"),
    ('status = "hacked"', "connections.desk.status must be one of"),
    ('access_type = "forever"', "connections.desk.access_type must be offline or online"),
    ('redirect_uri = "http://127.0.0.1:99999/callback"', "connections.desk.redirect_uri has a port outside 1-65535"),
    ("token = 5", "[connections.desk.token] must be a table"),
    ("token = { expires_at = 5 }", "connections.desk.token.expires_at must be a UTC date-time"),
    ("token = { access_token = [] }", "connections.desk.token.access_token must be a string"),
])
def test_wrong_types_in_the_file_are_one_line_naming_the_key(tmp_path: Path, capsys,  # noqa: ANN001
                                                             line: str, key: str) -> None:
    config_path = tmp_path / "c.toml"
    Store(config_path).save_connection(Connection(
        name="desk", service="desk", dc="us", client_id="1000.A", scopes=["Desk.basic.READ"], client_secret="s",
        redirect_uri="http://127.0.0.1:9646/callback"))
    key_name = line.split(" ", 1)[0]
    text = re.sub(rf"(?ms)^{key_name} = (\[.*?\]|[^\n]*)\n", "", config_path.read_text())
    config_path.write_text(text.replace("[connections.desk]\n", f"[connections.desk]\n{line}\n"))
    before = config_path.read_bytes()
    for args in (["list"], ["show", "desk"], ["token", "desk"], ["refresh", "desk"], ["export", "desk"]):
        assert cli.main(["--config", str(config_path), *args]) == 1, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("zconnect: ") and key in err, err
    assert config_path.read_bytes() == before


async def test_dashboard_shows_a_wrong_type_as_one_line_instead_of_crashing(authorized_desk_no_browser: Registered,
                                                                            config_path: Path) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, DashboardScreen)
        text = re.sub(r"(?m)^org_name = .*$", "org_name = 60001234567", config_path.read_text())
        config_path.write_text(text)
        screen = app.screen
        screen.reload()  # what the live timer does every few seconds (the file is read off the UI thread)
        empty = screen.query_one("#empty", Static)
        await wait_for(pilot, lambda: "connections.desk.org_name must be a string" in str(empty.content),
                       what=f"the config error (shown: {str(empty.content)!r})")
        assert empty.display
        await pilot.press("enter", "r", "e", "n")  # every action on a broken file: a notification, no crash
        await pilot.pause()
    assert app.return_code in (0, None)
