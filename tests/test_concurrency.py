"""Concurrency: many processes refreshing the same and different connections at once, rate limit on."""

from __future__ import annotations

from pathlib import Path

from reliability.concurrency import CONCURRENCY_PLAN, run_concurrency


def test_twelve_processes_refreshing_at_once_lose_nothing(tmp_path: Path) -> None:
    report = run_concurrency(tmp_path)
    print(f"concurrency: {report.processes} processes, lock wait max {report.lock_wait_max * 1000:.0f} ms, "
          f"median {report.lock_wait_median * 1000:.0f} ms over {len(report.lock_waits)} transactions; "
          f"refresh lock wait max {max(report.refresh_lock_waits, default=0) * 1000:.0f} ms "
          f"over {len(report.refresh_lock_waits)} refreshes")
    assert report.processes == len(CONCURRENCY_PLAN) >= 8
    assert report.unexpected == []
    # `hot` had used up Zoho's 10 refreshes per 10 minutes: a clean, explained refusal, nothing changed.
    assert report.rate_limited_clean == 1
    assert report.lost == []
    # Every `token` printed a token Zoho accepts right now.
    assert report.tokens_printed >= 5 and report.tokens_not_live == 0
    # `token` callers that found a fresh token (another process refreshed under the lock) did not refresh again.
    assert report.shared_refreshes[0] <= report.shared_forced + 1
    assert report.refresh_tokens_still_work
    # Every transaction and every refresh reported how long it waited: the refreshes (9 processes plus the
    # manager's) for their connection's refresh lock, the writes for the file lock.
    assert len(report.refresh_lock_waits) >= 8 and len(report.lock_waits) >= 5
