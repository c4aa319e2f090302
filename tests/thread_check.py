"""Each test closes the servers it starts: no server thread (and no non-daemon thread at all) outlives it.

An idle server thread costs little, but it is a socket left listening, an accept that never returns, and
(non-daemon) an interpreter that cannot exit. conftest imports the fixture, so it runs for every test.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from waiting import wait_for

SERVER_THREAD = re.compile(r"^zoho-emu|\((?:serve_forever|_serve|process_request_thread)\)$")
"""The emulator's front ends, socketserver's loops and handlers, the tests' own one-shot servers."""


def left_behind(before: set[threading.Thread]) -> list[str]:
    """Threads started since `before` that are still running and are servers or non-daemon."""
    return [t.name for t in threading.enumerate()
            if t not in before and t.is_alive() and (not t.daemon or SERVER_THREAD.search(t.name))]


@pytest.fixture(autouse=True)
def no_server_thread_left() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    if left_behind(before):  # one stopped a moment ago may still be returning: wait for it, bounded
        wait_for(lambda: not left_behind(before), 10, f"server threads to end: {left_behind(before)}")
