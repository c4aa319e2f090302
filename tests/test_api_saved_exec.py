"""Saved APIs (`--save`, `@KEY`, `apis`, the connector export), `zconnect exec`, and what a terminal sees."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime, timedelta

from api_lab import DESK_ORG, run_on_tty
from reliability.hygiene import find_secrets
from reliability.lab import CLIENT_SECRET, Lab, one_line_error

ANSI = re.compile(r"\x1b\[[0-9;]*m")


# ----- saved APIs -------------------------------------------------------------------------------
def test_save_run_list_export_and_delete_a_saved_api(lab: Lab) -> None:
    saved = lab.cli("api", "desk", "/api/v1/tickets/{id}", "-f", "include=contacts", "-H", "X-Note: {why}",
                    "--save", "ticket")
    assert saved.code == 0, saved.err
    assert "Saved @ticket on desk" in saved.out and "-p id=… -p why=…" in saved.out
    assert lab.emu.requests_to("/api/v1/tickets/7000000004") == []  # saving sends nothing

    ran = lab.cli("api", "desk", "@ticket", "-p", "id=7000000004", "-p", "why=audit")
    assert ran.code == 0, ran.err
    assert json.loads(ran.out)["ticketNumber"] == "105"
    sent = lab.emu.requests_to("/api/v1/tickets/7000000004")[-1]
    assert sent.query == {"include": "contacts"} and sent.headers["x-note"] == "audit"
    assert sent.headers["orgid"] == DESK_ORG

    listed = lab.cli("apis", "desk")
    assert listed.code == 0
    assert re.search(r"@ticket\s+GET\s+/api/v1/tickets/\{id\}\s+include=contacts\s+-p id -p why", listed.out)
    rows = json.loads(lab.cli("apis", "desk", "--json").out)
    assert rows[0]["url"] == f"{lab.emu.url}/api/v1/tickets/{{id}}?include=contacts"
    assert rows[0]["placeholders"] == ["id", "why"]

    exported = lab.cli("export", "desk", "--format", "connector")
    line = next(x for x in exported.out.splitlines() if x.startswith("API @ticket"))
    assert f"GET {lab.emu.url}/api/v1/tickets/{{id}}?include=contacts" in line and f"[orgId: {DESK_ORG}]" in line

    assert lab.cli("refresh", "desk").code == 0  # a rewrite of the connection keeps its saved APIs
    assert "ticket" in lab.store.load().get("desk").apis
    assert lab.cli("apis", "desk", "--delete", "ticket").code == 0
    assert "no saved APIs yet" in lab.cli("apis", "desk").out


def test_saved_api_overrides_and_placeholder_errors(lab: Lab) -> None:
    assert lab.cli("api", "desk", "/api/v1/tickets", "-f", "limit=50", "-f", "status=Open", "--save", "open").code == 0
    # Command-line fields override the saved ones; the others stay.
    assert lab.cli("api", "desk", "@open", "-f", "limit=2").code == 0
    assert lab.emu.requests_to("/api/v1/tickets")[-1].query == {"limit": "2", "status": "Open"}
    missing = lab.cli("api", "desk", "@nope")
    assert missing.code == 2 and one_line_error(missing.err) and "@open" in missing.err
    assert lab.cli("api", "desk", "/api/v1/tickets/{id}", "--save", "one").code == 0
    unfilled = lab.cli("api", "desk", "@one")
    assert unfilled.code == 2 and one_line_error(unfilled.err) and "-p id=" in unfilled.err
    extra = lab.cli("api", "desk", "@one", "-p", "id=1", "-p", "idd=2")
    assert extra.code == 2 and one_line_error(extra.err) and "{idd}" in extra.err
    bad_key = lab.cli("api", "desk", "/x", "--save", "no spaces")
    assert bad_key.code == 2 and one_line_error(bad_key.err)


def test_placeholder_values_stay_inside_their_path_segment(lab: Lab) -> None:
    assert lab.cli("api", "desk", "/api/v1/tickets/{id}", "--save", "one").code == 0
    result = lab.cli("api", "desk", "@one", "-p", "id=../contacts")
    assert result.code == 1  # /api/v1/tickets/..%2Fcontacts: not the contacts list
    assert lab.emu.requests_to("/api/v1/contacts") == []


def test_a_hand_broken_saved_api_is_a_config_error_and_the_file_is_kept(lab: Lab) -> None:
    text = lab.config.read_text() + '\n[connections.desk.apis.bad]\nmethod = "FETCH"\npath = "/x"\n'
    lab.config.write_text(text)
    result = lab.cli("apis", "desk")
    assert result.code == 1 and one_line_error(result.err) and "connections.desk.apis.bad" in result.err
    assert lab.config.read_text() == text


# ----- exec -------------------------------------------------------------------------------------
PRINT_ENV = ("import json, os, sys; print(json.dumps({k: os.environ.get(k) for k in "
             "('ZOHO_ACCESS_TOKEN', 'ZOHO_API_BASE', 'ZOHO_ORG_ID', 'ZOHO_CONNECTION')})); sys.exit(7)")


def test_exec_passes_a_fresh_token_base_and_org_and_returns_the_exit_code(lab: Lab) -> None:
    old = lab.store.load().get("desk").token.access_token
    lab.store.update("desk", lambda c: setattr(c.token, "expires_at", datetime.now(UTC) + timedelta(minutes=2)))
    result = lab.cli("exec", "desk", "--", sys.executable, "-c", PRINT_ENV)
    assert result.code == 7, result.err
    env = json.loads(result.out)
    fresh = lab.store.load().get("desk").token.access_token
    assert fresh != old and env["ZOHO_ACCESS_TOKEN"] == fresh  # under 5 minutes left: refreshed first
    assert fresh in lab.emu.live_access_tokens
    assert env == {"ZOHO_ACCESS_TOKEN": fresh, "ZOHO_API_BASE": lab.emu.url, "ZOHO_ORG_ID": DESK_ORG,
                   "ZOHO_CONNECTION": "desk"}
    crm = json.loads(lab.cli("exec", "crm", sys.executable, "-c", PRINT_ENV).out)  # `--` is optional
    assert crm["ZOHO_ORG_ID"] == "" and crm["ZOHO_API_BASE"] == lab.emu.url  # set, empty: `set -u` safe


def test_exec_errors_are_one_line(lab: Lab) -> None:
    missing = lab.cli("exec", "desk", "--", "no-such-command-zconnect")
    assert missing.code == 127 and one_line_error(missing.err) and "command not found" in missing.err
    empty = lab.cli("exec", "desk")
    assert empty.code == 2 and one_line_error(empty.err)
    lab.store.update("desk", lambda c: setattr(c, "status", "needs_reauth"))
    reauth = lab.cli("exec", "desk", "--", "true")
    assert reauth.code == 3 and one_line_error(reauth.err) and "zconnect authorize desk" in reauth.err


# ----- on a terminal ----------------------------------------------------------------------------
def test_on_a_terminal_json_is_pretty_coloured_and_cannot_steer_the_terminal(lab: Lab) -> None:
    lab.emu.products.subject = lambda i: "evil \x1b]0;owned\x07 \x9b31m \u202e txt \u00e9"
    code, screen, err = run_on_tty(lab, "api", "desk", "/api/v1/tickets", "-f", "limit=1")
    assert code == 0, err
    assert "\x1b[1;34m" in screen and "\x1b[32m" in screen  # keys and strings coloured
    plain = ANSI.sub("", screen)
    assert plain.startswith('{\n  "data": [\n')  # indented
    assert "\x07" not in screen and "\x9b" not in screen and "\u202e" not in screen and "\x1b]" not in screen
    assert "\\u001b]0;owned\\u0007 \\u009b31m \\u202e txt é" in plain  # shown as escapes; é kept


def test_on_a_terminal_other_text_is_made_safe_and_paginated_pages_are_each_pretty(lab: Lab) -> None:
    lab.emu.queue_fault("html200", path_prefix="/api/v1/tickets")
    code, screen, _ = run_on_tty(lab, "api", "desk", "/api/v1/tickets")
    assert code == 0 and "<h1>Oops!</h1>" in screen
    lab.emu.products.counts["tickets"] = 3
    code, screen, err = run_on_tty(lab, "api", "desk", "/api/v1/tickets", "--paginate", "-f", "limit=2")
    assert code == 0, err
    assert ANSI.sub("", screen).count('"data": [') == 2


def test_api_apis_and_exec_show_no_secret(lab: Lab) -> None:
    conn = lab.store.load().get("desk")
    secrets = {"client secret": CLIENT_SECRET, "access token": conn.token.access_token,
               "refresh token": conn.token.refresh_token}
    lab.cli("api", "desk", "/api/v1/tickets", "--save", "all")
    runs = [lab.cli("api", "desk", "/api/v1/tickets", "-i"), lab.cli("api", "desk", "@all", "--paginate", "-i"),
            lab.cli("apis", "desk"), lab.cli("apis", "desk", "--json"), lab.cli("export", "desk"),
            lab.cli("api", "desk", "https://elsewhere.example/x"), lab.cli("exec", "desk", "--", "true")]
    lab.emu.expire_access_tokens()
    runs.append(lab.cli("api", "desk", "/api/v1/tickets", "-i"))  # after a refresh-and-retry
    secrets["new access token"] = lab.store.load().get("desk").token.access_token
    for run in runs:
        assert not find_secrets(run.out + run.err, secrets), run.label
