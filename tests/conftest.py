"""Shared fixtures: a Zoho emulator on 127.0.0.1, a config file pointing at it, a fake browser.

Every test gets its own emulator (ephemeral port), its own connections file (through
ZCONNECT_CONFIG) and, when it asks for `browser`, a BROWSER script that follows the consent
redirect like a real browser would. Nothing here reaches the internet.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from reliability.lab import Lab, free_port  # noqa: E402,F401  (free_port: re-exported for the tests)
from thread_check import no_server_thread_left  # noqa: E402,F401  (autouse: every test)

from zconnect_tui.lab.emulator import ZohoEmulator  # noqa: E402

if TYPE_CHECKING:
    from pg_lab import PgLab

    from zconnect_tui.store import Store
    from zconnect_tui.stores.base import ConnectionStore

CLIENT_ID = "1000.TESTCLIENT0000000000000000000000"
CLIENT_SECRET = "0123456789abcdef0123456789abcdef01234567ab"
DC = "lab"


ISOLATED_DIRS = ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "TMPDIR")
LOOPBACK = "127.0.0.1,localhost,::1"


@pytest.fixture(scope="session", autouse=True)
def _isolate_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """By construction, nothing the suite starts can reach the real user's dirs or a fixed temp path.

    HOME, the XDG dirs and TMPDIR point at fresh directories under pytest's own temp root for the
    whole session (subprocesses inherit them); ZCONNECT_CONFIG and ZCONNECT_CONNECTION (a default
    connection) from the caller's shell are dropped; loopback traffic never goes to a proxy the caller
    may have set.
    """
    import tempfile

    root = tmp_path_factory.mktemp("env")
    saved = {key: os.environ.get(key)
             for key in (*ISOLATED_DIRS, "ZCONNECT_CONFIG", "ZCONNECT_CONNECTION", "NO_PROXY", "no_proxy")}
    for key in ISOLATED_DIRS:
        path = root / key.lower()
        path.mkdir(mode=0o700)
        os.environ[key] = str(path)
    os.environ.pop("ZCONNECT_CONFIG", None)
    os.environ.pop("ZCONNECT_CONNECTION", None)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = LOOPBACK
    tempfile.tempdir = None  # recomputed from the new TMPDIR on next use
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        tempfile.tempdir = None


@pytest.fixture(autouse=True)
def _isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Per test: its own config dir and file, and no real browser."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("ZCONNECT_CONFIG", str(tmp_path / "cfg" / "connections.toml"))
    monkeypatch.setenv("BROWSER", f"{sys.executable} -c pass %s")
    monkeypatch.delenv("SSH_CONNECTION", raising=False)
    monkeypatch.setenv("ZCONNECT_HTTP_TIMEOUT", "5")


@pytest.fixture
def emulator() -> Iterator[ZohoEmulator]:
    emu = ZohoEmulator(location=DC).start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def config_path(tmp_path: Path, emulator: ZohoEmulator) -> Path:
    """A connections file that defines the `lab` data centre as the emulator."""
    path = Path(os.environ["ZCONNECT_CONFIG"])
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    url = emulator.url
    path.write_text(
        f'version = 1\n\n[data_centers.{DC}]\naccounts = "{url}"\napi = "{url}"\ndesk = "{url}"\n'
        f'console = "{url}"\n'
    )
    path.chmod(0o600)
    return path


EU_SECRET = "eu0123456789abcdef0123456789abcdef0123456"
"""The Client Secret a Multi-DC client has in `lab-eu` when it is not the common one."""


@pytest.fixture
def two_dcs(emulator: ZohoEmulator) -> Path:
    """`lab` and `lab-eu` (one family) plus `other` (its own), all served by the one emulator."""
    urls = {"lab": emulator.url, "lab-eu": emulator.add_dc("lab-eu"), "other": emulator.add_dc("other")}
    path = Path(os.environ["ZCONNECT_CONFIG"])
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = "version = 1\n"
    for key, url in urls.items():
        family = "" if key == "other" else 'family = "lab"\n'
        text += f'\n[data_centers.{key}]\naccounts = "{url}"\napi = "{url}"\ndesk = "{url}"\n{family}'
    path.write_text(text)
    path.chmod(0o600)
    return path


@dataclass
class Browser:
    """The BROWSER stand-in and the log of what it visited."""

    log: Path

    def visits(self) -> str:
        return self.log.read_text() if self.log.exists() else ""


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Browser:
    log = tmp_path / "browser.log"
    monkeypatch.setenv("BROWSER", f"{sys.executable} {TESTS / 'fake_browser.py'} %s")
    monkeypatch.setenv("FAKE_BROWSER_LOG", str(log))
    return Browser(log)


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 60) -> Result:
    """Run `python -m zconnect_tui ARGS` in a real subprocess, as a user or script would."""
    proc = subprocess.run(
        [sys.executable, "-m", "zconnect_tui", *args],
        input=stdin if stdin is not None else "",
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_cli


@dataclass
class Registered:
    """A client registered at the emulator plus the matching connection name and port."""

    name: str
    port: int
    redirect_uri: str


@pytest.fixture
def desk(emulator: ZohoEmulator, config_path: Path) -> Registered:
    """`desk`: a Desk connection added with the CLI, its client registered at the emulator.

    `add` runs in-process (tests/inprocess.py: same arguments, environment and record): 51 tests use this
    fixture and none of them is about `add`'s process; test_cli_flow and test_secret_hygiene run it as a process.
    """
    from inprocess import zconnect

    port = free_port()
    redirect = f"http://127.0.0.1:{port}/callback"
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [redirect])
    result = zconnect("add", "desk", "--service", "desk", "--dc", DC, "--client-id", CLIENT_ID,
                      "--port", str(port), "--client-secret-env", "ZC_SECRET",
                      env={"ZC_SECRET": CLIENT_SECRET})
    assert result.code == 0, result.err
    return Registered("desk", port, redirect)


@pytest.fixture
def authorized_desk(desk: Registered, browser: Browser) -> Registered:
    """`desk` authorized through the CLI (`zconnect authorize`, in-process), the fake browser following the
    consent page; BROWSER stays the fake one for the test."""
    from inprocess import zconnect

    result = zconnect("authorize", "desk", "--timeout", "20")
    assert result.code == 0, result.err
    return desk


def authorize(config: Path, name: str = "desk") -> None:
    """Authorize a stored connection through the core, pasting the redirect (no browser needed)."""
    import httpx

    from zconnect_tui.manager import Manager
    from zconnect_tui.store import Store

    manager = Manager(Store(config))
    flow = manager.begin_authorization(name)
    flow.start()
    try:
        location = httpx.get(flow.url or "", follow_redirects=False).headers["location"]
        flow.submit_paste(location)
        manager.complete_authorization(flow, flow.wait(5))
    finally:
        flow.close()
    manager.verify_and_pick(name)


@pytest.fixture
def authorized_desk_no_browser(desk: Registered, config_path: Path) -> Registered:
    """`desk` authorized through the core (`authorize`: the redirect pasted), with no browser: BROWSER still
    opens nothing, as the TUI tests that re-authorize need."""
    authorize(config_path)
    return desk


STORE_KINDS = ("file", "memory", "postgres")
"""Every `ConnectionStore` the Manager's in-process tests run on (issue #19 item 4)."""


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def on_kind(store_kind: str, request: pytest.FixtureRequest) -> Callable[[Store], ConnectionStore]:
    """The store a Manager test runs on, made from a file store the test filled: that file store itself, a
    memory store holding what the file holds (secrets kept apart, as a keyring keeps them), or a fresh
    PostgreSQL database (tests/pg_lab.py) holding it (secrets sealed)."""

    def convert(store: Store) -> ConnectionStore:
        if store_kind == "file":
            return store
        snapshot = store.load()
        if store_kind == "memory":
            from zconnect_tui.stores.memory import MemoryStore

            return MemoryStore(snapshot)
        from zconnect_tui.stores.postgres import PostgresStore

        shared = PostgresStore(request.getfixturevalue("pg_url"))
        shared.transaction(lambda snap: (snap.connections.update(snapshot.connections),
                                         snap.data_centers.update(snapshot.data_centers)))
        return shared

    return convert


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    """`zconnect` (this checkout) and the strict `curl` stand-in (tests/fake_curl.py), first on PATH: a README
    line or an exported curl line runs as written."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, argv in (("zconnect", "-m zconnect_tui"), ("curl", str(TESTS / "fake_curl.py"))):
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\nexec "{sys.executable}" {argv} "$@"\n')
        script.chmod(0o755)
    return bin_dir


@pytest.fixture(scope="session")
def pg_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgLab]:
    """A real PostgreSQL server, one per pytest worker (tests/pg_lab.py); each test takes its own database."""
    from pg_lab import PgLab

    lab = PgLab.start(tmp_path_factory.mktemp("pg"))
    try:
        yield lab
    finally:
        lab.close()


STORE_KEY = "q5K0S6FtYH8s2fVh9dV2m5Zb3Tn1cE4qX7uJwR0aL8k="
"""A fixed ZCONNECT_STORE_KEY for the tests (crypto.new_key's shape)."""


@pytest.fixture
def pg_url(pg_lab: PgLab, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database with the zconnect schema, and ZCONNECT_STORE_KEY set for it."""
    from zconnect_tui.stores import schema
    from zconnect_tui.stores.crypto import key_id, parse_key
    from zconnect_tui.stores.postgres import PostgresStore

    monkeypatch.setenv("ZCONNECT_STORE_KEY", STORE_KEY)
    url = pg_lab.database()
    schema.init(PostgresStore(url), key_id(parse_key(STORE_KEY, "key")))
    return url


@pytest.fixture
def bare_lab(tmp_path: Path) -> Iterator[Lab]:
    """The emulator with no connections (tests/reliability/lab.py): the test adds the ones it needs."""
    with Lab(tmp_path / "lab") as built:
        yield built


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """The API lab (tests/api_lab.py): the emulator with desk, crm and books connections authorized."""
    from api_lab import api_lab  # imported when a test asks for it: most tests never do

    with api_lab(tmp_path / "lab") as built:
        yield built
