"""One query over PostgreSQL's wire protocol (version 3), for `zconnect token`'s database read.

Importing psycopg takes several times longer than the whole file fast path, so the one read `token`
needs when this machine's cache is empty speaks the protocol itself: startup, authentication (trust,
password, MD5, SCRAM-SHA-256), TLS as libpq's `sslmode` asks, one simple query, text results. Anything
it does not handle (a password only in ~/.pgpass, a host from the environment, an unexpected message)
returns None and the caller uses psycopg, which handles everything; nothing here ever decides an error.
"""

from __future__ import annotations

import os
import socket
import struct
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

TIMEOUT = 5.0


class Unsupported(Exception):
    """This reader cannot go on; psycopg will."""


def query_row(url: str, sql: str) -> list[str | None] | None:
    """The first row of `sql` (no parameters: the caller quotes) as text, [] for none, None when unsure."""
    try:
        target = _target(url)
        with _connect(target) as conn:
            return _run(conn, target, sql)
    except (OSError, Unsupported, ValueError, struct.error, UnicodeError):
        return None


def quote(text: str) -> str:
    """`text` as an SQL string literal (standard_conforming_strings, on since PostgreSQL 9.1)."""
    if "\x00" in text:
        raise Unsupported("NUL")
    return "'" + text.replace("'", "''") + "'"


def _target(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise Unsupported("scheme")
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if set(options) - {"host", "port", "sslmode", "connect_timeout", "application_name", "dbname", "user",
                       "password"}:
        raise Unsupported("an option only libpq knows")
    host = options.get("host") or (unquote(parts.hostname) if parts.hostname else "")
    user = options.get("user") or unquote(parts.username or "") or os.environ.get("PGUSER", "")
    if not host or not user or "," in host:
        raise Unsupported("host or user from libpq's defaults")
    password = options.get("password") or unquote(parts.password or "") or os.environ.get("PGPASSWORD", "")
    database = options.get("dbname") or unquote(parts.path.lstrip("/")) or user
    port = int(options.get("port") or parts.port or os.environ.get("PGPORT") or 5432)
    return {"host": host, "port": port, "user": user, "password": password, "database": database,
            "sslmode": options.get("sslmode") or os.environ.get("PGSSLMODE") or "prefer"}


class _Conn:
    def __init__(self, sock: Any) -> None:
        self.sock = sock

    def __enter__(self) -> _Conn:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.sock.sendall(b"X\x00\x00\x00\x04")
        except OSError:
            pass
        self.sock.close()

    def send(self, kind: bytes, body: bytes) -> None:
        self.sock.sendall(kind + struct.pack("!I", len(body) + 4) + body)

    def read(self) -> tuple[bytes, bytes]:
        head = self._exactly(5)
        return head[:1], self._exactly(struct.unpack("!I", head[1:])[0] - 4)

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise Unsupported("closed")
            data += chunk
        return data


def _connect(target: dict[str, Any]) -> _Conn:
    host, mode = target["host"], target["sslmode"]
    if host.startswith("/"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.connect(os.path.join(host, f".s.PGSQL.{target['port']}"))
        return _Conn(sock)
    sock = socket.create_connection((host, target["port"]), timeout=TIMEOUT)
    if mode == "disable":
        return _Conn(sock)
    if mode not in ("allow", "prefer", "require", "verify-ca", "verify-full"):
        sock.close()
        raise Unsupported("sslmode")
    sock.sendall(struct.pack("!II", 8, 80877103))  # SSLRequest
    answer = sock.recv(1)
    if answer != b"S":
        if mode in ("allow", "prefer") and answer == b"N":
            return _Conn(sock)
        sock.close()
        raise Unsupported("no TLS")
    import ssl

    context = ssl.create_default_context()
    if mode in ("require", "allow", "prefer"):  # libpq: encrypted, certificate not checked
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    elif mode == "verify-ca":
        context.check_hostname = False
    return _Conn(context.wrap_socket(sock, server_hostname=host))


def _run(conn: _Conn, target: dict[str, Any], sql: str) -> list[str | None] | None:
    params = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in (
        ("user", target["user"]), ("database", target["database"]), ("application_name", "zconnect")))
    body = struct.pack("!I", 196608) + params + b"\0"
    conn.sock.sendall(struct.pack("!I", len(body) + 4) + body)
    _authenticate(conn, target["user"], target["password"])
    while True:
        kind, _ = conn.read()
        if kind == b"Z":
            break
        if kind not in (b"S", b"K", b"N"):
            raise Unsupported("startup")
    conn.send(b"Q", sql.encode() + b"\0")
    row: list[str | None] | None = None
    while True:
        kind, data = conn.read()
        if kind == b"D" and row is None:
            count, at, row = struct.unpack("!H", data[:2])[0], 2, []
            for _ in range(count):
                size = struct.unpack("!i", data[at:at + 4])[0]
                at += 4
                row.append(None if size < 0 else data[at:at + size].decode())
                at += max(size, 0)
        elif kind == b"E":
            raise Unsupported("error")
        elif kind == b"Z":
            return row if row is not None else []


def _authenticate(conn: _Conn, user: str, password: str) -> None:
    scram: Scram | None = None
    while True:
        kind, data = conn.read()
        if kind != b"R":
            raise Unsupported("authentication")
        code = struct.unpack("!I", data[:4])[0]
        if code == 0:
            return
        if not password:
            raise Unsupported("a password libpq finds elsewhere")
        if code == 3:
            conn.send(b"p", password.encode() + b"\0")
        elif code == 5:
            import hashlib

            inner = hashlib.md5(password.encode() + user.encode()).hexdigest().encode()  # noqa: S324 - the protocol's
            conn.send(b"p", b"md5" + hashlib.md5(inner + data[4:8]).hexdigest().encode() + b"\0")  # noqa: S324
        elif code == 10 and b"SCRAM-SHA-256\0" in data[4:]:
            scram = Scram(password)
            first = scram.client_first().encode()
            conn.send(b"p", b"SCRAM-SHA-256\0" + struct.pack("!I", len(first)) + first)
        elif code == 11 and scram is not None:
            conn.send(b"p", scram.client_final(data[4:].decode()).encode())
        elif code == 12 and scram is not None:
            if not scram.verify(data[4:].decode()):
                raise Unsupported("the server's SCRAM signature")
        else:
            raise Unsupported(f"authentication {code}")


class Scram:
    """SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it (no channel binding)."""

    def __init__(self, password: str, nonce: str | None = None) -> None:
        import base64

        self.password = password
        self.nonce = nonce or base64.b64encode(os.urandom(18)).decode()
        self.first_bare = f"n=,r={self.nonce}"
        self.signature = b""

    def client_first(self) -> str:
        return "n,," + self.first_bare

    def client_final(self, server_first: str) -> str:
        import base64
        import hashlib
        import hmac

        fields = dict(item.split("=", 1) for item in server_first.split(","))
        if not fields["r"].startswith(self.nonce):
            raise Unsupported("nonce")
        salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), base64.b64decode(fields["s"]), int(fields["i"]))
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        without_proof = f"c=biws,r={fields['r']}"
        message = f"{self.first_bare},{server_first},{without_proof}".encode()
        signature = hmac.new(hashlib.sha256(client_key).digest(), message, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        self.signature = hmac.new(server_key, message, "sha256").digest()
        return f"{without_proof},p={base64.b64encode(proof).decode()}"

    def verify(self, server_final: str) -> bool:
        import base64
        import hmac

        return server_final.startswith("v=") and hmac.compare_digest(base64.b64decode(server_final[2:]),
                                                                      self.signature)
