"""The file store's read-only answer for `zconnect token`'s fast path (part of store.py's file store).

It reads one connection's access token from the TOML bytes without parsing the whole file and
imports only `tomllib` and `re`: nothing else of zconnect, so the fast path stays fast. Anything
it is not sure of returns None and the full CLI (store.py) answers.
"""

from __future__ import annotations

import os
import sys
from typing import Any

REFRESH_MARGIN_SECONDS = 300  # keep in step with model.REFRESH_MARGIN


def preamble(data: bytes, key: str | None = None) -> dict[str, Any] | None:
    """The keys before the file's first table (`version`, `store`, `secrets`, `default`, …), or None when
    only a full parse can tell (multi-line strings) or the preamble does not parse. With `key`, text
    without it answers {} without loading tomllib (`list` reads an index, not the TOML)."""
    import re

    if b'"""' in data or b"'''" in data:
        return None
    first = re.search(rb"\n[ \t]*\[", b"\n" + data)
    head = data[: first.start() if first else len(data)]
    if key is not None and key.encode() not in head:
        return {}
    import tomllib

    try:
        return tomllib.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):  # the full CLI reports the file
        return None


def tokens_elsewhere(head: dict[str, Any], path: str) -> str | None:
    """The token cache's name for the store when the file says tokens are not in it: the database's URL
    (`store = "postgresql://…"`), or the file itself when its secrets are in the OS keyring."""
    store = head.get("store")
    if isinstance(store, str):
        return store
    if head.get("secrets") == "keyring":
        return "file:" + os.path.realpath(path)
    return None


def connection_table(data: bytes, name: str | None) -> dict[str, Any] | None:
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
    """The stored access token if it is valid for more than 5 minutes, else None (`fast_answer`'s first half)."""
    return fast_answer(path, name)[0]


def fast_answer(path: str, name: str | None) -> tuple[str | None, str | None]:
    """(the stored access token if it is valid for more than 5 minutes, else None; the token cache's name
    for the store when the file says its tokens are elsewhere, else None).

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
        return None, None
    me = os.geteuid() if sys.platform != "win32" else None
    if me is not None and (info.st_mode & 0o077 or info.st_uid != me or dir_owner != me):
        return None, None
    head = preamble(data)
    elsewhere = tokens_elsewhere(head, path) if head else None
    if elsewhere is not None:
        return None, elsewhere
    conn = connection_table(data, name)
    if not isinstance(conn, dict) or conn.get("status") != "authorized":
        return None, None
    token = conn.get("token")
    if not isinstance(token, dict):
        return None, None
    access, expires = token.get("access_token"), token.get("expires_at")
    if not isinstance(access, str) or not access or not isinstance(expires, datetime) or expires.tzinfo is None:
        return None, None
    if not (access.isascii() and access.isprintable()) or " " in access:
        return None, None
    if (expires - datetime.now(UTC)).total_seconds() <= REFRESH_MARGIN_SECONDS:
        return None, None
    return access, None
