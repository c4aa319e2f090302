"""`zconnect token [NAME]` when the stored token is still good: no argparse, httpx or Textual.

Scripts call `zconnect token` for every request, so this path imports only `tomllib` and
what the interpreter already has. Anything unusual (no file, an expiring token, a flag we
do not know) returns None and the full CLI takes over, which refreshes under the lock.
NAME left out is $ZCONNECT_CONNECTION, else the file's top-level `default` (`zconnect use`).
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


ENV_CONNECTION = "ZCONNECT_CONNECTION"
"""The default connection for this environment; before the file's `default` (empty: unset)."""


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


def preamble(data: bytes, key: str) -> dict[str, object] | None:
    """The file's top-level keys, parsed from the text before its first table, if `key` may be among them.

    TOML puts every top-level key before the first table header, so this is the whole file's
    answer for them; None when that text does not parse alone (e.g. a multi-line string). Text
    without `key` in it answers {} without loading tomllib (`list` reads an index, not the TOML).
    """
    import re

    first = re.search(rb"(?:^|\n)[ \t]*\[", data)
    head = data[: first.start() if first else len(data)]
    if key.encode() not in head:
        return {}
    import tomllib

    try:
        return tomllib.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):  # the full parse reports it
        return None


def connection_table(data: bytes, name: str | None) -> dict[str, object] | None:
    """`[connections.NAME]` (with its sub-tables) parsed from the file's bytes, without parsing the rest.

    tomllib on a file of 1,000 connections takes longer than the whole fast path, so only the
    preamble (for `version`) and NAME's own tables are parsed. The file is the one zconnect
    writes; anything that could make this slice disagree with a full parse returns None and the
    full CLI answers: multi-line strings (a header could hide in one), `[connections]` itself,
    quoted keys or arrays of tables, `connections` keys in the preamble, or a slice that does
    not parse. The searches run in C (a Python loop over 2,000 headers would cost more than
    the parse it saves). The rest of the file is not validated here. NAME None is the file's `default`.
    """
    import re
    import tomllib

    if b'"""' in data or b"'''" in data:
        return None
    # Patterns start with a literal "\n" (the text gets one in front): the regex engine then jumps
    # from newline to newline instead of trying `^` at every byte, 10x faster on a large file.
    text = b"\n" + data
    # Shapes zconnect never writes, where a slice could read differently: `[[…]]`, a header
    # starting with a quote, `[connections]` itself, a quote anywhere in a `[connections…]` header.
    unsafe = rb"""\n[ \t]*\[(?:\[|[ \t]*["']|[ \t]*connections[ \t]*\]|[ \t]*connections[^\n]*["'])"""
    if re.search(unsafe, text):
        return None
    header = re.compile(rb"\n[ \t]*\[")  # any line that could open a table (or an array element)
    first = header.search(text)
    if first is None:
        return None
    try:
        head = tomllib.loads(text[: first.start() + 1].decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):  # the full CLI reports the file
        return None
    if "connections" in head or head.get("version", 1) != 1:
        return None
    if name is None:
        name = head.get("default")
        if not isinstance(name, str) or not name:
            return None  # no default (or not a name): the full CLI says what to do
    mine = rb"\n[ \t]*\[[ \t]*connections[ \t]*\.[ \t]*" + re.escape(name.encode()) + rb"[ \t]*([\].])"
    pieces: list[bytes] = []
    ours = False
    for match in re.finditer(mine, text):
        following = header.search(text, match.end())
        pieces.append(text[match.start() + 1:following.start() + 1 if following else len(text)])
        ours = ours or match.group(1) == b"]"
    if not ours:
        return None
    try:
        doc = tomllib.loads(b"".join(pieces).decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):  # the full CLI reports the file
        return None
    conn = doc.get("connections", {}).get(name)
    return conn if isinstance(conn, dict) else None


def cached_token(path: str, name: str | None) -> str | None:
    """The stored access token if it is valid for more than 5 minutes, else None.

    #8's checks hold here too, at the cost of one fstat and one stat: a loosened mode, or a file or
    directory owned by someone else, returns None so the full CLI warns (`Store.warnings`) and
    answers; a token with control characters is never printed (the full CLI reports the file).
    """
    from datetime import UTC, datetime

    try:
        with open(path, "rb") as fh:
            data = fh.read()
            info = os.fstat(fh.fileno())
        dir_owner = os.stat(os.path.dirname(os.path.abspath(path))).st_uid
    except OSError:
        return None
    me = os.geteuid() if sys.platform != "win32" else None
    if me is not None and (info.st_mode & 0o077 or info.st_uid != me or dir_owner != me):
        return None
    conn = connection_table(data, name)
    if not isinstance(conn, dict) or conn.get("status") != "authorized":
        return None
    token = conn.get("token")
    if not isinstance(token, dict):
        return None
    access, expires = token.get("access_token"), token.get("expires_at")
    if not isinstance(access, str) or not access or not isinstance(expires, datetime) or expires.tzinfo is None:
        return None
    if not (access.isascii() and access.isprintable()) or " " in access:
        return None
    if (expires - datetime.now(UTC)).total_seconds() <= REFRESH_MARGIN_SECONDS:
        return None
    return access


def try_fast_token(argv: list[str]) -> bool:
    """Print the token and return True when the fast path can answer alone."""
    parsed = parse_token_argv(argv)
    if parsed is None:
        return False
    name = parsed[1] if parsed[1] is not None else os.environ.get(ENV_CONNECTION) or None
    token = cached_token(config_path(parsed[0]), name)
    if token is None:
        return False
    sys.stdout.write(token + "\n")
    return True
