"""The CLI at 1,000 connections: the `token` fast path parses only its connection's tables, `list`
reads an index checked against the file's hash, and `list`, `show`, `path` import no httpx."""

from __future__ import annotations

import json
import random
import stat
import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest
from factories import authorized_connection

from zconnect_tui import fastpath
from zconnect_tui.listing import index_path
from zconnect_tui.model import Connection
from zconnect_tui.saved import SavedApi
from zconnect_tui.store import Snapshot, Store


def make_conn(name: str, hours: float = 1.0) -> Connection:
    """An authorized connection whose client, secret, tokens and organisation all carry its name."""
    return authorized_connection(name, client_id=f"1000.{name.upper()}", client_secret=f"secret-{name}",
                                 org_name=f"Org {name}", access_token=f"1000.access.{name}",
                                 refresh_token=f"1000.refresh.{name}", valid_for=timedelta(hours=hours))


def write_many(path: Path, count: int) -> Store:
    """A connections file of `count` connections, written as zconnect writes it (one transaction)."""
    store = Store(path)

    def fill(snap: Snapshot) -> None:
        for i in range(count):
            conn = make_conn(f"conn{i:04d}", hours=1 if i % 3 else -1)
            if i % 7 == 0:
                conn.apis["tickets"] = SavedApi("GET", "/api/v1/tickets", {"limit": 5})
            snap.connections[conn.name] = conn
        snap.data_centers["lab"] = {"accounts": "http://127.0.0.1:9", "api": "http://127.0.0.1:9"}

    store.transaction(fill)
    return store


# ----- the token fast path: a slice of the file, never a different answer -----------------------
def full_parse(data: bytes, name: str) -> dict | None:
    """What a full parse says about connection `name` (None when the whole file would be refused)."""
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    if doc.get("version", 1) != 1:
        return None
    conns = doc.get("connections")
    conn = conns.get(name) if isinstance(conns, dict) else None
    return conn if isinstance(conn, dict) else None


BASE = """version = 1

[data_centers.lab]
accounts = "http://127.0.0.1:9000"
api = "http://127.0.0.1:9000"

[connections.des]
service = "desk"
status = "authorized"

[connections.desk]
service = "desk"
dc = "us"
status = "authorized"
scopes = [
    "Desk.basic.READ",
]

[connections.desk.token]
access_token = "1000.right"
expires_at = 2099-01-01T00:00:00Z

[connections.desk.apis.tickets]
method = "GET"
path = "/api/v1/tickets"

[connections.desk2]
service = "crm"

[connections.desk2.token]
access_token = "1000.wrong"
"""

MUTATIONS: list[tuple[str, str]] = [
    ("[connections.desk]\n", "[ connections . desk ]  # spaced\n"),
    ("[connections.desk]\n", '[connections."desk"]\n'),
    ("[connections.desk.token]\n", "['connections'.desk.token]\n"),
    ("version = 1\n", 'version = 1\nconnections.desk.status = "revoked"\n'),
    ("version = 1\n", "version = 2\n"),
    ("version = 1\n", 'version = 1\nnote = """\n[connections.desk.token]\naccess_token = "1000.hidden"\n"""\n'),
    ("[connections.desk2]\n", "[connections]\n[connections.desk2]\n"),
    ("[connections.desk2]\n", '[[connections.list]]\nx = 1\n[connections.desk2]\n'),
    ('    "Desk.basic.READ",\n', '    "Desk.basic.READ",\n    ["nested"],\n'),
    ("[connections.desk.token]\n", "[connections.desk.token]\n[connections.desk.token]\n"),
    ('access_token = "1000.right"\n', 'access_token = "1000.right"\n[connections.desk]\nx = 1\n'),
    ("[connections.desk.apis.tickets]\n", "[connections.desk.token.more]\n"),
    ('status = "authorized"\nscopes', 'status = "authorized"\ntoken.access_token = "1000.dotted"\nscopes'),
    ("\n", "\r\n"),
    ("[connections.desk2]\n", "[connections.desk2] # [connections.desk]\n"),
    ('service = "crm"\n', 'service = "crm"\nname = "[connections.desk]"\n'),
    ("[data_centers.lab]\n", "[data_centers.lab]\nconnections = 1\n"),
    ("[connections.desk.token]\n", "[connections.desk.token]\n# [connections.desk2]\n"),
    ('access_token = "1000.right"\n', 'access_token = "1000.right"\nbad = \n'),
    ("[connections.desk2.token]\n", "[connections.desk2.token]\n[connections.desk.token2]\n"),
    ("[connections.desk.token]\n", '[connections."desk".token]\n'),
    ("[connections.desk.apis.tickets]\n", "[connections.'desk'.apis.tickets]\n"),
]

# Files where a slice could read differently from a full parse: the fast path must give up on each.
TRICKY = {
    "token hidden in a multi-line string": BASE.replace('[connections.desk.token]\naccess_token = "1000.right"\n'
                                                        'expires_at = 2099-01-01T00:00:00Z\n', "")
    + 'note = """\n[connections.desk.token]\naccess_token = "1000.hidden"\n[x]\n"""\n',
    "token table under a quoted key": BASE.replace("[connections.desk.token]", '[connections."desk".token]'),
    "a [connections] table": BASE.replace("[connections.desk2]\n",
                                           '[connections]\ndesk3 = { status = "x" }\n[connections.desk2]\n'),
}


@pytest.mark.parametrize("case", sorted(TRICKY))
def test_fast_path_gives_up_where_a_slice_could_mislead(case: str) -> None:
    data = TRICKY[case].encode()
    tomllib.loads(data.decode())  # each is a valid file
    assert fastpath.connection_table(data, "desk") is None


def test_fast_path_reads_zconnects_own_file() -> None:
    assert fastpath.connection_table(BASE.encode(), "desk") == full_parse(BASE.encode(), "desk")
    assert fastpath.connection_table(BASE.encode(), "desk")["token"]["access_token"] == "1000.right"
    assert fastpath.connection_table(BASE.encode(), "nosuch") is None


def test_fast_path_never_disagrees_with_a_full_parse_on_hand_edited_files() -> None:
    """Fuzz: random combinations of hand edits; the slice either matches the full parse or gives up."""
    rng = random.Random(1234)
    answered = 0
    for round_ in range(600):
        text = BASE
        for old, new in rng.sample(MUTATIONS, rng.randint(1, 3)):
            text = text.replace(old, new, rng.choice((1, -1)) if round_ % 2 else -1)
        data = text.encode()
        try:
            tomllib.loads(text)
            whole_file_parses = True
        except tomllib.TOMLDecodeError:
            whole_file_parses = False  # then only NAME's own tables are vouched for (see fastpath)
        for name in ("desk", "des", "desk2"):
            fast = fastpath.connection_table(data, name)
            if fast is not None and whole_file_parses:
                answered += 1
                assert fast == full_parse(data, name), (name, text)
    assert answered > 300  # the fast path still answers for most harmless edits


def test_token_at_1000_connections_answers_from_the_slice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = write_many(tmp_path / "c.toml", 1000)
    data = store.path.read_bytes()
    whole = tomllib.loads(data.decode())
    parsed: list[int] = []
    real_loads = tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text: parsed.append(len(text)) or real_loads(text))
    for name in ("conn0001", "conn0502", "conn0998"):  # tokens valid for an hour (every third one expired)
        assert fastpath.connection_table(data, name) == whole["connections"][name]
        assert fastpath.cached_token(str(store.path), name) == whole["connections"][name]["token"]["access_token"]
    assert parsed and max(parsed) < len(data) / 100  # slices, never the whole 1,000-connection file
    monkeypatch.undo()
    out = subprocess.run([sys.executable, "-m", "zconnect_tui", "--config", str(store.path), "token", "conn0500"],
                         capture_output=True, text=True, check=True)
    assert out.stdout == "1000.access.conn0500\n"


# ----- the list index ---------------------------------------------------------------------------
def test_list_uses_the_index_only_while_it_matches_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = write_many(tmp_path / "c.toml", 50)
    index = index_path(store.path)
    assert stat.S_IMODE(index.stat().st_mode) == 0o600
    text = index.read_text()
    assert "secret-" not in text and "1000.access" not in text and "1000.refresh" not in text
    parsed = {c.name: (c.token_state(), c.org_name) for c in store.load().connections.values()}

    def no_parse(self: Store, raw: bytes) -> Snapshot:
        raise AssertionError("parsed although the index matched")

    with monkeypatch.context() as patch:
        patch.setattr(Store, "_parse", no_parse)
        listed = {c.name: (c.token_state(), c.org_name) for c in store.listing()}
    assert listed == parsed

    # A hand edit changes the hash: the index is ignored, the file parsed, the index rewritten.
    store.path.write_text(store.path.read_text().replace('org_name = "Org conn0003"', 'org_name = "Edited"'))
    assert {c.name: c.org_name for c in store.listing()}["conn0003"] == "Edited"
    assert json.loads(index.read_text())["connections"][3]["org_name"] == "Edited"
    index.write_text("{not json")
    assert len(store.listing()) == 50


def test_list_at_1000_connections_matches_a_full_parse(tmp_path: Path) -> None:
    store = write_many(tmp_path / "c.toml", 1000)
    env_args = [sys.executable, "-m", "zconnect_tui", "--config", str(store.path)]
    rows = json.loads(subprocess.run([*env_args, "list", "--json"], capture_output=True, text=True,
                                     check=True).stdout)
    index_path(store.path).unlink()  # the same command without the index: a full parse
    again = json.loads(subprocess.run([*env_args, "list", "--json"], capture_output=True, text=True,
                                      check=True).stdout)
    for row in rows + again:
        assert row.pop("state_text").startswith(("valid", "expired"))  # minutes may tick between the runs
    assert rows == again and len(rows) == 1000
    assert {r["state"] for r in rows} == {"valid", "expired"}


# ----- imports ----------------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["list"], ["list", "--json"], ["show", "d"], ["show", "d", "--json"], ["path"]])
def test_list_show_and_path_import_no_httpx(tmp_path: Path, command: list[str]) -> None:
    store = Store(tmp_path / "c.toml")
    store.save_connection(make_conn("d"))
    code = ("import sys; from zconnect_tui.cli import main; rc = main(['--config', sys.argv[1], *sys.argv[2:]]); "
            "print('LOADED', [m for m in ('httpx', 'textual', 'asyncio') if m in sys.modules]); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code, str(store.path), *command], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "LOADED []"
