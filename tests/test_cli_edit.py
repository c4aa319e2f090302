"""`zconnect edit`, `new` refusing what `add` refuses, the command table, and remedies worded by each
front end in its own terms."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from conftest import CLIENT_SECRET, Registered, run_cli

from zconnect_tui import cli, commands
from zconnect_tui.errors import CLI_WORDS, Fix, Remedy, ZconnectError
from zconnect_tui.model import mask
from zconnect_tui.store import Store
from zconnect_tui.tui.remedies import error_text, fix_text


def test_edit_says_what_needs_reauthorization_and_keeps_tokens(authorized_desk_no_browser: Registered,
                                                               config_path: Path) -> None:
    before = Store(config_path).load().get("desk")
    scopes = run_cli("edit", "desk", "--scopes", "Desk.tickets.ALL,Desk.basic.READ")
    assert scopes.code == 0, scopes.err
    assert "Changed desk: scopes." in scopes.out and "Re-authorization needed" in scopes.out
    assert "zconnect authorize desk" in scopes.out
    after = Store(config_path).load().get("desk")
    assert after.scopes == ["Desk.tickets.ALL", "Desk.basic.READ"]
    assert after.token.access_token == before.token.access_token and after.status == "authorized"

    port = run_cli("edit", "desk", "--port", "9700")
    assert port.code == 0 and "http://127.0.0.1:9700/callback" in port.out and "Re-authorization" not in port.out

    secret = "f" * 42
    rotated = run_cli("edit", "desk", "--rotate-secret", "--client-secret-env", "NEW", env={"NEW": secret})
    assert rotated.code == 0 and mask(secret) in rotated.out and secret not in rotated.out + rotated.err
    assert Store(config_path).load().get("desk").client_secret == secret

    online = run_cli("edit", "desk", "--access-type", "online")
    assert online.code == 0 and "access type" in online.out and "Re-authorization needed" in online.out

    unchanged = config_path.read_bytes()
    for args, code, words in ((("--port", "80"), 2, "out of range"), ((), 2, "Nothing to change"),
                              (("--scopes", "tickets please"), 2, "does not look like a Zoho scope")):
        bad = run_cli("edit", "desk", *args)
        assert bad.code == code and words in bad.err, bad
        assert len(bad.err.strip().splitlines()) == 1 and "Traceback" not in bad.err
    missing = run_cli("edit", "nope", "--port", "9700")
    assert missing.code == 5 and "zconnect list" in missing.err
    assert config_path.read_bytes() == unchanged


def test_new_refuses_what_add_refuses(config_path: Path) -> None:
    for flag, value in (("--dc", "mars"), ("--service", "nope")):
        args = {"--dc": "us", "--service": "desk", flag: value}
        add = run_cli("add", "x", "--service", args["--service"], "--dc", args["--dc"], "--client-id", "1000.X",
                      stdin=f"{CLIENT_SECRET}\n")
        new = run_cli("new", flag, value)
        assert new.code == add.code != 0 and new.err == add.err, (new, add)
        assert value in new.err and len(new.err.strip().splitlines()) == 1


def test_every_command_is_declared_once() -> None:
    """The parser is built from `cli.COMMANDS`, and each entry has its body `cmd_<name>` in its module."""
    import importlib

    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    assert list(subparsers.choices) == [c.name for c in cli.COMMANDS]  # type: ignore[attr-defined]
    for command in cli.COMMANDS:
        assert callable(getattr(importlib.import_module(command.body), f"cmd_{command.name}")), command.name
    assert commands.cmd_new
    assert "edit" in run_cli("--help").out


def test_each_fix_is_worded_by_the_cli_and_the_tui() -> None:
    assert set(CLI_WORDS) == set(Fix)
    for fix in Fix:
        error = ZconnectError("Something happened.", remedy=Remedy(fix, "desk", port=9646, key="connections.desk.x"))
        cli_words = error.one_line()
        dashboard, wizard = fix_text(error), fix_text(error, lambda key: f"step N ({key})")
        assert cli_words and dashboard and wizard, fix
        assert "--" not in dashboard + wizard and "`zconnect" not in dashboard + wizard, fix  # no CLI flags
    # A free-text hint (no remedy) shows as it is, in full.
    plain = ZconnectError("The sky fell.", "Put it back up, then try again.")
    assert error_text(plain) == "The sky fell. Put it back up, then try again." == plain.one_line()


def test_port_in_use_is_worded_per_front_end(desk: Registered, config_path: Path) -> None:
    from zconnect_tui.tui.steps import STEPS

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", desk.port))
        squatter.listen()
        result = run_cli("authorize", "desk", "--timeout", "5")
    assert result.code != 0 and "--port" in result.err  # the CLI: its flag
    from zconnect_tui.listener import _bind_error

    error = _bind_error(desk.port, OSError(98, "Address already in use"))
    numbers = {cls.key: n for n, cls in enumerate(STEPS)}
    wizard = error_text(error, lambda key: f"step {numbers[key]} ({key})")
    assert "Go back to step 3 (redirect)" in wizard and "--port" not in wizard  # the wizard: its step
    assert "press e" in fix_text(error) and "--port" not in fix_text(error)  # the dashboard: its key


@pytest.mark.parametrize("text", ["", "abc", "80", "65536", "٣"])
def test_one_rule_for_ports(text: str) -> None:
    from zconnect_tui.model import validate_port

    with pytest.raises(ZconnectError) as info:
        validate_port(text)
    assert "Use a number from 1024 to 65535." in info.value.one_line()


def test_the_token_state_is_computed_never_parsed_back() -> None:
    from datetime import timedelta

    from zconnect_tui.model import Connection, Status, TokenState, now_utc

    now = now_utc()
    conn = Connection("d", "desk", "us", "1000.A", ["Desk.basic.READ"])
    assert conn.state(now) == TokenState.NOT_AUTHORIZED and not conn.ever_authorized
    conn.status, conn.token.access_token, conn.token.refresh_token = Status.AUTHORIZED, "a", "r"
    for minutes, state, key in ((41, TokenState.VALID, "valid"), (3, TokenState.EXPIRING, "valid"),
                                (-1, TokenState.EXPIRED, "expired")):
        conn.token.expires_at = now + timedelta(minutes=minutes)
        assert conn.state(now) == state and conn.token_state_key(now) == key
    conn.status = Status.NEEDS_REAUTH
    assert conn.state(now) == TokenState.NEEDS_REAUTH and conn.token_state(now) == "needs re-authorization"
    assert Connection("x", "desk", "us", "1000.A", [], status="revoked").status is Status.REVOKED
