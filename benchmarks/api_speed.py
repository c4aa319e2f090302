"""`zconnect api` and the CLI at scale, as ratios measured side by side in one run.

1. `zconnect api desk /api/v1/tickets` against a minimal Python script doing the same GET with
   httpx and the same token (target: at most 1.3x).
2. `zconnect api desk /api/v1/tickets --paginate` over 1,000, 5,000 and 10,000 tickets: time and
   peak memory of the process (target: under 80 MiB, flat as the pages grow).
3. With 1,000 connections in the file against one: `zconnect token NAME` (target at most 1.5x),
   `zconnect list` (at most 2x); and `token` against `python -c pass` (at most 3x).

Everything runs against the in-repo emulator on 127.0.0.1 (zconnect_tui/lab/emulator.py), in fresh
interpreters with bytecode compiled as after `pip install`; commands alternate so machine noise
hits both sides. It prints medians and ratios; no pass/fail on time.

    python benchmarks/api_speed.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from reliability.lab import Lab  # noqa: E402

from zconnect_tui.model import Connection  # noqa: E402
from zconnect_tui.store import Snapshot, Store  # noqa: E402

MINIMAL = """\
import os, sys, httpx
r = httpx.get(os.environ["URL"], headers={"Authorization": "Zoho-oauthtoken " + os.environ["TOKEN"],
                                          "orgId": os.environ["ORG"]})
sys.stdout.buffer.write(r.content)
"""


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time (s) and peak RSS (KiB) of one child, output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{argv} failed with {proc.returncode}")
    return time.perf_counter() - start, usage.ru_maxrss


def alternate(commands: dict[str, list[str]], env: dict[str, str], runs: int) -> dict[str, float]:
    """Median wall time (ms) of each command, run in turn `runs` times after a warm-up."""
    for argv in commands.values():
        run(argv, env)
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for key, argv in commands.items():
            times[key].append(run(argv, env)[0])
    return {k: statistics.median(v) * 1000 for k, v in times.items()}


def many_connections(path: Path, count: int) -> None:
    """A connections file of `count` connections with valid tokens, written as zconnect writes it."""
    def fill(snap: Snapshot) -> None:
        for i in range(count):
            name = "desk" if i == count // 2 else f"conn{i:04d}"
            conn = Connection(name=name, service="desk", dc="us", client_id=f"1000.BENCH{i}", status="authorized",
                              scopes=["Desk.basic.READ", "Desk.tickets.READ"], client_secret="0" * 42,
                              redirect_uri="http://127.0.0.1:9646/callback", accounts_server="https://accounts.zoho.com",
                              location="us", api_domain="https://www.zohoapis.com", org_id="60001", org_name="Zylker")
            conn.token.access_token = f"1000.{i:032x}.{'b' * 32}"
            conn.token.refresh_token = f"1000.{'c' * 32}.{'d' * 32}"
            conn.token.expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
            snap.connections[name] = conn

    Store(path).transaction(fill)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    zconnect = shutil.which("zconnect") or str(Path(sys.executable).with_name("zconnect"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "ZCONNECT_CONFIG")}
    import zconnect_tui

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(zconnect_tui.__file__).parent)], check=True)
    with tempfile.TemporaryDirectory() as tmp, Lab(Path(tmp) / "lab") as lab:
        lab.add("desk", service="desk")
        lab.store.update("desk", lambda c: setattr(c, "org_id", "60002000002"))
        token = lab.store.load().get("desk").token.access_token
        script = Path(tmp) / "minimal.py"
        script.write_text(MINIMAL)
        api_env = {**env, "ZCONNECT_CONFIG": str(lab.config), "URL": f"{lab.emu.url}/api/v1/tickets",
                   "TOKEN": token, "ORG": "60002000002", "NO_PROXY": "127.0.0.1"}
        print(f"1. One GET of /api/v1/tickets (10 tickets), {args.runs} runs each, alternating")
        t = alternate({"httpx": [sys.executable, str(script)],
                       "zconnect": [zconnect, "api", "desk", "/api/v1/tickets"]}, api_env, args.runs)
        print(f"   minimal httpx script      {t['httpx']:7.1f} ms")
        print(f"   zconnect api              {t['zconnect']:7.1f} ms   ratio {t['zconnect'] / t['httpx']:.2f}x"
              "  (target <= 1.3x)")

        print("\n2. --paginate over Desk tickets (100 per page), written to /dev/null")
        _, single_rss = run([zconnect, "api", "desk", "/api/v1/tickets", "-f", "limit=1"], api_env)
        print(f"   one call, 1 ticket        peak RSS {single_rss / 1024:6.1f} MiB")
        for count in (1_000, 5_000, 10_000):
            lab.emu.products.counts["tickets"] = count
            seconds, rss = run([zconnect, "api", "desk", "/api/v1/tickets", "--paginate"], api_env)
            pages = count // 100 + 1
            print(f"   {count:>6,} tickets {pages:>4} pages  {seconds:6.2f} s   peak RSS {rss / 1024:6.1f} MiB"
                  "  (target < 80 MiB, flat)")

    with tempfile.TemporaryDirectory() as tmp:
        one, thousand = Path(tmp) / "one.toml", Path(tmp) / "thousand.toml"
        many_connections(one, 1)
        many_connections(thousand, 1000)
        print(f"\n3. The CLI at scale: 1 connection ({one.stat().st_size:,} bytes) against 1,000 "
              f"({thousand.stat().st_size:,} bytes), {args.runs} runs each, alternating")
        t = alternate({
            "pass": [sys.executable, "-c", "pass"],
            "token1": [zconnect, "--config", str(one), "token", "desk"],
            "token1000": [zconnect, "--config", str(thousand), "token", "desk"],
            "list1": [zconnect, "--config", str(one), "list"],
            "list1000": [zconnect, "--config", str(thousand), "list"],
        }, env, args.runs)
        print(f"   python -c pass            {t['pass']:7.1f} ms")
        print(f"   token, 1 connection       {t['token1']:7.1f} ms   {t['token1'] / t['pass']:.2f}x python -c pass"
              "  (target <= 3x)")
        print(f"   token, 1,000 connections  {t['token1000']:7.1f} ms   ratio {t['token1000'] / t['token1']:.2f}x"
              "  (target <= 1.5x)")
        print(f"   list, 1 connection        {t['list1']:7.1f} ms")
        print(f"   list, 1,000 connections   {t['list1000']:7.1f} ms   ratio {t['list1000'] / t['list1']:.2f}x"
              "  (target <= 2x)")
        cold = []
        for _ in range(5):
            (Path(str(thousand) + ".index.json")).unlink()
            cold.append(run([zconnect, "--config", str(thousand), "list"], env)[0] * 1000)
        print(f"   list, 1,000, no index yet {statistics.median(cold):7.1f} ms   (the first list after a hand edit "
              "parses the whole file and writes the index)")


if __name__ == "__main__":
    main()
