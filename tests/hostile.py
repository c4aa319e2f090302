"""Harnesses for the reliability and security evidence (tests/test_*.py and benchmarks/reliability.py).

Each `run_*` function builds its own lab (a Zoho emulator on 127.0.0.1 plus a connections file
pointing at it), runs one scenario at a given scale and returns a report of plain counts. The
tests assert on the reports at CI scale; `benchmarks/reliability.py` prints them at any scale.
Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from zoho_emulator import ZohoEmulator  # noqa: E402

from zconnect_tui.manager import Manager  # noqa: E402
from zconnect_tui.model import AUTHORIZED, Connection, now_utc, redirect_uri_for, to_table  # noqa: E402
from zconnect_tui.store import Store  # noqa: E402

# The same credentials as tests/conftest.py.
CLIENT_ID = "1000.TESTCLIENT0000000000000000000000"
CLIENT_SECRET = "0123456789abcdef0123456789abcdef01234567ab"
DC = "lab"
PYTHON = sys.executable
FAKE_BROWSER = TESTS / "fake_browser.py"
TOKEN_SHAPE = re.compile(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}")


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


# ----- 1. hostile callbacks ----------------------------------------------------------------------
@dataclass
class Probe:
    kind: str
    payload: bytes
    drop_after_send: bool = False
    half_close: bool = False
    """Shut the sending side after the payload (garbage with no end of headers, then EOF)."""


def _req(target: str, method: str = "GET", headers: str = "", body: bytes = b"") -> bytes:
    return f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\n".encode("latin-1") + body


def hostile_probes(n: int, state: str, rng: random.Random) -> list[Probe]:
    """`n` requests no correct listener may accept, in every flavour the issue lists.

    Several carry the flow's real `state` (as if an attacker had read it) to prove that the
    method, path, repeat and encoding checks hold on their own.
    """
    def fake_code() -> str:
        return f"1000.{rng.randbytes(16).hex()}.{rng.randbytes(16).hex()}"

    def near_miss() -> str:
        i = rng.randrange(len(state))
        flipped = "A" if state[i] != "A" else "B"
        return rng.choice([state[:-1], state + "A", state.swapcase(), state[:i] + flipped + state[i + 1:], "",
                           rng.randbytes(16).hex(), state + "%00", " " + state])

    makers = {
        "random_bytes": lambda: Probe("random_bytes", rng.randbytes(rng.choice([1, 7, 64, 512, 4096, 40000])),
                                      half_close=True),
        "huge_header": lambda: Probe("huge_header", _req(f"/callback?state={near_miss()}&code={fake_code()}",
                                                         headers=f"X-Fill: {'a' * rng.randint(17000, 70000)}\r\n")),
        "huge_target": lambda: Probe("huge_target", _req(f"/callback?state={state}&code={'A' * 20000}")),
        "huge_body": lambda: Probe("huge_body", _req(
            f"/callback?state={near_miss()}&code={fake_code()}", method=rng.choice(["POST", "GET"]),
            headers=f"Content-Length: {10 ** 7}\r\n", body=rng.randbytes(rng.choice([1000, 60000, 200000])))),
        "wrong_method": lambda: Probe("wrong_method", _req(
            f"/callback?state={state}&code={fake_code()}",
            method=rng.choice(["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "get", "G\x00ET"]))),
        "wrong_path": lambda: Probe("wrong_path", _req(rng.choice([
            "/", "/callback/", "/Callback", "/callbackx", "/favicon.ico", "//callback", "/%63allback",
            "/callback/../callback", "/x/callback", "*", "http://evil.example/x/callback"])
            + f"?state={state}&code={fake_code()}")),
        "missing_state": lambda: Probe("missing_state", _req(f"/callback?code={fake_code()}&location=lab")),
        "wrong_state": lambda: Probe("wrong_state", _req(f"/callback?state={near_miss()}&code={fake_code()}")),
        "repeated_state": lambda: Probe("repeated_state", _req(rng.choice([
            f"/callback?state={state}&state={state}&code={fake_code()}",
            f"/callback?state={near_miss()}&state={state}&code={fake_code()}",
            f"/callback?state={state}&code={fake_code()}&code={fake_code()}"]))),
        "code_without_state": lambda: Probe("code_without_state", _req(f"/callback?code={fake_code()}")),
        "denied_wrong_state": lambda: Probe("denied_wrong_state", _req(rng.choice([
            f"/callback?error=access_denied&state={near_miss()}", "/callback?error=access_denied"]))),
        "state_but_no_code": lambda: Probe("state_but_no_code", _req(rng.choice([
            f"/callback?state={state}", f"/callback?state={state}&code=", f"/callback?state={state}&code=%20"]))),
        "non_utf8": lambda: Probe("non_utf8", rng.choice([
            _req(f"/callback?state=%ff%fe{state}&code={fake_code()}"),
            _req(f"/callback?state={state}&code=%c3%28{fake_code()}"),
            b"GET /callback?state=" + state.encode() + b"\xff\xfe&code=\xc3\x28 HTTP/1.1\r\n\r\n",
            b"GET /callback?state=\xe9t\xe9&code=x HTTP/1.1\r\nHost: \xff\r\n\r\n"])),
        "malformed": lambda: Probe("malformed", rng.choice([
            b"GET /callback\r\n\r\n", b"\r\n\r\n", b"GET\r\n\r\n",
            f"GET /callback?state={state}&code=x HTTP/1.1 extra\r\n\r\n".encode(),
            f"GET http://[::1/callback?state={state}&code=x HTTP/1.1\r\n\r\n".encode(),
            f"GET //[x]/callback?state={state} HTTP/1.1\r\n\r\n".encode(),
            b"GET /callback?state=x HTTP/1.1\r\nX: a\r\n\x00\x00\r\n\r\n",
            f"GET /callback?state={state}&code=x\r\nHTTP/1.1\r\n\r\n".encode()])),
        "too_many_fields": lambda: Probe("too_many_fields", _req(
            f"/callback?state={state}&code={fake_code()}&" + "&".join(f"f{i}=1" for i in range(rng.randint(40, 600))))),
        "dropped": lambda: Probe("dropped", rng.choice([b"", b"GET /callb", _req(f"/callback?state={state}")[:-3]]),
                                 drop_after_send=True),
    }
    kinds = list(makers)
    return [makers[kinds[i % len(kinds)]]() for i in rng.sample(range(n), n)]


async def _send(port: int, probe: Probe, timeout: float) -> str:
    """Send one probe; return the HTTP status the listener answered, or what happened instead."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
    except (OSError, TimeoutError):
        return "connect_failed"
    try:
        if probe.payload:
            writer.write(probe.payload)
            await asyncio.wait_for(writer.drain(), timeout)
        if probe.drop_after_send:
            return "dropped"
        if probe.half_close:
            writer.write_eof()
        data = await asyncio.wait_for(reader.read(65536), timeout)
        if not data:
            return "closed"
        match = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
        return match.group(1).decode() if match else "garbage"
    except (ConnectionError, TimeoutError):
        return "reset"
    finally:
        writer.transport.abort()


async def _slow_client(port: int, state: str, give_up: float) -> str:
    """A request trickled a byte at a time and never finished (slowloris)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return "connect_failed"
    text = _req(f"/callback?state={state}&code=1000.slow")[:-4]
    started = time.monotonic()
    try:
        for i in range(len(text)):
            writer.write(text[i:i + 1])
            await writer.drain()
            with contextlib.suppress(TimeoutError):
                data = await asyncio.wait_for(reader.read(1024), 0.25)
                match = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
                return match.group(1).decode() if match else "closed"
            if time.monotonic() - started > give_up:
                return "still_open"
        return "sent_all"
    except ConnectionError:
        return "reset"
    finally:
        writer.transport.abort()


async def _hold_burst(port: int, holders: int, extra: int, timeout: float) -> list[str]:
    """Open `holders` connections that each send half a request, then `extra` more, then let go."""
    opened = []
    for _ in range(holders):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /callback?state=")
        opened.append((reader, writer))
    await asyncio.sleep(0.2)  # let the listener pick all of them up before the extra ones arrive
    extra_results = await asyncio.gather(*(_send(port, Probe("burst", _req("/callback?code=x")), timeout)
                                           for _ in range(extra)))
    for _, writer in opened:
        writer.transport.abort()
    return ["held"] * holders + list(extra_results)


async def _fire(port: int, probes: list[Probe], concurrency: int, timeout: float) -> list[str]:
    sem = asyncio.Semaphore(concurrency)

    async def one(probe: Probe) -> str:
        async with sem:
            return await _send(port, probe, timeout)

    return await asyncio.gather(*(one(p) for p in probes))


@dataclass
class HostileReport:
    sent: int = 0
    sent_by_kind: Counter[str] = field(default_factory=Counter)
    answers: Counter[str] = field(default_factory=Counter)
    """HTTP status (or closed/reset/dropped) the hostile clients saw."""
    listener_connections: int = 0
    accepted_before_real: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    slow_answers: Counter[str] = field(default_factory=Counter)
    burst_answers: Counter[str] = field(default_factory=Counter)
    after_answers: Counter[str] = field(default_factory=Counter)
    flow_code_matches: bool = False
    real_page_status: str = ""
    real_page_echoes_code: bool = True
    accepted_total: int = 0
    exchanges_at_emulator: int = 0
    stored_token_issued_by_emulator: bool = False
    rss_growth_kib: int = 0
    fd_growth: int = 0
    active_after: int = -1
    loop_errors: list[str] = field(default_factory=list)
    thread_errors: list[str] = field(default_factory=list)
    log_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def run_hostile_flow(workdir: Path, *, requests: int = 5000, concurrency: int = 32, slow: int = 16,
                     burst: int = 80, after: int = 200, seed: int = 1) -> HostileReport:
    """A live `authorize` flow under attack, then the real browser redirect.

    The listener runs with its production settings (10 s per request, 64 connections, 16 KiB).
    """
    rng = random.Random(seed)
    report = HostileReport()
    started = time.monotonic()
    recorder = _Recorder()
    logging.getLogger("asyncio").addHandler(recorder)
    old_hook = threading.excepthook
    threading.excepthook = lambda args: report.thread_errors.append(repr(args.exc_value))
    with Lab(workdir) as lab:
        lab.add("desk", authorized=False)
        manager = Manager(lab.store)
        flow = manager.begin_authorization("desk")
        flow.start()
        listener = flow.listener
        assert listener is not None and listener._loop is not None
        listener._loop.set_exception_handler(
            lambda loop, ctx: report.loop_errors.append(f"{ctx.get('message')}: {ctx.get('exception')!r}"))
        port, state = listener.port, flow.state
        try:
            probes = hostile_probes(requests, state, rng)
            warm, main = probes[:200], probes[200:]
            asyncio.run(_fire(port, warm, concurrency, 15))
            rss0, fds0 = rss_kib(), open_fds()

            async def attack() -> tuple[list[str], list[str], list[str]]:
                burst_task = await _hold_burst(port, burst, 20, 15) if burst else []
                slow_tasks = [asyncio.create_task(_slow_client(port, state, 20)) for _ in range(slow)]
                main_results = await _fire(port, main, concurrency, 15)
                return burst_task, await asyncio.gather(*slow_tasks), main_results

            burst_results, slow_results, main_results = asyncio.run(attack())
            report.sent = len(probes) + len(burst_results) + len(slow_results)
            report.sent_by_kind = Counter(p.kind for p in probes)
            report.sent_by_kind.update({"concurrent_burst": len(burst_results), "slow_partial": len(slow_results)})
            report.answers = Counter(main_results)
            report.burst_answers = Counter(burst_results)
            report.slow_answers = Counter(slow_results)
            report.accepted_before_real = listener.stats.callbacks_accepted + int(flow.outcome.finished)
            report.active_after = listener._active
            report.rss_growth_kib = rss_kib() - rss0
            report.fd_growth = open_fds() - fds0
            # The real browser: consent at the emulator, 302 to the listener.
            log = lab.dir / "browser.log"
            subprocess.run([PYTHON, str(FAKE_BROWSER), flow.url or ""], env={**lab.env(), **lab.browser_env()},
                           timeout=30, check=True)
            result = flow.wait(30)
            visits = log.read_text()
            callback = [line for line in visits.splitlines() if line.startswith(f"VISIT http://127.0.0.1:{port}/")]
            sent_code = parse_qs(urlsplit(callback[-1].split(" ", 1)[1]).query)["code"][0] if callback else ""
            report.flow_code_matches = bool(sent_code) and result.code == sent_code
            final = [line for line in visits.splitlines() if line.startswith("FINAL ")]
            report.real_page_status = final[-1].split()[1] if final else ""
            report.real_page_echoes_code = bool(sent_code) and sent_code in visits.split("FINAL", 1)[-1]
            after_probes = hostile_probes(after, state, rng) + [Probe("replay", _req(
                f"/callback?state={state}&code={sent_code}"))]
            report.after_answers = Counter(asyncio.run(_fire(port, after_probes, concurrency, 15)))
            report.sent += len(after_probes)
            conn = manager.complete_authorization(flow, result)
            report.exchanges_at_emulator = len(lab.emu.token_requests("authorization_code"))
            report.stored_token_issued_by_emulator = conn.token.access_token in lab.emu.issued_access_tokens
            report.rejected = dict(listener.stats.rejected)
            report.listener_connections = listener.stats.connections
            report.accepted_total = listener.stats.callbacks_accepted
        finally:
            flow.close()
            threading.excepthook = old_hook
            logging.getLogger("asyncio").removeHandler(recorder)
    report.log_errors = recorder.records
    report.seconds = time.monotonic() - started
    return report


# ----- 2. crash safety -----------------------------------------------------------------------------
ZYGOTE = r"""
import os, random, sys
from zconnect_tui.manager import Manager
from zconnect_tui.store import Store
import httpx  # noqa: F401  (loaded once, before forking)
cfg = sys.argv[1]

def writer(mode, name, seed):
    rnd = random.Random(seed)
    store = Store(cfg)
    manager = Manager(store)
    done = os.open(cfg + ".ops", os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    n = 0
    while True:
        n += 1
        op_is_save = mode == "save" or (mode == "mixed" and rnd.random() < 0.6)
        if op_is_save:
            target = name if rnd.random() < 0.8 else "shared"
            def change(conn, tag=f"{seed}-{n}", size=rnd.randint(0, 4000)):
                conn.org_id = tag
                conn.org_name = tag
                conn.user = "u" * size
            store.update(target, change)
        else:
            manager.refresh(name)
        os.write(done, b"s" if mode == "save" or op_is_save else b"r")

for line in sys.stdin:
    cmd, *args = line.split()
    if cmd == "spawn":
        pid = os.fork()
        if pid == 0:
            try:
                writer(args[0], args[1], int(args[2]))
            finally:
                os._exit(1)
        print(pid, flush=True)
    elif cmd == "reap":
        _, status = os.waitpid(int(args[0]), 0)
        print(status, flush=True)
"""


@dataclass
class CrashReport:
    kills: int = 0
    killed_by_sigkill: int = 0
    other_exits: list[int] = field(default_factory=list)
    cli_kills: int = 0
    checks: int = 0
    parse_failures: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    orphans_seen: int = 0
    """Temp files left by writers killed between writing and renaming: kills that hit a save."""
    orphans_left_at_end: int = 0
    saves_completed: int = 0
    refreshes_completed: int = 0
    """Operations the killed writers finished (counted by the writers themselves)."""
    connections_checked: int = 0
    refreshes_at_emulator: int = 0
    file_mode: int = 0
    seconds: float = 0.0


def _check_store(lab: Lab, baseline: dict[str, dict[str, Any]], writers: dict[str, dict[str, Any]],
                 report: CrashReport) -> None:
    report.checks += 1
    raw = lab.config.read_bytes()
    try:
        tomllib.loads(raw.decode("utf-8"))
        snap = lab.store.load()
    except Exception as exc:  # noqa: BLE001 - any failure to parse is the finding
        report.parse_failures.append(repr(exc))
        return
    issued = set(lab.emu.issued_access_tokens)
    for name, table in baseline.items():
        report.connections_checked += 1
        if name not in snap.connections or to_table(snap.connections[name]) != table:
            report.damaged.append(f"baseline {name}")
    for name, ref in writers.items():
        report.connections_checked += 1
        conn = snap.connections.get(name)
        if conn is None:
            report.damaged.append(f"{name} missing")
            continue
        table = to_table(conn)
        for key in ("client_id", "client_secret", "scopes", "redirect_uri", "dc", "service", "status"):
            if table.get(key) != ref.get(key):
                report.damaged.append(f"{name}.{key}")
        if conn.token.refresh_token != ref["token"]["refresh_token"]:
            report.damaged.append(f"{name}.refresh_token")
        if conn.token.access_token not in issued or conn.token.expires_at is None:
            report.damaged.append(f"{name}.access_token")
        if conn.org_id != conn.org_name:  # written together in one transaction
            report.damaged.append(f"{name}: half-applied change")


def run_crash_safety(workdir: Path, *, kills: int = 200, parallel: int = 20, cli_kills: int = 20,
                     seed: int = 2) -> CrashReport:
    """Writers (saves and refreshes) SIGKILLed at random moments; check the file after every batch.

    The writers are forked from one pre-imported Python process (a "zygote"), so a kill costs a
    fork, not an interpreter start; `cli_kills` more are real `zconnect refresh` processes.
    """
    rng = random.Random(seed)
    report = CrashReport()
    started = time.monotonic()
    with Lab(workdir) as lab:
        lab.emu.rate_limit = False  # this scenario is about the file, not Zoho's throttle
        baseline = {}
        for i in range(3):
            baseline[f"keep{i}"] = to_table(lab.add(f"keep{i}"))
        lab.add("shared")
        writers = {f"w{i}": to_table(lab.add(f"w{i}")) for i in range(parallel)}
        writers["shared"] = to_table(lab.store.load().get("shared"))
        errlog = (lab.dir / "zygote.err").open("w")
        zygote = subprocess.Popen([PYTHON, "-c", ZYGOTE, str(lab.config)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=errlog, text=True, env=lab.env())
        assert zygote.stdin is not None and zygote.stdout is not None
        try:
            done = 0
            while done < kills:
                batch = min(parallel, kills - done)
                pids = []
                for slot in range(batch):
                    mode = rng.choice(["save", "refresh", "mixed", "mixed"])
                    zygote.stdin.write(f"spawn {mode} w{slot} {rng.randrange(10 ** 9)}\n")
                    zygote.stdin.flush()
                    pids.append((int(zygote.stdout.readline()), time.monotonic() + rng.uniform(0.01, 0.8)))
                for pid, when in sorted(pids, key=lambda p: p[1]):
                    time.sleep(max(0.0, when - time.monotonic()))
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                for pid, _ in pids:
                    zygote.stdin.write(f"reap {pid}\n")
                    zygote.stdin.flush()
                    status = int(zygote.stdout.readline())
                    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
                        report.killed_by_sigkill += 1
                    else:
                        report.other_exits.append(status)
                done += batch
                report.kills += batch
                report.orphans_seen += len(list(lab.config.parent.glob(".connections.toml.*.tmp")))
                _check_store(lab, baseline, writers, report)
        finally:
            zygote.stdin.close()
            zygote.wait(10)
            errlog.close()
        # Real CLI processes too, killed while starting, refreshing or saving.
        done = 0
        while done < cli_kills:
            batch = min(10, cli_kills - done)
            procs = [subprocess.Popen([PYTHON, "-m", "zconnect_tui", "refresh", f"w{i}"], env=lab.env(),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(batch)]
            for proc in procs:
                time.sleep(rng.uniform(0.0, 0.08))
                proc.send_signal(signal.SIGKILL)
            for proc in procs:
                proc.wait(10)
                report.cli_kills += 1
            done += batch
            report.orphans_seen += len(list(lab.config.parent.glob(".connections.toml.*.tmp")))
            _check_store(lab, baseline, writers, report)
        # One more ordinary save cleans up what killed writers left behind.
        lab.store.update("keep0", lambda conn: None)
        baseline["keep0"] = to_table(lab.store.load().get("keep0"))
        _check_store(lab, baseline, writers, report)
        report.orphans_left_at_end = len(list(lab.config.parent.glob(".connections.toml.*.tmp")))
        report.file_mode = lab.config.stat().st_mode & 0o777
        report.refreshes_at_emulator = len(lab.emu.token_requests("refresh_token"))
        ops = Path(f"{lab.config}.ops").read_bytes() if Path(f"{lab.config}.ops").exists() else b""
        report.saves_completed, report.refreshes_completed = ops.count(b"s"), ops.count(b"r")
    report.seconds = time.monotonic() - started
    return report


# ----- 3. concurrency ----------------------------------------------------------------------------
WRAPPER = r"""
import json, os, sys, time
from zconnect_tui import store as _store
from zconnect_tui import cli, commands, manager  # noqa: F401  (import before the start line)
waits = []
_transaction = _store.Store.transaction
def transaction(self, change):
    try:
        return _transaction(self, change)
    finally:
        waits.append(self.last_lock_wait)
_store.Store.transaction = transaction
open(os.environ["ZC_READY"], "w").close()
while not os.path.exists(os.environ["ZC_GO"]):
    time.sleep(0.002)
code = 1
try:
    if sys.argv[1] == "manager":
        m = manager.Manager(_store.Store(os.environ["ZCONNECT_CONFIG"]))
        if sys.argv[2] == "token":
            print(m.access_token(sys.argv[3]))
        else:
            m.refresh(sys.argv[3])
        code = 0
    else:
        code = cli.main(sys.argv[1:])
finally:
    with open(os.environ["ZC_LOCKLOG"], "w") as fh:
        json.dump(waits, fh)
sys.exit(code)
"""

# (how, command, connection): `cli` runs the real `zconnect` entry point, `manager` the core API.
CONCURRENCY_PLAN: list[tuple[str, str, str]] = [
    ("cli", "token", "shared"), ("cli", "token", "shared"), ("cli", "token", "shared"),
    ("cli", "refresh", "shared"), ("cli", "refresh", "shared"),
    ("manager", "token", "shared"), ("manager", "refresh", "shared"),
    ("cli", "refresh", "b"), ("cli", "token", "b"), ("manager", "refresh", "c"),
    ("cli", "token", "d"), ("cli", "refresh", "hot"),
]


@dataclass
class ConcurrencyReport:
    processes: int = 0
    rounds: int = 0
    exits: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    rate_limited_clean: int = 0
    refreshes_at_emulator: int = 0
    shared_refreshes: list[int] = field(default_factory=list)
    shared_forced: int = 0
    lost: list[str] = field(default_factory=list)
    tokens_printed: int = 0
    tokens_not_live: int = 0
    refresh_tokens_still_work: bool = False
    lock_waits: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def lock_wait_max(self) -> float:
        return max(self.lock_waits, default=0.0)

    @property
    def lock_wait_median(self) -> float:
        return statistics.median(self.lock_waits) if self.lock_waits else 0.0


_STABLE_KEYS = ("service", "dc", "client_id", "client_secret", "scopes", "access_type", "redirect_uri",
                "self_client", "accounts_server", "location", "org_id", "org_name", "user", "created_at")


def run_concurrency(workdir: Path, *, rounds: int = 1, copies: int = 1) -> ConcurrencyReport:
    """`len(CONCURRENCY_PLAN) * copies` processes released at once, per round, with Zoho's rate limit on.

    `hot` has used up its 10 refreshes per 10 minutes before the round: its refresh must fail
    cleanly (exit 1, a rate-limit sentence) without changing the connection.
    """
    report = ConcurrencyReport()
    started = time.monotonic()
    with Lab(workdir) as lab:
        assert lab.emu.rate_limit
        for name in ("shared", "b", "c", "hot"):
            lab.add(name, expired=True)
        lab.add("d")
        lab.store.update("shared", lambda c: setattr(c, "org_name", "Analytical Engines"))
        before = {name: to_table(conn) for name, conn in lab.store.load().connections.items()}
        plan = CONCURRENCY_PLAN * copies
        report.processes = len(plan)
        for rnd in range(rounds):
            report.rounds += 1
            lab.emu.reset_rate_limits()
            hot_rt = before["hot"]["token"]["refresh_token"]
            for _ in range(10):  # burn hot's refresh budget directly at the emulator
                httpx.post(f"{lab.emu.url}/oauth/v2/token", data={
                    "grant_type": "refresh_token", "client_id": before["hot"]["client_id"],
                    "client_secret": CLIENT_SECRET, "refresh_token": hot_rt}, trust_env=False)
            for name in ("shared", "b", "c"):  # make them due again
                lab.store.update(name, lambda c: setattr(c.token, "expires_at", now_utc() - timedelta(hours=1)))
            shared_rt = before["shared"]["token"]["refresh_token"]
            count0 = lab.emu.refresh_count(shared_rt)
            sync = lab.dir / f"sync{rnd}"
            sync.mkdir()
            procs = []
            for i, (how, command, name) in enumerate(plan):
                args = ["manager", command, name] if how == "manager" else [command, name]
                env = lab.env(ZC_READY=str(sync / f"ready{i}"), ZC_GO=str(sync / "go"),
                              ZC_LOCKLOG=str(sync / f"lock{i}.json"))
                procs.append(subprocess.Popen([PYTHON, "-c", WRAPPER, *args], env=env, text=True,
                                              stdout=subprocess.PIPE, stderr=subprocess.PIPE))
            deadline = time.monotonic() + 60
            while len(list(sync.glob("ready*"))) < len(plan) and time.monotonic() < deadline:
                time.sleep(0.01)
            (sync / "go").touch()
            live = lab.emu.live_access_tokens
            for i, proc in enumerate(procs):
                out, err = proc.communicate(timeout=120)
                how, command, name = plan[i]
                report.exits[str(proc.returncode)] += 1
                label = f"{how} {command} {name}"
                if name == "hot":
                    if proc.returncode == 1 and one_line_error(err) and "rate limit" in err:
                        report.rate_limited_clean += 1
                    else:
                        report.unexpected.append(f"{label}: exit {proc.returncode} {err.strip()[:200]}")
                elif proc.returncode != 0 or err.strip():
                    report.unexpected.append(f"{label}: exit {proc.returncode} {err.strip()[:200]}")
                if command == "token" and proc.returncode == 0:
                    report.tokens_printed += 1
                    live = lab.emu.live_access_tokens
                    if out.strip() not in live:
                        report.tokens_not_live += 1
                with contextlib.suppress(OSError, ValueError):
                    report.lock_waits += json.loads((sync / f"lock{i}.json").read_text())
            report.shared_refreshes.append(lab.emu.refresh_count(shared_rt) - count0)
            report.shared_forced = sum(1 for how, cmd, name in plan if name == "shared" and cmd == "refresh")
            after = lab.store.load()
            for name, table in before.items():
                conn = after.connections.get(name)
                if conn is None:
                    report.lost.append(f"{name} (whole connection)")
                    continue
                now = to_table(conn)
                report.lost += [f"{name}.{k}" for k in _STABLE_KEYS if now.get(k) != table.get(k)]
                if conn.token.refresh_token != table["token"]["refresh_token"]:
                    report.lost.append(f"{name}.refresh_token")
                if conn.status != AUTHORIZED:
                    report.lost.append(f"{name}.status={conn.status}")
                if conn.token.access_token not in lab.emu.issued_access_tokens:
                    report.lost.append(f"{name}.access_token")
        report.refreshes_at_emulator = len(lab.emu.token_requests("refresh_token"))
        lab.emu.reset_rate_limits()
        manager = Manager(lab.store)
        try:
            for name in before:
                manager.refresh(name)
            report.refresh_tokens_still_work = True
        except Exception as exc:  # noqa: BLE001
            report.lost.append(f"refresh after the run failed: {exc}")
    report.seconds = time.monotonic() - started
    return report


# ----- 4. secret hygiene -------------------------------------------------------------------------
def secret_pieces(secret: str, width: int = 12) -> set[str]:
    """Every `width`-character piece of `secret` (a masked value shows at most 7 + 4 characters)."""
    return {secret[i:i + width] for i in range(len(secret) - width + 1)}


def find_secrets(text: str, secrets: dict[str, str]) -> list[str]:
    """Labels of the secrets of which any 12-character piece occurs in `text`."""
    return [label for label, value in secrets.items() if any(p in text for p in secret_pieces(value))]


# ----- 5. network faults -------------------------------------------------------------------------
@dataclass
class FaultCase:
    command: str
    fault: str
    code: int = -1
    err: str = ""
    one_line: bool = False
    untouched: bool = False
    attempts: int = 0


FAULT_KINDS = ("503", "500", "html200", "badjson", "reset", "hang", "refused")
_FAULT_PATHS = {"refresh": "/oauth/v2/token", "test": "/api/v1/organizations", "revoke": "/oauth/v2/token/revoke"}


def run_fault_case(workdir: Path, command: str, fault: str) -> FaultCase:
    """`zconnect COMMAND desk` while the emulator (or the network) fails in the way `fault` says."""
    case = FaultCase(command, fault)
    dead = f"http://127.0.0.1:{free_port()}" if fault == "refused" else None
    with Lab(workdir) as lab:
        lab.add("desk")
        if dead:
            text = lab.config.read_text().replace(lab.emu.url, dead)
            lab.config.write_text(text)
            lab.store.update("desk", lambda c: setattr(c, "accounts_server", dead))
        elif fault == "503":
            lab.emu.queue_fault("503", count=3, path_prefix=_FAULT_PATHS[command])  # every attempt
        else:
            lab.emu.queue_fault(fault, path_prefix=_FAULT_PATHS[command])
        before = lab.config.read_bytes()
        n0 = len(lab.emu.requests_to(_FAULT_PATHS[command]))
        env = {"ZCONNECT_HTTP_TIMEOUT": "1"} if fault == "hang" else {}
        result = lab.cli(command, "desk", env=env)
        case.code, case.err = result.code, result.err.strip()
        case.one_line = one_line_error(result.err) and not result.out.strip()
        case.untouched = lab.config.read_bytes() == before
        case.attempts = len(lab.emu.requests_to(_FAULT_PATHS[command])) - n0
    return case


def run_fault_matrix(workdir: Path, commands: tuple[str, ...] = ("refresh", "test")) -> list[FaultCase]:
    """Every fault against every command, each in its own lab, several at a time."""
    cases = [(c, f) for c in commands for f in FAULT_KINDS]
    results: list[FaultCase | None] = [None] * len(cases)

    def work(i: int) -> None:
        command, fault = cases[i]
        results[i] = run_fault_case(workdir / f"{command}-{fault}", command, fault)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return [r for r in results if r is not None]


# ----- 4. secret hygiene: every command -----------------------------------------------------------
# Which secrets a command may print: `token` the access token, `show --reveal` everything.
REVEALING = {"token": {"access token"}, "reveal": {"client secret", "access token", "refresh token"}}


@dataclass
class HygieneReport:
    runs: list[CliRun] = field(default_factory=list)
    hits: list[str] = field(default_factory=list)
    """`label: secret` for every secret found where it must not be."""
    allowed_hits: list[str] = field(default_factory=list)
    files_scanned: list[str] = field(default_factory=list)
    screenshots_scanned: int = 0
    secrets_tracked: int = 0
    success_page_echoes_code: bool = True
    tracebacks: list[str] = field(default_factory=list)


def _allowed(run: CliRun) -> set[str]:
    if "--reveal" in run.args:
        return REVEALING["reveal"]
    if run.args and run.args[0] == "token" and run.code == 0:
        return REVEALING["token"]
    return set()


def run_secret_hygiene(workdir: Path, screenshot_dirs: tuple[Path, ...] = ()) -> HygieneReport:
    """Every command (successes and errors), every export format, then a scan of all output and files."""
    report = HygieneReport()
    with Lab(workdir) as lab:
        emu = lab.emu
        port = free_port()
        emu.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri_for(port)], self_client=True)
        secret_env = {"ZC_SECRET": CLIENT_SECRET}
        runs = report.runs

        def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> CliRun:
            result = lab.cli(*args, stdin=stdin, env=env)
            runs.append(result)
            return result

        run("path")
        run("list")
        run("add", "desk", "--service", "desk", "--dc", DC, "--client-id", CLIENT_ID, "--port", str(port),
            "--client-secret-env", "ZC_SECRET", env=secret_env)
        run("add", "books", "--service", "books", "--dc", DC, "--client-id", CLIENT_ID, "--self-client",
            stdin=CLIENT_SECRET + "\n")
        run("add", "desk", "--service", "desk", "--dc", DC, "--client-id", CLIENT_ID,
            "--client-secret-env", "ZC_SECRET", env=secret_env)  # error: exists
        run("add", "x", "--service", "desk", "--dc", DC, "--client-id", CLIENT_ID,
            "--client-secret-env", "NOPE")  # error: empty env var
        run("show", "desk")
        run("authorize", "desk", "--timeout", "30", env=lab.browser_env())
        code = emu.issue_self_client_code(CLIENT_ID, ["ZohoBooks.settings.READ"])
        run("authorize", "books", "--timeout", "30", stdin=f"not a code\n{code}\n")
        run("authorize", "desk", "--port", "1")  # error: port differs
        for args in (("list",), ("list", "--json"), ("show", "desk"), ("show", "desk", "--json"),
                     ("show", "books"), ("show", "desk", "--reveal"), ("show", "desk", "--json", "--reveal"),
                     ("token", "desk"), ("refresh", "desk"), ("token", "books"), ("test", "desk"),
                     ("test", "desk", "--json"), ("test", "books"), ("export", "desk", "--format", "connector"),
                     ("export", "desk", "--format", "env"), ("export", "desk", "--format", "json"),
                     ("export", "books", "--format", "connector"), ("show", "nope"), ("token", "nope")):
            run(*args)
        emu.queue_fault("badjson")
        run("refresh", "desk")  # error: not JSON
        emu.expire_access_tokens()
        run("test", "books")  # error: Zoho refuses the (locally still valid) token
        emu.register_client(CLIENT_ID, "another-secret", [redirect_uri_for(port)], self_client=True)
        run("refresh", "desk")  # error: invalid_client
        emu.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri_for(port)], self_client=True)
        run("refresh", "desk")
        run("revoke", "books")
        run("token", "books")  # error: revoked
        run("revoke", "desk")
        run("remove", "books")  # error: no --yes without a terminal
        run("remove", "books", "--yes")
        run("list")
        # A file that does not parse, with a secret on the broken line: the error must not quote it.
        broken = lab.dir / "broken" / "connections.toml"
        broken.parent.mkdir(mode=0o700)
        broken.write_text(f'version = 1\n[connections.x]\nclient_secret = "{CLIENT_SECRET}\n')
        run("--config", str(broken), "list")

        secrets = {"client secret": CLIENT_SECRET}
        for i, token in enumerate(emu.issued_access_tokens):
            secrets[f"access token #{i}"] = token
        for i, token in enumerate(emu.issued_refresh_tokens):
            secrets[f"refresh token #{i}"] = token
        report.secrets_tracked = len(secrets)
        for result in runs:
            allowed = _allowed(result)
            for where, text in (("stdout", result.out), ("stderr", result.err)):
                if "Traceback" in text:
                    report.tracebacks.append(result.label)
                for label in find_secrets(text, secrets):
                    kind = label.split(" #")[0]
                    (report.allowed_hits if kind in allowed and where == "stdout" else report.hits).append(
                        f"{result.label} ({where}): {label}")
        # Files: everything zconnect (and the browser stand-in's pages) left, except the store itself.
        for path in sorted(lab.dir.rglob("*")):
            if not path.is_file() or path == lab.config or path == broken:
                continue
            text = path.read_bytes().decode("utf-8", "replace")
            if path.name == "browser.log":  # the visited URLs carry the code; the pages must not
                final = "\n".join(line for line in text.splitlines() if line.startswith("FINAL "))
                codes = re.findall(r"[?&]code=([^&\s]+)", text)
                report.success_page_echoes_code = any(c in final for c in codes) or not codes
                text = final
            report.files_scanned.append(str(path.relative_to(lab.dir)))
            report.hits += [f"file {path.name}: {label}" for label in find_secrets(text, secrets)]
        for directory in screenshot_dirs:
            for svg in sorted(directory.glob("*.svg")):
                report.screenshots_scanned += 1
                text = svg.read_text(errors="replace")
                report.hits += [f"screenshot {svg.name}: {label}" for label in find_secrets(text, secrets)]
                report.hits += [f"screenshot {svg.name}: token-shaped text" for _ in TOKEN_SHAPE.findall(text)]
    return report
