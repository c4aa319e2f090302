"""Hostile callbacks: thousands of bad requests against a live flow's listener, then the real redirect."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from reliability.hostile_callbacks import run_hostile_flow

from zconnect_tui.listener import CallbackListener


def test_5000_hostile_requests_then_the_real_callback_completes_the_flow(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    report = run_hostile_flow(tmp_path, requests=5000)
    err = capfd.readouterr().err
    print(f"hostile: {report.sent} requests, rejected {report.rejected}, RSS +{report.rss_growth_kib} KiB")

    assert report.sent >= 5000
    # Nothing hostile was accepted, and nothing answered as a success.
    assert report.accepted_before_real == 0
    assert "200" not in report.answers and "200" not in report.burst_answers
    assert sum(report.rejected.values()) >= 5000
    for reason in ("state_mismatch", "wrong_method", "wrong_path", "request_too_large", "bad_query",
                   "malformed", "bad_callback", "incomplete_request", "slow_request", "too_many_connections",
                   "bad_host"):
        assert report.rejected.get(reason, 0) > 0, reason
    # Every request with a Host a browser would not send here (DNS rebinding) was refused, real state or not.
    assert report.rejected["bad_host"] >= report.sent_by_kind["bad_host"] > 200
    # Slow partial requests are cut off at the per-request limit (408), not left hanging.
    assert report.slow_answers == {"408": report.sent_by_kind["slow_partial"]}
    # The real browser redirect: the flow ends with exactly the code Zoho issued, exchanged once.
    assert report.flow_code_matches
    assert report.real_page_status == "200" and not report.real_page_echoes_code
    assert report.accepted_total == 1
    assert report.exchanges_at_emulator == 1
    assert report.stored_token_issued_by_emulator
    # After the flow ends, everything (a replay of the real callback included) gets "already done" or worse.
    assert "200" not in report.after_answers and report.after_answers["409"] > 0
    # Bounded: no connection or socket left behind, memory growth small, no traceback anywhere.
    assert report.active_after == 0
    assert report.fd_growth <= 2
    assert report.rss_growth_kib < 48 * 1024
    assert report.loop_errors == [] and report.thread_errors == [] and report.log_errors == []
    assert "Traceback" not in err


@pytest.mark.parametrize("target", ["http://[::1/callback?state=S", "//[x]/callback?state=S"])
def test_unparseable_target_gets_400_not_a_crash(target: str) -> None:
    """Regression: urlsplit raised ValueError out of the handler (a traceback on stderr, a dropped socket)."""
    listener = CallbackListener(0, "S" * 22)
    listener.start()
    errors: list[object] = []
    assert listener._loop is not None
    listener._loop.set_exception_handler(lambda loop, ctx: errors.append(ctx))
    try:
        with socket.create_connection(("127.0.0.1", listener.port), timeout=5) as sock:
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{listener.port}\r\n\r\n".encode())
            answer = sock.recv(100)
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert listener.stats.rejected == {"malformed": 1}
        assert not listener.finished and errors == []
    finally:
        listener.close()


def _ask(port: int, host: str | None, state: str, code: str = "1000.aa.bb") -> bytes:
    """One callback request as raw bytes (Host as given), and the listener's whole answer."""
    host_line = f"Host: {host}\r\n" if host is not None else ""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET /callback?state={state}&code={code} HTTP/1.1\r\n{host_line}\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1", "localhost", "127.0.0.1:{other}",
                                  "127.0.0.1.evil.example:{port}", "127.0.0.1:{port}.evil.example", "", None])
def test_dns_rebinding_host_gets_400_even_with_the_real_state(host: str | None) -> None:
    """A page on another origin that rebinds its name to 127.0.0.1 sends its own Host: refused, the wait goes on."""
    listener = CallbackListener(0, "S" * 22)
    listener.start()
    try:
        port = listener.port
        answer = _ask(port, None if host is None else host.format(port=port, other=port + 1), "S" * 22)
        assert answer.startswith(b"HTTP/1.1 400 ") and listener.stats.rejected == {"bad_host": 1}
        assert not listener.finished
        ok = _ask(port, f"localhost:{port}", "S" * 22)  # what a browser sends for http://localhost:PORT/
        assert ok.startswith(b"HTTP/1.1 200 ") and listener.wait(1).code == "1000.aa.bb"
    finally:
        listener.close()


def test_every_page_forbids_scripts_framing_sniffing_caching_and_referrers() -> None:
    listener = CallbackListener(0, "S" * 22)
    listener.start()
    try:
        port = listener.port
        pages = [_ask(port, f"127.0.0.1:{port}", "wrong"), _ask(port, "evil.example", "S" * 22),
                 _ask(port, f"127.0.0.1:{port}", "S" * 22), _ask(port, f"127.0.0.1:{port}", "S" * 22)]
        assert [page[9:12] for page in pages] == [b"400", b"400", b"200", b"409"]
        for page in pages:
            head = page.split(b"\r\n\r\n", 1)[0].decode().lower()
            assert "content-security-policy: default-src 'none'" in head
            assert "x-frame-options: deny" in head and "x-content-type-options: nosniff" in head
            assert "cache-control: no-store" in head and "referrer-policy: no-referrer" in head
            assert "1000.aa.bb" not in page.decode()
    finally:
        listener.close()
