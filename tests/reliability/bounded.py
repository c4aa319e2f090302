"""6. Bounded calls: hostile answers (dripping, huge) against one call to Zoho; what it cost and when it ended."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from zconnect_tui.errors import Unreachable
from zconnect_tui.model import Connection
from zconnect_tui.oauth import ZohoClient

from .lab import rss_kib

BODY = b'{"access_token": "1000.dripped.token", "expires_in": 3600, "api_domain": "https://www.zohoapis.com"}' * 2


class Server:
    """A one-shot HTTP server on 127.0.0.1 that answers in a chosen hostile way and counts what it sent."""

    def __init__(self, answer: str, huge_mib: int = 64) -> None:
        self.answer = answer
        self.huge = huge_mib * 2**20
        self.sent = 0
        self.done = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:  # closed before anyone called
            self.done.set()
            return
        try:
            conn.settimeout(30)
            conn.recv(65536)
            length = len(BODY) // 2 if self.answer == "ok" else len(BODY)
            head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n".encode()
            if self.answer == "drip_headers":
                self._drip(conn, head + BODY)
            elif self.answer == "drip_body":
                conn.sendall(head)
                self._drip(conn, BODY)
            elif self.answer == "huge":  # no Content-Length: the body runs until the connection closes
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
                chunk = b'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",' * 800
                while self.sent < self.huge:
                    conn.sendall(chunk)
                    self.sent += len(chunk)
            elif self.answer == "ok":
                conn.sendall(head + BODY[: len(BODY) // 2])
            elif self.answer == "declared_huge":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 600000000\r\n\r\n")
                while self.sent < self.huge:
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
        """Stop, and wait for the serving thread: a shutdown wakes an accept still waiting (a close does not)."""
        self.done.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(10)


@contextmanager
def hostile(answer: str, huge_mib: int = 64) -> Iterator[Server]:
    server = Server(answer, huge_mib)
    try:
        yield server
    finally:
        server.close()


def refresh_client() -> Connection:
    c = Connection(name="d", service="desk", dc="lab", client_id="1000.A", scopes=["Desk.basic.READ"],
                   client_secret="s")
    c.token.refresh_token = "1000.r.t"
    return c


@dataclass
class BoundedCase:
    answer: str
    deadline: float
    error: str = ""
    seconds: float = 0.0
    sent: int = 0
    """Bytes the server got out before zconnect hung up."""
    rss_growth_kib: int = 0


def run_bounded_case(answer: str, deadline: float, *, huge_mib: int = 64) -> BoundedCase:
    """One refresh against a hostile server, with ZCONNECT_HTTP_TIMEOUT=`deadline`."""
    case = BoundedCase(answer, deadline)
    saved = os.environ.get("ZCONNECT_HTTP_TIMEOUT")
    os.environ["ZCONNECT_HTTP_TIMEOUT"] = str(deadline)
    before = rss_kib()
    try:
        with hostile(answer, huge_mib) as server, ZohoClient() as client:
            started = time.monotonic()
            try:
                client.refresh(server.url, refresh_client())
            except Unreachable as exc:
                case.error = exc.one_line()
            case.seconds = time.monotonic() - started
            server.done.wait(30)
            case.sent = server.sent
    finally:
        if saved is None:
            os.environ.pop("ZCONNECT_HTTP_TIMEOUT", None)
        else:
            os.environ["ZCONNECT_HTTP_TIMEOUT"] = saved
    case.rss_growth_kib = rss_kib() - before
    return case
