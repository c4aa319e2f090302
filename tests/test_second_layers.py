"""The second layers (#18 item 8): what is shown or pasted is made safe where it is shown, not only where
it entered. Each function is called directly with hostile in-memory strings, the ones the first layer
(`text.clean` on the way in) would have stopped, and must neutralise them on its own:

- `zconnect api`'s terminal output of a `text/plain` body (through a pseudo-terminal);
- the table cells of `zconnect list` and of the TUI's connections table;
- the device panel's verification URL and user code;
- the shell quoting of `export` (`_word`, `_header`, the env lines).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import unicodedata
from pathlib import Path

import pytest
from api_lab import run_on_tty
from reliability.lab import Lab
from textual.app import App, ComposeResult
from textual.widgets import Static

from zconnect_tui.cli_io import IO
from zconnect_tui.cli_list import cmd_list
from zconnect_tui.datacenters import DataCenters
from zconnect_tui.exports import render as export
from zconnect_tui.exports.curl import _header, _word
from zconnect_tui.manager import Manager
from zconnect_tui.model import Connection, now_utc
from zconnect_tui.store import Store
from zconnect_tui.text import clean
from zconnect_tui.tui.connections_table import ConnectionsTable
from zconnect_tui.tui.device_panel import DevicePanel

OSC52 = "\x1b]52;c;ZXZpbA==\x07"
HOSTILE = {
    "csi": "clear\x1b[2J\x1b[31mred",
    "osc52": f"clip{OSC52}board",
    "title": "\x1b]0;pwned\x07title",
    "c1": "c1\x9b31m\x9d0;t\x9c\x85nel",
    "bidi": "evil\u202eefil.exe\u2066",
    "invisible": "Ac\u200bme\ufe0f\u034f\U000e0041\u3164",
    "breaks": "one\ntwo\rthree\tfour\u2028five\u2029six",
    "del": "bs\x08del\x7f",
    "surrogate": "lone\ud800",
    "markup": "[b]bold[/b] [@click=app.quit]quit[/]",
    "shell": "'; touch pwned; ' $(touch pwned) `touch pwned` \"q\" \\b",
}
"""What a hostile Zoho answer or a tampered file could carry, had it not been cleaned on the way in."""


def unsafe(text: str, allowed: str = "") -> list[str]:
    """The characters in `text` a terminal would obey or draw as nothing, by Unicode's categories (not
    by `text.clean`, the code under test): controls, format characters, surrogates, line and paragraph
    separators, variation selectors, the combining grapheme joiner, the Hangul fillers, tags."""
    return [repr(c) for c in text if c not in allowed and (
        unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")
        or "VARIATION SELECTOR" in unicodedata.name(c, "") or "FILLER" in unicodedata.name(c, "")
        or c == "\u034f" or 0xE0000 <= ord(c) <= 0xE0FFF)]


def hostile_connection(value: str) -> Connection:
    """A connection whose every free-text field carries `value` (as no file or answer could store)."""
    conn = Connection(f"n{value}", f"desk{value}", "us", f"1000.{value}", [f"Desk.basic.READ{value}"],
                      client_secret="s", redirect_uri=f"http://127.0.0.1:9000/callback{value}")
    conn.location, conn.org_id, conn.org_name, conn.user = f"us{value}", f"1{value}", f"Acme {value}", value
    return conn


# ----- zconnect api: a text/plain body on a terminal -----------------------------------------------
def test_a_hostile_text_body_on_a_terminal_is_shown_escaped(lab: Lab) -> None:
    body = f"subject: {OSC52} \x1b[2J \u009b31m \u202eevil \u200bzw\nnext line\n".encode() + b"raw C1 \x9b31m\n"
    lab.emu.queue_response("/api/v1/tickets", None, raw=body, content_type="text/plain; charset=utf-8")
    code, shown, err = run_on_tty(lab, "api", "desk", "/api/v1/tickets")  # stdout is a terminal
    assert code == 0 and err == "", err
    assert not unsafe(shown, allowed="\n"), unsafe(shown, allowed="\n")
    # Shown as escapes (only the terminal path writes them): it reads as Zoho sent it.
    for seen in ("\\u001b]52;c;ZXZpbA==\\u0007", "\\u001b[2J", "\\u009b31m", "\\u202eevil", "\\u200bzw"):
        assert seen in shown, (seen, shown)
    assert "next line" in shown and "raw C1 \ufffd31m" in shown  # invalid UTF-8 shows as U+FFFD


# ----- zconnect list -------------------------------------------------------------------------------
class Listing:
    """What cmd_list asks of the Manager."""

    def __init__(self, conns: list[Connection], path: Path) -> None:
        self.conns = conns
        self.path = path  # no file: no default connection

    def top_level(self, key: str) -> object:
        return None  # no default connection

    def listing(self) -> list[Connection]:
        return self.conns


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_zconnect_lists_cells_neutralise_hostile_strings(kind: str, capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    value = HOSTILE[kind]
    conns = [hostile_connection(value), Connection("plain", "crm", "eu", "1000.X", ["ZohoCRM.org.READ"])]
    assert cmd_list(Listing(conns, tmp_path / "none.toml"), argparse.Namespace(json=False, names=False), IO()) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 3, lines  # the header and one row each: a line break in a cell forges no row
    assert not unsafe(out, allowed="\n") and "\t" not in out, unsafe(out, allowed="\n")
    assert lines[2].startswith("plain  ") and f"Acme {clean(value)}" in lines[1]
    assert cmd_list(Listing(conns, tmp_path / "none.toml"), argparse.Namespace(json=True, names=False), IO()) == 0  # type: ignore[arg-type]
    assert not unsafe(capsys.readouterr().out, allowed="\n")


# ----- the TUI: the connections table and the device panel -----------------------------------------
class TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ConnectionsTable(id="connections")


async def test_the_tuis_table_cells_neutralise_hostile_strings() -> None:
    async with TableApp().run_test() as pilot:
        table = pilot.app.query_one(ConnectionsTable)
        for kind, value in HOSTILE.items():
            conn = hostile_connection(value)
            cells = table.cells(conn, now_utc())
            for cell in cells:
                assert not unsafe(cell.plain), (kind, cell.plain)
            org = cells[-1]
            assert org.plain == f"Acme {clean(value)}" and not org.spans  # markup stays text, unstyled
            table.show({conn.name: conn})
            shown = [str(c) for c in table.get_row(conn.name)]  # a long cell is cut with … to fit (#22)
            assert all(s.rstrip("…").startswith(c.plain.rstrip("…")) or c.plain.rstrip("…").startswith(s.rstrip("…"))
                       for s, c in zip(shown, cells, strict=True)), (shown, [c.plain for c in cells])
            assert not any(unsafe(s) for s in shown)


class PanelApp(App[None]):
    def __init__(self, config: Path) -> None:
        super().__init__()
        self.manager = Manager(Store(config))

    def compose(self) -> ComposeResult:
        yield DevicePanel(self.manager, id="device")


async def test_the_device_panels_url_and_code_neutralise_hostile_strings(tmp_path: Path) -> None:
    async with PanelApp(tmp_path / "c.toml").run_test() as pilot:
        panel = pilot.app.query_one(DevicePanel)
        for kind, value in HOSTILE.items():
            url = f"https://accounts.zoho.com/device?x={value}"
            panel._show_code(f"AB{value}", url)
            await pilot.pause()
            shown = str(panel.query_one("#device-url", Static).render())
            code = str(panel.query_one("#device-code", Static).render())
            # The URL may break only after a "/" (UrlText, #22): a line break of its own, not the value's.
            assert not unsafe(shown, allowed="\n") and not unsafe(code), (kind, shown, code)
            assert shown.replace("\n", "") == clean(url, limit=512)  # markup shown as text, not obeyed
            assert "[@click=app.quit]" in shown or kind != "markup"


# ----- export: the shell words ---------------------------------------------------------------------
def shell_words(line: str, cwd: Path) -> list[str]:
    """The words a real shell makes of `line`'s arguments (`printf` prints each, NUL-ended)."""
    done = subprocess.run(["sh", "-c", f"printf '%s\\0' {line}"], cwd=cwd, capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_the_export_quoting_neutralises_hostile_strings(kind: str, tmp_path: Path) -> None:
    value = HOSTILE[kind]
    word, header = _word(value), _header("orgId", value)
    assert not unsafe(word) and not unsafe(header), (word, header)
    assert shlex.split(word) == [clean(value)] and shlex.split(header) == ["-H", f"orgId: {clean(value)}"]
    assert shell_words(f"{word} {header}", tmp_path) == [clean(value), "-H", f"orgId: {clean(value)}"]
    assert _header("orgId", "60002000002") == '-H "orgId: 60002000002"'  # plain digits, as people write it

    conn, dcs = hostile_connection(value), DataCenters()
    conn.service, conn.location = "desk", ""  # a service zconnect knows; hosts from the trust rule
    curl = export("curl", Connection(**{**vars(conn), "name": "desk"}), dcs)  # (the curl line's own name: #18 item 1)
    for text in (export("env", conn, dcs), curl):
        assert not unsafe(text, allowed="\n"), (text, unsafe(text, allowed="\n"))
    env = export("env", conn, dcs).splitlines()
    assert all(line.startswith("export ZOHO_") for line in env)  # one line per variable, none forged
    kept = [line for line in env if "ZOHO_ACCESS_TOKEN" not in line]  # that one runs zconnect
    names = [line.split("=", 1)[0].removeprefix("export ") for line in kept]
    script = "\n".join(kept) + "\nprintf '%s\\0' " + " ".join(f'"${name}"' for name in names)
    done = subprocess.run(["sh", "-c", script], cwd=tmp_path, capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    values = dict(zip(names, done.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1], strict=True))
    assert values["ZOHO_ORG_ID"] == clean(f"1{value}") and values["ZOHO_CLIENT_ID"] == clean(f"1000.{value}")
    assert values["ZOHO_API_BASE"] == "https://desk.zoho.com"
    assert not (tmp_path / "pwned").exists()  # nothing in any value ran
