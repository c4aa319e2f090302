"""Proxies: Zoho calls honour the user's proxy settings; a loopback data centre never goes through one."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from reliability.lab import Lab
from waiting import wait_for

from zconnect_tui.errors import Unreachable
from zconnect_tui.model import Connection
from zconnect_tui.oauth import ZohoClient

PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class TrapProxy:
    """A 'proxy' on 127.0.0.1 that records each request line and hangs up."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    self.lines.append(conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1"))
                except OSError:
                    pass

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the waiting accept (a close alone does not)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(10)


@pytest.fixture
def proxy() -> Iterator[TrapProxy]:
    trap = TrapProxy()
    yield trap
    trap.close()


def test_loopback_data_centre_bypasses_a_configured_proxy(tmp_path: Path, proxy: TrapProxy) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", expired=True)
        env = {var: proxy.url for var in PROXY_VARS} | {"NO_PROXY": "", "no_proxy": ""}
        for command in ("refresh", "test"):
            result = lab.cli(command, "desk", env=env)
            assert result.code == 0, result.err
        assert proxy.lines == []
        assert len(lab.emu.token_requests("refresh_token")) == 1


def test_zoho_calls_go_through_the_users_proxy(monkeypatch: pytest.MonkeyPatch, proxy: TrapProxy) -> None:
    for var in PROXY_VARS:
        monkeypatch.setenv(var, proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    conn = Connection("desk", "desk", "us", "1000.X", ["Desk.basic.READ"], client_secret="s" * 42)
    conn.token.refresh_token = "1000.r.r"
    with ZohoClient() as client, pytest.raises(Unreachable):
        client.refresh("https://accounts.zoho.com", conn)
    wait_for(lambda: proxy.lines)
    assert proxy.lines[0] == "CONNECT accounts.zoho.com:443 HTTP/1.1"
