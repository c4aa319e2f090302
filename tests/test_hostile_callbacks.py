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
                   "malformed", "bad_callback", "incomplete_request", "slow_request", "too_many_connections"):
        assert report.rejected.get(reason, 0) > 0, reason
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
            sock.sendall(f"GET {target} HTTP/1.1\r\n\r\n".encode())
            answer = sock.recv(100)
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert listener.stats.rejected == {"malformed": 1}
        assert not listener.finished and errors == []
    finally:
        listener.close()
