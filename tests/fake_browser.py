"""Stand-in web browser for tests, used as ``BROWSER="python tests/fake_browser.py %s"``.

GETs ``argv[1]`` and follows up to 5 ``Location`` redirects by hand, as a browser would (Zoho's /oauth/v2/auth
answers 302 to the app's loopback callback), with a 10 s timeout per request. Always exits 0, whatever the
final page says or if the fetch fails (a real browser "opens" fine either way, and a non-zero exit would make
``webbrowser`` fall back to the next browser). Never writes to stdout/stderr: inside a TUI that garbles the
screen.

Environment:
  FAKE_BROWSER_LOG=path    append one line per event: ``VISIT <url>`` per request, then
                           ``FINAL <status> <first 200 body chars>`` (newlines -> spaces) or ``ERROR <why>``.
  FAKE_BROWSER_DELAY=secs  sleep before starting (lets "the user pastes the URL first" win the race).
  FAKE_BROWSER_FAVICON=1   afterwards also GET /favicon.ico from the final page's origin, as browsers do.
  FAKE_BROWSER_DETACH=1    relaunch in the background and exit at once, like a browser handing the URL to
                           a running instance (``webbrowser.open`` then returns before the page loads).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from urllib.parse import urljoin, urlsplit

MAX_REDIRECTS = 5
TIMEOUT = 10.0
HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) FakeBrowser/1.0",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}


def log(line: str) -> None:
    """Append one line to $FAKE_BROWSER_LOG, if set; never raise."""
    path = os.environ.get("FAKE_BROWSER_LOG")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line.replace("\r", " ").replace("\n", " ") + "\n")
    except OSError:
        pass


def browse(url: str) -> None:
    """Visit ``url`` and follow redirects like a browser, logging each step."""
    import httpx  # imported here so that an ImportError is logged, not printed

    with httpx.Client(follow_redirects=False, timeout=TIMEOUT, trust_env=False, headers=HEADERS) as client:
        for hop in range(MAX_REDIRECTS + 1):
            if urlsplit(url).scheme not in ("http", "https"):
                log(f"ERROR unsupported URL scheme: {url}")
                return
            log(f"VISIT {url}")
            resp = client.get(url)
            location = resp.headers.get("location")
            if not (resp.is_redirect and location):
                break
            if hop == MAX_REDIRECTS:
                log(f"ERROR too many redirects (more than {MAX_REDIRECTS})")
                return
            url = urljoin(url, location)
        log(f"FINAL {resp.status_code} {resp.text[:200]}")
        if os.environ.get("FAKE_BROWSER_FAVICON") == "1":
            favicon = urljoin(url, "/favicon.ico")
            log(f"VISIT {favicon}")
            client.get(favicon)


def main(argv: list[str]) -> int:
    """Entry point; returns the exit status (always 0)."""
    devnull = open(os.devnull, "w")  # kept open for the life of the process
    sys.stdout = sys.stderr = devnull
    try:
        if os.environ.get("FAKE_BROWSER_DETACH") == "1":
            env = {k: v for k, v in os.environ.items() if k != "FAKE_BROWSER_DETACH"}
            subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), *argv[1:]],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            return 0
        delay = float(os.environ.get("FAKE_BROWSER_DELAY") or 0)
        if delay > 0:
            time.sleep(delay)
        if len(argv) < 2:
            log("ERROR usage: fake_browser.py URL")
            return 0
        browse(argv[1])
    except Exception as exc:  # anything at all: log it, stay silent, exit 0
        log(f"ERROR {type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
