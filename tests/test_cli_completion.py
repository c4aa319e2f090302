"""`zconnect completion bash|zsh|fish` (#22, item 10): scripts that parse in their shell and complete command
names, flags, flag choices and connection names (from `zconnect list --names`, which loads neither Textual nor
httpx)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from inprocess import zconnect

from zconnect_tui import exports
from zconnect_tui.completion import script


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """`zconnect` (this checkout) on PATH, and a file with three connections."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "zconnect"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m zconnect_tui "$@"\n')
    wrapper.chmod(0o755)
    for name, dc in (("desk", "us"), ("desk-eu", "eu"), ("crm", "eu")):
        added = zconnect("add", name, "--service", "desk", "--dc", dc, "--client-id", "1000.A", stdin="s3cret\n")
        assert added.code == 0, added.err
    return {"PATH": f"{bin_dir}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path),
            "ZCONNECT_CONFIG": os.environ["ZCONNECT_CONFIG"], "PYTHONPATH": os.pathsep.join(sys.path)}


def bash_complete(env: dict[str, str], *lines: str) -> list[str]:
    """What the bash script offers for each partial command line (the last word is the one being completed)."""
    probe = ['eval "$(zconnect completion bash)"',
             't() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _zconnect; echo "${COMPREPLY[*]}"; }']
    for line in lines:
        probe.append(f"t {line}")
    done = subprocess.run(["bash", "-c", "\n".join(probe)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return done.stdout.splitlines()


def test_bash_completes_commands_flags_choices_and_connection_names(shell_env: dict[str, str]) -> None:
    got = bash_complete(shell_env,
                        "zconnect to",                    # a command
                        "zconnect token ''",              # a connection, from `zconnect list --names`
                        "zconnect show de",
                        "zconnect export --format ''",    # a flag's choices
                        "zconnect export desk --f",       # a command's flags
                        "zconnect api -X POST ''",        # NAME after a flag and its value
                        "zconnect api desk ''",           # PATH: nothing to offer
                        "zconnect add ''",                # a new name: nothing to offer
                        "zconnect completion ''",
                        "zconnect --config /nowhere show ''")  # the file typed on the line is the one read
    assert got == ["token", "crm desk desk-eu", "desk desk-eu", " ".join(exports.keys()), "--format",
                   "crm desk desk-eu", "", "", "bash zsh fish", ""]


def test_the_scripts_parse_in_each_shell_here_and_fish_and_zsh_complete_names(shell_env: dict[str, str],
                                                                              tmp_path: Path) -> None:
    """bash always (it runs the test suite); zsh and fish where they are installed."""
    for shell, check in (("bash", ["bash", "-n"]), ("zsh", ["zsh", "-n"]), ("fish", ["fish", "--no-execute"])):
        if shell != "bash" and shutil.which(shell) is None:
            continue
        path = tmp_path / f"zconnect.{shell}"
        path.write_text(script(shell))
        done = subprocess.run([*check, str(path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, (shell, done.stderr)
    if shutil.which("fish"):
        done = subprocess.run(["fish", "--no-config", "-c", 'zconnect completion fish | source; '
                               'complete -C "zconnect token "; echo ---; complete -C "zconnect expo"'],
                              capture_output=True, text=True, env=shell_env, timeout=60)
        assert done.stdout.split("---\n")[0].split() == ["crm", "desk", "desk-eu"], done.stderr
        assert done.stdout.split("---\n")[1].startswith("export\t"), done.stdout
    if shutil.which("zsh"):  # the completion system's builtins stood in for: what _zconnect hands them
        stubs = ("compdef() { : }; compadd() { [[ $1 == -- ]] && shift; print -r -- \"$*\" }; "
                 "_describe() { print -r -- \"${(j: :)${(@)${(P)4}%%:*}}\" }; ")
        cases = "".join(f"words=({line}); CURRENT=$#words; _zconnect; print -- --; "
                        for line in ("zconnect token ''", "zconnect ''", "zconnect api desk ''"))
        done = subprocess.run(["zsh", "-f", "-c", stubs + 'eval "$(zconnect completion zsh)"; ' + cases],
                              capture_output=True, text=True, env=shell_env, timeout=60)
        names, commands, path, _ = done.stdout.split("--\n")
        assert names == "crm desk desk-eu\n" and commands.startswith("new list use show"), done
        assert path == ""  # api's PATH: nothing offered


def test_completion_and_names_load_neither_textual_nor_httpx(tmp_path: Path) -> None:
    code = ("import sys; from zconnect_tui.cli import main; "
            "[main(['--config', sys.argv[1], *a.split()]) for a in ('completion bash', 'completion zsh', "
            "'completion fish', 'list --names')]; "
            "print([m for m in ('textual', 'httpx') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "c.toml")], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.splitlines()[-1] == "[]", done.stderr
