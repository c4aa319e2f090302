"""The Manager's saved-API operations (`[connections.NAME.apis.KEY]`), split out of manager.py by role.

Front ends call them on the Manager (`manager.save_api`, `manager.remove_api`), the only door to
the store; each is one transaction on the re-read connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zconnect_tui.errors import UsageError
from zconnect_tui.model import Connection
from zconnect_tui.stores.base import ConnectionStore

if TYPE_CHECKING:
    from zconnect_tui.saved import SavedApi


class SavedApis:
    """Mixed into `Manager`."""

    store: ConnectionStore

    def save_api(self, name: str, key: str, api: SavedApi) -> Connection:
        """Store (or replace) the saved API `key` of connection `name`; what the file would refuse to read
        back (control characters, a header zconnect sets itself) is refused here, a UsageError."""
        from zconnect_tui.saved import check_saving

        check_saving(key, api)

        def change(conn: Connection) -> Connection:
            conn.apis[key] = api
            return conn

        return self.store.update(name, change)

    def remove_api(self, name: str, key: str) -> Connection:
        """Delete the saved API `key` of connection `name`."""

        def change(conn: Connection) -> Connection:
            if key not in conn.apis:
                raise UsageError(f"{name} has no saved API {key!r}.", f"See `zconnect apis {name}`.")
            del conn.apis[key]
            return conn

        return self.store.update(name, change)
