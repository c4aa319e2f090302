"""A `BROWSER` that holds the URL in its argv, as a real browser does (readable by every local user in
/proc/PID/cmdline), until the file named by $ARGV_BROWSER_STOP exists (at most 60 s). With
$ARGV_BROWSER_OPEN=1 it then opens the URL as fake_browser.py does (following redirects, logging to
$FAKE_BROWSER_LOG): the user's browser arriving after an attacker who read its argv."""

from __future__ import annotations

import os
import sys
import time

if __name__ == "__main__":
    stop = os.environ.get("ARGV_BROWSER_STOP", "")
    deadline = time.monotonic() + 60
    while stop and not os.path.exists(stop) and time.monotonic() < deadline:
        time.sleep(0.05)
    if os.environ.get("ARGV_BROWSER_OPEN") == "1" and len(sys.argv) > 1:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import fake_browser

        sys.exit(fake_browser.main(sys.argv[:2]))
    sys.exit(0)
