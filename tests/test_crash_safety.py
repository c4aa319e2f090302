"""Crash safety: writers SIGKILLed at random moments never corrupt the file or lose a connection."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from reliability.crash import run_crash_safety
from reliability.lab import PYTHON, Lab

from zconnect_tui.model_table import to_table
from zconnect_tui.store import Store


def test_200_writers_killed_at_random_moments(tmp_path: Path) -> None:
    report = run_crash_safety(tmp_path, kills=200, parallel=20, cli_kills=20)
    print(f"crash: {report.kills}+{report.cli_kills} kills, {report.checks} checks, "
          f"{report.saves_completed} saves and {report.refreshes_completed} refreshes finished before the kills")
    assert report.kills >= 200 and report.killed_by_sigkill == report.kills
    assert report.other_exits == []  # no writer died of anything but SIGKILL
    assert report.saves_completed > 0 and report.refreshes_completed > 0  # they were really writing
    assert report.parse_failures == []
    assert report.damaged == []
    assert report.orphans_left_at_end == 0
    assert report.file_mode == 0o600


def _writer_stalled_before_rename(lab: Lab) -> subprocess.Popen[bytes]:
    """A writer that stops for good after writing its temp file, just before the rename."""
    marker = lab.dir / "stalled"
    code = f"""
import time
from zconnect_tui import store
def stall(*args, **kwargs):
    open({str(marker)!r}, "w").close()
    time.sleep(600)
store.os.replace = stall
store.Store({str(lab.config)!r}).update("desk", lambda c: setattr(c, "org_name", "half-written"))
"""
    proc = subprocess.Popen([PYTHON, "-c", code], env=lab.env())
    deadline = time.monotonic() + 30
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return proc


def test_killed_between_writing_and_renaming_leaves_the_old_file_and_no_litter(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk")
        before = lab.config.read_bytes()
        proc = _writer_stalled_before_rename(lab)
        assert (lab.dir / "stalled").exists()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        orphans = list(lab.config.parent.glob(".connections.toml.*.tmp"))
        assert len(orphans) == 1  # the half-done save
        assert lab.config.read_bytes() == before  # the real file was never touched
        Store(lab.config).update("desk", lambda c: setattr(c, "user", "next"))  # the next save cleans up
        assert list(lab.config.parent.glob(".connections.toml.*.tmp")) == []
        assert Store(lab.config).load().get("desk").user == "next"


def test_killed_while_holding_the_lock_mid_refresh_does_not_block_the_next_one(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        before = to_table(lab.add("desk", expired=True))
        lab.emu.hang_seconds = 60
        lab.emu.queue_fault("hang")
        proc = subprocess.Popen([PYTHON, "-m", "zconnect_tui", "refresh", "desk"], env=lab.env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not lab.emu.token_requests("refresh_token") and time.monotonic() < deadline:
            time.sleep(0.01)
        assert lab.emu.token_requests("refresh_token"), "the refresh never reached the emulator"
        os.kill(proc.pid, signal.SIGKILL)  # it holds the lock, waiting for Zoho
        proc.wait(10)
        result = lab.cli("refresh", "desk")
        assert result.code == 0, result.err
        after = to_table(Store(lab.config).load().get("desk"))
        assert after["token"]["refresh_token"] == before["token"]["refresh_token"]
        assert after["client_secret"] == before["client_secret"]
