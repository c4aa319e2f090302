"""`zconnect lab`: from nothing to an authorized connection and a working `api` call, with no Zoho account.

The end-to-end test runs `zconnect lab` as a user would, reads what it printed, and runs those very
lines in a shell (with `zconnect` on PATH and a browser stand-in that clicks Accept on the consent page).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import TESTS, free_port, run_cli

from zconnect_tui.lab.cli import CLIENT_ID, CLIENT_SECRET, LABEL, LabEmulator, start

READY = "Ctrl-C stops the lab."


class Lab:
    """A `zconnect lab` process and what it printed."""

    def __init__(self, proc: subprocess.Popen[str], printed: list[str]) -> None:
        self.proc, self.printed = proc, printed

    def command(self, word: str) -> str:
        """The printed command line (without its comment) that runs `zconnect … WORD`."""
        line = next(s for s in self.printed if re.search(rf"zconnect .*\b{word} ", s))
        return line.split("#")[0].strip()


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    config = tmp_path / "cfg" / "lab.toml"
    cmd = [sys.executable, "-m", "zconnect_tui", "lab", "--port", str(free_port()), "--config", str(config),
           "--redirect-port", str(free_port())]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    printed: list[str] = []
    try:
        while not printed or printed[-1] != READY:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, f"lab exited: {proc.wait(timeout=10)} {proc.stderr.read()}"  # type: ignore[union-attr]
            printed.append(line.rstrip("\n"))
        yield Lab(proc, printed)
    finally:
        proc.kill()
        proc.wait(timeout=10)


def shell(line: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run a printed line in bash, with `zconnect` on PATH as an install puts it there."""
    bin_dir = tmp_path / "bin"
    if not bin_dir.exists():
        bin_dir.mkdir()
        shim = bin_dir / "zconnect"
        shim.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} -m zconnect_tui \"$@\"\n")
        shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "BROWSER": f"{sys.executable} {TESTS / 'clicking_browser.py'} %s",
           "FAKE_BROWSER_LOG": str(tmp_path / "browser.log")}
    return subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=60, env=env)


def test_lab_gets_a_newcomer_to_a_working_api_call(lab: Lab, tmp_path: Path) -> None:
    """The printed add, authorize and api lines work as printed; Ctrl-C stops the lab with exit 0."""
    assert any(CLIENT_ID in s for s in lab.printed) and any(CLIENT_SECRET in s for s in lab.printed)
    assert any("new --service desk --dc lab --name lab-desk" in s for s in lab.printed)
    for word in ("add", "authorize"):
        done = shell(lab.command(word), tmp_path)
        assert done.returncode == 0, (word, done.stdout, done.stderr)
    browser = (tmp_path / "browser.log").read_text()
    assert "CLICK accept" in browser and "/callback?" in browser
    api = shell(lab.command("api"), tmp_path)
    assert api.returncode == 0, api.stderr
    tickets = json.loads(api.stdout)["data"]
    assert tickets and tickets[0]["subject"].startswith("Printer on fire")
    env = shell(lab.command("exec"), tmp_path)
    assert "ZOHO_ACCESS_TOKEN=" in env.stdout and "ZOHO_ORG_ID=" in env.stdout

    lab.proc.send_signal(signal.SIGINT)
    assert lab.proc.wait(timeout=10) == 0
    assert lab.proc.stdout.read().splitlines() == ["lab stopped"]  # type: ignore[union-attr]


def test_a_bare_install_never_imports_the_lab(tmp_path: Path) -> None:
    """`list`, `token` and the TUI's import leave zconnect_tui.lab unloaded (it is only `zconnect lab`'s)."""
    code = ("import sys\nfrom zconnect_tui.cli import main\nmain(['list'])\nmain(['token', 'nope'])\n"
            "import zconnect_tui.tui.app\n"
            "print('LAB', sorted(m for m in sys.modules if m.startswith('zconnect_tui.lab')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines()[-1] == "LAB []", done.stdout + done.stderr


def test_the_consent_page_asks_and_deny_is_access_denied() -> None:
    """GET shows Accept and Deny (no redirect yet); Deny redirects with access_denied, Accept with a code."""
    emu = start(free_port(), 9646)
    try:
        assert emu._server is not None and emu._server.server_address[0] == "127.0.0.1"
        params = {"response_type": "code", "client_id": CLIENT_ID, "scope": "Desk.tickets.READ",
                  "redirect_uri": emu.redirect_uri, "state": "s1"}
        page = httpx.get(f"{emu.url}/oauth/v2/auth", params=params, trust_env=False)
        assert page.status_code == 200 and 'value="accept"' in page.text and 'value="deny"' in page.text
        assert "Desk.tickets.READ" in page.text
        for decision, expect in (("deny", "error=access_denied"), ("accept", "code=")):
            answer = httpx.post(f"{emu.url}/oauth/v2/auth", data={**params, "decision": decision}, trust_env=False)
            assert answer.status_code == 302 and expect in answer.headers["location"]
            assert answer.headers["location"].startswith(emu.redirect_uri + "?")
        console = httpx.get(f"{emu.url}/", trust_env=False)
        assert CLIENT_ID in console.text and emu.redirect_uri in console.text
    finally:
        emu.stop()


def test_a_data_centre_lab_of_your_own_is_left_alone(tmp_path: Path) -> None:
    """An existing [data_centers.lab] that `zconnect lab` did not write: one line, exit 1, file unchanged."""
    config = tmp_path / "own.toml"
    config.write_text('version = 1\n\n[data_centers.lab]\naccounts = "http://127.0.0.1:1"\napi = "http://127.0.0.1:1"\n')
    config.chmod(0o600)
    before = config.read_bytes()
    done = run_cli("lab", "--port", str(free_port()), "--config", str(config))
    assert done.code == 1 and "leaves it as it is" in done.err and len(done.err.splitlines()) == 1
    assert config.read_bytes() == before


def test_the_lab_rewrites_its_own_data_centre(tmp_path: Path) -> None:
    """A [data_centers.lab] an earlier `zconnect lab` wrote (another port) is brought up to date."""
    from zconnect_tui.lab.cli import data_center
    from zconnect_tui.manager import Manager
    from zconnect_tui.store import Store

    manager = Manager(Store(tmp_path / "c.toml"))
    manager.set_data_center("lab", {"label": LABEL, "accounts": "http://127.0.0.1:1", "api": "http://127.0.0.1:1"})
    emu: LabEmulator = start(free_port())
    try:
        manager.set_data_center("lab", data_center(emu), keep=lambda old: old.get("label") != LABEL)
        assert manager.dcs().get("lab").accounts == emu.url
    finally:
        emu.stop()
