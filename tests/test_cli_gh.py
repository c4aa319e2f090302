"""What gh users expect of the CLI (#22, item 10): a default connection (`zconnect use`, ZCONNECT_CONNECTION),
"did you mean", help on every flag, `api -i` on stdout and `api --jq`."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tomllib
from pathlib import Path

from api_lab import run_bytes, run_on_tty
from inprocess import zconnect
from reliability.lab import PYTHON, Lab, one_line

from zconnect_tui.cli import build_parser


def token_of(lab: Lab, name: str) -> str:
    return lab.store.load().get(name).token.access_token


FAST = ("import sys; from zconnect_tui.cli import main; rc = main(sys.argv[1:]); "
        "print('SLOW' if 'argparse' in sys.modules or 'httpx' in sys.modules else 'FAST'); sys.exit(rc)")


def fast_token(lab: Lab, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """`zconnect ARGS` in a process: its stdout lines, the last saying whether the fast path answered."""
    done = subprocess.run([PYTHON, "-c", FAST, *args], capture_output=True, text=True, env=lab.env(**(env or {})),
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


# ----- a default connection ---------------------------------------------------------------------------
def test_use_sets_a_default_that_token_list_and_every_named_command_follow(lab: Lab) -> None:
    env = {"ZCONNECT_CONFIG": str(lab.config)}
    no_default = zconnect("token", env=env)
    assert no_default.code == 2 and "zconnect use NAME" in one_line(no_default.err)
    used = zconnect("use", "crm", env=env)
    assert used.code == 0 and "crm is the default connection" in used.out, used.err
    assert tomllib.loads(lab.config.read_text())["default"] == "crm"  # top-level, as the README says
    assert zconnect("use", env=env).out == "crm (set with `zconnect use`)\n"
    # The fast path answers `token` alone, without argparse or httpx, as it answers `token crm`.
    assert fast_token(lab, "token") == [token_of(lab, "crm"), "FAST"]
    listed = zconnect("list", env=env).out.splitlines()
    assert [line[:2] for line in listed] == ["  ", "  ", "* ", "  "] and listed[2].startswith("* crm "), listed
    rows = json.loads(zconnect("list", "--json", env=env).out)
    assert {r["name"]: r["default"] for r in rows} == {"books": False, "crm": True, "desk": False}
    shown = zconnect("show", "--json", env=env)
    assert shown.code == 0 and json.loads(shown.out)["name"] == "crm"
    # A NAME given wins; so does ZCONNECT_CONNECTION over the file, for the fast path and the rest.
    assert fast_token(lab, "token", "desk") == [token_of(lab, "desk"), "FAST"]
    assert fast_token(lab, "token", env={"ZCONNECT_CONNECTION": "books"}) == [token_of(lab, "books"), "FAST"]
    assert zconnect("list", env={**env, "ZCONNECT_CONNECTION": "books"}).out.splitlines()[1].startswith("* books ")
    # `use --clear` forgets it; the file keeps everything else.
    assert zconnect("use", "--clear", env=env).code == 0
    assert "default" not in tomllib.loads(lab.config.read_text()) and zconnect("token", env=env).code == 2


def test_the_default_reaches_api_exec_and_a_refreshing_token(lab: Lab) -> None:
    lab.add("old", service="desk", expired=True)
    expired = token_of(lab, "old")
    assert lab.cli("use", "desk").code == 0
    # `api` without NAME, with a flag before PATH (argparse alone would take PATH for NAME).
    for args in (("api", "/api/v1/tickets", "-f", "limit=1"), ("api", "-f", "limit=1", "/api/v1/tickets"),
                 ("api", "desk", "-f", "limit=1", "/api/v1/tickets")):
        done = run_bytes(lab, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert len(json.loads(done.stdout)["data"]) == 1
    ran = lab.cli("exec", "--", "sh", "-c", 'echo "$ZOHO_CONNECTION"')
    assert ran.code == 0 and ran.out == "desk\n", ran.err
    # An expiring token goes through the full CLI (refresh under the lock), which resolves the default alike.
    refreshed = lab.cli("token", env={"ZCONNECT_CONNECTION": "old"})
    assert refreshed.code == 0 and refreshed.out.strip() == token_of(lab, "old") != expired


def test_a_default_that_is_gone_or_wrong_is_one_line_and_remove_always_needs_its_name(lab: Lab) -> None:
    env = {"ZCONNECT_CONFIG": str(lab.config)}
    before = lab.config.read_bytes()
    unknown = zconnect("use", "nope", env=env)
    assert unknown.code == 5 and lab.config.read_bytes() == before
    ghost = zconnect("show", env={**env, "ZCONNECT_CONNECTION": "ghost"})
    assert ghost.code == 5 and "'ghost' (from ZCONNECT_CONNECTION) does not exist" in one_line(ghost.err)
    assert zconnect("use", "desk", env=env).code == 0
    kept = zconnect("remove", "--yes", env=env)  # a script's empty "$NAME" must not remove the default
    assert kept.code == 2 and "desk" in lab.store.load().connections
    assert zconnect("remove", "desk", "--yes", env=env).code == 0
    gone = zconnect("token", env=env)
    assert gone.code == 5 and "'desk' (set with `zconnect use`) does not exist" in one_line(gone.err)
    lab.config.write_text(lab.config.read_text().replace('default = "desk"', "default = 42"))
    wrong = zconnect("token", env=env)
    assert wrong.code == 1 and "default = 42 is not a connection name" in one_line(wrong.err)


def test_list_still_reads_only_its_index_when_no_default_is_set(lab: Lab) -> None:
    """Looking for a default costs `list` no TOML parse (at 1,000 connections the index is what keeps it fast)."""
    assert lab.cli("list").code == 0  # writes the index
    code = "import sys; from zconnect_tui.cli import main; main(['list']); print('tomllib' in sys.modules)"
    done = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=lab.env(), timeout=60)
    assert done.stdout.splitlines()[-1] == "False", done.stderr


# ----- did you mean -----------------------------------------------------------------------------------
def test_a_mistyped_command_suggests_the_nearest_one(config_path: Path) -> None:
    typo = zconnect("lst")
    assert (typo.code, typo.out, typo.err) == (
        2, "", "zconnect: 'lst' is not a zconnect command; did you mean list? See `zconnect --help`.\n")
    assert "did you mean token?" in one_line(zconnect("--config", str(config_path), "tokn", "desk").err)
    far = zconnect("frobnicate")
    assert far.code == 2 and one_line(far.err).endswith("'frobnicate' is not a zconnect command. See `zconnect "
                                                        "--help`.")


# ----- help on every flag -----------------------------------------------------------------------------
def test_every_flag_and_argument_has_help() -> None:
    missing = []

    def walk(parser: argparse.ArgumentParser, where: str) -> None:
        for action in parser._actions:
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{where} {'/'.join(action.option_strings) or action.dest}")
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    if not choice.help:
                        missing.append(f"{where} {choice.dest}")
                for name, sub in action.choices.items():
                    walk(sub, f"{where} {name}")

    walk(build_parser(), "zconnect")
    assert missing == []
    api = zconnect("api", "--help").out
    assert "--preview" in " ".join(api.split())  # -p is --param here, not gh's --preview: said where it is used


# ----- api -i and --jq --------------------------------------------------------------------------------
def test_jq_selects_from_the_answer_as_gh_api_jq_does(lab: Lab) -> None:
    strings = run_bytes(lab, "api", "desk", "/api/v1/tickets", "-f", "limit=2", "--jq", ".data[].subject")
    assert (strings.returncode, strings.stdout, strings.stderr) == (0, b"Printer on fire #1\nPrinter on fire #2\n",
                                                                    b"")
    values = run_bytes(lab, "api", "desk", "/api/v1/tickets", "-f", "limit=2", "-q", ".data[] | {ticketNumber}")
    assert values.stdout == b'{"ticketNumber":"101"}\n{"ticketNumber":"102"}\n', values.stderr
    pages = run_bytes(lab, "api", "desk", "/api/v1/tickets", "--paginate", "--jq", ".data | length")
    assert pages.returncode == 0 and pages.stdout == b"100\n20\n", pages.stderr  # each page, as gh does
    with_head = run_bytes(lab, "api", "desk", "/api/v1/tickets", "-f", "limit=1", "-i", "--jq", ".data[0].id")
    assert re.fullmatch(rb"HTTP/1\.1 200 OK\n.*\n\n\d+\n", with_head.stdout, re.S), with_head.stdout


def test_jq_refuses_a_bad_expression_before_any_call_and_names_the_extra_when_missing(lab: Lab,
                                                                                     tmp_path: Path) -> None:
    calls = len(lab.emu.requests_to("/api/v1/tickets"))
    bad = lab.cli("api", "desk", "/api/v1/tickets", "--jq", ".data[")
    assert bad.code == 2 and "--jq:" in one_line(bad.err) and bad.out == ""
    runtime = lab.cli("api", "desk", "/api/v1/tickets", "--jq", ".data.nope")
    assert runtime.code == 1 and "Cannot index array" in one_line(runtime.err)
    assert len(lab.emu.requests_to("/api/v1/tickets")) == calls + 1  # only the call that ran
    no_jq = tmp_path / "no_jq" / "jq"
    no_jq.mkdir(parents=True)
    (no_jq / "__init__.py").write_text("raise ImportError('jq is not installed')\n")
    missing = lab.cli("api", "desk", "/api/v1/tickets", "--jq", ".data", env={"PYTHONPATH": str(no_jq.parent)})
    assert missing.code == 2 and "pip install 'zconnect-tui[jq]'" in one_line(missing.err)


def test_jq_output_on_a_terminal_shows_zohos_control_characters_as_escapes(lab: Lab) -> None:
    lab.emu.queue_response("/api/v1/tickets", None, raw=b'{"subject": "a\\u001b]52;c;eA==\\u0007b \\u202eevil"}')
    code, shown, err = run_on_tty(lab, "api", "desk", "/api/v1/tickets", "--jq", ".subject")
    assert code == 0 and err == "", err
    assert shown == "a\\u001b]52;c;eA==\\u0007b \\u202eevil\n", repr(shown)
