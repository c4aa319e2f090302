"""Secrets in the OS keyring (#21 item 4): `secrets = "keyring"` keeps the client secret and the tokens out of
the file, with a real backend (keyrings.alt's file keyring); every call has a deadline, and a keyring that
hangs or stores nothing is a one-line error, never a plaintext fallback."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from conftest import CLIENT_SECRET, TESTS, Registered, run_cli
from reliability.lab import one_line

from zconnect_tui import token_cache
from zconnect_tui.store import Store


@pytest.fixture
def keyring_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The file keyring under this test's own data dir; returns where it keeps its entries."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "data"


def keyring_mode(path: Path) -> None:
    text = path.read_text()
    path.write_text(text.replace("version = 1\n", 'version = 1\nsecrets = "keyring"\n', 1))


def test_secrets_live_in_the_keyring_and_the_file_holds_none(desk: Registered, config_path: Path,
                                                              keyring_env: Path, cli) -> None:
    """An inline file switched to the keyring moves its secrets there on the next write; tokens work and
    `token`'s fast path answers from this machine's cache (0600), not from the file."""
    keyring_mode(config_path)
    from inprocess import zconnect

    from zconnect_tui.manager import Manager

    manager = Manager(Store(config_path))
    flow = manager.begin_authorization("desk")
    assert flow  # the consent URL is made from the keyring's secret-free file
    result = cli("edit", "desk", "--scopes", "Desk.basic.READ")  # any write moves the inline secret out
    assert result.code == 0, result.err
    text = config_path.read_text()
    assert CLIENT_SECRET not in text and 'keyring = [\n    "client_secret",\n]' in text
    stored = "".join(p.read_text() for p in keyring_env.rglob("*") if p.is_file())
    assert stored  # the keyring's own file holds it (keyrings.alt's plaintext backend, base64)
    shown = zconnect("show", "desk", "--reveal")
    assert CLIENT_SECRET in shown.out, shown.err


def test_token_fast_path_reads_the_cache_with_secrets_in_the_keyring(tmp_path: Path, keyring_env: Path) -> None:
    from reliability.lab import Lab

    with Lab(tmp_path / "lab") as lab:
        lab.add("desk")
        keyring_mode(lab.config)
        store = Store(lab.config)
        store.update("desk", lambda c: None)  # rewrite: the secrets move to the keyring
        text, tokens = lab.config.read_text(), store.load().get("desk").token
        assert tokens.access_token not in text and tokens.refresh_token not in text and CLIENT_SECRET not in text
        env = {**lab.env(), "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"], "XDG_DATA_HOME": str(keyring_env),
               "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring"}
        first = run_cli("token", "desk", env=env)
        token = store.load().get("desk").token.access_token
        assert first.code == 0 and first.out.strip() == token
        entry = Path(token_cache.entry(store.keyring_id(), "desk"))
        assert stat.S_IMODE(entry.stat().st_mode) == 0o600 and token in entry.read_text()
        # The fast path answers from the cache alone: with the keyring gone, `token` still prints it.
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        cached = run_cli("token", "desk", env=env)
        assert cached.code == 0 and cached.out.strip() == token, cached.err


def test_a_keyring_that_hangs_is_an_error_naming_the_backend_and_the_fix(desk: Registered, config_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    keyring_mode(config_path)
    before = config_path.read_bytes()
    env = {"PYTHON_KEYRING_BACKEND": "slow_keyring.SlowKeyring", "PYTHONPATH": str(TESTS),
           "ZCONNECT_KEYRING_TIMEOUT": "1"}
    result = run_cli("edit", "desk", "--scopes", "Desk.basic.READ", env=env, timeout=60)
    line = one_line(result.err)
    assert result.code == 1 and "slow_keyring.SlowKeyring" in line and "did not answer within 1 s" in line
    assert "PYTHON_KEYRING_BACKEND" in line and "keyring.backends.null.Keyring" in line
    assert config_path.read_bytes() == before  # nothing written, the secret still where it was


@pytest.mark.parametrize("backend", ["keyring.backends.null.Keyring", "keyring.backends.fail.Keyring"])
def test_no_silent_fallback_to_plaintext(desk: Registered, config_path: Path, backend: str) -> None:
    """A backend that stores nothing (null) or none at all (fail): an error; the secret is never written inline."""
    config_path.write_text(config_path.read_text().replace(CLIENT_SECRET, "x" * 40))  # not the secret below
    keyring_mode(config_path)
    before = config_path.read_bytes()
    result = run_cli("secret", "desk", "--client-secret-env", "S", env={"S": CLIENT_SECRET,
                                                                      "PYTHON_KEYRING_BACKEND": backend})
    line = one_line(result.err)
    assert result.code == 1 and backend in line and "PYTHON_KEYRING_BACKEND" in line
    assert config_path.read_bytes() == before and CLIENT_SECRET.encode() not in before


def test_moving_to_the_shared_store_leaves_no_copy_in_the_keyring(tmp_path: Path, keyring_env: Path,
                                                                   pg_url: str) -> None:
    """`store migrate --to URL` from a file with `secrets = "keyring"`: the secrets go into the database
    (sealed) and their keyring entries are deleted, so no copy outlives a revoke or a `remove` done there."""
    from reliability.lab import Lab

    from zconnect_tui.stores.postgres import PostgresStore

    with Lab(tmp_path / "lab") as lab:
        added = lab.add("desk")
        keyring_mode(lab.config)
        Store(lab.config).update("desk", lambda c: None)  # rewrite: the secrets move to the keyring
        def entries() -> int:  # desk's entries in keyrings.alt's file (it writes "STORE:desk:KIND" as _3adesk_3a)
            return "".join(p.read_text() for p in keyring_env.rglob("*") if p.is_file()).count("_3adesk_3a")

        assert entries() >= 3  # the client secret, the refresh and access tokens
        env = {**lab.env(), "XDG_CACHE_HOME": os.environ["XDG_CACHE_HOME"], "XDG_DATA_HOME": str(keyring_env),
               "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
               "ZCONNECT_STORE_KEY": os.environ["ZCONNECT_STORE_KEY"]}
        moved = run_cli("store", "migrate", "--to", pg_url, env=env)
        assert moved.code == 0 and "Moved 1 connection" in moved.out and moved.err == "", moved.err
        assert entries() == 0
        there = PostgresStore(pg_url).load().get("desk")
        assert there.client_secret == CLIENT_SECRET and there.token.refresh_token == added.token.refresh_token
        token = run_cli("token", "desk", env=env)
        assert token.code == 0 and token.out.strip() == added.token.access_token, token.err
