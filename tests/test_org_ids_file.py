"""Organisation ids written by hand into the connections file: the rule that types Zoho's ids (verify.py)
applies on the way in from the file too (model_table.from_table), so `org_id = "1; rm -rf"` or a 10,000-character
id never reaches Desk's orgId header, Books' `?organization_id=`, the export's curl line or the terminal."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import run_cli

from zconnect_tui.errors import ConfigError
from zconnect_tui.model import Connection, Status, TokenSet, now_utc
from zconnect_tui.model_table import from_table
from zconnect_tui.store import Store

ACCESS = "1000.fa57c0ffee0123456789abcdef.0123456789abcdef"
BAD_DESK_IDS = ["1; rm -rf", "1" * 10_000, "1" * 41, "60001\x1b[2J", "６０００１", " 60001", "60001/../x", "-1"]


def table(service: str, org_id: object) -> dict[str, object]:
    return {"service": service, "dc": "us", "client_id": "1000.A", "scopes": ["X.READ"], "org_id": org_id}


@pytest.mark.parametrize("service", ["desk", "books"])
@pytest.mark.parametrize("org_id", BAD_DESK_IDS)
def test_a_desk_or_books_org_id_from_the_file_must_be_digits(service: str, org_id: str) -> None:
    with pytest.raises(ConfigError) as info:
        from_table("acme", table(service, org_id))
    line = info.value.one_line()
    assert line.startswith("connections.acme.org_id must be a number of at most 40 digits; the file was left")
    assert "Fix connections.acme.org_id in the config file" in line
    assert "\n" not in line and "\x1b" not in line and "rm -rf" not in line and len(line) < 200


def test_other_services_bound_the_length_only() -> None:
    """CRM's org id goes into no call (it is shown and exported): any text, cleaned, at most 40 characters."""
    assert from_table("crm", table("crm", "org-4150")).org_id == "org-4150"
    assert from_table("crm", table("crm", "x" * 40)).org_id == "x" * 40
    with pytest.raises(ConfigError, match=r"^connections\.crm\.org_id must be at most 40 characters"):
        from_table("crm", table("crm", "x" * 10_000))


@pytest.mark.parametrize("service", ["desk", "books"])
def test_numeric_ids_up_to_40_digits_and_no_id_are_read(service: str) -> None:
    assert from_table("acme", table(service, "60001000001")).org_id == "60001000001"
    assert from_table("acme", table(service, "1" * 40)).org_id == "1" * 40
    assert from_table("acme", table(service, "")).org_id == ""  # none chosen yet
    assert from_table("acme", {k: v for k, v in table(service, "").items() if k != "org_id"}).org_id == ""


def write(path: Path, org_id_line: str, expires_in: timedelta) -> bytes:
    """A Desk connection, authorized, saved by the store; then its org_id line edited by hand."""
    now = now_utc()
    Store(path).save_connection(Connection(
        name="desk", service="desk", dc="us", client_id="1000.A", scopes=["Desk.basic.READ"], client_secret="s",
        redirect_uri="http://127.0.0.1:9646/callback", status=Status.AUTHORIZED, org_id="60001", org_name="Zylker",
        token=TokenSet(access_token=ACCESS, refresh_token="1000.rt", expires_at=now + expires_in, refreshed_at=now)))
    text, count = re.subn(r'(?m)^org_id = "60001"$', org_id_line, path.read_text())
    assert count == 1
    path.write_text(text)
    return path.read_bytes()


@pytest.mark.parametrize("org_id_line", ['org_id = "1; rm -rf"', f'org_id = "{"7" * 10_000}"'])
def test_the_cli_refuses_a_hand_written_org_id_in_one_line_and_keeps_the_file(tmp_path: Path,
                                                                              org_id_line: str) -> None:
    config = tmp_path / "cfg" / "connections.toml"
    before = write(config, org_id_line, timedelta(minutes=2))  # under 5 minutes: `token` takes the full CLI
    for args in (["list"], ["token", "desk"], ["export", "desk", "--format", "connector"], ["api", "desk", "/x"]):
        run = run_cli("--config", str(config), *args)
        assert run.code == 1 and run.out == "", (args, run)
        assert run.err.count("\n") == 1 and run.err.startswith("zconnect: connections.desk.org_id must be a number"), \
            (args, run.err[:300])
        assert "Traceback" not in run.err and "rm -rf" not in run.err and "7777777" not in run.err
    assert config.read_bytes() == before


def test_the_token_fast_path_prints_only_the_token(tmp_path: Path) -> None:
    """`zconnect token` with a fresh token answers from the fast path, which reads only the token: the org id
    is neither sent nor printed there, so it is not checked there (the next refresh goes through the full
    CLI, which refuses the file as above)."""
    config = tmp_path / "cfg" / "connections.toml"
    before = write(config, 'org_id = "1; rm -rf"', timedelta(hours=1))
    run = run_cli("--config", str(config), "token", "desk")
    assert (run.code, run.out, run.err) == (0, ACCESS + "\n", "")
    assert config.read_bytes() == before
