"""`zconnect store`: a shared store's schema (`init`), moving connections to and from it (`migrate`), and
a new key for its secrets (`keygen`). Human output on stdout, errors as one line on stderr."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from zconnect_tui.errors import ConfigError, UsageError
from zconnect_tui.store_choice import STORE_ENV, by_url
from zconnect_tui.stores.base import SecretStore, Snapshot, secrets_of, sync_secrets
from zconnect_tui.text import clean

if TYPE_CHECKING:
    from zconnect_tui.cli_io import IO
    from zconnect_tui.manager import Manager
    from zconnect_tui.stores.postgres import PostgresStore

EPILOG = """\
examples:
  zconnect store keygen                         a new key; keep it in ZCONNECT_STORE_KEY on every machine
  zconnect store init postgresql://zc@db.example/zconnect      create (or migrate) the schema
  zconnect store migrate --to postgresql://zc@db.example/zconnect   move this file's connections there
  zconnect store migrate --to file              move them back into the connections file
"""


_IO: list[IO] = []
"""The command's streams (`cli_io.IO`), for the helpers below."""


def _out(text: str) -> None:
    _IO[-1].out(clean(text, keep="\n"))


def _postgres(url: str, where: str) -> PostgresStore:
    store = by_url(url, where)
    from zconnect_tui.stores.postgres import PostgresStore

    assert isinstance(store, PostgresStore)
    return store


def cmd_store(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    """Dispatch `zconnect store ACTION`."""
    _IO.append(io)
    try:
        return _store(manager, args, io)
    finally:
        _IO.pop()


def _store(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    if args.action == "keygen":
        from zconnect_tui.stores.crypto import KEY_ENV, new_key

        _out(new_key())
        io.err(f"Keep it in {KEY_ENV} on every machine that uses the store (or in the OS keyring: service "
               "zconnect, user store-key). It never goes into the database; without it the secrets do not open.")
        return 0
    if args.action == "init":
        url = args.url or os.environ.get(STORE_ENV, "")
        if not url:
            raise UsageError("zconnect store init needs the database's URL.",
                             "Run: zconnect store init postgresql://user@host/database")
        return _init(_postgres(url, "the URL"))
    if args.url or not args.to:
        raise UsageError("zconnect store migrate takes --to URL or --to file.",
                         "Run: zconnect store migrate --to postgresql://user@host/database (or --to file)")
    if args.to == "file":
        return _to_file(manager, args)
    return _to_database(args, _postgres(args.to, "--to"), io)


def _init(store: PostgresStore) -> int:
    from zconnect_tui.stores import schema
    from zconnect_tui.stores.crypto import key_id, secrets_key

    before, after = schema.init(store, key_id(secrets_key(store.where)))
    if before == after:
        _out(f"{store.where}: the zconnect schema is at version {after} already; nothing to do.")
    elif before == 0:
        _out(f"{store.where}: created the zconnect schema (version {after}). Point zconnect at it with "
             f"{STORE_ENV}={store.where} or `store = \"{store.where}\"` at the top of the connections file, or "
             "move this machine's connections there: zconnect store migrate --to URL")
    else:
        _out(f"{store.where}: migrated the zconnect schema from version {before} to {after}.")
    return 0


def _to_database(args: argparse.Namespace, target: PostgresStore, io: IO) -> int:
    """The connections file's connections into the database, in one transaction; then the file names it."""
    from zconnect_tui.store import Store

    file = Store(args.config)
    delivered: list[Snapshot] = []

    def deliver(snap: Snapshot) -> Callable[[], None]:
        delivered.append(snap)
        names = sorted(snap.connections)

        def take(there: Snapshot) -> None:
            clash = [name for name in names if name in there.connections]
            if clash:
                raise UsageError(f"{target.where} already has {', '.join(clash)}; nothing was moved.",
                                 "Rename or remove those first (there or here).")
            for key, value in snap.data_centers.items():
                if there.data_centers.get(key, value) != value:
                    raise UsageError(f"{target.where} defines the data centre {key!r} differently; nothing was "
                                     "moved.", "Make the two definitions the same first.")
            there.connections.update(snap.connections)
            there.data_centers.update(snap.data_centers)

        target.transaction(take)

        def undo() -> None:
            target.transaction(lambda there: [there.connections.pop(name, None) for name in names])

        return undo

    moved = file.move_out(target.url, deliver)
    if moved == 0 and file.preamble().get("store") == target.url:
        _out(f"{file.path} already names {target.where}; nothing to move.")
        return 0
    _out(f"Moved {moved} connection(s) from {file.path} to {target.where}; the file now names the store "
         "(store = ...), so every command uses it.")
    if delivered and not file.secrets.inline:
        _forget_keyring_copies(file.secrets, delivered[0], io)
    return 0


def _forget_keyring_copies(secrets: SecretStore, moved: Snapshot, io: IO) -> None:
    """Delete the moved connections' secrets from the keyring the file used: the database holds them now
    (sealed), and a copy left behind would outlive a revoke or a `remove` done on the shared store.
    The move has committed, so a keyring that fails here is a note naming what is left, not an error."""
    left: list[str] = []
    reason = ""
    for name, conn in sorted(moved.connections.items()):
        try:
            sync_secrets(secrets, name, secrets_of(conn), {})
        except ConfigError as exc:
            left.append(name)
            reason = exc.one_line()
    if left:
        io.err(clean(f"zconnect: note: the moved secrets of {', '.join(left)} are still in the keyring "
                     f"({secrets.describe()}): {reason}", limit=400))


def _to_file(manager: Manager, args: argparse.Namespace) -> int:
    """The database's connections into the connections file; then they are deleted from the database, in
    the same transaction (a failed commit puts the old file back)."""
    from zconnect_tui.store import Store
    from zconnect_tui.stores.postgres import PostgresStore

    source = manager.store
    if not isinstance(source, PostgresStore):
        raise UsageError(f"{manager.path} is the connections file already; there is no shared store to move from.",
                         f"Set {STORE_ENV} or `store = \"postgresql://…\"` to say which one.")
    file = Store(args.config)
    undo: list[Callable[[], None]] = []

    def take(snap: Snapshot) -> int:
        undo.append(file.move_in(snap))
        count = len(snap.connections)
        snap.connections.clear()
        return count

    try:
        moved = source.transaction(take)
    except BaseException:
        for step in undo:
            step()
        raise
    hint = f" Unset {STORE_ENV} to use it." if os.environ.get(STORE_ENV) else ""
    _out(f"Moved {moved} connection(s) from {source.where} to {file.path}.{hint}")
    return 0
