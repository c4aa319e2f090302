"""3. Concurrency: many processes refreshing the same and different connections at once, rate limit on."""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from zconnect_tui.manager import Manager
from zconnect_tui.model import AUTHORIZED, now_utc
from zconnect_tui.model_table import to_table

from .lab import CLIENT_SECRET, PYTHON, Lab, one_line_error

WRAPPER = r"""
import json, os, sys, time
from zconnect_tui import store as _store
from zconnect_tui import cli, commands, manager  # noqa: F401  (import before the start line)
import contextlib
waits, refresh_waits = [], []
_transaction = _store.Store.transaction
def transaction(self, change):
    try:
        return _transaction(self, change)
    finally:
        waits.append(self.last_lock_wait)
_store.Store.transaction = transaction
_refresh_lock = _store.Store.refresh_lock
@contextlib.contextmanager
def refresh_lock(self, name):
    started = time.monotonic()
    with _refresh_lock(self, name):
        refresh_waits.append(time.monotonic() - started)
        yield
_store.Store.refresh_lock = refresh_lock
open(os.environ["ZC_READY"], "w").close()
while not os.path.exists(os.environ["ZC_GO"]):
    time.sleep(0.002)
code = 1
try:
    if sys.argv[1] == "manager":
        m = manager.Manager(_store.Store(os.environ["ZCONNECT_CONFIG"]))
        if sys.argv[2] == "token":
            print(m.access_token(sys.argv[3]))
        else:
            m.refresh(sys.argv[3])
        code = 0
    else:
        code = cli.main(sys.argv[1:])
finally:
    with open(os.environ["ZC_LOCKLOG"], "w") as fh:
        json.dump({"file": waits, "refresh": refresh_waits}, fh)
sys.exit(code)
"""

# (how, command, connection): `cli` runs the real `zconnect` entry point, `manager` the core API.
CONCURRENCY_PLAN: list[tuple[str, str, str]] = [
    ("cli", "token", "shared"), ("cli", "token", "shared"), ("cli", "token", "shared"),
    ("cli", "refresh", "shared"), ("cli", "refresh", "shared"),
    ("manager", "token", "shared"), ("manager", "refresh", "shared"),
    ("cli", "refresh", "b"), ("cli", "token", "b"), ("manager", "refresh", "c"),
    ("cli", "token", "d"), ("cli", "refresh", "hot"),
]


@dataclass
class ConcurrencyReport:
    processes: int = 0
    rounds: int = 0
    exits: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    rate_limited_clean: int = 0
    refreshes_at_emulator: int = 0
    shared_refreshes: list[int] = field(default_factory=list)
    shared_forced: int = 0
    lost: list[str] = field(default_factory=list)
    tokens_printed: int = 0
    tokens_not_live: int = 0
    refresh_tokens_still_work: bool = False
    lock_waits: list[float] = field(default_factory=list)
    """Seconds each read-modify-write waited for the file lock (held only while the file is re-read and written)."""
    refresh_lock_waits: list[float] = field(default_factory=list)
    """Seconds each refresh waited for its connection's refresh lock (held across the call to Zoho)."""
    seconds: float = 0.0

    @property
    def lock_wait_max(self) -> float:
        return max(self.lock_waits, default=0.0)

    @property
    def lock_wait_median(self) -> float:
        return statistics.median(self.lock_waits) if self.lock_waits else 0.0


_STABLE_KEYS = ("service", "dc", "client_id", "client_secret", "scopes", "access_type", "redirect_uri",
                "self_client", "accounts_server", "location", "org_id", "org_name", "user", "created_at")


def run_concurrency(workdir: Path, *, rounds: int = 1, copies: int = 1) -> ConcurrencyReport:
    """`len(CONCURRENCY_PLAN) * copies` processes released at once, per round, with Zoho's rate limit on.

    `hot` has used up its 10 refreshes per 10 minutes before the round: its refresh must fail
    cleanly (exit 1, a rate-limit sentence) without changing the connection.
    """
    report = ConcurrencyReport()
    started = time.monotonic()
    with Lab(workdir) as lab:
        assert lab.emu.rate_limit
        for name in ("shared", "b", "c", "hot"):
            lab.add(name, expired=True)
        lab.add("d")
        lab.store.update("shared", lambda c: setattr(c, "org_name", "Analytical Engines"))
        before = {name: to_table(conn) for name, conn in lab.store.load().connections.items()}
        plan = CONCURRENCY_PLAN * copies
        report.processes = len(plan)
        for rnd in range(rounds):
            report.rounds += 1
            lab.emu.reset_rate_limits()
            hot_rt = before["hot"]["token"]["refresh_token"]
            for _ in range(10):  # burn hot's refresh budget directly at the emulator
                httpx.post(f"{lab.emu.url}/oauth/v2/token", data={
                    "grant_type": "refresh_token", "client_id": before["hot"]["client_id"],
                    "client_secret": CLIENT_SECRET, "refresh_token": hot_rt}, trust_env=False)
            for name in ("shared", "b", "c"):  # make them due again
                lab.store.update(name, lambda c: setattr(c.token, "expires_at", now_utc() - timedelta(hours=1)))
            shared_rt = before["shared"]["token"]["refresh_token"]
            count0 = lab.emu.refresh_count(shared_rt)
            sync = lab.dir / f"sync{rnd}"
            sync.mkdir()
            procs = []
            for i, (how, command, name) in enumerate(plan):
                args = ["manager", command, name] if how == "manager" else [command, name]
                env = lab.env(ZC_READY=str(sync / f"ready{i}"), ZC_GO=str(sync / "go"),
                              ZC_LOCKLOG=str(sync / f"lock{i}.json"))
                procs.append(subprocess.Popen([PYTHON, "-c", WRAPPER, *args], env=env, text=True,
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE))
            deadline = time.monotonic() + 60
            while len(list(sync.glob("ready*"))) < len(plan) and time.monotonic() < deadline:
                time.sleep(0.01)
            (sync / "go").touch()
            live = lab.emu.live_access_tokens
            for i, proc in enumerate(procs):
                out, err = proc.communicate(timeout=120)
                how, command, name = plan[i]
                report.exits[str(proc.returncode)] += 1
                label = f"{how} {command} {name}"
                if name == "hot":
                    if proc.returncode == 1 and one_line_error(err) and "rate limit" in err:
                        report.rate_limited_clean += 1
                    else:
                        report.unexpected.append(f"{label}: exit {proc.returncode} {err.strip()[:200]}")
                elif proc.returncode != 0 or err.strip():
                    report.unexpected.append(f"{label}: exit {proc.returncode} {err.strip()[:200]}")
                if command == "token" and proc.returncode == 0:
                    report.tokens_printed += 1
                    live = lab.emu.live_access_tokens
                    if out.strip() not in live:
                        report.tokens_not_live += 1
                with contextlib.suppress(OSError, ValueError):
                    logged = json.loads((sync / f"lock{i}.json").read_text())
                    report.lock_waits += logged["file"]
                    report.refresh_lock_waits += logged["refresh"]
            report.shared_refreshes.append(lab.emu.refresh_count(shared_rt) - count0)
            report.shared_forced = sum(1 for how, cmd, name in plan if name == "shared" and cmd == "refresh")
            after = lab.store.load()
            for name, table in before.items():
                conn = after.connections.get(name)
                if conn is None:
                    report.lost.append(f"{name} (whole connection)")
                    continue
                now = to_table(conn)
                report.lost += [f"{name}.{k}" for k in _STABLE_KEYS if now.get(k) != table.get(k)]
                if conn.token.refresh_token != table["token"]["refresh_token"]:
                    report.lost.append(f"{name}.refresh_token")
                if conn.status != AUTHORIZED:
                    report.lost.append(f"{name}.status={conn.status}")
                if conn.token.access_token not in lab.emu.issued_access_tokens:
                    report.lost.append(f"{name}.access_token")
        report.refreshes_at_emulator = len(lab.emu.token_requests("refresh_token"))
        lab.emu.reset_rate_limits()
        manager = Manager(lab.store)
        try:
            for name in before:
                manager.refresh(name)
            report.refresh_tokens_still_work = True
        except Exception as exc:  # noqa: BLE001
            report.lost.append(f"refresh after the run failed: {exc}")
    report.seconds = time.monotonic() - started
    return report
