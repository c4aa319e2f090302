"""`zconnect token [NAME]` when the stored token is still good: no argparse, httpx or Textual.

Scripts call `zconnect token` for every request, so this path imports only `tomllib` and
what the interpreter already has. Anything unusual (no file, an expiring token, a flag we
do not know) returns None and the full CLI takes over, which refreshes under the lock.
The store answers through its own small reader (`store_token.py` for the file; `token_cache.py`,
this machine's cache, for a shared database or secrets in the OS keyring), never through code
here that knows its format. NAME left out is $ZCONNECT_CONNECTION, else the file's top-level
`default` (`zconnect use`).
"""

from __future__ import annotations

import os
import sys

from zconnect_tui.store_token import REFRESH_MARGIN_SECONDS, cached_token, connection_table, fast_answer, preamble

__all__ = ["ENV_CONNECTION", "REFRESH_MARGIN_SECONDS", "cached_token", "config_path", "connection_table",
           "parse_token_argv", "preamble", "try_fast_token"]

ENV_CONNECTION = "ZCONNECT_CONNECTION"
"""The default connection for this environment; before the file's `default` (empty: unset)."""


def config_path(explicit: str | None) -> str:
    """--config, else ZCONNECT_CONFIG, else the platformdirs location.

    On Linux the XDG rule is applied directly because importing platformdirs costs more
    than the whole fast path; tests check it agrees with `store.default_path()`.
    """
    if explicit:
        return os.path.expanduser(explicit)
    env = os.environ.get("ZCONNECT_CONFIG")
    if env:
        return os.path.expanduser(env)
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CONFIG_HOME", "").strip() or os.path.expanduser("~/.config")
        return os.path.join(base, "zconnect", "connections.toml")
    from zconnect_tui.store import default_path

    return str(default_path())


def parse_token_argv(argv: list[str]) -> tuple[str | None, str | None] | None:
    """(config, name) for exactly `[--config F] token [NAME]` (name None when left out), else None."""
    config = None
    args = list(argv)
    if len(args) >= 2 and args[0] == "--config":
        config, args = args[1], args[2:]
    elif args and args[0].startswith("--config="):
        config, args = args[0].split("=", 1)[1], args[1:]
    if len(args) == 2 and args[0] == "token" and not args[1].startswith("-"):
        return config, args[1]
    if args == ["token"]:
        return config, None
    return None


def try_fast_token(argv: list[str]) -> bool:
    """Print the token and return True when the fast path can answer alone."""
    parsed = parse_token_argv(argv)
    if parsed is None:
        return False
    config = parsed[0]
    name = parsed[1] if parsed[1] is not None else os.environ.get(ENV_CONNECTION) or None
    token: str | None = None
    shared: str | None = os.environ.get("ZCONNECT_STORE", "").strip()
    if not shared:
        token, shared = fast_answer(config_path(config), name)
    if token is None and shared and name is not None:
        # A shared database or secrets in the keyring: this machine's cache (token_cache.py) answers until
        # the refresh margin; psycopg and keyring load only in the full CLI (which also finds a default
        # connection kept in the store).
        from zconnect_tui.token_cache import read

        token = read(shared, name)
        if token is None and shared.startswith(("postgresql://", "postgres://")):
            from zconnect_tui.stores.postgres_token import database_token

            token = database_token(shared, name)
    if token is None:
        return False
    sys.stdout.write(token + "\n")
    return True
