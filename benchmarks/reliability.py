"""Reliability and security figures for the README: what was tried, how much, what held.

Runs the scenarios of tests/test_hostile_callbacks.py, test_crash_safety.py, test_concurrency.py,
test_secret_hygiene.py and test_network_faults.py (the harnesses live in tests/reliability/) at CI
scale by default, or larger with --scale, and prints counts and ratios (never pass/fail on time).

    python benchmarks/reliability.py            # CI scale, about 40 s on 2 cores
    python benchmarks/reliability.py --scale 4  # 20,000 hostile requests, 800 kills, 4 rounds of 12 processes
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from reliability import bounded, concurrency, crash, faults, hostile_callbacks, hygiene  # noqa: E402


def _row(label: str, value: object) -> None:
    print(f"  {label:<44} {value}")


def hostile_section(work: Path, scale: int) -> None:
    r = hostile_callbacks.run_hostile_flow(work / "hostile", requests=5000 * scale)
    print(f"1. Hostile callbacks during a live flow ({r.seconds:.1f} s)")
    _row("requests sent", r.sent)
    _row("  by kind", ", ".join(f"{k} {v}" for k, v in sorted(r.sent_by_kind.items())))
    _row("accepted before the real redirect", r.accepted_before_real)
    _row("rejected by the listener, by reason", ", ".join(f"{k} {v}" for k, v in sorted(r.rejected.items())))
    _row("answers seen by the hostile clients", ", ".join(f"{k} {v}" for k, v in sorted(r.answers.items())))
    _row("slow partial requests cut off (408)", f"{r.slow_answers.get('408', 0)}/{sum(r.slow_answers.values())}")
    _row("real redirect: flow got the issued code", "yes" if r.flow_code_matches else "NO")
    _row("callbacks accepted / code exchanges", f"{r.accepted_total} / {r.exchanges_at_emulator}")
    _row("after the flow: answers (replay included)", ", ".join(f"{k} {v}" for k, v in sorted(r.after_answers.items())))
    _row("RSS growth over the attack", f"{r.rss_growth_kib / 1024:.1f} MiB "
         f"({r.rss_growth_kib * 1024 / max(r.sent, 1):.0f} bytes/request, client side included)")
    _row("open sockets left / connections still active", f"{r.fd_growth} / {r.active_after}")
    _row("tracebacks (loop, threads, asyncio log)", len(r.loop_errors) + len(r.thread_errors) + len(r.log_errors))


def crash_section(work: Path, scale: int) -> None:
    r = crash.run_crash_safety(work / "crash", kills=200 * scale, cli_kills=20 * scale)
    print(f"2. Crash safety: writers SIGKILLed at random moments ({r.seconds:.1f} s)")
    _row("writers killed (forked / real CLI processes)", f"{r.kills} / {r.cli_kills}")
    _row("died of SIGKILL / of anything else", f"{r.killed_by_sigkill} / {len(r.other_exits)}")
    _row("saves / refreshes finished before the kills", f"{r.saves_completed} / {r.refreshes_completed}")
    _row("file checks: parsed / failed", f"{r.checks - len(r.parse_failures)} / {len(r.parse_failures)}")
    _row("connection checks: intact / damaged", f"{r.connections_checked - len(r.damaged)} / {len(r.damaged)}")
    _row("temp files left by kills / left after next save", f"{r.orphans_seen} / {r.orphans_left_at_end}")
    _row("file mode", oct(r.file_mode))


def concurrency_section(work: Path, scale: int) -> None:
    r = concurrency.run_concurrency(work / "concurrency", rounds=scale)
    print(f"3. Concurrency: processes released at once, Zoho rate limit on ({r.seconds:.1f} s)")
    _row("processes per round x rounds", f"{r.processes} x {r.rounds}")
    _row("exit codes", ", ".join(f"{k}: {v}" for k, v in sorted(r.exits.items())))
    _row("rate-limited refreshes refused cleanly", f"{r.rate_limited_clean}/{r.rounds}")
    _row("refreshes at Zoho (incl. 10 x rounds burned)", r.refreshes_at_emulator)
    _row("refreshes of the shared token per round", f"{r.shared_refreshes} (forced: {r.shared_forced})")
    _row("tokens printed / not valid at Zoho", f"{r.tokens_printed} / {r.tokens_not_live}")
    _row("fields, connections or refresh tokens lost", len(r.lost))
    _row("refresh tokens still work afterwards", "yes" if r.refresh_tokens_still_work else "NO")
    _row("file lock wait over transactions: median / max", f"{r.lock_wait_median * 1000:.0f} ms / "
         f"{r.lock_wait_max * 1000:.0f} ms ({len(r.lock_waits)} transactions)")
    waits = sorted(r.refresh_lock_waits)
    _row("refresh lock wait (across Zoho's answer)", f"median {waits[len(waits) // 2] * 1000 if waits else 0:.0f} ms, "
         f"max {max(waits, default=0) * 1000:.0f} ms ({len(waits)} refreshes)")


def hygiene_section(work: Path) -> None:
    r = hygiene.run_secret_hygiene(work / "hygiene", screenshot_dirs=(ROOT / "screenshots",))
    print("4. Secret hygiene")
    _row("command runs scanned (stdout + stderr)", len(r.runs))
    _row("secrets tracked (secret + every token issued)", r.secrets_tracked)
    _row("files / screenshots scanned", f"{len(r.files_scanned)} / {r.screenshots_scanned}")
    _row("hits where not allowed", len(r.hits))
    _row("hits in `token` / `show --reveal` (allowed)", len(r.allowed_hits))
    _row("success page echoes the code", "yes" if r.success_page_echoes_code else "no")


def faults_section(work: Path) -> None:
    cases = faults.run_fault_matrix(work / "faults")
    print("5. Network faults (each: exit code, attempts at Zoho, one-line message, file untouched)")
    for c in cases:
        _row(f"{c.command} / {c.fault}", f"exit {c.code}, {c.attempts} attempt(s), "
             f"{'one line' if c.one_line else 'NOT one line'}, {'untouched' if c.untouched else 'CHANGED'}")


def bounded_section(scale: int) -> None:
    print("6. Bounded calls: one refresh against a hostile accounts server")
    for answer, deadline, what in (("drip_headers", 2.0, "headers dripped a byte per 20 ms"),
                                   ("drip_body", 2.0, "body dripped a byte per 20 ms"),
                                   ("huge", 15.0, f"{600 * scale} MiB answer"),
                                   ("declared_huge", 15.0, "Content-Length: 600000000")):
        c = bounded.run_bounded_case(answer, deadline, huge_mib=600 * scale)
        sent = f"{c.sent} bytes" if c.sent < 2**20 else f"{c.sent / 2**20:.1f} MiB"
        _row(f"{what} (deadline {deadline:g} s)", f"ended after {c.seconds:.2f} s, {sent} sent, "
             f"RSS +{c.rss_growth_kib / 1024:.1f} MiB: {c.error.split(';')[0][:60]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1, help="multiply the CI sizes (default 1)")
    parser.add_argument("--only", choices=("hostile", "crash", "concurrency", "hygiene", "faults", "bounded"),
                        action="append")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="zconnect-reliability-") as tmp:
        work = Path(tmp)
        sections = {"hostile": lambda: hostile_section(work, args.scale),
                    "crash": lambda: crash_section(work, args.scale),
                    "concurrency": lambda: concurrency_section(work, args.scale),
                    "hygiene": lambda: hygiene_section(work), "faults": lambda: faults_section(work),
                    "bounded": lambda: bounded_section(args.scale)}
        print(f"zconnect reliability and security (scale {args.scale}; Python {sys.version.split()[0]})")
        for name, section in sections.items():
            if args.only and name not in args.only:
                continue
            section()
    print(f"total {time.monotonic() - started:.0f} s. Reproduce: python benchmarks/reliability.py --scale {args.scale}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
