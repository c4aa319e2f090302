"""Issue #8 item 5: every call to Zoho has one deadline and a size cap, and no one waits on Zoho for the file.

No timing is asserted: a dripping server counts what it managed to send before zconnect hung up, a
huge one counts the bytes it got out, and the hung-refresh test checks who finished while it hung.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from inprocess import zconnect
from reliability.lab import PYTHON, Lab, one_line_error, rss_kib
from waiting import wait_for

from zconnect_tui.errors import Unreachable
from zconnect_tui.model import Connection
from zconnect_tui.oauth import MAX_RESPONSE_BYTES, ZohoClient

BODY = b'{"access_token": "1000.dripped.token", "expires_in": 3600, "api_domain": "https://www.zohoapis.com"}' * 2


class Server:
    """A one-shot HTTP server on 127.0.0.1 that answers in a chosen hostile way and counts what it sent."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.sent = 0
        self.done = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        try:
            conn.settimeout(30)
            conn.recv(65536)
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(BODY)}\r\n\r\n".encode()
            if self.answer == "drip_headers":
                self._drip(conn, head + BODY)
            elif self.answer == "drip_body":
                conn.sendall(head)
                self._drip(conn, BODY)
            elif self.answer == "huge":  # no Content-Length: the body runs until the connection closes
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
                chunk = b'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",' * 800
                while self.sent < 64 * 2**20:
                    conn.sendall(chunk)
                    self.sent += len(chunk)
            elif self.answer == "declared_huge":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 600000000\r\n\r\n")
                while self.sent < 64 * 2**20:
                    conn.sendall(b" " * 65536)
                    self.sent += 65536
        except OSError:
            pass  # zconnect hung up: that is the point
        finally:
            conn.close()
            self.done.set()

    def _drip(self, conn: socket.socket, data: bytes) -> None:
        for i in range(len(data)):
            conn.sendall(data[i:i + 1])
            self.sent += 1
            if self.done.wait(0.02):  # one byte every 20 ms: each read is quick, the whole answer is not
                return

    def close(self) -> None:
        self.done.set()
        self.sock.close()


@contextmanager
def hostile(answer: str) -> Iterator[Server]:
    server = Server(answer)
    try:
        yield server
    finally:
        server.close()


def conn() -> Connection:
    c = Connection(name="d", service="desk", dc="lab", client_id="1000.A", scopes=["Desk.basic.READ"],
                   client_secret="s")
    c.token.refresh_token = "1000.r.t"
    return c


@pytest.mark.parametrize("answer", ["drip_headers", "drip_body"])
def test_a_dripping_server_cannot_stretch_a_call_past_its_deadline(answer: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Each byte comes well within any per-read timeout; the one deadline still ends the call."""
    monkeypatch.setenv("ZCONNECT_HTTP_TIMEOUT", "0.5")
    with hostile(answer) as server, ZohoClient() as client:
        with pytest.raises(Unreachable, match="did not answer in time"):
            client.refresh(server.url, conn())
        assert wait_for(server.done.is_set, 30, "the server to notice")
        total = len(BODY) + (100 if answer == "drip_headers" else 0)
        assert 0 < server.sent < total / 2  # hung up long before the answer was complete


@pytest.mark.parametrize("answer", ["huge", "declared_huge"])
def test_a_huge_answer_is_refused_while_it_streams(answer: str) -> None:
    before = rss_kib()
    with hostile(answer) as server, ZohoClient() as client:
        with pytest.raises(Unreachable, match=f"more than {MAX_RESPONSE_BYTES // 2**20} MiB"):
            client.refresh(server.url, conn())
        assert wait_for(server.done.is_set, 30, "the server to notice")
        assert server.sent < 16 * 2**20  # of the 64 MiB it had for us
    assert rss_kib() - before < 32 * 1024


def test_add_list_and_other_connections_do_not_wait_for_a_hung_refresh(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        stuck = lab.add("desk", expired=True)
        lab.add("other", expired=True)
        lab.emu.hang_seconds = 120
        lab.emu.queue_fault("hang", path_prefix="/oauth/v2/token")  # the next token call: desk's refresh
        hung = subprocess.Popen([PYTHON, "-m", "zconnect_tui", "refresh", "desk"],
                                env=lab.env(ZCONNECT_HTTP_TIMEOUT="90"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: any(r.form.get("refresh_token") == stuck.token.refresh_token
                                 for r in lab.emu.token_requests("refresh_token")), 30, "desk's refresh at Zoho")
            added = lab.cli("add", "new", "--service", "crm", "--dc", "lab", "--client-id", "1000.NEW",
                            "--client-secret-env", "S", env={"S": "secret"})
            listed = lab.cli("list")
            token = lab.cli("token", "other")
            assert hung.poll() is None, "the refresh was meant to be still waiting for Zoho"
            assert added.code == 0 and listed.code == 0 and token.code == 0, (added.err, listed.err, token.err)
            assert "new" in listed.out and token.out.strip() in lab.emu.live_access_tokens
        finally:
            hung.kill()
            hung.communicate(timeout=30)
        # The killed refresh changed nothing; everything the others wrote is there.
        snap = lab.store.load()
        assert set(snap.connections) == {"desk", "new", "other"}
        assert snap.get("desk").token.refresh_token == stuck.token.refresh_token


def test_http_timeout_setting_is_checked(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", expired=True)
        before = lab.config.read_bytes()
        for value in ("abc", "nan", "inf", "-1", "0", "1e9"):
            run = zconnect("refresh", "desk", env=lab.env(ZCONNECT_HTTP_TIMEOUT=value))
            assert run.code == 2 and one_line_error(run.err) and "ZCONNECT_HTTP_TIMEOUT" in run.err, (value, run.err)
        assert lab.config.read_bytes() == before and lab.emu.token_requests("refresh_token") == []
