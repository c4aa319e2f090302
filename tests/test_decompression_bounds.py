"""#18 item 2: a compressed answer is inflated in bounded steps, counted and timed as it is made, on every path.

The attack: 2,493 bytes with `Content-Encoding: gzip, gzip` holding 1 GiB of zeros. httpx inflated each read
whole (2 GB of memory, several seconds past a 1 s deadline) before the 4 MiB cap could count it. Each call is
the real command as a process against a local server, its peak RSS compared with the same command's against
a small gzipped answer, its time measured from the request's arrival to zconnect hanging up.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from hostile_http import TUI_CALL, Answer, Measured, gzip, gzip_bomb, hostile_config, hostile_server, run_measured
from inprocess import zconnect
from reliability.lab import one_line

from zconnect_tui import wire

SLACK = 0.5
MIB = 2**20
SMALL = b'{"data": [], "error": "invalid_code", "status": "success"}'


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    expired: bool
    refusal: str
    code: int = 4
    tui: bool = False
    deadline: float = 5.0
    """Long enough for a loaded machine to connect: the cap, not the deadline, must end these."""


CASES = {
    "token": Case(("token", "desk"), True, "answered with more than 4 MiB; refused"),
    "revoke": Case(("revoke", "desk"), False, "answered with more than 4 MiB; refused"),
    "verification": Case(("test", "desk"), False, "answered with more than 4 MiB; refused"),
    "api-held": Case(("api", "desk", "/api/v1/tickets", "--paginate"), False, "larger than 4 MiB", code=1),
    # Not held, so not capped: the deadline ends it (1 GiB takes this machine ~12 s to inflate and write).
    "api-streamed": Case(("api", "desk", "/api/v1/tickets"), False, "did not answer in time", deadline=2.0),
    "tui-call": Case(("/api/v1/tickets",), False, "larger than 4 MiB", code=1, tui=True),
}


def measured(tmp_path: Path, label: str, case: Case, answer: Answer) -> tuple[Measured, float, bytes, bytes]:
    """The case's command against `answer`: what it did, the seconds from its request to its hang-up, and the
    connections file before and after."""
    with hostile_server(answer) as server:
        config = hostile_config(tmp_path / label / "connections.toml", server.url,
                                expires_in=timedelta(hours=-1 if case.expired else 1))
        before = config.read_bytes()
        env = {**os.environ, "ZCONNECT_CONFIG": str(config), "ZCONNECT_HTTP_TIMEOUT": str(case.deadline)}
        run = run_measured(list(case.args), env, tmp_path / label, keep_output=False,
                           **({"code": TUI_CALL} if case.tui else {}))
        server.close()
    assert server.arrivals and len(server.hangups) == len(server.arrivals), (server.paths, run.err)
    return run, server.hangups[-1] - server.arrivals[0], before, config.read_bytes()


@pytest.mark.parametrize("path", list(CASES))
def test_a_gzip_bomb_is_refused_within_64_mib_and_the_deadline(tmp_path: Path, path: str) -> None:
    case = CASES[path]
    json = {"Content-Type": "application/json"}
    baseline, _, _, _ = measured(tmp_path, "small", case,
                                 Answer(headers={**json, "Content-Encoding": "gzip"}, body=gzip(SMALL)))
    assert "Traceback" not in baseline.err, baseline.err
    bomb, seconds, before, after = measured(tmp_path, "bomb", case,
                                            Answer(headers={**json, "Content-Encoding": "gzip, gzip"},
                                                   body=gzip_bomb()))
    assert bomb.code == case.code and case.refusal in one_line(bomb.err), bomb.err
    growth = bomb.peak_kib - baseline.peak_kib
    assert growth < 64 * 1024, f"peak RSS {growth / 1024:.0f} MiB above the same command's on a small answer"
    assert seconds <= case.deadline + SLACK, f"{seconds:.2f} s under a {case.deadline} s deadline"
    assert after == before  # nothing stored was touched
    if path == "api-streamed":  # zeros, decoded, until the deadline
        assert 4 * MIB < bomb.out_size == bomb.out_zeros < 2**30


@pytest.mark.parametrize("encoding", ["gzip, gzip, gzip", "br", "zstd", "compress", "gzip, br", "x-evil\x1b[2J"])
@pytest.mark.parametrize("command", [("token", "desk"), ("api", "desk", "/api/v1/tickets")])
def test_unknown_and_deeply_stacked_encodings_are_refused_in_one_line(
        tmp_path: Path, encoding: str, command: tuple[str, ...]) -> None:
    body = gzip(gzip(gzip(SMALL))) if encoding.startswith("gzip, gzip") else SMALL
    with hostile_server(Answer(headers={"Content-Type": "application/json", "Content-Encoding": encoding},
                               body=body)) as server:
        config = hostile_config(tmp_path / "connections.toml", server.url,
                                expires_in=timedelta(hours=-1 if command[0] == "token" else 1))
        before = config.read_bytes()
        run = run_measured(list(command), {**os.environ, "ZCONNECT_CONFIG": str(config)}, tmp_path / "run")
    line = one_line(run.err)
    assert run.code == 4 and "refused" in line and "\x1b" not in line, run.err
    assert ("3 stacked content encodings" if "," in encoding and "br" not in encoding else "which zconnect does "
            "not decode") in line
    assert run.out == b"" and config.read_bytes() == before


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "deflate", "deflate-raw", "gzip, deflate", "identity", ""])
def test_a_compressed_body_streamed_to_a_file_comes_out_whole(tmp_path: Path, encoding: str) -> None:
    """Larger than the 4 MiB cap (a body sent to a file is not held), byte for byte as it was compressed."""
    original = b"".join(b'{"id": %d, "subject": "Printer on fire"},' % i for i in range(200_000))
    body, header = original, encoding
    for coding in [c.strip() for c in encoding.split(",") if c.strip() not in ("", "identity")]:  # as applied
        if coding in ("gzip", "x-gzip"):
            body = gzip(body)
        else:
            packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS if coding == "deflate-raw" else zlib.MAX_WBITS)
            body = packer.compress(body) + packer.flush()
    header = header.replace("deflate-raw", "deflate")
    with hostile_server(Answer(headers={"Content-Type": "application/json", "Content-Encoding": header},
                               body=body)) as server:
        config = hostile_config(tmp_path / "connections.toml", server.url)
        run = run_measured(["api", "desk", "/api/v1/tickets"], {**os.environ, "ZCONNECT_CONFIG": str(config)},
                           tmp_path / "run")
    assert run.code == 0 and run.err == "", run.err
    assert len(original) > wire.MAX_RESPONSE_BYTES and run.out == original


def pieces(encoding: str, chunks: list[bytes]) -> list[bytes]:
    response = httpx.Response(200, headers={"Content-Encoding": encoding}, content=iter(chunks))
    return list(wire.chunks_until(response, wire.Deadline(60)))


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS | 16, zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_each_step_of_inflating_makes_at_most_one_step_of_bytes(wbits: int) -> None:
    """Fed a byte at a time (the two-byte look at a deflate stream's start included) and all at once."""
    original = bytes(3 * wire.DECODE_STEP + 5) + os.urandom(1000)
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    body = packer.compress(original) + packer.flush()
    encoding = "gzip" if wbits > zlib.MAX_WBITS else "deflate"
    for chunks in ([body], [body[i:i + 1] for i in range(len(body))]):
        out = pieces(encoding, chunks)
        assert b"".join(out) == original and max(map(len, out)) <= wire.DECODE_STEP


def test_a_body_that_does_not_inflate_is_one_line(tmp_path: Path) -> None:
    with hostile_server(Answer(headers={"Content-Encoding": "gzip"}, body=b"\x1f\x8b not gzip at all")) as server:
        config = hostile_config(tmp_path / "connections.toml", server.url)
        run = zconnect("--config", str(config), "test", "desk")
    assert run.code == 4 and "a gzip body that does not decompress; refused" in one_line(run.err)
