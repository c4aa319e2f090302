"""What another local user sees: every process's argv, read from /proc/*/cmdline in a tight loop.

Run as `python argv_poller.py STOP_FILE`. It prints `ready` once its first scan is done (every process
already running is then known), scans until STOP_FILE exists, then prints one JSON object: how many
scans it made, how many process starts it saw (a pid with an argv not seen in the first scan: a new
process, or one that ran `exec`) and every argv it saw, joined by spaces. The test looks for tokens in
them; this script is given none, so nothing secret is in its own argv or memory.
"""

from __future__ import annotations

import json
import os
import sys


def scan(seen: dict[tuple[int, bytes], None]) -> None:
    """Read every readable /proc/PID/cmdline once; each (pid, argv) pair is kept, in the order first seen."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read()
        except OSError:  # the process ended between listdir and open
            continue
        if argv:
            seen.setdefault((int(entry), argv), None)


def main(stop: str) -> int:
    seen: dict[tuple[int, bytes], None] = {}
    scan(seen)
    before = len(seen)
    print("ready", flush=True)
    scans = 1
    while not os.path.exists(stop):
        scan(seen)
        scans += 1
    argvs = [argv.replace(b"\0", b" ").decode("utf-8", "replace") for _, argv in seen]
    json.dump({"scans": scans, "starts": len(seen) - before, "argvs": argvs}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
