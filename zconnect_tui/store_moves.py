"""Moving the connections file's connections to another store and back (`zconnect store migrate`), mixed
into `store.Store`: under the file's lock, and undone when the other side's commit fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from zconnect_tui.errors import ConfigError
from zconnect_tui.stores.base import SecretStore, Snapshot, secrets_of, sync_secrets

if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from pathlib import Path
    from typing import Any


class Moves:
    """The moves of the file store (its attributes are `store.Store`'s)."""

    secrets: SecretStore
    path: Path

    if TYPE_CHECKING:  # the file store's own, used here
        def lock(self) -> AbstractContextManager[None]: ...
        def preamble(self) -> dict[str, Any]: ...
        def _read(self) -> bytes | None: ...
        def _parse(self, raw: bytes) -> Snapshot: ...
        def _serialise(self, snap: Snapshot) -> bytes: ...
        def _write(self, data: bytes) -> None: ...
        def _secrets_for(self, mode: object) -> SecretStore: ...

    # ----- moving to and from another store (`zconnect store migrate`) -------------------------------
    def move_out(self, url: str, deliver: Callable[[Snapshot], Callable[[], None]]) -> int:
        """Under the lock: hand every connection to `deliver` (which commits them elsewhere and returns how to
        undo that), then leave in the file only `store = url` and its other top-level keys. Returns how many
        moved; 0 when the file already names `url`. A failed rewrite undoes the delivery."""
        with self.lock():
            raw = self._read()
            head = self.preamble()
            if head.get("store") == url:
                return 0
            snap = Snapshot() if raw is None else self._parse(raw)
            undo = deliver(snap)
            extra = {k: v for k, v in snap.extra.items() if k != "secrets"}
            try:
                self._write(self._serialise(Snapshot({}, {}, {"store": url, **extra})))
            except BaseException:
                undo()
                raise
            from zconnect_tui.listing import index_path

            index_path(self.path).unlink(missing_ok=True)
            return len(snap.connections)

    def move_in(self, snap: Snapshot) -> Callable[[], None]:
        """Under the lock: write `snap` as the file's connections, replacing a file that only names a store
        (or none). Returns how to put the old file back (the caller's commit may still fail)."""
        with self.lock():
            raw = self._read()
            if raw is not None and self.preamble().get("store") is None and self._parse(raw).connections:
                raise ConfigError(f"{self.path} holds connections of its own; nothing was moved.",
                                  "Move them away first (or use another --config FILE).")
            head = self.preamble()
            self.secrets = self._secrets_for(head.get("secrets", "inline"))
            extra = {k: v for k, v in {**head, **snap.extra}.items() if k not in ("store", "version")}
            moved = Snapshot(snap.connections, snap.data_centers, extra)
            if not self.secrets.inline:
                for name, conn in moved.connections.items():
                    sync_secrets(self.secrets, name, {}, secrets_of(conn))
            self._write(self._serialise(moved))

        def undo() -> None:
            with self.lock():
                if raw is None:
                    self.path.unlink(missing_ok=True)
                else:
                    self._write(raw)

        return undo
