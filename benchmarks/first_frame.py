"""Time to the first frame of `zconnect`'s TUI, as a ratio to a bare Textual App started the same way.

Each run is a fresh interpreter (imports included) that starts the app headless at 100×30 and
prints the wall-clock time at the first frame Textual hands to the terminal: the first
`App._display` of the top screen outside a batch (headless, nothing is written, the frame is
composed all the same), then exits at once. The figure is that time minus the moment the parent
spawned the process (teardown is not counted); the same mechanism for both apps.

(Until 2026-11-30 the mark was an auto-pilot's start. Textual starts it when the app is mounted,
which for a bare App is before its screen is even composed, but for zconnect after the pushed
screen's layout: the bare App was timed without drawing anything. The first frame drawn is what
a user waits for, for both.) Runs alternate (bare, zconnect, bare, …) so machine noise hits both,
and the ratio printed is the median of each pair's ratio: on a machine whose speed drifts (a shared
2-core VM here: the same bare App takes 0.30 s to 0.47 s within a minute), a ratio of the two medians
can pair a fast run with a slow one; the pairs' ratio cannot. The ratio of medians is printed too.
Cases: an empty config (the wizard opens), one connection (the dashboard opens), and 1,000
connections (the dashboard, compared with the dashboard with one). Prints medians and ratios; no
pass/fail (the targets: ≤ 1.3× a bare App for the wizard and the dashboard, and the dashboard with
1,000 connections ≤ 2× the dashboard with one).

    python benchmarks/first_frame.py [-n 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import os, sys, time
import textual.app

_display = textual.app.App._display
def first_frame(app, screen, renderable):
    drawn = renderable is not None and not app._batch_count and screen is app.screen
    _display(app, screen, renderable)
    if drawn:
        print(time.time(), flush=True)
        os._exit(0)
textual.app.App._display = first_frame
if sys.argv[1] == "bare":
    from textual.app import App
    app = App()
else:
    from zconnect_tui.manager import Manager
    from zconnect_tui.store import Store
    from zconnect_tui.tui.app import ZconnectApp
    app = ZconnectApp(Manager(Store(sys.argv[2])), wizard=False, prefill={})
app.run(headless=True, size=(100, 30))
"""

CONNECTION = """[connections.{name}]
service = "desk"
dc = "us"
client_id = "1000.BENCH"
client_secret = "0123456789abcdef"
scopes = ["Desk.basic.READ"]
redirect_uri = "http://127.0.0.1:9646/callback"
status = "authorized"
org_name = "Zylker"

[connections.{name}.token]
access_token = "1000.access"
refresh_token = "1000.refresh"
expires_at = 2099-01-01T00:00:00Z
"""


def connections(count: int) -> str:
    """A connections file with `count` authorized connections."""
    return "version = 1\n" + "".join(CONNECTION.format(name=f"conn-{i:04d}") for i in range(count))


def child_env(config: Path) -> dict[str, str]:
    """The environment a user has: bytecode caches on (pip compiles them at install time)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "ZCONNECT_CONFIG": str(config)}


def run_once(kind: str, config: Path) -> float:
    """Seconds from spawning the interpreter to the app's first frame."""
    started = time.time()
    proc = subprocess.run([sys.executable, "-c", CHILD, kind, str(config)], check=True, text=True,
                          env=child_env(config), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return float(proc.stdout.split()[-1]) - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=15, help="runs per app and case (default 15)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.toml"
        one = Path(tmp) / "one.toml"
        many = Path(tmp) / "many.toml"
        for path, count in ((one, 1), (many, 1000)):
            path.write_text(connections(count))
            path.chmod(0o600)
        # Compile our bytecode as `pip install` does (an editable install, or PYTHONDONTWRITEBYTECODE,
        # would otherwise make every run recompile zconnect's sources but not Textual's).
        import zconnect_tui

        subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(zconnect_tui.__file__).parent)],
                       check=True, env=child_env(empty))
        run_once("bare", empty)  # warm the file cache (bytecode, shared libraries)
        run_once("zconnect", one)
        print(f"first frame, headless 100x30, {args.n} alternated runs each (median seconds)")
        for label, config in (("wizard (no connections)", empty), ("dashboard (1 connection)", one)):
            bare: list[float] = []
            real: list[float] = []
            for _ in range(args.n):
                bare.append(run_once("bare", config))
                real.append(run_once("zconnect", config))
            b, r = statistics.median(bare), statistics.median(real)
            paired = statistics.median(z / a for a, z in zip(bare, real, strict=True))
            print(f"  {label:26s} bare App {b:.3f}s  zconnect {r:.3f}s  ratio {paired:.2f}x"
                  f" (of the medians {r / b:.2f}x)")
        ones: list[float] = []
        manys: list[float] = []
        for _ in range(args.n):
            ones.append(run_once("zconnect", one))
            manys.append(run_once("zconnect", many))
        o, m = statistics.median(ones), statistics.median(manys)
        paired = statistics.median(b / a for a, b in zip(ones, manys, strict=True))
        print(f"  {'dashboard, 1,000 conns':26s} 1 connection {o:.3f}s  1,000 {m:.3f}s  ratio {paired:.2f}x"
              f" (of the medians {m / o:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
