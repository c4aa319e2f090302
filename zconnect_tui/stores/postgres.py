"""A `ConnectionStore` on PostgreSQL, shared by many machines (issue #21), with psycopg 3 (the optional
extra `zconnect-tui[postgres]`).

- Selected by `ZCONNECT_STORE=postgresql://…` or `store = "postgresql://…"` at the top of the connections
  file (`store_choice.open_store`); `zconnect store init URL` creates or migrates its schema (`schema.py`).
- One row per connection: the record as JSON (no secrets) and its secrets sealed with AES-256-GCM under a
  key that never enters the database (`crypto.py`).
- A change is one short transaction under a transaction-level advisory lock (the file lock's twin):
  re-read, apply, write what changed.
- A refresh holds the connection's advisory lock in a transaction of its own on its own session, which
  the server ends when it sits idle longer than the HTTP deadline plus a margin, and which ends at once
  when the process dies: a machine killed mid-refresh never keeps the lock.
- Refreshes are counted per refresh token (`count_refresh`): never an eleventh in ten minutes.
- `token_served` keeps the access token in a per-machine cache (`token_cache.py`) that `zconnect token`
  reads without importing psycopg.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from zconnect_tui import token_cache
from zconnect_tui.errors import ConfigError, RateLimited, Unreachable
from zconnect_tui.model import Connection
from zconnect_tui.stores import schema
from zconnect_tui.stores.base import InlineSecrets, SecretStore, Snapshot, SnapshotEdits
from zconnect_tui.stores.records import from_record, kinds_of, to_record
from zconnect_tui.text import clean

if TYPE_CHECKING:
    import psycopg

    from zconnect_tui.stores.crypto import Sealer

T = TypeVar("T")
WRITE_LOCK, REFRESH_LOCK = 0x7A63_0001, 0x7A63_0002
"""Advisory lock classes: (WRITE_LOCK, 0) for every change; (REFRESH_LOCK, hashtext(name)) per connection."""
LOCK_MARGIN = 10.0
"""Seconds a refresh lock's session may sit idle beyond the HTTP deadline (the re-read and the write)."""
BUDGET, BUDGET_WINDOW = 10, 600
"""Zoho's limit: 10 access tokens per refresh token in 10 minutes (facts §14); the store never sends an 11th."""
CONNECT_TIMEOUT = 5


class _Row(NamedTuple):
    record: dict[str, Any]
    secrets: dict[str, str]
    blob: bytes | None


def psycopg_module() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ConfigError("This store is on PostgreSQL, and the psycopg package is not installed.",
                          "Install it: pip install 'zconnect-tui[postgres]'.") from None
    return psycopg


def public_url(url: str) -> str:
    """`url` without its password, for messages and `zconnect path`."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return clean(url, limit=200)
        host = parts.hostname or ""
        netloc = f"{parts.username}@{host}" if parts.username else host
        netloc += f":{parts.port}" if parts.port else ""
        return clean(urlunsplit(parts._replace(netloc=netloc)), limit=200)
    except ValueError:
        return "the PostgreSQL store"


def token_id(refresh_token: str) -> str:
    """How the refresh budget names a refresh token (a hash: the token itself never enters that table)."""
    return hashlib.sha256(b"zconnect-refresh\0" + refresh_token.encode()).hexdigest()


class PostgresStore(SnapshotEdits):
    """Connections in a PostgreSQL database, shared by every machine that opens the same URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.where = public_url(url)
        self.secrets: SecretStore = InlineSecrets(self)  # in the row, sealed
        self._local = threading.local()
        self._sealer: Sealer | None = None

    def describe(self) -> str:
        return f"{self.where} (PostgreSQL)"

    def shared_name(self) -> str:
        """The database's name, and its host when the URL names one over TCP (`zconnect` on db.example)."""
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(self.url)
            database, host = parts.path.lstrip("/") or (parts.username or "postgres"), parts.hostname or ""
        except ValueError:
            return "PostgreSQL"
        return clean(f"{database} on {host}" if host else database, limit=40)

    # ----- sessions -----------------------------------------------------------------------------
    def connect(self, *, autocommit: bool = True) -> psycopg.Connection[Any]:
        pg = psycopg_module()
        try:
            return pg.connect(self.url, autocommit=autocommit, connect_timeout=CONNECT_TIMEOUT)  # type: ignore[no-any-return]  # loaded lazily
        except pg.OperationalError as exc:
            raise self.unreachable(exc) from None
        except pg.Error as exc:
            raise ConfigError(f"Cannot open {self.where}: {_reason(exc)}.", "Check the URL.") from None

    def unreachable(self, exc: BaseException) -> Unreachable:
        return Unreachable(f"The store {self.where} does not answer ({_reason(exc)}).",
                           "Check that PostgreSQL runs and can be reached; nothing was changed.")

    def run(self, work: Callable[[psycopg.Cursor[Any]], T]) -> T:
        """`work` on this thread's session; a session the server dropped (a restart) is replaced once."""
        pg = psycopg_module()
        for attempt in (1, 2):
            conn = getattr(self._local, "conn", None)
            if conn is None or conn.closed:
                conn = self._local.conn = self.connect()
            try:
                with conn.cursor() as cur:
                    return work(cur)
            except pg.OperationalError as exc:
                lost = conn.broken or conn.closed  # the session died (a restart), not the statement
                with contextlib.suppress(Exception):
                    conn.close()
                self._local.conn = None
                if attempt == 2 or not lost:
                    raise self.unreachable(exc) from None
            except pg.errors.UndefinedTable:
                raise schema.missing(self.where, self.url) from None
            except pg.Error as exc:
                raise ConfigError(f"{self.where} refused: {_reason(exc)}.", "Nothing was changed.") from None
        raise AssertionError("unreachable")  # pragma: no cover

    # ----- reading ------------------------------------------------------------------------------
    def _read(self, cur: psycopg.Cursor[Any]) -> tuple[dict[str, Any], dict[str, _Row]]:
        cur.execute("SELECT key, value FROM zconnect_meta")
        meta = dict(cur.fetchall())
        schema.check(meta, self.where, self.url)
        cur.execute("SELECT name, record, secrets FROM zconnect_connections")
        rows: dict[str, _Row] = {}
        for name, record, blob in cur.fetchall():
            secrets = json.loads(self.sealer(meta).open(name, bytes(blob))) if blob else {}
            rows[name] = _Row(record, secrets, bytes(blob) if blob else None)
        return meta, rows

    def sealer(self, meta: dict[str, Any]) -> Sealer:
        """The key's sealer, checked once against the key id the store was made with."""
        if self._sealer is None:
            from zconnect_tui.stores.crypto import Sealer, secrets_key, wrong_key

            sealer = Sealer(secrets_key(self.where), self.where)
            if meta.get("key_id") != sealer.key_id:
                raise wrong_key(self.where, str(meta.get("key_id")), sealer.key_id)
            self._sealer = sealer
        return self._sealer

    def _snapshot(self, meta: dict[str, Any], rows: dict[str, _Row]) -> Snapshot:
        dcs = dict(meta.get("data_centers") or {})
        Snapshot(data_centers=dcs).dcs()  # a bad data centre is an error at load, as in the file
        conns = {name: from_record(name, row.record, row.secrets) for name, row in sorted(rows.items())}
        return Snapshot(conns, dcs, dict(meta.get("extra") or {}))

    def load(self) -> Snapshot:
        return self.run(lambda cur: self._snapshot(*self._read(cur)))

    def listing(self) -> list[Connection]:
        from zconnect_tui.listing import PRESENT

        def work(cur: psycopg.Cursor[Any]) -> list[Connection]:
            cur.execute("SELECT name, record FROM zconnect_connections ORDER BY name")
            return [from_record(name, record, {kind: PRESENT for kind in kinds_of(record)})
                    for name, record in cur.fetchall()]

        return self.run(work)

    def warnings(self) -> list[str]:
        return []

    # ----- writing ------------------------------------------------------------------------------
    def transaction(self, change: Callable[[Snapshot], T]) -> T:
        def work(cur: psycopg.Cursor[Any]) -> T:
            assert cur.connection is not None
            with cur.connection.transaction():
                cur.execute("SELECT pg_advisory_xact_lock(%s, 0)", (WRITE_LOCK,))
                meta, rows = self._read(cur)
                snap = self._snapshot(meta, rows)
                result = change(snap)
                self._write(cur, meta, rows, snap)
            return result

        return self.run(work)

    def _write(self, cur: psycopg.Cursor[Any], meta: dict[str, Any], rows: dict[str, _Row], snap: Snapshot) -> None:
        for name in sorted(rows.keys() - snap.connections.keys()):
            cur.execute("DELETE FROM zconnect_connections WHERE name = %s", (name,))
            token_cache.drop(self.url, name)
        for name, conn in sorted(snap.connections.items()):
            text, secrets = to_record(conn)
            record, old = json.loads(text), rows.get(name)
            if old is not None and old.record == record and old.secrets == secrets:
                continue
            if old is not None and old.secrets == secrets:
                blob = old.blob
            else:
                blob = self.sealer(meta).seal(name, json.dumps(secrets).encode()) if secrets else None
            cur.execute("INSERT INTO zconnect_connections (name, record, secrets, updated_at) VALUES (%s, %s, %s, "
                        "now()) ON CONFLICT (name) DO UPDATE SET record = EXCLUDED.record, secrets = "
                        "EXCLUDED.secrets, updated_at = now()", (name, text, blob))
            if old is None or old.secrets.get("access_token") != secrets.get("access_token"):
                token_cache.drop(self.url, name)
        for key, value in (("data_centers", snap.data_centers), ("extra", snap.extra)):
            if (meta.get(key) or {}) != value:
                cur.execute("INSERT INTO zconnect_meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE "
                            "SET value = EXCLUDED.value", (key, json.dumps(value)))

    # ----- refreshes ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def refresh_lock(self, name: str) -> Iterator[None]:
        """`name`'s advisory lock in a transaction on a session of its own (see the module's notes)."""
        from zconnect_tui.wire import http_timeout_seconds

        self.load().get(name)
        hold = http_timeout_seconds() + LOCK_MARGIN
        pg = psycopg_module()
        session = self.connect(autocommit=False)
        try:
            try:
                session.execute("SELECT set_config('idle_in_transaction_session_timeout', %s, true), "
                                "set_config('lock_timeout', %s, true)", (f"{hold * 1000:.0f}", f"{hold * 1000:.0f}"))
                session.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (REFRESH_LOCK, name))
            except pg.errors.LockNotAvailable:
                raise Unreachable(f"Another machine has held {name}'s refresh lock in {self.where} for over "
                                  f"{hold:.0f} s.", "Try again in a minute.") from None
            except pg.OperationalError as exc:
                raise self.unreachable(exc) from None
            yield
        finally:
            with contextlib.suppress(Exception):
                session.rollback()  # ends the transaction: the lock is free
            session.close()

    def count_refresh(self, name: str, refresh_token: str) -> None:
        """Record one refresh about to be sent with `refresh_token`; refuse an 11th in 10 minutes."""
        tid = token_id(refresh_token)

        def work(cur: psycopg.Cursor[Any]) -> None:
            assert cur.connection is not None
            with cur.connection.transaction():
                cur.execute("SELECT count(*), extract(epoch FROM min(sent_at) + make_interval(secs => %s) - "
                            "clock_timestamp()) FROM zconnect_refreshes WHERE token_id = %s AND sent_at > "
                            "clock_timestamp() - make_interval(secs => %s)", (BUDGET_WINDOW, tid, BUDGET_WINDOW))
                row = cur.fetchone()
                sent, left = (row[0], row[1]) if row else (0, None)
                if sent >= BUDGET:
                    wait = max(1, int(float(left or 0)) + 1)
                    raise RateLimited("budget", f"{name}'s refresh token made {BUDGET} access tokens in the last "
                                      f"{BUDGET_WINDOW // 60} minutes, Zoho's limit: zconnect sends no more.",
                                      f"Try again in {wait // 60}m{wait % 60:02d}s.")
                cur.execute("INSERT INTO zconnect_refreshes (token_id) VALUES (%s)", (tid,))
                cur.execute("DELETE FROM zconnect_refreshes WHERE sent_at < clock_timestamp() - interval '1 day'")

        self.run(work)

    def token_served(self, conn: Connection) -> None:
        """Keep `conn`'s access token in this machine's cache until its refresh margin."""
        if conn.token.expires_at is not None and token_cache.read(self.url, conn.name) != conn.token.access_token:
            token_cache.write(self.url, conn.name, conn.token.access_token, conn.token.expires_at.timestamp())


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return clean(text[0] if text else type(exc).__name__, limit=160).rstrip(".")
