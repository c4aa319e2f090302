"""#11's fast paths under #8's file rules: the `token` slice keeps the owner, mode and control-character
checks, and the list index (`connections.toml.index.json`) is 0600, atomic, never followed through a
symlink, beside a symlinked connections.toml, free of secrets, and cleaned when read."""

from __future__ import annotations

import json
import os
import re
import stat
import tomllib
from pathlib import Path

import pytest
from inprocess import zconnect
from reliability.lab import one_line
from test_scale import write_many

from zconnect_tui import fastpath
from zconnect_tui.listing import digest, index_path
from zconnect_tui.store import Store

CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# ----- the token fast path: the slice, with #8's checks ------------------------------------------
def test_the_sliced_token_path_keeps_the_owner_mode_and_control_character_checks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = write_many(tmp_path / "cfg" / "c.toml", 1000)
    parsed: list[int] = []
    real_loads = tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text: parsed.append(len(text)) or real_loads(text))
    assert fastpath.cached_token(str(store.path), "conn0500") == "1000.access.conn0500"
    assert max(parsed) < store.path.stat().st_size / 100  # still a slice, not the whole file

    os.chmod(store.path, 0o640)  # loosened: the full CLI warns, then answers
    assert fastpath.cached_token(str(store.path), "conn0500") is None
    os.chmod(store.path, 0o600)
    owner = os.geteuid()
    with monkeypatch.context() as other:
        other.setattr(os, "geteuid", lambda: owner + 1)  # as another local user would run it
        assert fastpath.cached_token(str(store.path), "conn0500") is None

    text = store.path.read_text()
    store.path.write_text(text.replace('access_token = "1000.access.conn0500"',
                                       'access_token = "1000.access\\u001b]52;c;AA\\u0007"'))
    assert fastpath.cached_token(str(store.path), "conn0500") is None
    monkeypatch.undo()
    run = zconnect("--config", str(store.path), "token", "conn0500")  # the full CLI takes over
    assert run.code == 1 and "contains control characters" in one_line(run.err) and "\x1b" not in run.out + run.err
    # Another connection's token still comes from its own slice (the rest of the file is not validated there).
    assert zconnect("--config", str(store.path), "token", "conn0502").out == "1000.access.conn0502\n"


def test_a_loosened_file_at_scale_warns_and_still_answers(tmp_path: Path) -> None:
    store = write_many(tmp_path / "cfg" / "c.toml", 1000)
    os.chmod(store.path, 0o644)
    run = zconnect("--config", str(store.path), "token", "conn0002")
    assert run.code == 0 and run.out == "1000.access.conn0002\n"
    assert "readable by others" in run.err and "chmod 600" in run.err


# ----- the list index ---------------------------------------------------------------------------
def forge_index(store: Store, rows: list[dict]) -> None:
    """An index that matches the file's hash (as another process of the same user could write it)."""
    payload = {"format": 1, "sha256": digest(store.path.read_bytes()), "connections": rows}
    index_path(store.path).write_text(json.dumps(payload))


def row(name: str, **kw: object) -> dict:
    return {"name": name, "service": "desk", "dc": "us", "location": "", "org_id": "", "org_name": "Org",
            "user": "", "status": "authorized", "expires_at": None, "access": True, "refresh": True, **kw}


def test_index_values_are_cleaned_and_typed_when_read(tmp_path: Path) -> None:
    store = write_many(tmp_path / "cfg" / "c.toml", 3)
    forge_index(store, [row("conn0000", org_name="Acme\x1b]52;c;ZWNobw==\x07\nconn9999  desk  us  fake\u202e",
                            user="u\x9b2J"), row("conn0001"), row("conn0002")])
    listed = zconnect("--config", str(store.path), "list")
    assert listed.code == 0 and "Acme]52;c;ZWNobw==" in listed.out and not CONTROL.search(listed.out)
    assert len(listed.out.splitlines()) == 4  # a header and one line per connection: no forged row

    forge_index(store, [row("conn0000", org_name=5), row("conn0001"), row("conn0002")])  # a wrong type
    assert "Org conn0000" in zconnect("--config", str(store.path), "list").out  # the file, parsed again
    for bad in (row("../x"), row("conn0000", status="pwned"), row("conn0000", expires_at="2030-01-01T00:00:00")):
        forge_index(store, [bad, row("conn0001"), row("conn0002")])
        assert [r["org_name"] for r in json.loads(zconnect("--config", str(store.path), "list", "--json").out)] \
            == ["Org conn0000", "Org conn0001", "Org conn0002"], bad


def test_a_symlinked_index_is_not_followed(tmp_path: Path) -> None:
    store = write_many(tmp_path / "cfg" / "c.toml", 2)
    index = index_path(store.path)
    planted = tmp_path / "planted.json"
    planted.write_text(json.dumps({"format": 1, "sha256": digest(store.path.read_bytes()),
                                   "connections": [row("conn0000", org_name="PLANTED"), row("conn0001")]}))
    index.unlink()
    index.symlink_to(planted)
    listed = zconnect("--config", str(store.path), "list")
    assert listed.code == 0 and "PLANTED" not in listed.out and "Org conn0000" in listed.out
    assert not index.is_symlink() and stat.S_IMODE(index.stat().st_mode) == 0o600  # replaced, not written through
    assert "PLANTED" in planted.read_text()


def test_a_symlinked_connections_file_keeps_its_link_and_gets_its_index_beside_the_link(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = write_many(dotfiles / "connections.toml", 2).path
    os.unlink(index_path(real))
    link = tmp_path / "cfg" / "connections.toml"
    link.parent.mkdir(mode=0o700)
    link.symlink_to(real)
    store = Store(link)
    store.update("conn0000", lambda c: setattr(c, "org_name", "Renamed"))
    assert link.is_symlink() and "Renamed" in real.read_text()
    index = index_path(link)
    assert index.is_file() and not index.is_symlink() and stat.S_IMODE(index.stat().st_mode) == 0o600
    assert not index_path(real).exists() and not list(dotfiles.glob(".*"))  # nothing new in the dotfiles
    text = index.read_text()
    assert "Renamed" in text and "secret-" not in text and "1000.access" not in text and "1000.refresh" not in text
    assert [c.org_name for c in store.listing()] == ["Renamed", "Org conn0001"]


def test_index_writes_are_atomic_and_leave_no_temp_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = write_many(tmp_path / "cfg" / "c.toml", 2)
    before = index_path(store.path).read_bytes()
    real_replace = os.replace

    def crash(src: str, dst: str) -> None:
        if str(dst).endswith(".index.json"):
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    store.update("conn0000", lambda c: setattr(c, "org_name", "Changed"))  # the file is written; the index not
    monkeypatch.undo()
    assert index_path(store.path).read_bytes() == before  # the old index whole, never a torn one
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["c.toml", "c.toml.index.json", "c.toml.lock"]
    assert [c.org_name for c in store.listing()][0] == "Changed"  # stale by hash: parsed, and rewritten
    assert json.loads(index_path(store.path).read_text())["connections"][0]["org_name"] == "Changed"
