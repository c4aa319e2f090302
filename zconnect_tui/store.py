"""The connections file: crash-safe, lock-protected TOML; the file implementation of `stores.base.ConnectionStore`.

Only this module (and `store_token.py`, its read-only answer for `zconnect token`'s fast path, and
`listing.py`, its index) reads or writes the file. Secrets stay inline in each connection's table,
unless the file starts with `secrets = "keyring"`: then they live in the OS keyring
(`stores/keyring_secrets.py`) and each table lists the kinds it has there (`keyring = [...]`).

Rules (PRODUCT.md "Storage"):
- directory 0700, file 0600, written atomically (temp file in the same directory, fsync, rename);
- every read-modify-write holds a cross-process lock and re-reads the file under it;
- a file that does not parse is never overwritten.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from zconnect_tui.errors import ConfigError
from zconnect_tui.model import NAME_RE, Connection
from zconnect_tui.model_table import from_table
from zconnect_tui.store_keyring import KeyringFile
from zconnect_tui.store_moves import Moves
from zconnect_tui.stores.base import InlineSecrets, SecretStore, Snapshot, SnapshotEdits, secrets_of, sync_secrets
from zconnect_tui.text import clean

FORMAT_VERSION = 1
T = TypeVar("T")
__all__ = ["FORMAT_VERSION", "Snapshot", "Store", "default_path"]  # Snapshot: stores.base's, named here as before


def default_path() -> Path:
    """`ZCONNECT_CONFIG`, else `user_config_dir("zconnect")/connections.toml`."""
    env = os.environ.get("ZCONNECT_CONFIG")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("zconnect")) / "connections.toml"


class Store(KeyringFile, Moves, SnapshotEdits):
    """Reads and writes one connections file (a `ConnectionStore`; `FileStore` names it too)."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.last_lock_wait = 0.0
        """Seconds the last `transaction` waited for the lock (reported by benchmarks)."""
        self.secrets: SecretStore = InlineSecrets(self)

    def describe(self) -> str:
        return str(self.path)

    def preamble(self, key: str | None = None) -> dict[str, Any]:
        """The keys before the file's first table (`store`, `secrets`, …), without parsing the rest. With
        `key`, text without it answers {} without loading a TOML parser (`list` stays on its index)."""
        from zconnect_tui.store_token import preamble

        raw = self._read()
        if raw is None:
            return {}
        head = preamble(raw, key)
        if head is None:
            head = {k: v for k, v in self._doc(raw).items() if not isinstance(v, dict)}
        return head

    def top_level(self, key: str) -> object:
        """The top-level `key` (`default`), read from the text before the first table when it parses alone."""
        return self.preamble(key).get(key)

    def fast_token(self, name: str) -> str | None:
        """`name`'s stored access token when it is good for more than the refresh margin, read without
        parsing the whole file (what `zconnect token`'s fast path calls, through `store_token`)."""
        from zconnect_tui.store_token import cached_token

        return cached_token(str(self.path), name)

    # ----- reading ----------------------------------------------------------------------
    def load(self) -> Snapshot:
        """Parse the file (a missing file is an empty store)."""
        raw = self._read()
        return Snapshot() if raw is None else self._parse(raw)

    def _read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(f"Cannot read {self.path}: {exc.strerror}.", "Check its permissions.") from None

    def _doc(self, raw: bytes) -> dict[str, Any]:
        import tomllib  # here, not at the top: a new user (no file yet) starts without it (#10)

        try:
            return tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise ConfigError(f"{self.path} is not UTF-8 text.", self._untouched()) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{self.path} does not parse: {exc}.", self._untouched()) from None
        except RecursionError:  # tomllib recurses once per level: 50,000 nested `[` would end in a traceback
            raise ConfigError(f"{self.path} is nested too deeply to read (arrays or tables hundreds of levels "
                              "inside each other).", self._untouched()) from None

    def _parse(self, raw: bytes) -> Snapshot:
        doc = self._doc(raw)
        if "store" in doc:  # the connections are in a database; this file only names it (store_choice.open_store)
            raise ConfigError(f"{self.path} names a shared store (store = ...); its connections are there.",
                              "Use zconnect without --config FILE pointing at a copy, or move them back with "
                              "`zconnect store migrate --to file`.")
        self.secrets = self._secrets_for(doc.get("secrets", "inline"))
        self._in_keyring: dict[str, dict[str, str]] = {}
        """What each connection has in the keyring now (kind -> value): a transaction writes only the rest."""
        version = doc.get("version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ConfigError(
                f"{self.path} has format version {version!r}; this zconnect reads up to {FORMAT_VERSION}.",
                "Upgrade zconnect; the file was left untouched.",
            )
        tables = doc.get("connections", {})
        dcs = doc.get("data_centers", {})
        if not isinstance(tables, dict) or not isinstance(dcs, dict):
            raise ConfigError(f"{self.path}: [connections] and [data_centers] must be tables.", self._untouched())
        conns: dict[str, Connection] = {}
        for name, table in tables.items():
            if not re.match(NAME_RE, name):
                # Escaped, not dropped: "desk\u200b" must not read as "desk" in the error.
                shown = clean(name, limit=70, escape=True)
                raise ConfigError(f"{self.path}: '{shown}' is not a usable connection name.",
                                  "Use letters, digits, '-' and '_'; zconnect will not overwrite the file.")
            if not isinstance(table, dict):
                raise ConfigError(f"{self.path}: [connections.{name}] must be a table.", self._untouched())
            conns[name] = from_table(name, table)
            if "keyring" in table:  # kept in the keyring by a `secrets = "keyring"` file, whatever it says now
                self._fill_from_keyring(conns[name], table["keyring"])
        extra = {k: v for k, v in doc.items() if k not in ("version", "connections", "data_centers")}
        snapshot = Snapshot(conns, dcs, extra)
        snapshot.dcs()  # validate early: a bad custom DC is an error at load, not at use
        return snapshot

    def listing(self) -> list[Connection]:
        """The connections for `zconnect list`: from the index when it matches the file, else parsed."""
        from zconnect_tui.listing import read_index, write_index

        raw = self._read()
        if raw is None:
            return []
        listed = read_index(self.path, raw)
        if listed is None:
            listed = list(self._parse(raw).connections.values())
            write_index(self.path, raw, listed)
        return listed

    def _untouched(self) -> str:
        return "Fix it by hand (or move it away); zconnect will not overwrite it."

    def warnings(self) -> list[str]:
        """What a user should know about the file and its directory: readable by others (it holds
        secrets), or owned by another user (who can read and change every connection)."""
        if sys.platform == "win32":  # pragma: no cover - POSIX modes and owners only
            return []
        found = []
        try:
            info = self.path.stat()
        except OSError:
            info = None
        if info is not None and stat.S_IMODE(info.st_mode) & 0o077:
            found.append(f"warning: {self.path} is readable by others (mode {stat.S_IMODE(info.st_mode):o}); "
                         f"it holds secrets. Run: chmod 600 {self.path}")
        me = os.geteuid()
        for what, path in (("file", self.path), ("directory", self.path.parent)):
            try:
                owner = path.stat().st_uid
            except OSError:
                continue
            if owner != me:
                found.append(f"warning: the connections {what} {path} belongs to user id {owner}, not to you "
                             f"({me}): that user can read and change your connections. Check how it got there.")
        return found

    # ----- writing ----------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the cross-process lock for a read-modify-write (a sidecar `.lock` file, so renames never race it).

        Held only while the file is re-read and written, never across a call to Zoho.
        """
        started = time.monotonic()
        with self._hold(self.lock_path):
            self.last_lock_wait = time.monotonic() - started
            yield

    @contextlib.contextmanager
    def refresh_lock(self, name: str) -> Iterator[None]:
        """Hold connection `name`'s refresh lock: one refresh (or revoke) of it at Zoho at a time, across
        processes, while other connections, `add` and `list` go on (they never wait for Zoho)."""
        self.load().get(name)  # a name that is not stored (`../x` included) never becomes a lock file
        with self._hold(self.path.with_name(f"{self.path.name}.{name}.refresh.lock")):
            yield

    def _hold(self, path: Path) -> contextlib.AbstractContextManager[None]:
        self._ensure_dir()
        try:
            # O_NOFOLLOW: a lock "file" planted as a symlink must not make us create or open its target.
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0),
                         0o600)
        except OSError as exc:
            kind = "a symbolic link" if path.is_symlink() else "a directory" if path.is_dir() else "not usable"
            raise ConfigError(f"The lock file {path} is {kind} ({exc.strerror}).",
                              "Remove it (zconnect recreates it) or check the directory's permissions.") from None
        return _locked(fd, path)

    def transaction(self, change: Callable[[Snapshot], T]) -> T:
        """Lock, re-read, apply `change` to the fresh snapshot, write atomically, unlock.

        `change` may raise to abort: nothing is written then.
        """
        with self.lock():
            self._remove_orphans()
            raw = self._read()
            snap = Snapshot() if raw is None else self._parse(raw)
            held = dict(getattr(self, "_in_keyring", {}))
            result = change(snap)
            if not self.secrets.inline:  # the keyring first: a file that lists a secret always has it there
                for name in held.keys() | snap.connections.keys():
                    after = secrets_of(snap.connections[name]) if name in snap.connections else {}
                    sync_secrets(self.secrets, name, held.get(name, {}), after)
                    if held.get(name, {}).get("access_token") != after.get("access_token"):
                        from zconnect_tui import token_cache

                        token_cache.drop(self.keyring_id(), name)
            data = self._serialise(snap)
            if data != raw:  # e.g. a `token` call that found another process had refreshed
                self._write(data)
                from zconnect_tui.listing import write_index

                write_index(self.path, data, list(snap.connections.values()))
            return result

    def _ensure_dir(self) -> None:
        """Create missing directories 0700, each of them (mkdir's `parents` would use the umask's mode)."""
        missing = []
        directory = self.path.parent
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for directory in reversed(missing):
            try:
                os.mkdir(directory, 0o700)
                os.chmod(directory, 0o700)  # a umask such as 0o777 would leave it unusable
            except FileExistsError:
                continue
            except OSError as exc:
                raise ConfigError(f"Cannot create the directory {directory}: {exc.strerror}.",
                                  "Check its parent's permissions, or choose another file with --config.") from None

    def _target(self) -> Path:
        """The file a save replaces: a symlinked connections file (dotfiles) is written through, the link kept."""
        return Path(os.path.realpath(self.path)) if self.path.is_symlink() else self.path

    def _serialise(self, snap: Snapshot) -> bytes:
        doc: dict[str, Any] = {"version": FORMAT_VERSION, **snap.extra}
        if snap.data_centers:
            doc["data_centers"] = snap.data_centers
        if snap.connections or "store" not in snap.extra:  # a file that names a store holds no table of its own
            doc["connections"] = {name: self._table(c) for name, c in sorted(snap.connections.items())}
        import tomli_w  # only a write needs it: reading (the fast paths, a first frame) does not

        try:
            return tomli_w.dumps(doc).encode("utf-8")
        except RecursionError:  # a kept unknown key that tomllib could just read, a few hundred levels deep
            raise ConfigError(f"{self.path} holds a value nested too deeply to write back.",
                              "Remove it by hand; nothing was changed.") from None

    def count_refresh(self, name: str, refresh_token: str) -> None:
        """Nothing to count: copies of a file cannot share a budget (a shared store does, postgres.py)."""

    def _write(self, data: bytes) -> None:
        target = self._target()
        try:
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        except OSError as exc:
            raise ConfigError(f"Cannot write {target}: {exc.strerror}.",
                              "Check the directory's permissions; nothing was changed.") from None
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                # Without this fsync a power cut after the rename can leave an empty or partial file
                # under the real name (the rename reaches the disk before the data). No test can
                # pull the power, so none would notice it missing: keep it.
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                raise ConfigError(f"Cannot write {target}: {exc.strerror}.", "Nothing was changed.") from None
            raise
        _fsync_dir(target.parent)

    def _remove_orphans(self) -> None:
        """Delete temp files left by writers that were killed mid-save (we hold the lock)."""
        target = self._target()
        # The list index's temp files sit beside self.path (listing.py), which differs from the
        # target's directory when connections.toml is a symlink.
        orphans = [*target.parent.glob(f".{target.name}.*.tmp"),
                   *self.path.parent.glob(f".{self.path.name}.index.*.tmp")]
        for orphan in orphans:
            with contextlib.suppress(OSError):
                orphan.unlink()


@contextlib.contextmanager
def _locked(fd: int, path: Path) -> Iterator[None]:
    try:
        try:
            _lock_fd(fd)
        except OSError as exc:
            raise ConfigError(f"Cannot lock {path}: {exc.strerror}.", "Check the directory's permissions.") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _lock_fd(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                return
            except OSError:
                continue
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_EX)


def _fsync_dir(directory: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


FileStore = Store
