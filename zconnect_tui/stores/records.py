"""A connection as a JSON record without its secrets, for stores other than the TOML file.

The record is the connection's table (`model_table.to_table`) with its secrets taken out and its
date-times as ISO 8601 text; reading it back goes through `model_table.from_table`, so every key is
typed and cleaned as the file's are (a database is outside input too). `secret_kinds` says which
secrets the connection has, so a listing shows token states without opening any.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

from zconnect_tui.model import Connection
from zconnect_tui.model_table import from_table, to_table
from zconnect_tui.stores.base import put_secrets, secrets_of

_DATETIMES = ("created_at", "updated_at")
_TOKEN_DATETIMES = ("expires_at", "refreshed_at")
KINDS_KEY = "secret_kinds"


def to_record(conn: Connection) -> tuple[str, dict[str, str]]:
    """(the record as canonical JSON text, the secrets by kind)."""
    secrets = secrets_of(conn)
    bare = replace(conn, token=replace(conn.token), client_secrets={})
    put_secrets(bare, {})
    table = to_table(bare)
    table[KINDS_KEY] = sorted(secrets)
    return json.dumps(table, sort_keys=True, separators=(",", ":"), default=_iso), secrets


def from_record(name: str, record: dict[str, Any] | str, secrets: dict[str, str]) -> Connection:
    """The connection `name` from its record and its secrets (typed as the file's tables are)."""
    table = json.loads(record) if isinstance(record, str) else dict(record)
    table.pop(KINDS_KEY, None)
    for key in _DATETIMES:
        table[key] = _datetime(table.get(key))
    token = table.get("token")
    if isinstance(token, dict):
        table["token"] = token = dict(token)
        for key in _TOKEN_DATETIMES:
            token[key] = _datetime(token.get(key))
        for key in [k for k, v in token.items() if v is None]:
            del token[key]
    for key in [k for k in _DATETIMES if table[k] is None]:
        del table[key]
    conn = from_table(name, table)
    put_secrets(conn, secrets)
    return conn


def kinds_of(record: dict[str, Any] | str) -> list[str]:
    table = json.loads(record) if isinstance(record, str) else record
    kinds = table.get(KINDS_KEY, [])
    return [k for k in kinds if isinstance(k, str)] if isinstance(kinds, list) else []


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _datetime(value: object) -> object:
    """ISO text back to an aware datetime; anything else is left for from_table to refuse by name."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    return value
