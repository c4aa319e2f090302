"""5. Network faults: every fault against every command, each in its own lab."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from .lab import Lab, free_port, one_line_error


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
        # 3 s, not 1: under load (14 CLIs start at once) a 1 s deadline ran out before the request reached
        # the emulator at all, and the case saw no attempt. A hang is still a hang: it never answers.
        env = {"ZCONNECT_HTTP_TIMEOUT": "3"} if fault == "hang" else {}
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
