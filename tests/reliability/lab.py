"""The lab shared by the reliability harnesses: a Zoho emulator plus a connections file, and helpers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from zconnect_tui.lab.emulator import ZohoEmulator  # noqa: E402
from zconnect_tui.model import AUTHORIZED, Connection, now_utc, redirect_uri_for  # noqa: E402
from zconnect_tui.store import Store  # noqa: E402

# The same credentials as tests/conftest.py.
CLIENT_ID = "1000.TESTCLIENT0000000000000000000000"
CLIENT_SECRET = "0123456789abcdef0123456789abcdef01234567ab"
DC = "lab"
PYTHON = sys.executable
FAKE_BROWSER = TESTS / "fake_browser.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib() -> int:
    """Resident set size of this process (Linux /proc), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# ----- the lab: emulator + connections file ----------------------------------------------------------
class Lab:
    """An emulator, a connections file whose `lab` data centre is that emulator, and helpers."""

    def __init__(self, workdir: Path, *, dc_url: str | None = None) -> None:
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.emu = ZohoEmulator(location=DC).start()
        self.config = self.dir / "cfg" / "connections.toml"
        self.config.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        url = dc_url or self.emu.url
        self.config.write_text(f'version = 1\n\n[data_centers.{DC}]\naccounts = "{url}"\napi = "{url}"\n'
                               f'desk = "{url}"\nconsole = "{url}"\n')
        self.config.chmod(0o600)
        self.store = Store(self.config)
        self._redirects: dict[str, list[str]] = {}

    def add_product_host(self, product: str) -> str:
        """Serve `product`'s own host (Projects') on a port of its own and name it in the `lab` data
        centre (`projects = "…"`), as a user's config names it; returns its URL."""
        url = self.emu.add_product_host(product)
        text = self.config.read_text()
        self.config.write_text(text.replace(f"[data_centers.{DC}]\n", f'[data_centers.{DC}]\n{product} = "{url}"\n', 1))
        return url

    def close(self) -> None:
        self.emu.stop()

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("SSH_CONNECTION", "ZCONNECT_CONFIG")}
        env.update(ZCONNECT_CONFIG=str(self.config), XDG_CONFIG_HOME=str(self.dir / "xdg"),
                   BROWSER=f"{PYTHON} -c pass %s", ZCONNECT_HTTP_TIMEOUT="5", PYTHONDONTWRITEBYTECODE="1")
        env.update(extra)
        return env

    def browser_env(self) -> dict[str, str]:
        return {"BROWSER": f"{PYTHON} {FAKE_BROWSER} %s", "FAKE_BROWSER_LOG": str(self.dir / "browser.log")}

    def register_redirect(self, uri: str, client_id: str = CLIENT_ID) -> None:
        self._redirects.setdefault(client_id, []).append(uri)
        self.emu.register_client(client_id, CLIENT_SECRET, list(self._redirects[client_id]), self_client=True)

    def mint(self, scopes: list[str], client_id: str = CLIENT_ID) -> dict[str, Any]:
        """Tokens for a lab client, through a Self Client code exchanged over HTTP."""
        code = self.emu.issue_self_client_code(client_id, scopes)
        body = httpx.post(f"{self.emu.url}/oauth/v2/token", data={
            "grant_type": "authorization_code", "client_id": client_id, "client_secret": CLIENT_SECRET,
            "code": code}, trust_env=False).json()
        assert "refresh_token" in body, body
        return body

    def add(self, name: str, *, service: str = "desk", authorized: bool = True, expired: bool = False,
            port: int | None = None, client_id: str | None = None) -> Connection:
        """Store a connection (optionally with tokens whose local expiry is past).

        Each connection gets its own client unless `client_id` says otherwise: Zoho keeps only
        20 refresh tokens per user and client and silently drops the oldest.
        """
        client_id = client_id or f"1000.{name.upper().replace('-', '').replace('_', '')}CLIENT"
        port = port or free_port()
        redirect = redirect_uri_for(port)
        self.register_redirect(redirect, client_id)
        scopes = {"desk": ["Desk.basic.READ"], "crm": ["ZohoCRM.org.READ"]}.get(service, ["AaaServer.profile.READ"])
        conn = Connection(name=name, service=service, dc=DC, client_id=client_id, scopes=scopes,
                          client_secret=CLIENT_SECRET, redirect_uri=redirect)
        if authorized:
            body = self.mint(scopes, client_id)
            conn.token.access_token = body["access_token"]
            conn.token.refresh_token = body["refresh_token"]
            conn.token.scope = body["scope"]
            conn.token.refreshed_at = now_utc()
            conn.token.expires_at = now_utc() + (timedelta(hours=-1) if expired else timedelta(hours=1))
            conn.status = AUTHORIZED
            conn.accounts_server = self.emu.url
            conn.location = DC
        self.store.save_connection(conn)
        return self.store.load().get(name)

    def cli(self, *args: str, stdin: str = "", env: dict[str, str] | None = None,
            timeout: float = 60) -> CliRun:
        return run_cli(args, self.env(**(env or {})), stdin=stdin, timeout=timeout)


@dataclass
class CliRun:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def label(self) -> str:
        return "zconnect " + " ".join(self.args)


def run_cli(args: tuple[str, ...] | list[str], env: dict[str, str], *, stdin: str = "",
            timeout: float = 60) -> CliRun:
    proc = subprocess.run([PYTHON, "-m", "zconnect_tui", *args], input=stdin, capture_output=True,
                          text=True, timeout=timeout, env=env)
    return CliRun(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def one_line_error(err: str) -> bool:
    """stderr is exactly one `zconnect: …` line (no traceback)."""
    lines = [line for line in err.splitlines() if line.strip()]
    return len(lines) == 1 and lines[0].startswith("zconnect: ") and "Traceback" not in err


def one_line(err: str) -> str:
    """That one `zconnect: …` line of stderr (asserted: exactly one, no traceback)."""
    assert one_line_error(err), err
    return err.strip()
