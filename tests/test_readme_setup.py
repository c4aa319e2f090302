"""The README's set-up and its first examples agree (#22, item 1): after the set-up, `zconnect` is a command.

The set-up used to install into .venv without putting it on PATH, and every example then called a bare
`zconnect`: "command not found", and `eval "$(zconnect export …)"` left its variables silently empty. Here
the README's own commands run in a fresh bash (a clean environment, HOME in tmp_path, no `zconnect` on
PATH): its set-up, then its first example, against the emulator. Stand-ins keep it offline and quick
(tests/readme_venv.py): `python3 -m venv` makes a real venv without pip, and its `pip install .` installs
this checkout into it as pip would; the activation, the PATH and the examples are the README's own.
`.ci/run` runs the same two commands for real, from scratch.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, DC, LOOPBACK, free_port
from inprocess import zconnect

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
README = (ROOT / "README.md").read_text()
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def setup_commands() -> list[str]:
    """The README's set-up: install and run, then install the test dependencies and run the tests."""
    section = README.split("\n## Set up\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in sh_blocks(section)][:2]


def test_the_setup_activates_the_venv_before_any_bare_command() -> None:
    install, tests = setup_commands()
    for command, tools in ((install, ("pip", "zconnect")), (tests, ("pip", "pytest"))):
        steps = [step.strip() for step in command.split("&&")]
        assert steps[0] == "python3 -m venv .venv", command
        assert ". .venv/bin/activate" in steps, f"{command!r} never activates the venv"
        activated = steps.index(". .venv/bin/activate")
        for tool in tools:  # called by name, as every example calls zconnect: after the activation only
            uses = [i for i, step in enumerate(steps) if step.split()[0] == tool]
            assert uses and min(uses) > activated, (tool, command)
    assert "set -euo pipefail" in README  # the advice that makes a missing zconnect stop a script


def test_ci_runs_exactly_the_readmes_two_commands() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    ran = [re.sub(r"^\{ |; \}.*$", "", line.strip()) for line in ci.splitlines()
           if line.strip().startswith(("python3 -m venv", "{ python3 -m venv"))]
    # Quieter, and `zconnect --version` for the TUI a CI has no person for; otherwise the README's words.
    ran = [line.replace(" --quiet", "").replace("&& zconnect --version", "&& zconnect") for line in ran]
    assert ran == setup_commands()
    assert "rm -rf .venv" in ci  # from scratch


@pytest.fixture
def desk(emulator, config_path: Path, browser) -> Path:
    """`desk`, the README's connection, authorized through the CLI as a user would; the file's path."""
    port = free_port()
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{port}/callback"])
    added = zconnect("add", "desk", "--service", "desk", "--dc", DC, "--client-id", CLIENT_ID, "--port", str(port),
                     stdin=CLIENT_SECRET + "\n")
    assert added.code == 0, added.err
    done = zconnect("authorize", "desk", "--timeout", "20")
    assert done.code == 0, done.err
    return config_path


def fresh_shell(tmp_path: Path, config: Path, script: str) -> subprocess.CompletedProcess[str]:
    """`script` in bash with a clean environment: HOME (holding `config` where zconnect looks by default),
    PATH with the system's directories and the `curl` stand-in only, in an empty working directory."""
    home, work, tools = tmp_path / "home", tmp_path / "work", tmp_path / "tools"
    (home / ".config" / "zconnect").mkdir(parents=True, mode=0o700)
    shutil.copy(config, home / ".config" / "zconnect" / "connections.toml")
    work.mkdir()
    tools.mkdir()
    curl = tools / "curl"
    curl.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{TESTS / "fake_curl.py"}" "$@"\n')
    curl.chmod(0o755)
    env = {"HOME": str(home), "PATH": f"{tools}:/usr/bin:/bin", "LANG": "C.UTF-8", "NO_PROXY": LOOPBACK,
           "no_proxy": LOOPBACK, "TMPDIR": os.environ["TMPDIR"]}
    return subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=120)


def test_the_readmes_setup_then_its_first_example_work_in_a_fresh_shell(desk: Path, tmp_path: Path,
                                                                         emulator) -> None:
    install = setup_commands()[0]  # it ends by opening the TUI, which needs a person: `--version` instead
    example = sh_blocks(README)[0]
    script = "\n".join([
        "set -euo pipefail",
        "if command -v zconnect; then echo 'zconnect is on PATH before the set-up' >&2; exit 99; fi",
        f'python3() {{ if [ "$1 $2" = "-m venv" ]; then "{sys.executable}" "{TESTS / "readme_venv.py"}" venv "$3"; '
        f'else "{BASE_PYTHON}" "$@"; fi; }}',
        install + " --version",
        example,
    ])
    done = fresh_shell(tmp_path, desk, script)
    assert done.returncode == 0, done.stderr
    version, body = done.stdout.split("\n", 1)
    assert version.startswith("zconnect ")
    tickets = json.loads(body)
    assert tickets["data"] and {t["orgId"] for t in tickets["data"]} == {"60002000002"}, tickets
    assert emulator.requests_to("/api/v1/tickets")[-1].headers.get("orgid") == "60002000002"


def test_without_the_setup_the_first_example_stops_loudly_under_set_euo_pipefail(desk: Path, tmp_path: Path,
                                                                                  emulator) -> None:
    """What the README advises for scripts: a missing zconnect stops the script, not a call with empty values."""
    done = fresh_shell(tmp_path, desk, "set -euo pipefail\n" + sh_blocks(README)[0])
    assert done.returncode != 0
    assert "zconnect: command not found" in done.stderr, done.stderr
    assert emulator.requests_to("/api/v1/tickets") == []
