"""1. Hostile callbacks: thousands of bad requests against a live flow's listener, then the real redirect."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from zconnect_tui.listener import CallbackListener
from zconnect_tui.manager import Manager

from .lab import FAKE_BROWSER, PYTHON, Lab, open_fds, rss_kib


@dataclass
class Probe:
    kind: str
    payload: bytes
    drop_after_send: bool = False
    half_close: bool = False
    """Shut the sending side after the payload (garbage with no end of headers, then EOF)."""


HOST = "127.0.0.1:{port}"
"""What a browser sends as Host for http://127.0.0.1:PORT/callback; `_req` fills in the port."""


def _request(target: str, method: str = "GET", headers: str = "", body: bytes = b"", host: str | None = HOST) -> bytes:
    host_line = f"Host: {host}\r\n" if host is not None else ""
    return f"{method} {target} HTTP/1.1\r\n{host_line}{headers}\r\n".encode("latin-1") + body


def hostile_host(port: int, rng: random.Random) -> str | None:
    """A Host header no browser sends to this listener: DNS rebinding, wrong port, no port, none at all."""
    return rng.choice([
        "evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", f"localhost.evil.example:{port}",
        "127.0.0.1", "localhost", f"127.0.0.1:{port + 1}", f"127.0.0.2:{port}", f"[::1]:{port}", f"0.0.0.0:{port}",
        f"127.0.0.1:{port}.evil.example", f"127.0.0.1:{port}@evil.example", f"evil.example:{port}\r\nHost: x", "",
        f"127.0.0.1:{port}, evil.example", f"2130706433:{port}", None])


def hostile_probes(n: int, state: str, rng: random.Random, port: int = 0) -> list[Probe]:
    """`n` requests no correct listener may accept, in every flavour the issue lists.

    Several carry the flow's real `state` (as if an attacker had read it) to prove that the
    method, path, repeat and encoding checks hold on their own. Every request says Host
    `127.0.0.1:PORT` as a browser does, except the `bad_host` ones (a page on another origin,
    e.g. after DNS rebinding, sends its own host name).
    """
    def _req(target: str, method: str = "GET", headers: str = "", body: bytes = b"") -> bytes:
        return _request(target, method, headers, body, host=HOST.format(port=port))

    def fake_code() -> str:
        return f"1000.{rng.randbytes(16).hex()}.{rng.randbytes(16).hex()}"

    def near_miss() -> str:
        i = rng.randrange(len(state))
        flipped = "A" if state[i] != "A" else "B"
        return rng.choice([state[:-1], state + "A", state.swapcase(), state[:i] + flipped + state[i + 1:], "",
                           rng.randbytes(16).hex(), state + "%00", " " + state])

    def bad_host() -> Probe:
        host = hostile_host(port, rng)
        # A wrong Host, or the right one and a second, wrong one (either order): never exactly one right one.
        extra = "" if host is None else rng.choice(["", f"Host: 127.0.0.1:{port}\r\n"])
        return Probe("bad_host", _request(f"/callback?state={state}&code={fake_code()}&location=lab",
                                          host=host, headers=extra))

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
        "bad_host": lambda: bad_host(),
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
    except (OSError, TimeoutError):  # ENOTCONN, EPIPE, resets: a hostile client whose peer hung up
        return "reset"
    finally:
        writer.transport.abort()


async def _slow_client(port: int, state: str, give_up: float) -> str:
    """A request trickled a byte at a time and never finished (slowloris)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return "connect_failed"
    text = _request(f"/callback?state={state}&code=1000.slow", host=HOST.format(port=port))[:-4]
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
    except OSError:
        return "reset"
    finally:
        writer.transport.abort()


async def _hold_burst(listener: CallbackListener, holders: int, extra: int, timeout: float) -> list[str]:
    """Open `holders` connections that each send half a request, then `extra` more, then let go."""
    port = listener.port
    accepted_before = listener.stats.connections
    opened = []
    for _ in range(holders):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /callback?state=")
        opened.append((reader, writer))
    # The extra ones must arrive while all holders are in: wait until the listener took every one.
    deadline = time.monotonic() + timeout
    while listener.stats.connections - accepted_before < holders and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    burst = _request("/callback?code=x", host=HOST.format(port=port))
    extra_results = await asyncio.gather(*(_send(port, Probe("burst", burst), timeout)
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
            probes = hostile_probes(requests, state, rng, port)
            warm, main = probes[:200], probes[200:]
            asyncio.run(_fire(port, warm, concurrency, 15))
            rss0, fds0 = rss_kib(), open_fds()

            async def attack() -> tuple[list[str], list[str], list[str]]:
                burst_task = await _hold_burst(listener, burst, 20, 15) if burst else []
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
            # The listener may still be finishing answers the clients stopped waiting for (a loaded
            # machine lags); "nothing left behind" means it drains within the per-request limit.
            drain_deadline = time.monotonic() + listener.request_timeout + 5
            while (listener._active or open_fds() - fds0 > 2) and time.monotonic() < drain_deadline:
                time.sleep(0.05)  # sockets close on the listener loop's next turns
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
            after_probes = hostile_probes(after, state, rng, port) + [Probe("replay", _request(
                f"/callback?state={state}&code={sent_code}", host=HOST.format(port=port)))]
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
