"""A per-machine cache of access tokens for stores whose `token` cannot be read from a local file
(a shared database, secrets in the OS keyring): `zconnect token` answers from it without importing
psycopg or keyring.

One file per store and connection, `$XDG_CACHE_HOME/zconnect/tokens/<sha256 of store and name>`, mode 0600
in a 0700 directory, written atomically: `v1 EXPIRES_AT_EPOCH TOKEN`. It is read only while the token has
more than the refresh margin left, only if this user owns it and nobody else can read it. The store
writes it when it hands out a token and drops it when that connection's token changes here. It holds
no client secret and no refresh token. Imports nothing of zconnect (the fast path reads it).
"""

from __future__ import annotations

import os
import sys
import time

try:  # the built-in SHA-256: hashlib would first load OpenSSL, about a fifth of the fast path's time
    from _sha2 import sha256  # type: ignore[import-not-found]  # CPython 3.12+'s private module: no stub
except ImportError:  # pragma: no cover - by version
    try:
        from _sha256 import sha256  # type: ignore[import-not-found]  # CPython 3.11's private module: no stub
    except ImportError:
        from hashlib import sha256

REFRESH_MARGIN_SECONDS = 300  # keep in step with model.REFRESH_MARGIN


def cache_dir() -> str:
    if sys.platform.startswith("linux"):
        base = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return os.path.join(base, "zconnect", "tokens")
    from platformdirs import user_cache_dir  # pragma: no cover - other systems

    return os.path.join(user_cache_dir("zconnect"), "tokens")  # pragma: no cover


def entry(store: str, name: str) -> str:
    digest = sha256(f"zconnect-token\0{store}\0{name}".encode()).hexdigest()[:40]
    return os.path.join(cache_dir(), digest)


def read(store: str, name: str) -> str | None:
    """The cached token while more than the margin is left, else None."""
    try:
        fd = os.open(entry(store, name), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        data = os.read(fd, 4096)
    except OSError:
        return None
    finally:
        os.close(fd)
    if sys.platform != "win32" and (info.st_mode & 0o077 or info.st_uid != os.geteuid()):
        return None
    parts = data.decode("ascii", "replace").split()
    if len(parts) != 3 or parts[0] != "v1":
        return None
    try:
        expires = float(parts[1])
    except ValueError:
        return None
    token = parts[2]
    if expires - time.time() <= REFRESH_MARGIN_SECONDS or not (token.isascii() and token.isprintable()):
        return None
    return token


def write(store: str, name: str, token: str, expires_at: float) -> None:
    """Keep `token` (best effort: a cache that cannot be written only costs a store read next time)."""
    if not token or not (token.isascii() and token.isprintable()) or " " in token:
        return
    import tempfile  # only a write needs it (the fast path only reads)

    path = entry(store, name)
    directory = os.path.dirname(path)
    try:
        _make_dirs(directory)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    except OSError:
        return
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(f"v1 {expires_at:.0f} {token}\n")
        os.replace(tmp, path)
    except OSError:
        _unlink(tmp)


def drop(store: str, name: str) -> None:
    _unlink(entry(store, name))


def _unlink(path: str) -> None:
    try:  # not contextlib.suppress: contextlib costs the fast path more than this whole module
        os.unlink(path)
    except OSError:
        pass


def _make_dirs(directory: str) -> None:
    missing = []
    while not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
            os.chmod(path, 0o700)
        except FileExistsError:
            pass
