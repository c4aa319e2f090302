"""Where connections live: the seam between the Manager and its storage (issue #19 item 4).

`base.py` holds the contracts (`ConnectionStore`, `SecretStore`, `Snapshot`); the TOML file is one
implementation (`zconnect_tui/store.py`), `memory.py` another. `open_store` picks the one a command
line and its environment ask for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zconnect_tui.stores.base import ConnectionStore


def open_store(config: str | None = None) -> ConnectionStore:
    """The store for `--config FILE` (or `ZCONNECT_CONFIG`, or the default file)."""
    from zconnect_tui.store import Store

    return Store(config)
