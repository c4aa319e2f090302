"""The name lookup is under the one deadline per call: a resolver that hangs gives the usual one-line
"did not answer in time" (exit 4) when ZCONNECT_HTTP_TIMEOUT has passed, not a wait as long as the
resolver's. The address is used only to connect: TLS still names the host (SNI, certificate check)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from inprocess import zconnect
from reliability.lab import one_line_error
from waiting import wait_for

from zconnect_tui.model import AUTHORIZED, Connection, now_utc
from zconnect_tui.store import Store

REAL_GETADDRINFO = socket.getaddrinfo
NO_PROXY_ENV: dict[str, str | None] = {var: None for var in (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")}


def _is_address(host: object) -> bool:
    try:
        ipaddress.ip_address(str(host))
    except ValueError:
        return False
    return True


class HungResolver:
    """socket.getaddrinfo that never answers for a name (up to 60 s, or until released); addresses pass."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.release = threading.Event()

    def __call__(self, host: object, *args: object, **kwargs: object) -> list:  # noqa: ANN401
        if _is_address(host):
            return REAL_GETADDRINFO(host, *args, **kwargs)  # type: ignore[arg-type]
        self.asked.append(str(host))
        self.release.wait(60)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")


@pytest.fixture
def hung(monkeypatch: pytest.MonkeyPatch) -> Iterator[HungResolver]:
    resolver = HungResolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    yield resolver
    resolver.release.set()  # the abandoned lookup threads end now
    wait_for(lambda: not any(t.name == "zconnect-resolve" for t in threading.enumerate()), 10, "the lookups")


def _zoho_connection(tmp_path: Path) -> dict[str, str | None]:
    conn = Connection(name="desk", service="desk", dc="us", client_id="1000.A", scopes=["Desk.basic.READ"],
                      client_secret="s3cr3t", redirect_uri="http://127.0.0.1:9646/callback", status=AUTHORIZED)
    conn.token.access_token, conn.token.refresh_token = "1000.old.access", "1000.old.refresh"
    conn.token.expires_at, conn.token.issued_by = now_utc() - timedelta(hours=1), "https://accounts.zoho.com"
    Store(tmp_path / "c.toml").save_connection(conn)
    return {"ZCONNECT_CONFIG": str(tmp_path / "c.toml"), "ZCONNECT_HTTP_TIMEOUT": "0.5", **NO_PROXY_ENV}


def test_a_hung_resolver_ends_with_the_usual_unreachable_line(tmp_path: Path, hung: HungResolver) -> None:
    run = zconnect("refresh", "desk", env=_zoho_connection(tmp_path))
    # Before: the call waited out the resolver (here 60 s), then said "Cannot connect … name resolution".
    assert not hung.release.is_set() and hung.asked and set(hung.asked) == {"accounts.zoho.com"}
    assert run.code == 4 and one_line_error(run.err), run.err
    assert "accounts.zoho.com did not answer in time" in run.err and "nothing was changed" in run.err
    assert Store(tmp_path / "c.toml").load().get("desk").token.refresh_token == "1000.old.refresh"


def test_a_proxys_name_is_looked_up_under_the_deadline_too(tmp_path: Path, hung: HungResolver) -> None:
    env = _zoho_connection(tmp_path) | {"HTTPS_PROXY": "http://proxy.corp.example:3128", "NO_PROXY": ""}
    run = zconnect("refresh", "desk", env=env)
    assert not hung.release.is_set() and set(hung.asked) == {"proxy.corp.example"}
    assert run.code == 4 and one_line_error(run.err) and "did not answer in time" in run.err, run.err


def test_tls_names_the_host_not_the_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """accounts.zoho.com resolved to a local server: its ClientHello carries the name (SNI), and the
    certificate check (against that name) refuses the server; nothing is sent in the clear."""
    server = socket.create_server(("127.0.0.1", 0))
    hellos: list[bytes] = []

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.settimeout(5)
            hellos.append(conn.recv(4096))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = server.getsockname()[1]

    def local(host: object, _port: object, *args: object, **kwargs: object) -> list:  # noqa: ANN401
        where = "127.0.0.1" if host == "accounts.zoho.com" else host
        return REAL_GETADDRINFO(where, port if host == "accounts.zoho.com" else _port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", local)
    try:
        run = zconnect("refresh", "desk", env=_zoho_connection(tmp_path))
        wait_for(lambda: hellos, 10, "the ClientHello")
    finally:
        server.close()
        thread.join(10)
    assert run.code == 4 and one_line_error(run.err), run.err
    assert hellos[0][:1] == b"\x16" and b"accounts.zoho.com" in hellos[0]  # a TLS handshake naming the host
