"""A `BROWSER` that only holds the URL in its argv, as a real browser does (readable by every local user
in /proc/PID/cmdline), until the file named by $ARGV_BROWSER_STOP exists (at most 60 s). It never browses."""

from __future__ import annotations

import os
import sys
import time

if __name__ == "__main__":
    stop = os.environ.get("ARGV_BROWSER_STOP", "")
    deadline = time.monotonic() + 60
    while stop and not os.path.exists(stop) and time.monotonic() < deadline:
        time.sleep(0.05)
    sys.exit(0)
