"""Which store a command opens: `ZCONNECT_STORE=postgresql://…`, else the connections file, or the
database its `store = "postgresql://…"` line names. Above the stores it chooses from (the file store
in `zconnect_tui/store.py`, the PostgreSQL one), so they never import it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zconnect_tui.stores.base import ConnectionStore

STORE_ENV = "ZCONNECT_STORE"
SCHEMES = ("postgresql://", "postgres://")


def open_store(config: str | None = None) -> ConnectionStore:
    """The store for this command: `ZCONNECT_STORE=postgresql://…`, else the connections file (`--config
    FILE`, `ZCONNECT_CONFIG`, or the default), or the database its `store = "postgresql://…"` names."""
    url = os.environ.get(STORE_ENV, "").strip()
    if url:
        return by_url(url, STORE_ENV)
    from zconnect_tui.store import Store

    store = Store(config)
    chosen = store.top_level("store")  # no TOML parser loaded when the file's top names no store (`list`)
    if chosen is None:
        return store
    from zconnect_tui.errors import ConfigError

    if not isinstance(chosen, str):
        raise ConfigError(f"{store.path}: store must be a string such as \"postgresql://host/db\".", "Fix it.")
    return by_url(chosen, f"{store.path}'s store")


def by_url(url: str, where: str) -> ConnectionStore:
    """The store a URL names (PostgreSQL only, today)."""
    from zconnect_tui.errors import ConfigError
    from zconnect_tui.text import clean

    if not url.startswith(SCHEMES):
        raise ConfigError(f"{where} is {clean(url.split('@')[-1], limit=60)!r}, not a postgresql:// URL.",
                          f"Use postgresql://user@host/database, or unset {STORE_ENV} for the connections file.")
    from zconnect_tui.stores.postgres import PostgresStore

    return PostgresStore(url)
