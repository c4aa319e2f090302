"""The shared store on a real PostgreSQL (#21): `zconnect store init|migrate|keygen`, secrets sealed at rest,
one refresh per expiry across machines, a machine killed while it holds the refresh lock, the refresh
budget, `token` from this machine's cache without psycopg, the default connection, and the wizard and
the dashboard unchanged on it.

A "machine" is a `zconnect` process with its own cache dir (XDG_CACHE_HOME), as in benchmarks/fleet.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from conftest import STORE_KEY
from reliability.lab import PYTHON, CliRun, Lab, one_line, run_cli
from waiting import wait_for

from zconnect_tui.manager import Manager
from zconnect_tui.model import now_utc
from zconnect_tui.model_table import to_table
from zconnect_tui.store import Store
from zconnect_tui.stores.postgres import PostgresStore


def machine(lab: Lab, tmp_path: Path, n: int, **extra: str) -> dict[str, str]:
    """The environment of machine `n`: the lab's, with its own cache dir."""
    return lab.env(XDG_CACHE_HOME=str(tmp_path / f"machine{n}" / "cache"), ZCONNECT_STORE_KEY=STORE_KEY, **extra)


def zc(env: dict[str, str], *args: str, timeout: float = 60) -> CliRun:
    return run_cli(args, env, timeout=timeout)


def shared(lab: Lab, tmp_path: Path, url: str) -> dict[str, str]:
    """`lab`'s connections moved into the database at `url`; machine 0's environment."""
    env = machine(lab, tmp_path, 0)
    moved = zc(env, "store", "migrate", "--to", url)
    assert moved.code == 0 and "Moved" in moved.out, moved.err
    return env


def dump(url: str) -> bytes:
    """Every row of every zconnect table, as a stolen dump would hold them."""
    with psycopg.connect(url) as conn:
        rows = [conn.execute(f"SELECT * FROM {table}").fetchall() for table in  # bytea as bytes: plaintext would show
                ("zconnect_meta", "zconnect_connections", "zconnect_refreshes")]
    return repr(rows).encode()


# ----- init, migrate, keygen ----------------------------------------------------------------------------
def test_init_then_migrate_there_and_back_loses_nothing(bare_lab: Lab, tmp_path: Path, pg_lab: object) -> None:
    bare_lab.add("desk")
    bare_lab.add("crm", service="crm", authorized=False)
    before = {name: to_table(conn) for name, conn in bare_lab.store.load().connections.items()}
    env = machine(bare_lab, tmp_path, 0)
    key = zc(env, "store", "keygen")
    assert key.code == 0 and len(key.out.strip()) == 44 and "ZCONNECT_STORE_KEY" in key.err
    url = pg_lab.database()  # type: ignore[attr-defined]
    made = zc(env, "store", "init", url)
    assert made.code == 0 and "created the zconnect schema (version 2)" in made.out, made.err
    assert "version 2 already" in zc(env, "store", "init", url).out
    moved = zc(env, "store", "migrate", "--to", url)
    assert moved.code == 0 and "Moved 2 connection(s)" in moved.out, moved.err
    pointer = bare_lab.config.read_text()
    assert pointer == f'version = 1\nstore = "{url}"\n'  # only where the connections went
    assert zc(env, "path").out.strip() == f"{url} (PostgreSQL)"
    listed = json.loads(zc(env, "list", "--json").out)
    assert [row["name"] for row in listed] == ["crm", "desk"]
    assert zc(env, "test", "desk").code == 0  # every command works on the store: a verification call with its token
    back = zc(env, "store", "migrate", "--to", "file")
    assert back.code == 0 and "Moved 2 connection(s)" in back.out, back.err
    after = {name: to_table(conn) for name, conn in Store(bare_lab.config).load().connections.items()}
    assert after.keys() == before.keys() and after["crm"] == before["crm"]
    assert {k: v for k, v in after["desk"].items() if k not in ("updated_at", "org_id", "org_name", "user")} == \
        {k: v for k, v in before["desk"].items() if k not in ("updated_at", "org_id", "org_name", "user")}
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM zconnect_connections").fetchone() == (0,)


def test_a_migration_that_fails_midway_changes_nothing(bare_lab: Lab, tmp_path: Path, pg_url: str) -> None:
    """Into the database: one transaction (a row refused half-way leaves none); back to the file: the file is
    put back when the database cannot delete its rows."""
    bare_lab.add("desk")
    bare_lab.add("crm", service="crm")
    before = bare_lab.config.read_bytes()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused %', "
                     "COALESCE(NEW.name, OLD.name); END $$ LANGUAGE plpgsql")
        conn.execute("CREATE TRIGGER no_crm BEFORE INSERT ON zconnect_connections FOR EACH ROW WHEN "
                     "(NEW.name = 'desk') EXECUTE FUNCTION refuse()")  # crm goes in first, then desk fails
    env = machine(bare_lab, tmp_path, 0)
    failed = zc(env, "store", "migrate", "--to", pg_url)
    assert failed.code == 1 and "refused desk" in one_line(failed.err)
    assert bare_lab.config.read_bytes() == before and b"[connections.crm]" in before
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM zconnect_connections").fetchone() == (0,)
        conn.execute("DROP TRIGGER no_crm ON zconnect_connections")
        assert zc(env, "store", "migrate", "--to", pg_url).code == 0
        conn.execute("CREATE TRIGGER keep BEFORE DELETE ON zconnect_connections FOR EACH ROW EXECUTE FUNCTION "
                     "refuse()")
    pointer = bare_lab.config.read_bytes()
    failed = zc(env, "store", "migrate", "--to", "file")
    assert failed.code == 1 and "refused" in one_line(failed.err)
    assert bare_lab.config.read_bytes() == pointer  # the connections written to the file were taken back out
    assert sorted(c.name for c in PostgresStore(pg_url).listing()) == ["crm", "desk"]


def test_two_migrations_at_once_move_everything_once(bare_lab: Lab, tmp_path: Path, pg_url: str) -> None:
    for i in range(6):
        bare_lab.add(f"c{i}", authorized=False)
    argv = [PYTHON, "-m", "zconnect_tui", "store", "migrate", "--to", pg_url]
    runs = [subprocess.Popen(argv, env=machine(bare_lab, tmp_path, n), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for n in range(2)]
    outs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outs
    said = sorted(out for out, _ in outs)
    assert "already names" in said[0] and "Moved 6 connection(s)" in said[1], said
    assert sorted(c.name for c in PostgresStore(pg_url).listing()) == [f"c{i}" for i in range(6)]


# ----- secrets at rest ---------------------------------------------------------------------------------------
def test_a_stolen_dump_holds_no_secret_and_a_wrong_key_is_one_line(bare_lab: Lab, tmp_path: Path, pg_url: str) -> None:
    conn = bare_lab.add("desk")
    env = shared(bare_lab, tmp_path, pg_url)
    assert zc(env, "token", "desk").out.strip() == conn.token.access_token
    dumped = dump(pg_url)
    for secret in (conn.client_secret, conn.token.refresh_token, conn.token.access_token):
        assert secret.encode() not in dumped
    assert STORE_KEY.encode() not in dumped
    other = zc({**env, "ZCONNECT_STORE_KEY": "A" * 43 + "="}, "show", "desk")
    assert other.code == 1 and "is not the key of" in one_line(other.err) and "nothing was changed" in other.err
    missing = zc({**env, "ZCONNECT_STORE_KEY": ""}, "show", "desk")
    assert missing.code == 1 and "No key for the secrets" in one_line(missing.err)
    with psycopg.connect(pg_url, autocommit=True) as db:  # a sealed blob moved onto another row does not open
        db.execute("INSERT INTO zconnect_connections SELECT 'copy', record, secrets FROM zconnect_connections")
    moved = zc(env, "show", "copy")
    assert moved.code == 1 and "do not open with this key" in one_line(moved.err)


def test_a_store_without_the_schema_or_from_a_newer_zconnect_is_one_line(bare_lab: Lab, tmp_path: Path,
                                                                         pg_lab: object, pg_url: str) -> None:
    env = machine(bare_lab, tmp_path, 0, ZCONNECT_STORE=pg_lab.database())  # type: ignore[attr-defined]
    bare = zc(env, "list")
    assert bare.code == 1 and "has no zconnect schema" in one_line(bare.err) and "zconnect store init" in bare.err
    with psycopg.connect(pg_url, autocommit=True) as db:
        db.execute("UPDATE zconnect_meta SET value = '99' WHERE key = 'schema_version'")
    newer = zc({**env, "ZCONNECT_STORE": pg_url}, "show", "x")
    assert newer.code == 1 and "schema version 99" in one_line(newer.err) and "Upgrade zconnect" in newer.err


# ----- one refresh per expiry ------------------------------------------------------------------------------
def test_many_machines_make_one_refresh(bare_lab: Lab, tmp_path: Path, pg_url: str) -> None:
    """Machine 0's refresh is held at Zoho until the five others wait for its lock in the database (or, were
    there no lock, have sent refreshes of their own); then they all print the one new token."""
    old = bare_lab.add("desk", expired=True)
    shared(bare_lab, tmp_path, pg_url)
    bare_lab.emu.hang_seconds = 120
    bare_lab.emu.queue_fault("hang", path_prefix="/oauth/v2/token")
    argv = [PYTHON, "-m", "zconnect_tui", "token", "desk"]

    def start(n: int) -> subprocess.Popen[str]:
        env = machine(bare_lab, tmp_path, n, ZCONNECT_HTTP_TIMEOUT="90")  # machine 0 waits at Zoho while the rest start
        return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    runs = [start(0)]
    wait_for(lambda: bare_lab.emu.token_requests("refresh_token"), 60, "machine 0's refresh to reach Zoho")
    runs += [start(n) for n in range(1, 6)]

    def waiting_for_the_lock() -> int:
        with psycopg.connect(pg_url) as db:
            row = db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").fetchone()
        return int(row[0]) if row else 0

    wait_for(lambda: waiting_for_the_lock() == 5 or len(bare_lab.emu.token_requests("refresh_token")) > 1, 90,
             "the other machines to wait for the lock")
    bare_lab.emu.hang_release.set()
    outs = [run.communicate(timeout=90) for run in runs]
    assert all(run.returncode == 0 for run in runs), outs
    tokens = {out.strip() for out, _ in outs}
    assert len(tokens) == 1 and old.token.access_token not in tokens
    assert len(bare_lab.emu.token_requests("refresh_token")) == 1


def test_a_machine_killed_holding_the_refresh_lock_releases_it(bare_lab: Lab, tmp_path: Path, pg_url: str) -> None:
    bare_lab.add("desk", expired=True)
    shared(bare_lab, tmp_path, pg_url)
    bare_lab.emu.hang_seconds = 120
    bare_lab.emu.queue_fault("hang", path_prefix="/oauth/v2/token")
    first = subprocess.Popen([PYTHON, "-m", "zconnect_tui", "token", "desk"], env=machine(bare_lab, tmp_path, 1),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_for(lambda: bare_lab.emu.token_requests("refresh_token"), 60, "machine 1's refresh to reach Zoho")
    first.send_signal(signal.SIGKILL)  # mid-refresh, holding desk's refresh lock
    first.wait(10)
    second = zc(machine(bare_lab, tmp_path, 2, ZCONNECT_HTTP_TIMEOUT="60"), "token", "desk", timeout=30)
    # ZCONNECT_HTTP_TIMEOUT=60 sets the lock session's idle limit past this test's time: only the
    # session's end (the kill) can have freed the lock.
    assert second.code == 0 and second.out.strip(), second.err
    assert len(bare_lab.emu.token_requests("refresh_token")) == 2


def test_the_eleventh_refresh_in_ten_minutes_is_never_sent(bare_lab: Lab, tmp_path: Path, pg_url: str) -> None:
    """Counted in the store, per refresh token, for every machine: in-process here (each refresh is the
    Manager's), with Zoho's own throttle off so that only zconnect's budget can stop the 11th."""
    from zconnect_tui.errors import RateLimited

    bare_lab.add("desk")
    shared(bare_lab, tmp_path, pg_url)
    bare_lab.emu.rate_limit = False
    machines = [Manager(PostgresStore(pg_url)) for _ in range(2)]
    for n in range(10):
        machines[n % 2].refresh("desk")
    with pytest.raises(RateLimited) as refused:
        machines[0].refresh("desk")
    line = refused.value.one_line()
    assert "made 10 access tokens in the last 10 minutes" in line and "zconnect sends no more" in line
    assert "Try again in 9m" in line or "Try again in 10m00s" in line, line
    assert len(bare_lab.emu.token_requests("refresh_token")) == 10


# ----- token from the cache ----------------------------------------------------------------------------------
def test_token_answers_from_this_machines_cache_without_psycopg(bare_lab: Lab, tmp_path: Path, pg_url: str) -> None:
    conn = bare_lab.add("desk")
    env = shared(bare_lab, tmp_path, pg_url)
    code = ("import sys; from zconnect_tui.cli import main; rc = main(['token', 'desk']); "
            "print('LOADED', [m for m in ('psycopg', 'cryptography', 'argparse') if m in sys.modules]); sys.exit(rc)")
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
            for _ in range(2)]
    # The cache empty: one query (stores/postgres_token.py), still without the full CLI; then the cache answers.
    assert runs[0].stdout.splitlines() == [conn.token.access_token, "LOADED ['psycopg', 'cryptography']"]
    assert runs[1].stdout.splitlines() == [conn.token.access_token, "LOADED []"], runs[1].stderr
    cache = [p for p in (tmp_path / "machine0" / "cache").rglob("*") if p.is_file()]
    assert len(cache) == 1 and oct(cache[0].stat().st_mode & 0o777) == "0o600"
    # A refresh here drops this machine's cached token, so the next `token` asks the store.
    assert zc(env, "refresh", "desk").code == 0 and not cache[0].exists()
    fresh = PostgresStore(pg_url).load().get("desk").token
    assert zc(env, "token", "desk").out.strip() == fresh.access_token != conn.token.access_token
    assert fresh.expires_at is not None and fresh.expires_at > now_utc() + timedelta(minutes=50)
    assert os.environ.get("ZCONNECT_STORE") is None  # the file's `store = …` line chose the store


def test_the_database_read_for_token_agrees_with_the_store(bare_lab: Lab, pg_url: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """postgres_token.py repeats the sealed blob's layout and the key id: it opens what the store sealed, and
    leaves every case it is not sure of (another key, a token inside the margin) to the full CLI."""
    from zconnect_tui.stores.postgres_token import database_token

    conn = bare_lab.add("desk")
    store = PostgresStore(pg_url)
    snap = bare_lab.store.load()
    store.transaction(lambda there: there.connections.update(snap.connections))
    assert database_token(pg_url, "desk") == conn.token.access_token
    assert database_token(pg_url, "nosuch") is None
    monkeypatch.setenv("ZCONNECT_STORE_KEY", "A" * 43 + "=")
    assert database_token(pg_url, "desk") is None
    monkeypatch.setenv("ZCONNECT_STORE_KEY", STORE_KEY)
    store.update("desk", lambda c: setattr(c.token, "expires_at", now_utc() + timedelta(minutes=4)))
    assert database_token(pg_url, "desk") is None


async def test_the_dashboard_works_on_the_shared_store(bare_lab: Lab, pg_url: str) -> None:
    """The TUI unchanged on the database: the table lists it, Refresh goes through the store's lock and the
    new token lands in the database."""
    from test_tui_dashboard import note_containing
    from test_tui_support import SIZE
    from textual.widgets import DataTable, Static

    from zconnect_tui.tui.app import ZconnectApp
    from zconnect_tui.tui.screens.dashboard import DashboardScreen

    before = bare_lab.add("desk")
    store = PostgresStore(pg_url)
    snap = bare_lab.store.load()
    store.transaction(lambda there: (there.connections.update(snap.connections),
                                     there.data_centers.update(snap.data_centers)))
    app = ZconnectApp(Manager(store), wizard=False, prefill={})
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, DashboardScreen)
        title = str(app.screen.query_one("#dashboard-title", Static).content)
        database = pg_url.split("?")[0].rsplit("/", 1)[-1]
        assert f"· shared store {database} ·" in title, title  # a change here reaches every machine
        assert [str(c) for c in app.screen.query_one(DataTable).get_row("desk")][:4] == ["● valid", "desk", "desk",
                                                                                         "lab"]
        await pilot.press("r")
        await note_containing(pilot, "Refreshed desk: valid")
    assert store.load().get("desk").token.access_token != before.token.access_token
    assert len(bare_lab.emu.token_requests("refresh_token")) == 1


def test_the_default_connection_is_the_shared_stores(bare_lab: Lab, tmp_path: Path, pg_url: str) -> None:
    """`zconnect use NAME` on the shared store keeps the default there: another machine (its own cache, the
    same store) then gets that connection's token from a bare `zconnect token`; $ZCONNECT_CONNECTION still
    wins on one machine, and `use --clear` forgets it for all."""
    desk, crm = bare_lab.add("desk"), bare_lab.add("crm", service="crm")
    here = shared(bare_lab, tmp_path, pg_url)
    assert zc(here, "use", "crm").code == 0
    other = machine(bare_lab, tmp_path, 1)
    assert zc(other, "token").out.strip() == crm.token.access_token
    assert zc(other, "use").out.strip() == "crm (set with `zconnect use`)"
    assert "default" not in bare_lab.config.read_text()  # in the database, not in this machine's file
    assert zc({**other, "ZCONNECT_CONNECTION": "desk"}, "token").out.strip() == desk.token.access_token
    assert zc(here, "use", "--clear").code == 0
    bare = zc(other, "token")
    assert bare.code == 2 and "needs a connection NAME (no default is set)" in one_line(bare.err)


async def test_the_wizard_adds_a_connection_to_the_shared_store(emulator: object, config_path: Path, browser: object,
                                                                pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wizard unchanged on the database: the eight steps through the real listener and the emulator's
    consent, and the connection lands there, authorized, with its secrets sealed (none in a dump)."""
    from conftest import CLIENT_ID, CLIENT_SECRET, free_port
    from test_tui_support import SIZE, drive_to, next_step, wait_for

    from zconnect_tui import listener
    from zconnect_tui.tui.app import ZconnectApp
    from zconnect_tui.tui.screens.dashboard import DashboardScreen

    port = free_port()
    monkeypatch.setattr(listener, "find_free_port", lambda preferred, tries=50: port)  # the registered URI's
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{port}/callback"])  # type: ignore[attr-defined]
    store = PostgresStore(pg_url)
    lab_dcs = Store(config_path).load().data_centers  # the emulator's data centre, as the file names it
    store.transaction(lambda there: there.data_centers.update(lab_dcs))
    app = ZconnectApp(Manager(store), wizard=True, prefill={})
    async with app.run_test(size=SIZE) as pilot:
        await drive_to(pilot, "accepted", client_id=CLIENT_ID, secret=CLIENT_SECRET)
        for _ in range(3):  # Next to the last step, then Finish
            await next_step(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
    conn = store.load().get("desk")
    assert conn.status == "authorized" and conn.client_secret == CLIENT_SECRET and conn.org_id
    assert conn.redirect_uri == f"http://127.0.0.1:{port}/callback"
    stolen = dump(pg_url)
    for secret in (CLIENT_SECRET, conn.token.refresh_token, conn.token.access_token):
        assert secret.encode() not in stolen
    assert "desk" not in config_path.read_text().split("[data_centers", 1)[0]  # nothing written to the file
