"""The default connection: what a command uses when its NAME is left out, and `zconnect use`.

As `GH_HOST` and gh's active account do for gh: `ZCONNECT_CONNECTION` (this shell, a CI job)
first, else the file's top-level `default = "NAME"` (`zconnect use NAME`). The `token` fast
path (fastpath.py) reads both the same way.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import TYPE_CHECKING

from zconnect_tui.errors import ConfigError, NoSuchConnection, UsageError
from zconnect_tui.fastpath import ENV_CONNECTION
from zconnect_tui.model import NAME_RE
from zconnect_tui.text import clean

if TYPE_CHECKING:
    from zconnect_tui.cli_io import IO
    from zconnect_tui.manager import Manager
    from zconnect_tui.store import Snapshot

KEY = "default"
"""The file's top-level key (kept by the store with the other top-level keys it does not use itself)."""
SET_BY_USE = "set with `zconnect use`"


def stored_default(manager: Manager) -> str | None:
    """The store's `default` (the file's: read from the top of the file, a full parse only when that does not
    parse alone)."""
    value = manager.top_level(KEY)
    if value is None:
        return None
    if not isinstance(value, str) or not re.match(NAME_RE, value):
        shown = clean(repr(value), limit=70, escape=True)
        raise ConfigError(f"{manager.path}: default = {shown} is not a connection name.",
                          "Set it with `zconnect use NAME`, or remove the line.")
    return value


def current(manager: Manager) -> tuple[str, str] | None:
    """(name, where it comes from) of the default connection, or None when there is none."""
    env = os.environ.get(ENV_CONNECTION, "")
    if env:
        return env, f"from {ENV_CONNECTION}"
    stored = stored_default(manager)
    return (stored, SET_BY_USE) if stored else None


def resolve(manager: Manager, command: str) -> str:
    """The name for a command whose NAME was left out: the default, which must exist."""
    found = current(manager)
    if found is None:
        raise UsageError(f"`zconnect {command}` needs a connection NAME (no default is set).",
                         f"Give one (see `zconnect list`), or set a default: `zconnect use NAME` or "
                         f"{ENV_CONNECTION}=NAME.")
    name, source = found
    snap = manager.snapshot()
    if name not in snap.connections:
        known = ", ".join(sorted(snap.connections)) or "none yet"
        fix = f"unset {ENV_CONNECTION} or set it to one of these" if source.startswith("from") else \
            "choose another with `zconnect use NAME`"
        raise NoSuchConnection(f"The default connection {clean(name, limit=70, escape=True)!r} ({source}) does "
                               f"not exist (known: {known}).", f"Give a NAME, or {fix}.")
    return name


def cmd_use(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    """`zconnect use NAME` sets the default; `--clear` forgets it; alone, says which it is."""
    if args.clear:
        if args.name is not None:
            raise UsageError("--clear forgets the default; it takes no NAME.", "Write: zconnect use --clear")
        manager.store.transaction(lambda snap: snap.extra.pop(KEY, None))
        io.out("No default connection now: give each command its NAME.")
        return 0
    if args.name is None:
        found = current(manager)
        if found is None:
            io.out("No default connection. Set one: zconnect use NAME")
        else:
            io.out(clean(f"{found[0]} ({found[1]})"))
        return 0

    def change(snap: Snapshot) -> None:
        snap.get(args.name)  # an unknown name: NoSuchConnection, nothing written
        snap.extra[KEY] = args.name

    manager.store.transaction(change)
    io.out(clean(f"{args.name} is the default connection: a command without NAME uses it "
                 f"(`zconnect token`, `zconnect api /api/…`)."))
    env = os.environ.get(ENV_CONNECTION, "")
    if env and env != args.name:
        io.err(clean(f"zconnect: note: {ENV_CONNECTION}={env} overrides it in this environment."))
    return 0
