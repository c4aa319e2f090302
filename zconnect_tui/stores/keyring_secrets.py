"""Secrets in the OS keyring (`secrets = "keyring"` at the top of the connections file), with the
`keyring` package (the optional extra `zconnect-tui[keyring]`).

Every keyring call runs with a deadline (`ZCONNECT_KEYRING_TIMEOUT`, 10 s): a keyring waiting for an
unlock prompt nobody can see (over SSH, in CI) is an error that names the backend and the fix, never a
hang. There is no fallback to plaintext: a keyring that is missing, fails, or would store nothing
(keyring's `fail` and `null` backends) is an error, and nothing is written anywhere else.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from zconnect_tui.errors import ConfigError
from zconnect_tui.text import clean

T = TypeVar("T")
SERVICE = "zconnect"
TIMEOUT_ENV = "ZCONNECT_KEYRING_TIMEOUT"
DEFAULT_TIMEOUT = 10.0
_NOWHERE = ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring")
"""Backends that store nothing: with them a secret would silently vanish."""
FIX = ("Unlock the keyring, or choose a working backend with PYTHON_KEYRING_BACKEND (`keyring --list-backends` "
       "names them); to do without one, put secrets = \"inline\" at the top of the connections file and set "
       "PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring so nothing waits for a keyring again.")


def timeout_seconds() -> float:
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    try:
        value = float(raw) if raw else DEFAULT_TIMEOUT
    except ValueError:
        value = float("nan")
    if not 0 < value <= 600:
        raise ConfigError(f"{TIMEOUT_ENV}={clean(raw, limit=40)!r} is not a number of seconds from 0 to 600.",
                          "Fix or unset it.")
    return value


def _keyring() -> Any:
    try:
        import keyring
    except ImportError:
        raise ConfigError("The connections file asks for the OS keyring, but the `keyring` package is not "
                          "installed.", "Install it: pip install 'zconnect-tui[keyring]'.") from None
    return keyring


def backend_name(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def call(what: str, fn: Callable[[Any], T]) -> T:
    """`fn(keyring)` in a worker thread with a deadline; a hang or a failure is one ConfigError naming the backend."""
    keyring = _keyring()
    limit = timeout_seconds()
    done: list[tuple[bool, Any]] = []
    backend: list[str] = []

    def work() -> None:
        try:
            chosen = keyring.get_keyring()
            backend.append(backend_name(chosen))
            if backend[0] in _NOWHERE:
                raise ConfigError(f"The keyring backend {backend[0]} stores nothing, so zconnect keeps no "
                                  "secret there (and none in plain text instead).", FIX)
            done.append((True, fn(keyring)))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread below
            done.append((False, exc))

    worker = threading.Thread(target=work, name="zconnect-keyring", daemon=True)
    worker.start()
    worker.join(limit)
    name = backend[0] if backend else "(still loading)"
    if not done:
        raise ConfigError(f"The OS keyring ({name}) did not answer within {limit:g} s while {what} (waiting for "
                          "an unlock prompt?).", FIX)
    ok, value = done[0]
    if ok:
        return value  # type: ignore[no-any-return]  # fn's own result
    if isinstance(value, ConfigError):
        raise value
    raise ConfigError(f"The OS keyring ({name}) failed while {what}: {clean(str(value), limit=160)}.", FIX) from None


def keyring_get(service: str, user: str, *, optional: bool = False) -> str | None:
    """One keyring entry; with `optional`, a missing `keyring` package or a backend that stores nothing is None."""
    if optional:
        try:
            import keyring
        except ImportError:
            return None
        if backend_name(keyring.get_keyring()) in _NOWHERE:
            return None
    found = call(f"reading {user}", lambda k: k.get_password(service, user))
    return found if isinstance(found, str) else None


class KeyringSecrets:
    """A `SecretStore` in the OS keyring: service `zconnect`, user `STORE:NAME:KIND` (STORE names the
    connections file, so two files on one machine do not share entries)."""

    inline = False

    def __init__(self, store_id: str) -> None:
        self.store_id = store_id

    def describe(self) -> str:
        try:
            return f"keyring ({backend_name(_keyring().get_keyring())})"
        except ConfigError:
            return "keyring (not installed)"

    def _user(self, name: str, kind: str) -> str:
        return f"{self.store_id}:{name}:{kind}"

    def get(self, name: str, kind: str) -> str | None:
        user = self._user(name, kind)
        found = call(f"reading {name}'s {kind}", lambda k: k.get_password(SERVICE, user))
        return found if isinstance(found, str) else None

    def set(self, name: str, kind: str, value: str) -> None:
        user = self._user(name, kind)
        call(f"storing {name}'s {kind}", lambda k: k.set_password(SERVICE, user, value))

    def delete(self, name: str, kind: str) -> None:
        user = self._user(name, kind)

        def forget(k: Any) -> None:
            try:
                k.delete_password(SERVICE, user)
            except k.errors.PasswordDeleteError:
                pass  # already gone

        call(f"deleting {name}'s {kind}", forget)
