"""Issue #8 item 5: every call to Zoho has one deadline and a size cap, and no one waits on Zoho for the file.

No timing is asserted: a dripping server counts what it managed to send before zconnect hung up, a
huge one counts the bytes it got out, and the hung-refresh test checks who finished while it hung.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from inprocess import zconnect
from reliability.bounded import BODY, hostile, refresh_client, run_bounded_case
from reliability.lab import PYTHON, Lab, one_line_error
from waiting import wait_for

from zconnect_tui.oauth import MAX_RESPONSE_BYTES, ZohoClient


@pytest.mark.parametrize("answer", ["drip_headers", "drip_body"])
def test_a_dripping_server_cannot_stretch_a_call_past_its_deadline(answer: str) -> None:
    """Each byte comes well within any per-read timeout; the one deadline still ends the call."""
    case = run_bounded_case(answer, 0.5)
    assert "did not answer in time" in case.error
    total = len(BODY) + (100 if answer == "drip_headers" else 0)
    assert 0 < case.sent < total / 2  # hung up long before the answer was complete


@pytest.mark.parametrize("answer", ["huge", "declared_huge"])
def test_a_huge_answer_is_refused_while_it_streams(answer: str) -> None:
    case = run_bounded_case(answer, 15)
    assert f"more than {MAX_RESPONSE_BYTES // 2**20} MiB" in case.error
    assert case.sent < 16 * 2**20  # of the 64 MiB it had for us
    assert case.rss_growth_kib < 32 * 1024


def test_a_prompt_answer_goes_through_the_streamed_read_whole() -> None:
    with hostile("ok") as server, ZohoClient() as client:
        assert client.refresh(server.url, refresh_client()).access_token == "1000.dripped.token"


def test_add_list_and_other_connections_do_not_wait_for_a_hung_refresh(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        stuck = lab.add("desk", expired=True)
        lab.add("other", expired=True)
        lab.emu.hang_seconds = 120
        lab.emu.queue_fault("hang", path_prefix="/oauth/v2/token")  # the next token call: desk's refresh
        hung = subprocess.Popen([PYTHON, "-m", "zconnect_tui", "refresh", "desk"],
                                env=lab.env(ZCONNECT_HTTP_TIMEOUT="90"), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: any(r.form.get("refresh_token") == stuck.token.refresh_token
                                 for r in lab.emu.token_requests("refresh_token")), 30, "desk's refresh at Zoho")
            added = lab.cli("add", "new", "--service", "crm", "--dc", "lab", "--client-id", "1000.NEW",
                            "--client-secret-env", "S", env={"S": "secret"})
            listed = lab.cli("list")
            token = lab.cli("token", "other")
            assert hung.poll() is None, "the refresh was meant to be still waiting for Zoho"
            assert added.code == 0 and listed.code == 0 and token.code == 0, (added.err, listed.err, token.err)
            assert "new" in listed.out and token.out.strip() in lab.emu.live_access_tokens
        finally:
            hung.kill()
            hung.communicate(timeout=30)
        # The killed refresh changed nothing; everything the others wrote is there.
        snap = lab.store.load()
        assert set(snap.connections) == {"desk", "new", "other"}
        assert snap.get("desk").token.refresh_token == stuck.token.refresh_token


def test_http_timeout_setting_is_checked(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", expired=True)
        before = lab.config.read_bytes()
        for value in ("abc", "nan", "inf", "-1", "0", "1e9"):
            run = zconnect("refresh", "desk", env=lab.env(ZCONNECT_HTTP_TIMEOUT=value))
            assert run.code == 2 and one_line_error(run.err) and "ZCONNECT_HTTP_TIMEOUT" in run.err, (value, run.err)
        assert lab.config.read_bytes() == before and lab.emu.token_requests("refresh_token") == []
