"""`zconnect api` end to end: the real CLI against the emulator over real sockets.

Org headers and parameters, the body as Zoho sent it, pagination per product (including a
token that dies mid-walk and CRM's page_token past 2,000 records), 401 and 429 handling,
refusing foreign hosts, and exit codes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import httpx
import pytest
from api_lab import BOOKS_ORG, DESK_ORG, run_bytes
from reliability.lab import PYTHON, Lab, one_line_error

from zconnect_tui.lab.emulator import ZohoEmulator


def token_of(lab: Lab, name: str) -> str:
    return lab.store.load().get(name).token.access_token


def pages(out: bytes) -> list[dict]:
    """--paginate output to a pipe: one JSON document per line."""
    return [json.loads(line) for line in out.splitlines() if line.strip()]


# ----- one call per product ---------------------------------------------------------------------
def test_desk_call_adds_token_and_org_and_prints_the_body_as_sent(lab: Lab) -> None:
    result = run_bytes(lab, "api", "desk", "/api/v1/tickets", "-f", "limit=3")
    assert result.returncode == 0, result.stderr
    sent = lab.emu.requests_to("/api/v1/tickets", "GET")[-1]
    assert sent.headers["orgid"] == DESK_ORG
    assert sent.headers["authorization"] == f"Zoho-oauthtoken {token_of(lab, 'desk')}"
    assert sent.query == {"limit": "3"}
    direct = httpx.get(f"{lab.emu.url}/api/v1/tickets", params={"limit": "3"}, trust_env=False,
                       headers={"orgId": DESK_ORG, "Authorization": sent.headers["authorization"]})
    assert result.stdout == direct.content  # byte for byte, no reformatting when not on a terminal
    assert result.stderr == b""


def test_an_explicit_org_header_wins_and_a_token_of_another_org_is_explained(lab: Lab) -> None:
    lab.store.update("desk", lambda c: setattr(c, "org_id", "60001000001"))  # not the org the token is bound to
    wrong = lab.cli("api", "desk", "/api/v1/tickets")
    assert wrong.code == 1 and one_line_error(wrong.err) and "OAUTH_ORG_MISMATCH" in wrong.err
    assert "another Desk organization" in wrong.err and lab.emu.token_requests("refresh_token") == []
    result = run_bytes(lab, "api", "desk", "/api/v1/tickets", "-H", f"orgId: {DESK_ORG}")
    assert result.returncode == 0, result.stderr
    assert lab.emu.requests_to("/api/v1/tickets", "GET")[-1].headers["orgid"] == DESK_ORG


def test_desk_without_a_stored_org_explains_the_fix(lab: Lab) -> None:
    lab.store.update("desk", lambda c: setattr(c, "org_id", ""))
    result = lab.cli("api", "desk", "/api/v1/tickets")
    assert result.code == 1
    assert "UNPROCESSABLE_ENTITY" in result.out  # Zoho's answer, on stdout as any body
    assert one_line_error(result.err) and "HTTP 422" in result.err and "zconnect test desk" in result.err


def test_crm_leads_on_the_api_domain(lab: Lab) -> None:
    result = lab.cli("api", "crm", "/crm/v8/Leads", "-f", "fields=Last_Name,Company", "-f", "per_page=5")
    assert result.code == 0, result.err
    body = json.loads(result.out)
    assert len(body["data"]) == 5 and body["info"]["more_records"] is True
    sent = lab.emu.requests_to("/crm/v8/Leads", "GET")[-1]
    assert "orgid" not in sent.headers and sent.query["fields"] == "Last_Name,Company"


def test_books_gets_organization_id_unless_given(lab: Lab) -> None:
    assert lab.cli("api", "books", "/books/v3/invoices").code == 0
    assert lab.emu.requests_to("/books/v3/invoices")[-1].query["organization_id"] == BOOKS_ORG
    other = lab.cli("api", "books", "/books/v3/invoices", "-f", "organization_id=10234696")
    assert other.code == 0, other.err
    assert lab.emu.requests_to("/books/v3/invoices")[-1].query["organization_id"] == "10234696"


def test_post_sends_typed_fields_as_json(lab: Lab, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Smoke seen near tray 2")
    result = lab.cli("api", "desk", "-X", "POST", "/api/v1/tickets", "-F", "subject=Printer on fire",
                     "-F", "departmentId=60001000000006907", "-F", "priority=true", "-F", f"description=@{note}",
                     "-f", "phone=0123", "-F", "cf[cf_floor]=2")
    assert result.code == 0, result.err
    sent = json.loads(lab.emu.requests_to("/api/v1/tickets", "POST")[-1].body)
    assert sent == {"subject": "Printer on fire", "departmentId": 60001000000006907, "priority": True,
                    "description": "Smoke seen near tray 2", "phone": "0123", "cf": {"cf_floor": 2}}
    assert lab.emu.requests_to("/api/v1/tickets", "POST")[-1].headers["content-type"] == "application/json"


def test_input_body_from_a_file_and_from_stdin(lab: Lab, tmp_path: Path) -> None:
    body = tmp_path / "ticket.json"
    body.write_text('{"subject": "From a file"}')
    assert lab.cli("api", "desk", "/api/v1/tickets", "--input", str(body)).code == 0  # POST by default
    piped = lab.cli("api", "crm", "/crm/v8/Leads", "--input", "-", stdin='{"data": [{"Last_Name": "Piped"}]}')
    assert piped.code == 0, piped.err
    assert [c.get("subject") or c.get("Last_Name") for c in lab.emu.products.created] == ["From a file", "Piped"]


def test_include_and_silent(lab: Lab) -> None:
    """`-i` as `gh api -i` (and `curl -i`): the status line and headers on stdout, a blank line, then the body;
    stderr stays for zconnect's own messages."""
    result = lab.cli("api", "desk", "/api/v1/tickets", "-i", "--silent")
    assert result.code == 0 and result.err == ""
    assert result.out.startswith("HTTP/1.1 200 OK\n") and "content-type: application/json" in result.out
    assert result.out.endswith("\n\n")  # the headers only: --silent drops the body
    piped = run_bytes(lab, "api", "desk", "/api/v1/tickets", "-i", "-f", "limit=2")
    assert piped.returncode == 0 and piped.stderr == b"", piped.stderr
    head, body = piped.stdout.split(b"\n\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK") and b"content-type: application/json" in head
    assert [t["ticketNumber"] for t in json.loads(body)["data"]] == ["101", "102"]


# ----- pagination -------------------------------------------------------------------------------
def test_paginate_desk_streams_every_page(lab: Lab) -> None:
    lab.emu.products.counts["tickets"] = 250
    result = run_bytes(lab, "api", "desk", "/api/v1/tickets", "--paginate")
    assert result.returncode == 0, result.stderr
    got = pages(result.stdout)
    ids = [t["id"] for page in got for t in page["data"]]
    assert len(got) == 3 and len(ids) == 250 == len(set(ids))
    assert [r.query["from"] for r in lab.emu.requests_to("/api/v1/tickets")] == ["0", "100", "200"]


def test_paginate_desk_ends_on_204(lab: Lab) -> None:
    lab.emu.products.counts["tickets"] = 200  # the third page is empty: Desk answers 204
    result = run_bytes(lab, "api", "desk", "/api/v1/tickets", "--paginate")
    assert result.returncode == 0, result.stderr
    assert sum(len(p["data"]) for p in pages(result.stdout)) == 200


def test_paginate_crm_switches_to_page_token_past_2000_records(lab: Lab) -> None:
    lab.emu.products.counts["crm"] = 2300
    result = run_bytes(lab, "api", "crm", "/crm/v8/Leads", "--paginate")
    assert result.returncode == 0, result.stderr
    ids = [r["id"] for page in pages(result.stdout) for r in page["data"]]
    assert len(ids) == 2300 == len(set(ids))
    sent = lab.emu.requests_to("/crm/v8/Leads")
    assert [r.query.get("page") for r in sent[:10]] == [str(n) for n in range(1, 11)]
    assert all("page_token" in r.query and "page" not in r.query for r in sent[10:]) and len(sent) == 12


def test_paginate_books_follows_page_context(lab: Lab) -> None:
    lab.emu.products.counts["invoices"] = 450
    result = run_bytes(lab, "api", "books", "/books/v3/invoices", "--paginate")
    assert result.returncode == 0, result.stderr
    assert [len(p["invoices"]) for p in pages(result.stdout)] == [200, 200, 50]
    assert {r.query["organization_id"] for r in lab.emu.requests_to("/books/v3/invoices")} == {BOOKS_ORG}


def test_a_token_expiring_mid_paginate_is_refreshed_once_and_the_walk_goes_on(lab: Lab) -> None:
    lab.emu.products.counts["tickets"] = 500
    lab.emu.products.expire_tokens_after(2)  # pages 1 and 2 succeed, then every access token dies
    before = token_of(lab, "desk")
    result = run_bytes(lab, "api", "desk", "/api/v1/tickets", "--paginate")
    assert result.returncode == 0, result.stderr
    ids = [t["id"] for page in pages(result.stdout) for t in page["data"]]
    assert len(ids) == 500 == len(set(ids))  # page 3 was retried, not skipped or repeated in the output
    assert len(lab.emu.token_requests("refresh_token")) == 1
    assert token_of(lab, "desk") != before  # the refreshed token was stored for everyone


def test_paginate_into_a_reader_that_stops_ends_quietly_and_fetches_no_more(lab: Lab) -> None:
    lab.emu.products.counts["tickets"] = 10_000
    script = f"{PYTHON} -m zconnect_tui api desk /api/v1/tickets --paginate | head -c 100 >/dev/null"
    result = subprocess.run(["bash", "-c", script + "; echo ${PIPESTATUS[0]}"], env=lab.env(), capture_output=True,
                            text=True, timeout=60)
    assert result.stdout.strip() == "0" and result.stderr == ""  # no BrokenPipeError traceback
    assert len(lab.emu.requests_to("/api/v1/tickets")) < 10  # not all 101 pages


def test_paginate_refuses_an_api_it_cannot_page(lab: Lab) -> None:
    result = lab.cli("api", "crm", "/oauth/user/info", "--paginate")
    assert result.code == 2 and one_line_error(result.err) and "Desk" in result.err
    post = lab.cli("api", "crm", "-X", "POST", "/crm/v8/coql", "--paginate", "-f", "select_query=x")
    assert post.code == 2 and one_line_error(post.err) and "GET" in post.err
    assert lab.emu.requests == [r for r in lab.emu.requests if not r.path.startswith(("/oauth/user", "/crm/v8/coql"))]


# ----- 401 and 429 ------------------------------------------------------------------------------
def test_an_expired_token_is_refreshed_once_and_the_call_retried(lab: Lab) -> None:
    lab.emu.expire_access_tokens()  # Zoho-side: the local expiry still looks fine
    result = lab.cli("api", "desk", "/api/v1/tickets")
    assert result.code == 0, result.err
    assert len(lab.emu.token_requests("refresh_token")) == 1
    assert [r.headers["authorization"] for r in lab.emu.requests_to("/api/v1/tickets")][-1] \
        == f"Zoho-oauthtoken {token_of(lab, 'desk')}"


def test_a_token_zoho_keeps_refusing_is_retried_only_once(lab: Lab) -> None:
    lab.emu.expire_access_tokens()
    lab.emu.access_token_lifetime = -1  # every refreshed token is dead on arrival
    result = lab.cli("api", "desk", "/api/v1/tickets")
    assert result.code == 1 and one_line_error(result.err) and "HTTP 401" in result.err
    assert len(lab.emu.token_requests("refresh_token")) == 1
    assert len(lab.emu.requests_to("/api/v1/tickets")) == 2


def test_a_scope_error_is_not_refreshed(lab: Lab) -> None:
    lab.emu.enforce_scopes = True
    result = lab.cli("api", "desk", "/crm/v8/Leads")  # a Desk token has no CRM scope: OAUTH_SCOPE_MISMATCH
    assert result.code == 1 and "OAUTH_SCOPE_MISMATCH" in result.err
    assert lab.emu.token_requests("refresh_token") == []


def test_a_dead_refresh_token_means_reauthorize(lab: Lab) -> None:
    conn = lab.store.load().get("desk")
    lab.emu.revoke_refresh_token(conn.token.refresh_token)  # also kills its access tokens
    result = lab.cli("api", "desk", "/api/v1/tickets")
    assert result.code == 3 and one_line_error(result.err) and "zconnect authorize desk" in result.err


def test_429_on_get_waits_for_retry_after(lab: Lab) -> None:
    lab.emu.products.rate_limit(count=1, retry_after="1", path_prefix="/api/v1/tickets")
    result = lab.cli("api", "desk", "/api/v1/tickets")
    assert result.code == 0, result.err
    assert len(lab.emu.requests_to("/api/v1/tickets")) == 2
    assert "rate limit" in result.err and "retrying in 1 s" in result.err


def test_429_on_post_is_reported_not_repeated(lab: Lab) -> None:
    lab.emu.products.rate_limit(count=1, retry_after="7", path_prefix="/api/v1/tickets")
    result = lab.cli("api", "desk", "-X", "POST", "/api/v1/tickets", "-f", "subject=Once")
    assert result.code == 1 and one_line_error(result.err)
    assert "rate limit" in result.err and "not retried" in result.err and "7 s" in result.err
    assert len(lab.emu.requests_to("/api/v1/tickets", "POST")) == 1 and lab.emu.products.created == []


def test_a_retry_after_longer_than_a_minute_is_not_waited(lab: Lab) -> None:
    lab.emu.products.rate_limit(count=1, retry_after="3600", path_prefix="/crm/")
    result = lab.cli("api", "crm", "/crm/v8/Leads")
    assert result.code == 1 and "3600 s" in result.err
    assert len(lab.emu.requests_to("/crm/v8/Leads")) == 1


# ----- where the token may go -------------------------------------------------------------------
def test_a_full_url_on_a_foreign_host_is_refused_before_anything_is_sent(lab: Lab) -> None:
    with ZohoEmulator() as foreign:
        for url in (f"{foreign.url}/api/v1/tickets",
                    f"http://127.0.0.1:{lab.emu.port}@127.0.0.1:{foreign.port}/api/v1/tickets",
                    f"http://user@127.0.0.1:{lab.emu.port}/api/v1/tickets",
                    "https://desk.zoho.com/api/v1/tickets",
                    f"{lab.emu.url}\\@127.0.0.1:{foreign.port}/api/v1/tickets"):
            result = lab.cli("api", "desk", url)
            assert result.code == 2, url
            assert one_line_error(result.err) and "Refused" in result.err, url
        assert foreign.requests == []
    own = lab.cli("api", "desk", f"{lab.emu.url}/api/v1/tickets?limit=1")
    assert own.code == 0, own.err


# ----- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "code", "words"), [
    (("api", "nosuch", "/x"), 5, "No connection named"),
    (("api", "desk", "-X", "FETCH", "/x"), 2, "HTTP method"),
    (("api", "desk", "/x", "-H", "Authorization: Zoho-oauthtoken 1000.x"), 2, "Authorization header itself"),
    (("api", "desk", "/x", "-H", "no colon"), 2, "Name: value"),
    (("api", "desk", "/x", "-f", "novalue"), 2, "key=value"),
    (("api", "desk", "/x", "--input", "/nonexistent/body.json"), 2, "--input"),
    (("api", "desk", "/api/v1/nothing"), 1, "HTTP 404"),
])
def test_bad_input_is_one_line_with_the_right_exit_code(lab: Lab, args: tuple[str, ...], code: int,
                                                        words: str) -> None:
    result = lab.cli(*args)
    assert result.code == code, result.err
    assert one_line_error(result.err) and words in result.err


def test_network_down_and_5xx_exit_4(lab: Lab) -> None:
    lab.emu.queue_fault("503", count=3, path_prefix="/api/v1/tickets")
    result = lab.cli("api", "desk", "/api/v1/tickets")
    assert result.code == 4 and one_line_error(result.err) and "HTTP 503" in result.err
    assert len(lab.emu.requests_to("/api/v1/tickets")) == 3  # a GET is retried twice with backoff
    lab.emu.queue_fault("503", count=1, path_prefix="/api/v1/tickets")
    post = lab.cli("api", "desk", "-X", "POST", "/api/v1/tickets", "-f", "subject=x")
    assert post.code == 4 and len(lab.emu.requests_to("/api/v1/tickets", "POST")) == 1  # never repeated
    lab.emu.stop()
    down = lab.cli("api", "desk", "/api/v1/tickets")
    assert down.code == 4 and one_line_error(down.err) and "Cannot connect" in down.err
