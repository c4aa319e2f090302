"""Connections kept in this process's memory: the second implementation of `ConnectionStore`.

It proves the seam: the Manager's unit tests run on it as on the TOML file (tests/conftest.py
`store_kind`). It keeps the same rules a shared store must keep: a transaction works on a copy and
commits only when `change` returns, readers get copies (a caller mutating one changes nothing
stored), and each connection has its own refresh lock. Its secrets live apart from the records,
in a `SecretStore` (a dict by default), as an OS keyring's would.
"""

from __future__ import annotations

import contextlib
import copy
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from zconnect_tui.model import Connection
from zconnect_tui.stores.base import SecretStore, Snapshot, SnapshotEdits, put_secrets, secrets_of, sync_secrets

T = TypeVar("T")


class DictSecrets:
    """Secrets in a dict, apart from the connections (what a keyring does, without a keyring)."""

    inline = False

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], str] = {}

    def describe(self) -> str:
        return "memory"

    def get(self, name: str, kind: str) -> str | None:
        return self.values.get((name, kind))

    def set(self, name: str, kind: str, value: str) -> None:
        self.values[(name, kind)] = value

    def delete(self, name: str, kind: str) -> None:
        self.values.pop((name, kind), None)


class MemoryStore(SnapshotEdits):
    """A `ConnectionStore` in memory (thread-safe; nothing survives the process)."""

    def __init__(self, snapshot: Snapshot | None = None, secrets: SecretStore | None = None) -> None:
        self.secrets: SecretStore = secrets if secrets is not None else DictSecrets()
        self._lock = threading.Lock()
        self._refresh_locks: dict[str, threading.Lock] = {}
        self._records = Snapshot()
        self._kinds: dict[str, set[str]] = {}
        """Which secret kinds each connection has in `secrets` (a keyring cannot be listed)."""
        if snapshot is not None:
            self.transaction(lambda snap: _replace(snap, snapshot))

    def describe(self) -> str:
        return f"memory (secrets: {self.secrets.describe()})"

    def load(self) -> Snapshot:
        with self._lock:
            snap = copy.deepcopy(self._records)
            kinds = {name: set(k) for name, k in self._kinds.items()}
        for name, conn in snap.connections.items():
            if not self.secrets.inline:
                found = {kind: self.secrets.get(name, kind) for kind in kinds.get(name, ())}
                put_secrets(conn, {kind: value for kind, value in found.items() if value})
        return snap

    def listing(self) -> list[Connection]:
        return list(self.load().connections.values())

    def warnings(self) -> list[str]:
        return []

    def transaction(self, change: Callable[[Snapshot], T]) -> T:
        with self._lock:
            before = copy.deepcopy(self._records)
            if not self.secrets.inline:
                for name, conn in before.connections.items():
                    put_secrets(conn, {k: v for k in self._kinds.get(name, ()) if (v := self.secrets.get(name, k))})
            snap = copy.deepcopy(before)
            result = change(snap)
            self._commit(before, snap)
            return result

    def _commit(self, before: Snapshot, after: Snapshot) -> None:
        """Store `after` (we hold the lock): records without secrets, the secrets through `self.secrets`."""
        records = copy.deepcopy(after)
        if not self.secrets.inline:
            for name in before.connections.keys() - after.connections.keys():
                sync_secrets(self.secrets, name, secrets_of(before.connections[name]), {})
                self._kinds.pop(name, None)
            for name, conn in records.connections.items():
                old = before.connections.get(name)
                now = secrets_of(conn)
                sync_secrets(self.secrets, name, secrets_of(old) if old is not None else {}, now)
                self._kinds[name] = set(now)
                put_secrets(conn, {})
        self._records = records

    def _kept(self, conn: Connection) -> Connection:
        return copy.deepcopy(conn)

    def count_refresh(self, name: str, refresh_token: str) -> None:
        """One process: nothing to share."""

    def token_served(self, conn: Connection) -> None:
        """No fast path reads memory."""

    @contextlib.contextmanager
    def refresh_lock(self, name: str) -> Iterator[None]:
        self.load().get(name)  # NoSuchConnection, as the file store says it
        with self._lock:
            lock = self._refresh_locks.setdefault(name, threading.Lock())
        with lock:
            yield


def _replace(snap: Snapshot, source: Snapshot) -> None:
    snap.connections = copy.deepcopy(source.connections)
    snap.data_centers = copy.deepcopy(source.data_centers)
    snap.extra = copy.deepcopy(source.extra)
