"""A keyring backend that never answers, as one waiting for an unlock prompt nobody sees (PYTHON_KEYRING_BACKEND=
slow_keyring.SlowKeyring, with tests/ on PYTHONPATH)."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend


class SlowKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]  # keyring declares it as a classproperty

    def get_password(self, service: str, username: str) -> str | None:
        threading.Event().wait()  # forever: the caller's deadline must end it
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        threading.Event().wait()

    def delete_password(self, service: str, username: str) -> None:
        threading.Event().wait()
