"""The connections file's secrets in the OS keyring (`secrets = "keyring"`), mixed into `store.Store`.

Each connection's table then lists the kinds it keeps in the keyring (`keyring = [...]`); a table that
lists some is read from the keyring whatever the file says now, so switching either way loses nothing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, cast

from zconnect_tui.errors import ConfigError
from zconnect_tui.model import Connection
from zconnect_tui.model_table import to_table
from zconnect_tui.stores.base import InlineSecrets, SecretStore, put_secrets, secrets_of

if TYPE_CHECKING:
    from pathlib import Path

    from zconnect_tui.stores.base import ConnectionStore


class KeyringFile:
    """The keyring side of the file store (its attributes are `store.Store`'s)."""

    secrets: SecretStore
    _in_keyring: dict[str, dict[str, str]]
    path: Path

    if TYPE_CHECKING:  # the file store's own, used here
        def _untouched(self) -> str: ...

    def _secrets_for(self, mode: object) -> SecretStore:
        if mode == "inline":
            return self.secrets if self.secrets.inline else InlineSecrets(cast("ConnectionStore", self))  # the Store
        if mode == "keyring":
            from zconnect_tui.stores.keyring_secrets import KeyringSecrets

            return self.secrets if not self.secrets.inline else KeyringSecrets(self.keyring_id())
        raise ConfigError(f"{self.path}: secrets must be \"inline\" or \"keyring\".", self._untouched())

    def keyring_id(self) -> str:
        """How the keyring and the token cache name this file (as `store_token.tokens_elsewhere` does)."""
        return "file:" + os.path.realpath(self.path)

    def _fill_from_keyring(self, conn: Connection, kinds: object) -> None:
        from zconnect_tui.stores.keyring_secrets import KeyringSecrets

        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            raise ConfigError(f"{self.path}: connections.{conn.name}.keyring must be a list of strings.",
                              self._untouched())
        keyring = self.secrets if not self.secrets.inline else KeyringSecrets(self.keyring_id())
        held = {kind: value for kind in kinds if (value := keyring.get(conn.name, kind))}
        self._in_keyring[conn.name] = held
        put_secrets(conn, {**secrets_of(conn), **held})

    def _table(self, conn: Connection) -> dict[str, Any]:
        if self.secrets.inline:
            return to_table(conn)
        from dataclasses import replace

        kinds = sorted(secrets_of(conn))
        bare = replace(conn, token=replace(conn.token), client_secrets={})
        put_secrets(bare, {})
        table = to_table(bare)
        if kinds:
            table["keyring"] = kinds
        return table

    def token_served(self, conn: Connection) -> None:
        """With secrets in the keyring, `token`'s fast path reads this machine's cache (token_cache.py)."""
        if not self.secrets.inline and conn.token.expires_at is not None:
            from zconnect_tui import token_cache

            store = self.keyring_id()
            if token_cache.read(store, conn.name) != conn.token.access_token:
                token_cache.write(store, conn.name, conn.token.access_token, conn.token.expires_at.timestamp())
