"""Issue #19 item 5: the CLI takes an IO object; dispatch lives in one place; help.py imports no screen."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from zconnect_tui import cli
from zconnect_tui.cli_io import IO

PACKAGE = Path(__file__).resolve().parent.parent / "zconnect_tui"


def streams(stdin: str = "", *, terminal: bool | None = None, columns: int | None = None) -> IO:
    return IO(stdin=io.StringIO(stdin), stdout=io.StringIO(), stderr=io.StringIO(), terminal=terminal,
              columns=columns)


def out(streams: IO) -> str:
    assert isinstance(streams.stdout, io.StringIO)
    return streams.stdout.getvalue()


def err(streams: IO) -> str:
    assert isinstance(streams.stderr, io.StringIO)
    return streams.stderr.getvalue()


def test_every_stream_is_the_io_objects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(tmp_path / "c.toml")
    s = streams()
    assert cli.main(["--config", config, "path"], io=s) == 0 and out(s) == config + "\n"
    s = streams()
    assert cli.main(["--config", config, "list"], io=s) == 0 and "No connections yet" in out(s)
    s = streams()
    assert cli.main(["--config", config, "show", "nope"], io=s) == 5 and err(s).startswith("zconnect: ")
    s = streams()
    with pytest.raises(SystemExit):
        cli.main(["list", "--jsn"], io=s)
    assert "unrecognized arguments" in err(s)  # argparse's error, through the Parser
    s = streams()
    with pytest.raises(SystemExit):
        cli.main(["--help"], io=s)
    assert "Connect to Zoho's APIs" in out(s)
    s = streams()
    assert cli.main(["lst"], io=s) == 2 and "did you mean list?" in err(s)
    assert capsys.readouterr() == ("", "")  # nothing went to the process's own streams


def test_stdin_and_terminal_come_from_the_io_object(tmp_path: Path) -> None:
    config = str(tmp_path / "c.toml")
    add = ["--config", config, "add", "d", "--service", "desk", "--dc", "us", "--client-id", "1000.ABC",
           "--scopes", "Desk.basic.READ", "--client-type", "self"]
    s = streams("the-secret\n")
    assert cli.main(add, io=s) == 0, err(s)
    s = streams("y\n", terminal=True)  # a terminal: remove asks, and reads the answer from io.stdin
    assert cli.main(["--config", config, "remove", "d"], io=s) == 0 and "[y/N] Removed d." in out(s)


def test_width_is_the_terminals_only() -> None:
    assert streams(terminal=False, columns=50).width() is None
    assert streams(terminal=True, columns=50).width() == 50
    bridged = streams()
    bridged.stdout_bytes.write("é".encode())
    assert out(bridged) == "é"


def test_dispatch_is_in_one_place() -> None:
    commands = (PACKAGE / "commands.py").read_text(encoding="utf-8")
    assert not re.search(r"from zconnect_tui(\.cli)? import (cli\b|COMMANDS)|zconnect_tui\.cli import", commands)
    assert "def dispatch(" in (PACKAGE / "cli.py").read_text(encoding="utf-8")


def test_help_imports_no_screen() -> None:
    text = (PACKAGE / "tui" / "screens" / "help.py").read_text(encoding="utf-8")
    imported = re.findall(r"from zconnect_tui\.tui\.screens\.(\w+) import", text)
    assert imported == ["dialog"], imported  # the Dialog base class only: each screen hands its own sections
