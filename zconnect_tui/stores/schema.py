"""The PostgreSQL store's schema: versioned, created and migrated by `zconnect store init URL`.

Each migration is a list of statements; `init` applies the missing ones in one transaction under an
advisory lock (two `init`s at once: one migrates, the other finds it done). `zconnect_meta` holds
`schema_version`, the key's id (`crypto.key_id`), the data centres and unknown top-level keys.
"""

from __future__ import annotations

import json
from typing import Any

from zconnect_tui.errors import ConfigError

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: connections and what the file's preamble holds
    ("CREATE TABLE zconnect_meta (key text PRIMARY KEY, value jsonb NOT NULL)",
     "CREATE TABLE zconnect_connections (name text PRIMARY KEY, record jsonb NOT NULL, secrets bytea, "
     "updated_at timestamptz NOT NULL DEFAULT now())"),
    # 2: the refresh budget (facts §14: 10 access tokens per refresh token in 10 minutes)
    ("CREATE TABLE zconnect_refreshes (token_id text NOT NULL, sent_at timestamptz NOT NULL DEFAULT "
     "clock_timestamp())",
     "CREATE INDEX zconnect_refreshes_by_token ON zconnect_refreshes (token_id, sent_at)"),
)
VERSION = len(MIGRATIONS)
INIT_LOCK = 0x7A63_0003


def missing(where: str, url: str) -> ConfigError:
    return ConfigError(f"{where} has no zconnect schema.", "Create it: zconnect store init URL (with the store's "
                       "URL and ZCONNECT_STORE_KEY set).")


def check(meta: dict[str, Any], where: str, url: str) -> None:
    """A one-line error unless the schema is this zconnect's."""
    version = meta.get("schema_version")
    if not isinstance(version, int):
        raise missing(where, url)
    if version > VERSION:
        raise ConfigError(f"{where} has schema version {version}; this zconnect knows up to {VERSION}.",
                          "Upgrade zconnect; nothing was changed.")
    if version < VERSION:
        raise ConfigError(f"{where} has schema version {version}; this zconnect needs {VERSION}.",
                          "Migrate it: zconnect store init URL (every machine then needs this zconnect).")


def init(store: Any, key_id: str) -> tuple[int, int]:
    """Create or migrate `store`'s schema and record `key_id`; (version before, version after)."""

    def work(cur: Any) -> tuple[int, int]:
        with cur.connection.transaction():
            cur.execute("SELECT pg_advisory_xact_lock(%s, 0)", (INIT_LOCK,))
            cur.execute("SELECT to_regclass('zconnect_meta') IS NOT NULL")
            row = cur.fetchone()
            before = 0
            if row and row[0]:
                cur.execute("SELECT value FROM zconnect_meta WHERE key = 'schema_version'")
                found = cur.fetchone()
                before = found[0] if found and isinstance(found[0], int) else 0
                cur.execute("SELECT value FROM zconnect_meta WHERE key = 'key_id'")
                stored = cur.fetchone()
                if stored and stored[0] != key_id:
                    from zconnect_tui.stores.crypto import wrong_key

                    raise wrong_key(store.where, str(stored[0]), key_id)
            if before > VERSION:
                check({"schema_version": before}, store.where, store.url)
            for statements in MIGRATIONS[before:]:
                for statement in statements:
                    cur.execute(statement)
            for key, value in (("schema_version", VERSION), ("key_id", key_id)):
                cur.execute("INSERT INTO zconnect_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                            "SET value = EXCLUDED.value", (key, json.dumps(value)))
            return before, VERSION

    result: tuple[int, int] = store.run(work)
    return result
