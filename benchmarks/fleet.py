"""Many machines, one connection (#21): copies of one connections file against the shared PostgreSQL store.

20 "machines" (processes, each with its own HOME and token cache) call `zconnect token desk` in a loop
across 3 token expiries, and use each token at once against the Zoho emulator (a Desk call). The
emulator enforces Zoho's three limits: 10 refreshes per refresh token in 10 minutes (then HTTP 200
"Access Denied"), 15 live access tokens per refresh token (the 16th invalidates the oldest) and 20
refresh tokens per user and client. An expiry comes every CYCLE seconds: the emulator's tokens live
300 s + CYCLE, and zconnect refreshes 5 minutes before the end.

  (a) copies: each machine has its own copy of connections.toml holding the same refresh token;
  (b) shared: every machine opens the same database (ZCONNECT_STORE), a real PostgreSQL from pgserver.

Then the median `zconnect token` time: the file store's fast path, the shared store from this machine's
cache, and from the database (cache empty), alternating, N runs each.

    python benchmarks/fleet.py [--machines 20] [--cycle 12] [--expiries 3] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pg_lab import PgLab  # noqa: E402
from reliability.lab import CLIENT_ID, Lab  # noqa: E402

from zconnect_tui import token_cache  # noqa: E402
from zconnect_tui.model import now_utc  # noqa: E402
from zconnect_tui.stores import schema  # noqa: E402
from zconnect_tui.stores.crypto import key_id, new_key, parse_key  # noqa: E402
from zconnect_tui.stores.postgres import PostgresStore  # noqa: E402


def machine_loop(seconds: float, api: str, out: str) -> None:
    """One machine: `zconnect token desk`, then a Desk call with the token, until `seconds` have passed."""
    zconnect = [sys.executable, "-m", "zconnect_tui", "token", "desk"]
    tally = {"calls": 0, "ok": 0, "denied": 0, "failed": 0, "rejected": 0, "errors": []}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        done = subprocess.run(zconnect, capture_output=True, text=True)
        tally["calls"] += 1
        if done.returncode != 0:
            kind = "denied" if "access denied" in done.stderr.lower() else "failed"
            tally[kind] += 1
            if len(tally["errors"]) < 3:
                tally["errors"].append(done.stderr.strip()[:200])
            time.sleep(0.3)
            continue
        request = urllib.request.Request(f"{api}/api/v1/organizations",
                                         headers={"Authorization": f"Zoho-oauthtoken {done.stdout.strip()}"})
        try:
            with urllib.request.urlopen(request, timeout=10):
                tally["ok"] += 1
        except urllib.error.HTTPError as exc:
            tally["rejected" if exc.code == 401 else "failed"] += 1
        time.sleep(0.3)
    Path(out).write_text(json.dumps(tally))


def fleet(lab: Lab, work: Path, envs: list[dict[str, str]], seconds: float, issued: float,
          cycle: float) -> dict[str, object]:
    """Run the machines at once; what they saw, what the emulator did, and how many expiries passed (the
    token stored at `issued` enters its refresh margin after `cycle` seconds, and each new one as well)."""
    before = len(lab.emu.token_requests("refresh_token"))
    started = time.monotonic()
    procs = []
    for n, env in enumerate(envs):
        out = work / f"tally{n}.json"
        code = f"import fleet; fleet.machine_loop({seconds}, {lab.emu.url!r}, {str(out)!r})"
        procs.append((subprocess.Popen([sys.executable, "-c", code], env={**env, "PYTHONPATH": str(ROOT / "benchmarks")
                                        + os.pathsep + env.get("PYTHONPATH", "")}), out))
    for proc, _ in procs:
        proc.wait(timeout=seconds + 300)
    tallies = [json.loads(out.read_text()) for _, out in procs]
    total = {key: sum(t[key] for t in tallies) for key in ("calls", "ok", "denied", "failed", "rejected")}
    refreshes = len(lab.emu.token_requests("refresh_token")) - before
    times = [r.at for r in lab.emu.token_requests("refresh_token") if r.at >= started]
    # The most refreshes sent within one token's fresh life (`cycle` seconds): 1 means one per expiry.
    crowded = max((sum(1 for t in times if s <= t < s + cycle) for s in times), default=0)
    errors = [e for t in tallies for e in t["errors"]][:2]
    expiries = int((time.monotonic() - issued) // cycle)
    return {**total, "refreshes": refreshes, "errors": errors, "expiries": expiries, "crowded": crowded}


def timed(argv: list[str], env: dict[str, str], before: object = None) -> float:
    if callable(before):
        before()
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--machines", type=int, default=20)
    parser.add_argument("--cycle", type=float, default=12.0, help="seconds between token expiries")
    parser.add_argument("--expiries", type=int, default=3)
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each `token` path")
    args = parser.parse_args()
    seconds = args.cycle * args.expiries + args.cycle / 2
    work = Path(tempfile.mkdtemp(prefix="zconnect-fleet-"))
    key = new_key()
    os.environ["ZCONNECT_STORE_KEY"] = key
    pg = PgLab.start(work / "pg")
    lab = Lab(work / "lab")
    try:
        lab.emu.access_token_lifetime = int(300 + args.cycle)
        lab.emu.max_active_access = 15
        lifetime = timedelta(seconds=lab.emu.access_token_lifetime)
        lab.add("desk", client_id=CLIENT_ID)
        lab.store.update("desk", lambda c: setattr(c.token, "expires_at", now_utc() + lifetime))
        issued = time.monotonic()
        base = lab.env(ZCONNECT_STORE_KEY=key)

        def machine_env(n: int, kind: str) -> dict[str, str]:
            home = work / kind / f"m{n}"
            (home / "cache").mkdir(parents=True)
            env = {**base, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"),
                   "XDG_CONFIG_HOME": str(home / "config")}
            if kind == "copies":
                shutil.copy2(lab.config, home / "connections.toml")
                env["ZCONNECT_CONFIG"] = str(home / "connections.toml")
            return env

        # (a) copies of one file
        copies = fleet(lab, work, [machine_env(n, "copies") for n in range(args.machines)], seconds, issued,
                       args.cycle)
        # (b) the shared store, starting from the same state: a fresh token, a fresh refresh budget
        lab.emu.rate_limit = True
        lab.emu._refresh_times.clear()  # the copies spent this refresh token's 10: a new 10 minutes
        lab.add("desk2", client_id=CLIENT_ID)
        lab.store.update("desk2", lambda c: setattr(c.token, "expires_at", now_utc() + lifetime))
        issued = time.monotonic()
        url = pg.database()
        store = PostgresStore(url)
        schema.init(store, key_id(parse_key(key, "key")))
        snap = lab.store.load()
        conn = snap.get("desk2")
        conn.name = "desk"
        store.transaction(lambda there: (there.connections.update({"desk": conn}),
                                         there.data_centers.update(snap.data_centers)))
        shared_envs = [{**machine_env(n, "shared"), "ZCONNECT_STORE": url} for n in range(args.machines)]
        shared = fleet(lab, work, shared_envs, seconds, issued, args.cycle)
        # `token` times: the file's fast path, the store from the cache, the store from the database
        hour = timedelta(hours=1)
        lab.store.update("desk", lambda c: setattr(c.token, "expires_at", now_utc() + hour))
        store.update("desk", lambda c: setattr(c.token, "expires_at", now_utc() + hour))
        file_env = {**base, "ZCONNECT_CONFIG": str(lab.config)}
        cache_env = {**shared_envs[0], "PYTHONDONTWRITEBYTECODE": ""}  # bytecode caches on, as after pip install
        file_env.pop("PYTHONDONTWRITEBYTECODE", None)
        cache_env.pop("PYTHONDONTWRITEBYTECODE")
        argv = [sys.executable, "-m", "zconnect_tui", "token", "desk"]
        os.environ["XDG_CACHE_HOME"] = cache_env["XDG_CACHE_HOME"]

        def drop() -> None:
            token_cache.drop(url, "desk")

        # What a database read cannot go below: Python importing the two libraries it needs, and nothing else.
        floor = [sys.executable, "-c", "import psycopg; from cryptography.hazmat.primitives.ciphers.aead import AESGCM"]
        times: dict[str, list[float]] = {"file fast path": [], "shared, cache": [], "shared, database": [],
                                         "(import psycopg + AESGCM)": []}
        for _ in range(3):
            timed(argv, file_env), timed(argv, cache_env)
        for _ in range(args.runs):
            times["file fast path"].append(timed(argv, file_env))
            times["shared, cache"].append(timed(argv, cache_env))
            times["shared, database"].append(timed(argv, cache_env, drop))  # refills the cache
            times["(import psycopg + AESGCM)"].append(timed(floor, cache_env))
    finally:
        lab.close()
        pg.close()
        shutil.rmtree(work, ignore_errors=True)
    medians = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(f"{args.machines} machines, {args.expiries} expiries (one every {args.cycle:g} s), {seconds:g} s each run")
    print(f"{'':28}{'(a) copies of a file':>22}{'(b) shared store':>18}")
    for label, key_ in (("token calls", "calls"), ("expiries that passed", "expiries"),
                        ("refreshes at Zoho", "refreshes"), ("most in one token's life", "crowded"),
                        ("Access Denied (throttled)", "denied"), ("401s (token rejected)", "rejected"),
                        ("other failures", "failed"), ("calls that worked", "ok")):
        print(f"{label:28}{copies[key_]:>22}{shared[key_]:>18}")
    for label, result in (("copies", copies), ("shared", shared)):
        for error in result["errors"]:  # type: ignore[union-attr]
            print(f"  {label}: {error}")
    base_ms = medians["file fast path"]
    print(f"\nzconnect token, median of {args.runs} (alternating):")
    for label, ms in medians.items():
        print(f"  {label:28}{ms:8.1f} ms  {ms / base_ms:5.2f}x the file fast path")
    print("targets: shared, cache <= 1.2x; shared, database <= 3x (the last line: a bare `python -c` importing\n"
          "psycopg and cryptography's AESGCM, which a database read needs, and doing nothing with them)")


if __name__ == "__main__":
    main()
