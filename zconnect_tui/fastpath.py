"""`zconnect token NAME` when the stored token is still good: no argparse, httpx or Textual.

Scripts call `zconnect token` for every request, so this path imports only `tomllib` and
what the interpreter already has. Anything unusual (no file, an expiring token, a flag we
do not know) returns None and the full CLI takes over, which refreshes under the lock.
"""

from __future__ import annotations

import os
import sys

REFRESH_MARGIN_SECONDS = 300  # keep in step with model.REFRESH_MARGIN


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


def parse_token_argv(argv: list[str]) -> tuple[str | None, str] | None:
    """(config, name) for exactly `[--config F] token NAME`, else None."""
    config = None
    args = list(argv)
    if len(args) >= 2 and args[0] == "--config":
        config, args = args[1], args[2:]
    elif args and args[0].startswith("--config="):
        config, args = args[0].split("=", 1)[1], args[1:]
    if len(args) == 2 and args[0] == "token" and not args[1].startswith("-"):
        return config, args[1]
    return None


def cached_token(path: str, name: str) -> str | None:
    """The stored access token if it is valid for more than 5 minutes, else None."""
    import tomllib
    from datetime import UTC, datetime

    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
            info = os.fstat(fh.fileno())
            dir_owner = os.stat(os.path.dirname(os.path.abspath(path))).st_uid
    except (OSError, ValueError):
        return None
    me = os.geteuid() if sys.platform != "win32" else None
    if me is not None and (info.st_mode & 0o077 or info.st_uid != me or dir_owner != me):
        return None  # a loosened mode or another owner: the full CLI says so (Store.warnings), then answers
    conn = doc.get("connections", {}).get(name) if isinstance(doc.get("connections"), dict) else None
    if not isinstance(conn, dict) or conn.get("status") != "authorized":
        return None
    token = conn.get("token")
    if not isinstance(token, dict):
        return None
    access, expires = token.get("access_token"), token.get("expires_at")
    if not isinstance(access, str) or not access or not isinstance(expires, datetime) or expires.tzinfo is None:
        return None
    if not (access.isascii() and access.isprintable()) or " " in access:
        return None  # never print control characters: the full CLI reports the file as broken
    if (expires - datetime.now(UTC)).total_seconds() <= REFRESH_MARGIN_SECONDS:
        return None
    return access


def try_fast_token(argv: list[str]) -> bool:
    """Print the token and return True when the fast path can answer alone."""
    parsed = parse_token_argv(argv)
    if parsed is None:
        return False
    token = cached_token(config_path(parsed[0]), parsed[1])
    if token is None:
        return False
    sys.stdout.write(token + "\n")
    return True
