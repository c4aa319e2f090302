"""#18 item 8(b): an error answer (401, 400, 403, 429) with a chunked body past 4 MiB and no Content-Length is
refused while it streams: by token calls, verification calls and `zconnect api`.

The server sends 32 MiB of chunks and then never ends the body: a reader that waited for the end (no cap
while streaming) would sit until the deadline and say "did not answer in time" instead.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from hostile_http import Answer, hostile_config, hostile_server, run_measured
from inprocess import zconnect
from reliability.lab import one_line

STATUSES = [401, 400, 403, 429]
ENDLESS = 32 * 2**20


def endless_error(status: int) -> Answer:
    return Answer(status=status, headers={"Content-Type": "application/json"}, chunked_bytes=ENDLESS, stall=True)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("command", ["token", "test"])
def test_a_token_or_verification_call_refuses_an_endless_error_body(tmp_path: Path, status: int,
                                                                     command: str) -> None:
    with hostile_server(endless_error(status)) as server:
        config = hostile_config(tmp_path / "connections.toml", server.url,
                                expires_in=timedelta(hours=-1 if command == "token" else 1))
        before = config.read_bytes()
        run = zconnect("--config", str(config), command, "desk", env={"ZCONNECT_HTTP_TIMEOUT": "20"})
        server.close()
    assert run.code == 4 and "answered with more than 4 MiB; refused" in one_line(run.err), run.err
    assert server.sent < 16 * 2**20 and len(server.paths) == 1, server.sent  # hung up early, asked once
    assert config.read_bytes() == before


@pytest.mark.parametrize("status", STATUSES)
def test_an_api_call_refuses_an_endless_error_body(tmp_path: Path, status: int) -> None:
    with hostile_server(endless_error(status)) as server:
        config = hostile_config(tmp_path / "connections.toml", server.url)
        run = run_measured(["api", "desk", "/api/v1/tickets"],
                           {**os.environ, "ZCONNECT_CONFIG": str(config), "ZCONNECT_HTTP_TIMEOUT": "20"},
                           tmp_path / "run")
        server.close()
    assert run.code == 1 and "The response is larger than 4 MiB" in one_line(run.err), run.err
    assert server.sent < 16 * 2**20 and len(server.paths) == 1, server.sent
    assert run.out == b""
