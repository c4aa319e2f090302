"""The shared store when PostgreSQL goes away (#21's fault tests): a cached token is still served until its
margin, then `token` is one line and exit 4; a restart mid-fleet costs no machine more than that, and the
sessions come back by themselves. These tests stop and start a server of their own (module-scoped,
kept on one pytest-xdist worker), so the session's server goes on for everyone else.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import STORE_KEY
from pg_lab import PgLab
from reliability.lab import PYTHON, Lab, one_line, run_cli

from zconnect_tui import token_cache
from zconnect_tui.manager import Manager
from zconnect_tui.model import now_utc
from zconnect_tui.stores import schema
from zconnect_tui.stores.crypto import key_id, parse_key
from zconnect_tui.stores.postgres import PostgresStore

pytestmark = pytest.mark.xdist_group("pg_faults")


@pytest.fixture(scope="module")
def own_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgLab]:
    lab = PgLab.start(tmp_path_factory.mktemp("pg_faults"))
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture
def fleet(tmp_path: Path, own_pg: PgLab, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Lab, str]]:
    """An authorized `desk` in a fresh database of the module's own server; the server runs at the end."""
    monkeypatch.setenv("ZCONNECT_STORE_KEY", STORE_KEY)
    url = own_pg.database()
    schema.init(PostgresStore(url), key_id(parse_key(STORE_KEY, "key")))
    with Lab(tmp_path / "lab") as lab:
        lab.add("desk")
        snap = lab.store.load()
        PostgresStore(url).transaction(lambda there: (there.connections.update(snap.connections),
                                                      there.data_centers.update(snap.data_centers)))
        try:
            yield lab, url
        finally:
            if not (own_pg.data / "postmaster.pid").exists():
                own_pg.start_again()


def env_of(lab: Lab, tmp_path: Path, url: str, n: int = 0) -> dict[str, str]:
    return lab.env(ZCONNECT_STORE=url, ZCONNECT_STORE_KEY=STORE_KEY, XDG_CACHE_HOME=str(tmp_path / f"m{n}"))


def test_the_database_down_serves_the_cached_token_until_its_margin_then_exit_4(
        fleet: tuple[Lab, str], tmp_path: Path, own_pg: PgLab, monkeypatch: pytest.MonkeyPatch) -> None:
    lab, url = fleet
    env = env_of(lab, tmp_path, url)
    token = run_cli(("token", "desk"), env)
    assert token.code == 0, token.err
    own_pg.stop()
    cached = run_cli(("token", "desk"), env)
    assert cached.code == 0 and cached.out == token.out  # from this machine's cache: the database is not asked
    # The margin reached (the cache entry rewritten to expire in 4 minutes): only the database could answer.
    monkeypatch.setenv("XDG_CACHE_HOME", env["XDG_CACHE_HOME"])  # machine 0's cache
    token_cache.write(url, "desk", token.out.strip(), now_utc().timestamp() + 240)
    down = run_cli(("token", "desk"), env)
    assert down.code == 4 and "does not answer" in one_line(down.err) and "nothing was changed" in down.err
    listed = run_cli(("list",), env)
    assert listed.code == 4 and one_line(listed.err)
    own_pg.start_again()
    back = run_cli(("token", "desk"), env)
    assert back.code == 0 and back.out == token.out


def test_a_restart_mid_fleet_is_survived(fleet: tuple[Lab, str], tmp_path: Path, own_pg: PgLab) -> None:
    """Machines that hold sessions (the TUI, a long `api --paginate`) get new ones after a restart; `token`
    callers that need the database during it get exit 4 and nothing else; after it, one refresh serves all."""
    lab, url = fleet
    manager = Manager(PostgresStore(url))
    assert manager.get("desk").token.access_token  # a session is open now
    own_pg.restart()
    assert manager.get("desk").status == "authorized"  # the dead session was replaced once, silently
    # Expire the token in the store and restart again while four machines ask for it.
    manager.store.update("desk", lambda c: setattr(c.token, "expires_at", now_utc()))
    codes: list[int] = []
    outs: list[str] = []

    def ask(n: int) -> None:
        for _ in range(3):
            done = subprocess.run([PYTHON, "-m", "zconnect_tui", "token", "desk"], env=env_of(lab, tmp_path, url, n),
                                  capture_output=True, text=True, timeout=90)
            codes.append(done.returncode)
            outs.append(done.stdout.strip())

    machines = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for thread in machines:
        thread.start()
    own_pg.restart()
    for thread in machines:
        thread.join(180)
    assert set(codes) <= {0, 4} and len(codes) == 12, codes
    served = {out for out, code in zip(outs, codes, strict=True) if code == 0}
    assert len(served) == 1 and served <= lab.emu.live_access_tokens, served
    assert len(lab.emu.token_requests("refresh_token")) == 1
    assert manager.access_token("desk") in served
