"""A summary of the connections file for `zconnect list`, kept beside it.

tomllib needs about half a second for a file of 1,000 connections, while `list` needs a dozen
fields of each. So every write (under the lock, after the rename) also writes
`connections.toml.index.json`: those fields plus the SHA-256 of the exact TOML bytes they came
from. `list` reads the TOML file, hashes it and uses the index only when the hashes match; a
hand edit, an older zconnect, or a crash between the two renames costs one full parse, which
writes the index again. The index holds no secret (only whether a token is there), mode 0600.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from zconnect_tui.model import Connection, TokenSet

INDEX_FORMAT = 1
FIELDS = ("service", "dc", "location", "org_id", "org_name", "user", "status")
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
    """Write the index for the TOML bytes `data` (best effort: a failure only costs a parse later)."""
    payload = json.dumps({"format": INDEX_FORMAT, "sha256": digest(data),
                          "connections": [_row(c) for c in connections]}, separators=(",", ":"))
    target = index_path(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.index.", suffix=".tmp")
    except OSError:
        return
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
        os.replace(tmp, target)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def read_index(path: Path, data: bytes) -> list[Connection] | None:
    """The listed connections if the index describes exactly `data`, else None."""
    try:
        doc = json.loads(index_path(path).read_bytes())
        if not isinstance(doc, dict) or doc.get("format") != INDEX_FORMAT or doc.get("sha256") != digest(data):
            return None
        return [_connection(row) for row in doc["connections"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _connection(row: dict[str, Any]) -> Connection:
    expires = datetime.fromisoformat(row["expires_at"]) if row["expires_at"] else None
    token = TokenSet(access_token=PRESENT if row["access"] else "", refresh_token=PRESENT if row["refresh"] else "",
                     expires_at=expires)
    fields = {k: str(row[k]) for k in FIELDS}
    return Connection(name=str(row["name"]), client_id="", scopes=[], token=token, **fields)
