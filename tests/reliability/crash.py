"""2. Crash safety: writers (saves and refreshes) SIGKILLed at random moments, the file checked after each batch."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zconnect_tui.model_table import to_table

from .lab import PYTHON, Lab

ZYGOTE = r"""
import os, random, sys
from zconnect_tui.manager import Manager
from zconnect_tui.store import Store
import httpx  # noqa: F401  (loaded once, before forking)
import zconnect_tui.listing, zconnect_tui.oauth  # noqa: E401,F401  (the Manager imports these lazily)
cfg = sys.argv[1]

def writer(mode, name, seed):
    rnd = random.Random(seed)
    store = Store(cfg)
    manager = Manager(store)
    done = os.open(cfg + ".ops", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    n = 0
    while True:
        n += 1
        op_is_save = mode == "save" or (mode == "mixed" and rnd.random() < 0.6)
        if op_is_save:
            target = name if rnd.random() < 0.8 else "shared"
            def change(conn, tag=f"{seed}0{n}", size=rnd.randint(0, 4000)):  # digits: a Desk org id
                conn.org_id = tag
                conn.org_name = tag
                conn.user = "u" * size
            store.update(target, change)
        else:
            manager.refresh(name)
        os.write(done, b"s" if mode == "save" or op_is_save else b"r")

for line in sys.stdin:
    cmd, *args = line.split()
    if cmd == "spawn":
        pid = os.fork()
        if pid == 0:
            try:
                writer(args[0], args[1], int(args[2]))
            finally:
                os._exit(1)
        print(pid, flush=True)
    elif cmd == "reap":
        _, status = os.waitpid(int(args[0]), 0)
        print(status, flush=True)
"""


@dataclass
class CrashReport:
    kills: int = 0
    killed_by_sigkill: int = 0
    other_exits: list[int] = field(default_factory=list)
    cli_kills: int = 0
    checks: int = 0
    parse_failures: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    orphans_seen: int = 0
    """Temp files left by writers killed between writing and renaming: kills that hit a save."""
    orphans_left_at_end: int = 0
    saves_completed: int = 0
    refreshes_completed: int = 0
    """Operations the killed writers finished (counted by the writers themselves)."""
    connections_checked: int = 0
    refreshes_at_emulator: int = 0
    file_mode: int = 0
    seconds: float = 0.0


def _check_store(lab: Lab, baseline: dict[str, dict[str, Any]], writers: dict[str, dict[str, Any]],
                 report: CrashReport) -> None:
    report.checks += 1
    raw = lab.config.read_bytes()
    try:
        tomllib.loads(raw.decode("utf-8"))
        snap = lab.store.load()
    except Exception as exc:  # noqa: BLE001 - any failure to parse is the finding
        report.parse_failures.append(repr(exc))
        return
    issued = set(lab.emu.issued_access_tokens)
    for name, table in baseline.items():
        report.connections_checked += 1
        if name not in snap.connections or to_table(snap.connections[name]) != table:
            report.damaged.append(f"baseline {name}")
    for name, ref in writers.items():
        report.connections_checked += 1
        conn = snap.connections.get(name)
        if conn is None:
            report.damaged.append(f"{name} missing")
            continue
        table = to_table(conn)
        for key in ("client_id", "client_secret", "scopes", "redirect_uri", "dc", "service", "status"):
            if table.get(key) != ref.get(key):
                report.damaged.append(f"{name}.{key}")
        if conn.token.refresh_token != ref["token"]["refresh_token"]:
            report.damaged.append(f"{name}.refresh_token")
        if conn.token.access_token not in issued or conn.token.expires_at is None:
            report.damaged.append(f"{name}.access_token")
        if conn.org_id != conn.org_name:  # written together in one transaction
            report.damaged.append(f"{name}: half-applied change")


def _wait_for_ops(path: Path, kinds: tuple[bytes, ...], timeout: float) -> None:
    """Until the writers' log shows each of `kinds` (a save, a refresh) done once, at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ops = path.read_bytes() if path.exists() else b""
        if all(kind in ops for kind in kinds):
            return
        time.sleep(0.01)


def run_crash_safety(workdir: Path, *, kills: int = 200, parallel: int = 20, cli_kills: int = 20,
                     seed: int = 2) -> CrashReport:
    """Writers (saves and refreshes) SIGKILLed at random moments; check the file after every batch.

    The writers are forked from one pre-imported Python process (a "zygote"), so a kill costs a
    fork, not an interpreter start; `cli_kills` more are real `zconnect refresh` processes.
    """
    rng = random.Random(seed)
    report = CrashReport()
    started = time.monotonic()
    with Lab(workdir) as lab:
        lab.emu.rate_limit = False  # this scenario is about the file, not Zoho's throttle
        baseline = {}
        for i in range(3):
            baseline[f"keep{i}"] = to_table(lab.add(f"keep{i}"))
        lab.add("shared")
        writers = {f"w{i}": to_table(lab.add(f"w{i}")) for i in range(parallel)}
        writers["shared"] = to_table(lab.store.load().get("shared"))
        errlog = (lab.dir / "zygote.err").open("w")
        zygote = subprocess.Popen([PYTHON, "-c", ZYGOTE, str(lab.config)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=errlog, text=True, env=lab.env())
        assert zygote.stdin is not None and zygote.stdout is not None
        try:
            done = 0
            while done < kills:
                batch = min(parallel, kills - done)
                pids = []
                for slot in range(batch):
                    mode = rng.choice(["save", "refresh", "mixed", "mixed"])
                    zygote.stdin.write(f"spawn {mode} w{slot} {rng.randrange(10 ** 9)}\n")
                    zygote.stdin.flush()
                    pids.append((int(zygote.stdout.readline()), time.monotonic() + rng.uniform(0.01, 0.8)))
                if done == 0:
                    # On a loaded machine (a parallel test run, other work) no writer of the first batches may
                    # finish anything within 0.8 s: let the first batch finish a save and a refresh (bounded)
                    # so that the kills always hit writers that really write.
                    _wait_for_ops(Path(f"{lab.config}.ops"), (b"s", b"r"), timeout=60)
                for pid, when in sorted(pids, key=lambda p: p[1]):
                    time.sleep(max(0.0, when - time.monotonic()))
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                for pid, _ in pids:
                    zygote.stdin.write(f"reap {pid}\n")
                    zygote.stdin.flush()
                    status = int(zygote.stdout.readline())
                    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                        report.killed_by_sigkill += 1
                    else:
                        report.other_exits.append(status)
                done += batch
                report.kills += batch
                report.orphans_seen += len(list(lab.config.parent.glob(".connections.toml.*.tmp")))
                _check_store(lab, baseline, writers, report)
        finally:
            zygote.stdin.close()
            zygote.wait(10)
            errlog.close()
        # Real CLI processes too, killed while starting, refreshing or saving.
        done = 0
        while done < cli_kills:
            batch = min(10, cli_kills - done)
            procs = [subprocess.Popen([PYTHON, "-m", "zconnect_tui", "refresh", f"w{i}"], env=lab.env(),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(batch)]
            for proc in procs:
                time.sleep(rng.uniform(0.0, 0.08))
                proc.send_signal(signal.SIGKILL)
            for proc in procs:
                proc.wait(10)
                report.cli_kills += 1
            done += batch
            report.orphans_seen += len(list(lab.config.parent.glob(".connections.toml.*.tmp")))
            _check_store(lab, baseline, writers, report)
        # One more ordinary save cleans up what killed writers left behind.
        lab.store.update("keep0", lambda conn: None)
        baseline["keep0"] = to_table(lab.store.load().get("keep0"))
        _check_store(lab, baseline, writers, report)
        report.orphans_left_at_end = len(list(lab.config.parent.glob(".connections.toml.*.tmp")))
        report.file_mode = lab.config.stat().st_mode & 0o777
        report.refreshes_at_emulator = len(lab.emu.token_requests("refresh_token"))
        ops = Path(f"{lab.config}.ops").read_bytes() if Path(f"{lab.config}.ops").exists() else b""
        report.saves_completed, report.refreshes_completed = ops.count(b"s"), ops.count(b"r")
    report.seconds = time.monotonic() - started
    return report
