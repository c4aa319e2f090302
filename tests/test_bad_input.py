"""Issue #8 item 4: each bad input the review listed is one line (or handled), never a traceback.

Covered elsewhere: ZCONNECT_HTTP_TIMEOUT=abc (test_bounded_calls), `https://[evil` and a `.lock` that is a
directory or unwritable (test_files_and_dirs), `org_name = 5`, `created_at = "yesterday"` and a redirect
port of 99999 (test_no_secret_in_crash), and everything at random in test_fuzz.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from inprocess import zconnect
from reliability.lab import Lab, one_line_error

from zconnect_tui.model import now_utc

BROKEN_EXPIRES_IN = ("abc", 1e20, None, float("nan"), True, [], -5, "3600")


def test_a_broken_expires_in_during_authorize_keeps_the_tokens_zoho_issued(tmp_path: Path) -> None:
    """The code is spent once Zoho answers: its tokens are stored, with Zoho's documented hour at most
    (a negative value: expired at once, so the next `token` refreshes)."""
    with Lab(tmp_path) as lab:
        for i, value in enumerate(BROKEN_EXPIRES_IN):
            name = f"c{i}"
            conn = lab.add(name, authorized=False)
            lab.emu.token_extra = {"expires_in": value}
            code = lab.emu.issue_self_client_code(conn.client_id, conn.scopes)  # pasted: no browser needed
            run = zconnect("authorize", name, "--no-browser", "--timeout", "30", env=lab.env(), stdin=code + "\n")
            assert run.code == 0 and "Traceback" not in run.err, (value, run.err)
            conn = lab.store.load().get(name)
            assert conn.token.access_token == lab.emu.issued_access_tokens[-1], value  # the last one Zoho issued
            assert conn.token.refresh_token in lab.emu.live_refresh_tokens, value
            assert conn.token.expires_at is not None
            left = conn.token.expires_at - now_utc()
            assert left <= timedelta(hours=1), value
            assert (left <= timedelta(0)) if value == -5 else (left > timedelta(minutes=59)), (value, left)


def test_answers_of_the_wrong_shape_are_one_line(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk")
        for body in ({"data": "not a list"}, {"data": 5}, {"data": {"id": "1"}}, [1, 2], "text"):
            lab.emu.queue_response("/api/v1/organizations", body)
            run = zconnect("test", "desk", env=lab.env())
            assert run.code == 4 and one_line_error(run.err), (body, run.err)
        lab.emu.queue_response("/api/v1/organizations", {"data": [{"id": "1", "companyName": 5}, "junk", None]})
        run = zconnect("test", "desk", env=lab.env())
        assert run.code == 0 and "Reached 1 Desk organization" in run.out, run.err
        # A Desk organisation id that is not a number is refused (test_org_ids.py), also one line.
        lab.emu.queue_response("/api/v1/organizations", {"data": [{"id": ["x"], "companyName": 5}]})
        run = zconnect("test", "desk", env=lab.env())
        assert run.code == 4 and one_line_error(run.err) and "not a number" in run.err, run.err


def test_an_api_domain_that_does_not_parse_is_ignored_and_the_tokens_kept(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", expired=True)
        lab.emu.token_extra = {"api_domain": "https://[evil"}
        run = zconnect("refresh", "desk", env=lab.env())
        assert run.code == 0, run.err
        conn = lab.store.load().get("desk")
        assert conn.token.access_token == lab.emu.issued_access_tokens[-1] and "[evil" not in conn.api_domain
        assert "Ignored the API domain" in conn.last_error


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "abc", "1e9"])
def test_authorize_timeout_must_be_a_finite_number_of_seconds(tmp_path: Path, value: str) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", authorized=False)
        run = zconnect("authorize", "desk", "--timeout", value, env=lab.env())
        assert run.code == 2 and one_line_error(run.err) and "--timeout" in run.err, run.err
