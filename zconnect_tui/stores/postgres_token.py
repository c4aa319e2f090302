"""The PostgreSQL store's read-only answer for `zconnect token`'s fast path, when this machine's cache
(`token_cache.py`) cannot answer: one query, one decryption, no argparse, httpx or Manager, and no
psycopg either when `pg_wire.py` can speak to the server itself (its import alone costs several fast
paths); psycopg reads it otherwise.

It answers only the plain case (the key in ZCONNECT_STORE_KEY, the schema this zconnect knows, an
authorized connection whose token has more than the refresh margin left) and then refills the cache.
Anything else returns None and the full CLI answers (with its one-line errors), so the rules stay in
postgres.py and crypto.py; what this module repeats of them (the sealed blob's layout, the key id) is
checked against them by tests/test_store_postgres.py.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

from zconnect_tui import token_cache
from zconnect_tui.stores.crypto import KEY_ENV, key_id, parse_key
from zconnect_tui.stores.schema import VERSION

QUERY = ("SELECT (SELECT value FROM zconnect_meta WHERE key = 'schema_version'), "
         "(SELECT value FROM zconnect_meta WHERE key = 'key_id'), record, secrets "
         "FROM zconnect_connections WHERE name = {}")


def _row(url: str, name: str) -> tuple[object, object, dict[str, object], bytes | None] | None:
    """(schema version, key id, record, sealed secrets) of `name`, by pg_wire, else by psycopg."""
    from zconnect_tui.stores import pg_wire

    text = pg_wire.query_row(url, QUERY.format(pg_wire.quote(name)))
    if text is not None:
        if not text or text[2] is None:
            return None
        version, kid = (json.loads(v) if v is not None else None for v in text[:2])
        blob = bytes.fromhex(text[3][2:]) if text[3] and text[3].startswith("\\x") else None
        return version, kid, json.loads(text[2]), blob
    import psycopg

    with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        row = conn.execute(QUERY.format("%s"), (name,)).fetchone()
    return (row[0], row[1], row[2], bytes(row[3]) if row[3] else None) if row else None


def database_token(url: str, name: str) -> str | None:
    """`name`'s access token read from the database at `url`, or None (the full CLI then answers)."""
    text = os.environ.get(KEY_ENV, "").strip()
    if not text:
        return None
    try:
        key = parse_key(text, KEY_ENV)
        row = _row(url, name)
        if row is None or row[0] != VERSION or row[1] != key_id(key) or not row[3]:
            return None
        record, blob = row[2], row[3]
        token = record.get("token") or {}
        expires = datetime.fromisoformat(token.get("expires_at") or "")
        if record.get("status") != "authorized" or expires.tzinfo is None:
            return None
        if (expires - datetime.now(UTC)).total_seconds() <= token_cache.REFRESH_MARGIN_SECONDS:
            return None
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        plain = AESGCM(key).decrypt(blob[1:13], blob[13:], b"zconnect:v1:" + name.encode("utf-8"))
        access = json.loads(plain).get("access_token")
    except Exception:  # noqa: BLE001 - any doubt: the full CLI answers and says what is wrong
        return None
    if not isinstance(access, str) or not access.isascii() or not access.isprintable() or " " in access:
        return None
    token_cache.write(url, name, access, expires.timestamp())
    return access
