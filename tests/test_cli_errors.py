"""What a user sees when Zoho, the network or the file goes wrong: one line, the right exit code,
and nothing stored is lost."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import run_cli
from inprocess import zconnect
from test_cli_flow import expire_token

from zconnect_tui.store import Store


@pytest.mark.parametrize("fault", ["503", "refused"])
def test_unreachable_is_exit_4_and_store_untouched(emulator, config_path, authorized_desk, fault):
    expire_token(config_path)
    before = config_path.read_bytes()
    if fault == "503":
        emulator.queue_fault("503", count=5)
    else:
        emulator.stop()
    result = run_cli("refresh", "desk")
    assert result.code == 4
    assert len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert ("503" in result.err) if fault == "503" else ("Cannot connect" in result.err)
    assert config_path.read_bytes() == before


def test_rate_limit_is_explained(emulator, config_path, authorized_desk):
    for _ in range(10):  # using up the allowance, in-process; the refusal below is a real process
        assert zconnect("refresh", "desk").code == 0
    before = config_path.read_bytes()
    result = run_cli("refresh", "desk")
    assert result.code == 1
    assert "rate limit" in result.err and "10 refreshes per 10 minutes" in result.err
    assert config_path.read_bytes() == before


def test_revoked_refresh_token_needs_reauthorization(emulator, config_path, authorized_desk):
    conn = Store(config_path).load().get("desk")
    emulator.revoke_refresh_token(conn.token.refresh_token)  # the user revoked it in Zoho's web UI
    expire_token(config_path)
    result = run_cli("token", "desk")
    assert result.code == 3 and "zconnect authorize desk" in result.err
    after = Store(config_path).load().get("desk")
    assert after.status == "needs_reauth"
    assert after.client_secret == conn.client_secret and after.token.refresh_token == conn.token.refresh_token
    assert "needs re-authorization" in run_cli("list").out
    again = run_cli("authorize", "desk", "--timeout", "20")
    assert again.code == 0 and "valid" in run_cli("list").out


def test_corrupted_file_is_refused_and_left_byte_identical(config_path, desk):
    broken = config_path.read_bytes().replace(b"[connections.desk]", b"[connections.desk", 1)
    config_path.write_bytes(broken)
    for args in (["list"], ["token", "desk"], ["remove", "desk", "--yes"],
                 ["add", "x", "--service", "crm", "--dc", "us", "--client-id", "1000.X", "--client-secret-env", "S"]):
        result = run_cli(*args, env={"S": "secret"})
        assert result.code == 1, args
        assert "does not parse" in result.err and "line" in result.err and "will not overwrite" in result.err
    assert config_path.read_bytes() == broken


def test_unknown_connection_and_usage_errors(config_path):
    assert run_cli("token", "nope").code == 5
    assert run_cli("show", "nope").code == 5
    bad = run_cli("add", "bad name", "--service", "desk", "--dc", "us", "--client-id", "1000.X", stdin="s\n")
    assert bad.code == 2 and "not a usable connection name" in bad.err
    bad_dc = run_cli("add", "ok", "--service", "desk", "--dc", "mars", "--client-id", "1000.X", stdin="s\n")
    assert bad_dc.code == 1 and "Unknown data centre 'mars'" in bad_dc.err
    bad_scope = run_cli("add", "ok", "--service", "desk", "--dc", "us", "--client-id", "1000.X",
                        "--scopes", "tickets please", stdin="s\n")
    assert bad_scope.code == 2 and "scope" in bad_scope.err
    assert run_cli("refresh").code == 2  # argparse usage


def test_secret_never_from_argv(config_path):
    result = run_cli("add", "x", "--service", "desk", "--dc", "us", "--client-id", "1000.X",
                     "--client-secret", "oops")
    assert result.code == 2  # there is no such option


def test_two_processes_refreshing_at_once_lose_nothing(emulator, config_path, authorized_desk):
    """Both `token` calls see an expiring token; the lock makes the second reuse the first's refresh."""
    run_cli("add", "other", "--service", "crm", "--dc", "lab", "--client-id", "1000.OTHER", stdin="s2\n")
    expire_token(config_path)
    refresh_token = Store(config_path).load().get("desk").token.refresh_token
    procs = [subprocess.Popen([sys.executable, "-m", "zconnect_tui", "token", "desk"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=30) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert outs[0][0] == outs[1][0]  # both got the same fresh token
    snap = Store(config_path).load()
    assert set(snap.connections) == {"desk", "other"}
    assert snap.get("desk").token.access_token == outs[0][0].strip()
    assert snap.get("desk").token.refresh_token in emulator.live_refresh_tokens
    assert emulator.refresh_count(refresh_token) == 1


def test_loosened_file_mode_warns_even_on_the_token_fast_path(config_path, authorized_desk):
    config_path.chmod(0o644)
    result = run_cli("token", "desk")
    assert result.code == 0 and result.out.count("\n") == 1  # stdout stays just the token
    assert "readable by others" in result.err and "chmod 600" in result.err
