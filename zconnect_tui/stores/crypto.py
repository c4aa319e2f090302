"""Secrets at rest in a shared store: AES-256-GCM (the `cryptography` package) with a key that never
lives in the database (`ZCONNECT_STORE_KEY`, or the OS keyring).

Each connection's secrets are one sealed blob: a version byte, a 12-byte random nonce, then the
ciphertext and its tag. The connection's name is the associated data, so a blob copied onto another
row does not open. The store keeps only the key's id (the first 16 hex digits of its SHA-256), which
tells a wrong key from a damaged row in one line and gives nothing of the key away.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from zconnect_tui.errors import ConfigError

KEY_ENV = "ZCONNECT_STORE_KEY"
KEYRING_SERVICE, KEYRING_KEY_USER = "zconnect", "store-key"
"""Where `secrets_key` looks in the OS keyring when ZCONNECT_STORE_KEY is not set."""
_VERSION = b"\x01"
_NONCE = 12


def new_key() -> str:
    """A fresh key, as `zconnect store keygen` prints it: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def parse_key(text: str, where: str) -> bytes:
    """The 32 bytes of a key written as `new_key` writes it; a one-line ConfigError otherwise."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ConfigError(f"{where} is not a zconnect store key (44 characters of URL-safe base64).",
                          "Make one with `zconnect store keygen`.")
    return raw


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"zconnect-store-key\0" + key).hexdigest()[:16]


def secrets_key(store: str) -> bytes:
    """The key for `store`'s secrets: ZCONNECT_STORE_KEY, else the OS keyring's `zconnect`/`store-key` entry."""
    text = os.environ.get(KEY_ENV, "")
    if text.strip():
        return parse_key(text, KEY_ENV)
    from zconnect_tui.stores.keyring_secrets import keyring_get

    found = keyring_get(KEYRING_SERVICE, KEYRING_KEY_USER, optional=True)
    if found:
        return parse_key(found, f"The OS keyring's {KEYRING_SERVICE}/{KEYRING_KEY_USER} entry")
    raise ConfigError(f"No key for the secrets in {store}: set {KEY_ENV}, or keep the key in the OS keyring "
                      f"(service {KEYRING_SERVICE!r}, user {KEYRING_KEY_USER!r}).",
                      "A new store's key comes from `zconnect store keygen`; an existing store needs the key it "
                      "was made with.")


class Sealer:
    """Seals and opens one connection's secrets with one key."""

    def __init__(self, key: bytes, store: str) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._aead = AESGCM(key)
        self.key_id = key_id(key)
        self._store = store

    def seal(self, name: str, plaintext: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext, _aad(name))

    def open(self, name: str, blob: bytes) -> bytes:
        from cryptography.exceptions import InvalidTag

        if blob[:1] != _VERSION or len(blob) < 1 + _NONCE + 16:
            raise ConfigError(f"The secrets of {name!r} in {self._store} are not in a form this zconnect reads.",
                              "Upgrade zconnect, or authorize the connection again.")
        try:
            return self._aead.decrypt(blob[1:1 + _NONCE], blob[1 + _NONCE:], _aad(name))
        except InvalidTag:
            raise ConfigError(f"The secrets of {name!r} in {self._store} do not open with this key (changed "
                              "outside zconnect?).", "Authorize the connection again; nothing was changed.") from None


def _aad(name: str) -> bytes:
    return b"zconnect:v1:" + name.encode("utf-8")


def wrong_key(store: str, stored_id: str, mine: str) -> ConfigError:
    """The one-line error for a key other than the store's."""
    return ConfigError(f"{KEY_ENV} (key id {mine}) is not the key of {store} (key id {stored_id}).",
                       "Use the key the store was made with; nothing was changed.")
