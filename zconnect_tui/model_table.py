"""A `Connection` to and from its `[connections.NAME]` table in the TOML file (split from model.py by role).

Reading is where the file's hand-edits are met: every known key is type-checked against the field's
annotation (a one-line ConfigError naming the key, the file untouched), strings are cleaned of control
characters, and unknown keys are ignored (a newer version wrote them).
"""

from __future__ import annotations

import re
from dataclasses import asdict, fields
from datetime import datetime
from enum import StrEnum
from typing import Any

from zconnect_tui.errors import ConfigError, Fix, Remedy
from zconnect_tui.model import (
    CLIENT_TYPES,
    LOOPBACK_REDIRECT,
    MAX_ORG_ID,
    SELF,
    AccessType,
    ClientType,
    Connection,
    Status,
    TokenSet,
)
from zconnect_tui.text import clean


def to_table(conn: Connection) -> dict[str, Any]:
    """The TOML table for `conn` (empty strings and None left out: TOML has no null)."""
    data = asdict(conn)
    data.pop("name")
    data.pop("apis")
    token = {k: v for k, v in data.pop("token").items() if v not in ("", None)}
    table = {k: v for k, v in data.items() if v not in ("", None, {})}
    if token:
        table["token"] = token
    if conn.apis:
        from zconnect_tui.saved import apis_to_table

        table["apis"] = apis_to_table(conn.apis)
    return table


_SECRETS = frozenset({"client_secret", "access_token", "refresh_token"})
_EXPECTED: dict[str, tuple[type, str]] = {
    "str": (str, "a string"),
    "bool": (bool, "true or false"),
    "list[str]": (list, "a list of strings"),
    "datetime | None": (datetime, "a UTC date-time such as 2026-01-31T12:00:00Z"),
    "ClientType": (str, f"one of {', '.join(CLIENT_TYPES)}"),
    "Status": (str, f"one of {', '.join(Status)}"),
    "AccessType": (str, "offline or online"),
    "dict[str, str]": (dict, "a table of data centre = \"secret\" lines"),
}


_ENUMS: dict[str, type[StrEnum]] = {"ClientType": ClientType, "Status": Status, "AccessType": AccessType}


def _typed(where: str, kind: str, value: Any) -> Any:
    """`value` checked against the field's annotation; strings cleaned (the file may be hand-edited)."""
    expected, wording = _EXPECTED[kind]
    ok = isinstance(value, expected)
    if ok and isinstance(value, datetime):
        ok = value.tzinfo is not None  # a local date-time cannot be compared with UTC
    if ok and isinstance(value, list):
        ok = all(isinstance(item, str) for item in value)
    if ok and isinstance(value, dict):  # client_secrets: data centre -> its own Client Secret (Multi-DC)
        ok = all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
        if ok:
            return {clean(k, limit=40): _typed(f"{where}.{clean(k, limit=40)}", "str", v) for k, v in value.items()}
    if ok and kind in _ENUMS:
        ok = value in set(_ENUMS[kind])
    if not ok:
        raise ConfigError(f"{clean(where)} must be {wording}; the file was left untouched.",
                          remedy=Remedy(Fix.FIX_CONFIG, key=clean(where)))
    if isinstance(value, list):
        return [clean(item) for item in value]
    if isinstance(value, str) and (where.rsplit(".", 1)[-1] in _SECRETS or ".client_secrets." in where):
        if clean(value) != value:  # never alter a secret silently
            raise ConfigError(f"{clean(where)} contains control characters.", "Copy the value again.")
        return value
    return clean(value) if isinstance(value, str) else value


def _typed_fields(where: str, table: dict[str, Any], cls: type) -> dict[str, Any]:
    kinds = {f.name: f.type for f in fields(cls) if f.type in _EXPECTED and f.name != "name"}
    return {k: _typed(f"{where}.{k}", kinds[k], v) for k, v in table.items() if k in kinds}


def from_table(name: str, table: dict[str, Any]) -> Connection:
    """Build a Connection from its TOML table: every known key type-checked (a one-line ConfigError
    naming the key), unknown keys ignored (newer versions)."""
    where = f"connections.{name}"
    token_table = table.get("token", {})
    if not isinstance(token_table, dict):
        raise ConfigError(f"[{clean(where)}.token] must be a table.", "Fix or remove it.")
    known = _typed_fields(where, table, Connection)
    # Files written before client_type say `self_client = true`.
    if "self_client" in table and _typed(f"{where}.self_client", "bool", table["self_client"]) \
            and "client_type" not in known:
        known["client_type"] = SELF
    missing = [k for k in ("service", "dc", "client_id", "scopes") if k not in known]
    if missing:
        raise ConfigError(f"[{clean(where)}] lacks {', '.join(missing)}.", "Fix or remove it.")
    token = TokenSet(**_typed_fields(f"{where}.token", token_table, TokenSet))
    apis = {}
    if "apis" in table:
        from zconnect_tui.saved import parse_apis

        apis = parse_apis(name, table["apis"])
    conn = Connection(name=name, token=token, apis=apis, **known)
    if known.get("org_id"):
        # The rule is the product's: its profiles load with the first organisation id, as before (#10).
        from zconnect_tui.products import org_id_numeric, org_id_ok

        if not org_id_ok(conn.service, table["org_id"]):  # the raw text: "1\x1b2" is no id
            rule = f"a number of at most {MAX_ORG_ID} digits" if org_id_numeric(conn.service) else \
                f"at most {MAX_ORG_ID} characters"
            raise ConfigError(f"{clean(where)}.org_id must be {rule}; the file was left untouched.",
                              remedy=Remedy(Fix.FIX_CONFIG, key=f"{clean(where)}.org_id"))
    if re.match(LOOPBACK_REDIRECT, conn.redirect_uri) and conn.port is None:
        raise ConfigError(f"{clean(where)}.redirect_uri has a port outside 1-65535.",
                          remedy=Remedy(Fix.SET_PORT, name))
    return conn
