"""A summary of the connections file for `zconnect list`, kept beside it.

tomllib needs about half a second for a file of 1,000 connections, while `list` needs a dozen
fields of each. So every write (under the lock, after the rename) also writes
`connections.toml.index.json`: those fields plus the SHA-256 of the exact TOML bytes they came
from. `list` reads the TOML file, hashes it and uses the index only when the hashes match; a
hand edit, an older zconnect, or a crash between the two renames costs one full parse, which
writes the index again. The index holds no secret (only whether a token is there), mode 0600.

File rules (as for connections.toml, store.py): mode 0600 from creation (mkstemp), written to a
temp file in the same directory and renamed (atomic; no fsync: a torn index only fails its hash
and costs a parse), read without following a symlink. It sits beside the path zconnect was
given, so a symlinked connections.toml (dotfiles) stays a link and its target's directory gets
nothing new. Its values are typed and cleaned (text.clean) when read, as the file's are: it is
outside input too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from zconnect_tui import safejson
from zconnect_tui.model import NAME_RE, STATUSES, Connection, Status, TokenSet
from zconnect_tui.text import clean

INDEX_FORMAT = 1
FIELDS = ("service", "dc", "location", "org_id", "org_name", "user", "status")
MAX_INDEX_BYTES = 64 * 1024 * 1024
"""Read no more than this (about 200,000 connections): a larger index is not one zconnect wrote."""
PRESENT = "(stored)"
"""Stands in for a token in a listed Connection: `list` needs to know a token is there, not its value."""


def index_path(path: Path) -> Path:
    return path.with_name(path.name + ".index.json")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _row(conn: Connection) -> dict[str, Any]:
    row: dict[str, Any] = {"name": conn.name, **{k: getattr(conn, k) for k in FIELDS}}
    row["expires_at"] = conn.token.expires_at.isoformat() if conn.token.expires_at else None
    row["access"], row["refresh"] = bool(conn.token.access_token), bool(conn.token.refresh_token)
    return row


def write_index(path: Path, data: bytes, connections: list[Connection]) -> None:
    """Write the index for the TOML bytes `data` (best effort: a failure only costs a parse later).

    `list` writes it without the file lock: a writer that lands meanwhile makes this index stale
    by hash, and the next `list` parses once and writes it again.
    """
    payload = json.dumps({"format": INDEX_FORMAT, "sha256": digest(data),
                          "connections": [_row(c) for c in connections]}, separators=(",", ":"))
    target = index_path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError:
        return
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        os.replace(tmp, target)  # replaces a symlink planted there, never its target
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def read_index(path: Path, data: bytes) -> list[Connection] | None:
    """The listed connections if the index describes exactly `data`, else None."""
    try:
        fd = os.open(index_path(path), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as fh:
            doc = safejson.loads(fh.read(MAX_INDEX_BYTES))
        if not isinstance(doc, dict) or doc.get("format") != INDEX_FORMAT or doc.get("sha256") != digest(data):
            return None
        return [_connection(row) for row in doc["connections"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _connection(row: dict[str, Any]) -> Connection:
    """A listed Connection from an index row; anything of the wrong type or shape raises (full parse)."""
    name, expires_at = row["name"], row["expires_at"]
    if not isinstance(name, str) or not re.match(NAME_RE, name) or row["status"] not in STATUSES \
            or not all(isinstance(row[k], str) for k in FIELDS) or not isinstance(row["access"], bool) \
            or not isinstance(row["refresh"], bool) or not isinstance(expires_at, str | None):
        raise ValueError("not an index row")
    expires = datetime.fromisoformat(expires_at) if expires_at else None
    if expires is not None and expires.tzinfo is None:
        raise ValueError("a local time")
    token = TokenSet(access_token=PRESENT if row["access"] else "", refresh_token=PRESENT if row["refresh"] else "",
                     expires_at=expires)
    text = {k: clean(row[k]) for k in FIELDS}
    return Connection(name=name, client_id="", scopes=[], token=token, service=text["service"], dc=text["dc"],
                      location=text["location"], org_id=text["org_id"], org_name=text["org_name"], user=text["user"],
                      status=Status(text["status"]))
