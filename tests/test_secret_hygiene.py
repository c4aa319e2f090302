"""Secret hygiene: no command, export, page, file or screenshot shows a secret, except `token` and `--reveal`."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

from reliability.hygiene import TOKEN_SHAPE, find_secrets, run_secret_hygiene
from reliability.lab import CLIENT_SECRET, PYTHON, Lab

from zconnect_tui.store import Store

ROOT = Path(__file__).resolve().parents[1]


def test_no_secret_in_any_output_or_file(tmp_path: Path) -> None:
    report = run_secret_hygiene(tmp_path, screenshot_dirs=(ROOT / "screenshots",))
    commands = {run.args[0] if run.args[0] != "--config" else "parse-error" for run in report.runs}
    print(f"secret hygiene: {len(report.runs)} runs, {report.secrets_tracked} secrets, "
          f"{len(report.files_scanned)} files, {report.screenshots_scanned} screenshots")
    assert {"add", "list", "show", "authorize", "token", "refresh", "test", "export", "revoke", "remove",
            "path", "parse-error"} <= commands
    assert report.tracebacks == []
    assert report.hits == []
    # The scan works: the two commands allowed to show secrets did.
    assert any("token desk" in hit and "access token" in hit for hit in report.allowed_hits)
    assert any("--reveal" in hit and "client secret" in hit for hit in report.allowed_hits)
    assert any("--reveal" in hit and "refresh token" in hit for hit in report.allowed_hits)
    assert not report.success_page_echoes_code
    # Exports name the secret-revealing commands instead of carrying secrets.
    export_env = next(run for run in report.runs if run.args[:3] == ("export", "desk", "--format"))
    assert export_env.code == 0


def test_the_screenshot_script_shows_no_secret(tmp_path: Path) -> None:
    """Run the real screenshot script (wizard steps 0-8, the Non-browser branch's step 6, the dashboard and the
    API screen and the Export dialog's deluge and console tabs, against the emulator)."""
    proc = subprocess.run([PYTHON, str(ROOT / "scripts" / "screenshots.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    secret = re.search(r'^CLIENT_SECRET = "([^"]+)"', (ROOT / "scripts" / "screenshots.py").read_text(), re.M)
    assert secret is not None
    svgs = sorted(tmp_path.glob("*.svg"))
    assert len(svgs) == 14 and {"wizard-6-device.svg", "api.svg", "export-deluge.svg", "export-console.svg"} <= \
        {svg.name for svg in svgs}
    for svg in svgs:
        text = svg.read_text(errors="replace")
        assert not TOKEN_SHAPE.search(text), svg.name
        assert not find_secrets(text, {"client secret": secret.group(1)}), svg.name
    assert not TOKEN_SHAPE.search(proc.stdout + proc.stderr)


def test_committed_screenshots_hold_no_token_shaped_text() -> None:
    for svg in sorted((ROOT / "screenshots").glob("*.svg")):
        text = svg.read_text(errors="replace")
        assert not TOKEN_SHAPE.search(text), svg.name
        assert not find_secrets(text, {"client secret": CLIENT_SECRET}), svg.name


def test_new_file_is_0600_in_a_0700_directory_even_with_umask_0(tmp_path: Path) -> None:
    with Lab(tmp_path / "lab") as lab:
        config = tmp_path / "fresh" / "zconnect" / "connections.toml"
        env = lab.env(ZCONNECT_CONFIG=str(config), ZC_SECRET=CLIENT_SECRET)
        proc = subprocess.run([PYTHON, "-m", "zconnect_tui", "add", "desk", "--service", "desk", "--dc", "us",
                               "--client-id", "1000.X", "--client-secret-env", "ZC_SECRET"],
                              env=env, capture_output=True, text=True, preexec_fn=lambda: os.umask(0), timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        assert stat.S_IMODE(config.parent.stat().st_mode) == 0o700
        lock = config.with_name("connections.toml.lock")
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600
        # A later rewrite keeps 0600 too.
        Store(config).update("desk", lambda c: setattr(c, "user", "x"))
        assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_a_loosened_file_gets_a_warning(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk")
        lab.config.chmod(0o644)
        result = lab.cli("list")
        assert result.code == 0
        assert "readable by others" in result.err and f"chmod 600 {lab.config}" in result.err
        assert "desk" in result.out
        lab.config.chmod(0o600)
        assert lab.cli("list").err == ""
