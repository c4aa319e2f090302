"""The storage contracts the Manager is written against.

- `ConnectionStore`: connections and data centres, read as one `Snapshot` and changed only inside
  `transaction` (a re-read under the store's lock, then one atomic write), plus a per-connection
  refresh lock held while Zoho is called. The TOML file (`store.py`) and the in-memory store
  (`memory.py`) implement it; a shared database can, as it needs only these calls.
- `SecretStore`: where a connection's secrets live, by connection name and kind. The default keeps
  them inline in the connection's own record (the TOML table, as always); an OS keyring keeps them
  elsewhere. A store hands the Manager connections with their secrets filled in, so the Manager
  never knows which.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from zconnect_tui.errors import Fix, NoSuchConnection, Remedy

if TYPE_CHECKING:
    from zconnect_tui.datacenters import DataCenters
    from zconnect_tui.model import Connection

T = TypeVar("T")

CLIENT_SECRET, REFRESH_TOKEN, ACCESS_TOKEN = "client_secret", "refresh_token", "access_token"
DC_SECRET_PREFIX = "client_secret:"
"""A data centre's own Client Secret (Multi-DC) is kind `client_secret:DC`, e.g. `client_secret:eu`."""


@dataclass
class Snapshot:
    """One complete state of a store. `extra` keeps top-level keys this version does not know."""

    connections: dict[str, Connection] = field(default_factory=dict)
    data_centers: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Connection:
        try:
            return self.connections[name]
        except KeyError:
            known = ", ".join(sorted(self.connections)) or "none yet"
            raise NoSuchConnection(
                f"No connection named {name!r} (known: {known}).", remedy=Remedy(Fix.PICK_CONNECTION, name),
            ) from None

    def dcs(self) -> DataCenters:
        """The built-in data centres plus this state's own tables, checked (a bad one is a ConfigError)."""
        from zconnect_tui.datacenters import DataCenters

        if not self.data_centers:  # the profiles load only when a table may name a product's host (#10)
            return DataCenters()
        from zconnect_tui.products import PRODUCTS  # the keys that name a product's host in a table

        return DataCenters.from_config(self.data_centers, PRODUCTS)


class ConnectionStore(Protocol):
    """What the Manager needs from wherever connections live."""

    def describe(self) -> str:
        """Where the connections are, for a person (`zconnect path`): a file's path, a database without password."""
        ...

    def shared_name(self) -> str | None:
        """A short name for a store many machines share (its database), shown where a change reaches them
        all (the dashboard's title); None for a store of this machine's own."""
        ...

    def load(self) -> Snapshot:
        """Every connection and data centre, secrets filled in (no lock: one complete version)."""
        ...

    def top_level(self, key: str) -> object:
        """A top-level setting of the store (`default`), None when unset; the file reads it without a full parse."""
        ...

    def listing(self) -> list[Connection]:
        """What `zconnect list` shows (secrets may stand as `listing.PRESENT`); fast at 1,000 connections."""
        ...

    def warnings(self) -> list[str]:
        """What a user should know about the store (a file readable by others, …)."""
        ...

    def transaction(self, change: Callable[[Snapshot], T]) -> T:
        """Lock, re-read, apply `change`, write atomically, unlock; `change` raising writes nothing."""
        ...

    def update(self, name: str, change: Callable[[Connection], T]) -> T:
        """`change` applied to the re-read connection `name` (NoSuchConnection when absent), then saved."""
        ...

    def save_connection(self, conn: Connection, *, replace: bool = True) -> None:
        """Insert or replace one connection; with `replace=False` a name in use is refused."""
        ...

    def remove(self, name: str) -> None:
        """Delete connection `name` and its secrets."""
        ...

    def refresh_lock(self, name: str) -> AbstractContextManager[None]:
        """Connection `name`'s refresh lock: one refresh (or revoke) of it at Zoho at a time, across every
        process that shares the store; never held by `transaction`, so other work goes on."""
        ...

    def count_refresh(self, name: str, refresh_token: str) -> None:
        """Called under `refresh_lock` just before a refresh goes to Zoho: a store many machines share
        counts refreshes per refresh token and raises `RateLimited` rather than send an 11th in 10
        minutes (Zoho's limit); a store on one machine may do nothing."""
        ...

    def token_served(self, conn: Connection) -> None:
        """`conn`'s access token was handed out (`zconnect token`, an API call): a store whose tokens
        `token`'s fast path cannot read from the file keeps it in this machine's cache (token_cache.py)."""
        ...


class SnapshotEdits:
    """`save_connection`, `update` and `remove` written once on a store's own `transaction` (a re-read under
    its lock): the file, memory and PostgreSQL stores share them. `_kept` is how a store holds the
    connection it is given (the memory store keeps a copy, as a real store would)."""

    def transaction(self, change: Callable[[Snapshot], T]) -> T:
        raise NotImplementedError

    def _kept(self, conn: Connection) -> Connection:
        return conn

    def shared_name(self) -> str | None:
        """None: this machine's own store (the file, memory); a shared one names itself."""
        return None

    def top_level(self, key: str) -> object:
        """A top-level setting, from a whole read (the file store reads only its first lines)."""
        return self.load().extra.get(key)

    def load(self) -> Snapshot:
        raise NotImplementedError

    def save_connection(self, conn: Connection, *, replace: bool = True) -> None:
        """Insert or replace one connection (under the lock, with a re-read)."""
        from zconnect_tui.model import name_taken, now_utc

        def change(snap: Snapshot) -> None:
            if not replace and conn.name in snap.connections:
                raise name_taken(conn.name)
            conn.updated_at = now_utc()
            conn.created_at = conn.created_at or conn.updated_at
            snap.connections[conn.name] = self._kept(conn)

        self.transaction(change)

    def update(self, name: str, change: Callable[[Connection], T]) -> T:
        """Apply `change` to the freshly re-read connection `name` and save it."""
        from zconnect_tui.model import now_utc

        def apply(snap: Snapshot) -> T:
            conn = snap.get(name)
            result = change(conn)
            conn.updated_at = now_utc()
            return result

        return self.transaction(apply)

    def remove(self, name: str) -> None:
        """Delete `name` (NoSuchConnection when absent)."""

        def apply(snap: Snapshot) -> None:
            snap.get(name)
            del snap.connections[name]

        self.transaction(apply)


class SecretStore(Protocol):
    """Secrets by connection name and kind (`CLIENT_SECRET`, `REFRESH_TOKEN`, `ACCESS_TOKEN`, `client_secret:DC`)."""

    inline: bool
    """True when the secrets stay in the connection's own record (the store writes them there itself)."""

    def describe(self) -> str:
        """The backend, for errors and `zconnect path` (e.g. "inline", "keyring (SecretService)")."""
        ...

    def get(self, name: str, kind: str) -> str | None: ...

    def set(self, name: str, kind: str, value: str) -> None: ...

    def delete(self, name: str, kind: str) -> None:
        """Forget one secret (absent is fine)."""
        ...


# ----- moving secrets between a Connection and a SecretStore ----------------------------------------
def secrets_of(conn: Connection) -> dict[str, str]:
    """`conn`'s non-empty secrets by kind."""
    found = {CLIENT_SECRET: conn.client_secret, REFRESH_TOKEN: conn.token.refresh_token,
             ACCESS_TOKEN: conn.token.access_token}
    found.update({DC_SECRET_PREFIX + dc: value for dc, value in conn.client_secrets.items()})
    return {kind: value for kind, value in found.items() if value}


def put_secrets(conn: Connection, values: dict[str, str]) -> None:
    """Set `conn`'s secrets from `values` (kinds as `secrets_of` gives them); absent kinds become empty."""
    conn.client_secret = values.get(CLIENT_SECRET, "")
    conn.token.refresh_token = values.get(REFRESH_TOKEN, "")
    conn.token.access_token = values.get(ACCESS_TOKEN, "")
    conn.client_secrets = {kind[len(DC_SECRET_PREFIX):]: value for kind, value in values.items()
                           if kind.startswith(DC_SECRET_PREFIX)}


def sync_secrets(secrets: SecretStore, name: str, before: dict[str, str], after: dict[str, str]) -> None:
    """Write to `secrets` what changed between two `secrets_of` results of connection `name`."""
    for kind, value in after.items():
        if before.get(kind) != value:
            secrets.set(name, kind, value)
    for kind in before.keys() - after.keys():
        secrets.delete(name, kind)


class InlineSecrets:
    """Secrets kept in the connection's own record (the TOML table, a database row): today's file format.

    The store serialises them with the rest of the connection, so `inline` tells it to do nothing
    more; `get`/`set`/`delete` go through the store like any other change.
    """

    inline = True

    def __init__(self, store: ConnectionStore) -> None:
        self._store = store

    def describe(self) -> str:
        return "inline"

    def get(self, name: str, kind: str) -> str | None:
        return secrets_of(self._store.load().get(name)).get(kind)

    def set(self, name: str, kind: str, value: str) -> None:
        self._store.update(name, lambda conn: _put_one(conn, kind, value))

    def delete(self, name: str, kind: str) -> None:
        self._store.update(name, lambda conn: _put_one(conn, kind, ""))


def _put_one(conn: Connection, kind: str, value: str) -> None:
    values = secrets_of(conn)
    values[kind] = value
    put_secrets(conn, {k: v for k, v in values.items() if v})

