"""The PostgreSQL store's read-only answer for `zconnect token`'s fast path, when this machine's cache
(`token_cache.py`) cannot answer: one query, one decryption, no argparse, httpx or Manager.

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
         "FROM zconnect_connections WHERE name = %s")


def database_token(url: str, name: str) -> str | None:
    """`name`'s access token read from the database at `url`, or None (the full CLI then answers)."""
    text = os.environ.get(KEY_ENV, "").strip()
    if not text:
        return None
    try:
        import psycopg

        key = parse_key(text, KEY_ENV)
        with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
            row = conn.execute(QUERY, (name,)).fetchone()
        if row is None or row[0] != VERSION or row[1] != key_id(key) or not row[3]:
            return None
        record, blob = row[2], bytes(row[3])
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
