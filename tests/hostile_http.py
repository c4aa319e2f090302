"""A hostile HTTP server on 127.0.0.1 for #18: one canned answer to every request, with what it cost.

It stands in for a whole data centre (accounts, API and Desk hosts are all its URL): a decompression
bomb, an endless chunked error body, any status and headers. It notes when each request arrived and
when zconnect hung up, and how many body bytes it got out; `run_measured` runs the real CLI as a
process and reads that process's own peak RSS (wait4), so nothing else in the test run counts.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from reliability.lab import PYTHON

from zconnect_tui.model import Connection
from zconnect_tui.store import Snapshot, Store

GIB = 2**30


@cache
def gzip_bomb() -> bytes:
    """1 GiB of zeros, gzipped twice: 2,493 bytes, for `Content-Encoding: gzip, gzip` (#18's attack).

    Built in well under a second without ever holding the GiB: a full flush makes each MiB of zeros
    compress to the same bytes, so the inner gzip is one block repeated 1,024 times."""
    zero = bytes(2**20)
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = deflater.compress(zero) + deflater.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(GIB // len(zero)):
        crc = zlib.crc32(zero, crc)
    inner = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + block * (GIB // len(zero))
             + deflater.flush(zlib.Z_FINISH) + struct.pack("<II", crc, GIB & 0xFFFFFFFF))
    return gzip(inner)


def gzip(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return packer.compress(data) + packer.flush()


@dataclass
class Answer:
    """What the server says to every request."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    chunked_bytes: int = 0
    """Instead of `body`: this many bytes of JSON-ish text, chunked with no Content-Length."""
    stall: bool = False
    """After a chunked body, send no last chunk: the answer never ends (a reader must stop on its own)."""


class HostileServer:
    """Answers every request on 127.0.0.1 with `answer`; one thread per connection, each closed after one answer."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.sent = 0
        self.arrivals: list[float] = []
        self.hangups: list[float] = []
        self.paths: list[str] = []
        self.closing = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self) -> None:
        while not self.closing.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)
            request = b""
            while b"\r\n\r\n" not in request:
                data = conn.recv(65536)
                if not data:
                    return
                request += data
            self.arrivals.append(time.monotonic())
            self.paths.append(request.split(b" ", 2)[1].decode("latin-1"))
            answer = self.answer
            head = [f"HTTP/1.1 {answer.status} Hostile", "Connection: close", *(f"{k}: {v}" for k, v in
                                                                               answer.headers.items())]
            head.append("Transfer-Encoding: chunked" if answer.chunked_bytes else f"Content-Length: {len(answer.body)}")
            conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            if answer.chunked_bytes:
                piece = b'{"error": "' + b"x" * 65500 + b'"}'
                frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
                while self.sent < answer.chunked_bytes and not self.closing.is_set():
                    conn.sendall(frame)
                    self.sent += len(piece)
                if not answer.stall:
                    conn.sendall(b"0\r\n\r\n")
            else:
                conn.sendall(answer.body)
                self.sent += len(answer.body)
            self._await_hangup(conn)
        except OSError:  # zconnect hung up while we were sending: that is the point
            self.hangups.append(time.monotonic())
        finally:
            conn.close()

    def _await_hangup(self, conn: socket.socket) -> None:
        """Wait for the client to close its end (it read what it wanted, or gave up)."""
        conn.settimeout(0.05)
        while not self.closing.is_set():
            try:
                if conn.recv(65536) == b"":
                    break
            except TimeoutError:
                continue
        self.hangups.append(time.monotonic())

    def close(self) -> None:
        self.closing.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.acceptor.join(10)
        for thread in self.threads:
            thread.join(10)


@contextmanager
def hostile_server(answer: Answer) -> Iterator[HostileServer]:
    server = HostileServer(answer)
    try:
        yield server
    finally:
        server.close()


def hostile_config(path: Path, url: str, *, expires_in: timedelta = timedelta(hours=1)) -> Path:
    """A connections file with an authorized Desk connection `desk` in data centre `hostile`, served by `url`."""
    conn = Connection(name="desk", service="desk", dc="hostile", client_id="1000.A", scopes=["Desk.basic.READ"],
                      client_secret="s3cret", status="authorized", org_id="1")
    conn.token.access_token, conn.token.refresh_token = "1000.live.token", "1000.refresh"
    conn.token.expires_at = datetime.now(UTC).replace(microsecond=0) + expires_in

    def fill(snap: Snapshot) -> None:
        snap.data_centers["hostile"] = {"accounts": url, "api": url, "desk": url}
        snap.connections["desk"] = conn

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    Store(path).transaction(fill)
    return path


PEAK_REPORTER = """
import atexit, os, sys
def report():
    status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
    with open(os.environ["ZCONNECT_TEST_PEAK_FILE"], "w") as fh:
        fh.write(status)
atexit.register(report)
"""
"""Makes a process write its own peak RSS (VmHWM, KiB) to a file as it exits. Read by the process itself: a
child's ru_maxrss also counts the parent's pages it was forked with (Linux keeps the larger over exec), which
would hide a small peak behind pytest's own size."""
CLI = """
sys.argv = ["zconnect", *sys.argv[1:]]
import runpy
runpy.run_module("zconnect_tui", run_name="__main__", alter_sys=True)
"""
"""`python -m zconnect_tui ARGS`, run after PEAK_REPORTER."""
TUI_CALL = """
from zconnect_tui.errors import ZconnectError
from zconnect_tui.manager import Manager
from zconnect_tui.store import Store
from zconnect_tui.tui.api_answer import CallRunner
from zconnect_tui.tui.api_form import CallForm
try:
    answer = CallRunner(Manager(Store(os.environ["ZCONNECT_CONFIG"])), "desk", CallForm("GET", sys.argv[1])).run()
    print(answer.status, answer.size)
except ZconnectError as exc:
    sys.exit("zconnect: " + exc.one_line())
"""
"""What the TUI's API screen does with the call typed into it (CallRunner.run, in its worker): `path` is argv[1]."""


@dataclass
class Measured:
    code: int
    out: bytes
    """stdout, when kept (else b"")."""
    err: str
    peak_kib: int
    """The process's own peak resident set size (VmHWM)."""
    out_size: int = 0
    out_zeros: int = 0
    """How many bytes of stdout were zero (a streamed bomb is counted, not kept)."""


def run_measured(args: list[str], env: dict[str, str], workdir: Path, *, code: str = CLI,
                 keep_output: bool = True) -> Measured:
    """`zconnect ARGS` (or other `code`) as a process: exit code, stdout (counted as it streams, kept only
    if asked), stderr, peak RSS."""
    workdir.mkdir(parents=True, exist_ok=True)
    peak = workdir / "peak"
    proc = subprocess.Popen([PYTHON, "-c", PEAK_REPORTER + code, *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**env, "ZCONNECT_TEST_PEAK_FILE": str(peak)})
    kept: list[bytes] = []
    counts = [0, 0]

    def drain() -> None:
        assert proc.stdout is not None
        while chunk := proc.stdout.read(2**20):
            counts[0] += len(chunk)
            counts[1] += chunk.count(0)
            if keep_output:
                kept.append(chunk)

    reader = threading.Thread(target=drain, name="stdout-drain", daemon=True)
    reader.start()
    assert proc.stderr is not None
    err = proc.stderr.read().decode()  # until the process exits (the suite's timeout ends a hang)
    proc.wait()
    reader.join()
    return Measured(proc.returncode, b"".join(kept), err, int(peak.read_text()), counts[0], counts[1])
