"""How fast is `zconnect token NAME` with a valid stored token, relative to `python -c pass`?

Both commands run alternately in one process, N times each, so machine noise hits both
alike; the figure that matters is the ratio of medians (target: at most 3x).

    python benchmarks/token_speed.py [--runs 40]
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

from zconnect_tui.model import Connection
from zconnect_tui.store import Store


def make_config(directory: Path) -> Path:
    """A connections file holding one connection with an access token valid for an hour."""
    store = Store(directory / "connections.toml")
    conn = Connection(name="desk", service="desk", dc="us", client_id="1000.BENCH", scopes=["Desk.basic.READ"],
                      client_secret="bench-secret", status="authorized")
    conn.token.access_token = "1000.bench.token"
    conn.token.refresh_token = "1000.bench.refresh"
    conn.token.expires_at = datetime.now(UTC) + timedelta(hours=1)
    store.save_connection(conn)
    return store.path


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    zconnect = shutil.which("zconnect") or str(Path(sys.executable).with_name("zconnect"))
    with tempfile.TemporaryDirectory() as tmp:
        # A user's environment: bytecode caches on, as `pip install` compiles them.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["ZCONNECT_CONFIG"] = str(make_config(Path(tmp)))
        import zconnect_tui

        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(zconnect_tui.__file__).parent)],
                       check=True, env=env)
        token_cmd = [zconnect, "token", "desk"]
        baseline_cmd = [sys.executable, "-c", "pass"]
        for _ in range(3):  # warm the page cache for both
            timed(token_cmd, env)
            timed(baseline_cmd, env)
        token_times, base_times = [], []
        for _ in range(args.runs):
            token_times.append(timed(token_cmd, env))
            base_times.append(timed(baseline_cmd, env))
    token_ms = statistics.median(token_times) * 1000
    base_ms = statistics.median(base_times) * 1000
    print(f"runs each:               {args.runs} (alternating)")
    print(f"python -c pass (median): {base_ms:.1f} ms")
    print(f"zconnect token (median): {token_ms:.1f} ms")
    print(f"ratio:                   {token_ms / base_ms:.2f}x  (target <= 3x)")


if __name__ == "__main__":
    main()
