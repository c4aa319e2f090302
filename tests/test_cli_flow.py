"""End to end through the real CLI, the real listener and the emulator over real sockets.

add → authorize → list/show/test → token (fresh, then after expiry) → revoke → remove, and
each way the consent flow can go wrong.
"""

from __future__ import annotations

import json
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from conftest import CLIENT_ID, CLIENT_SECRET, DC, free_port, run_cli

from zconnect_tui.store import Store


def authorize(*extra: str, stdin: str = "", timeout: str = "20"):
    return run_cli("authorize", "desk", "--timeout", timeout, *extra, stdin=stdin)


def expire_token(path: Path, name: str = "desk") -> None:
    """Make the stored access token look expired (as if an hour had passed)."""
    store = Store(path)

    def change(conn):
        conn.token.expires_at = datetime.now(UTC) - timedelta(minutes=1)

    store.update(name, change)


def test_full_lifecycle(emulator, config_path, desk, browser):
    result = authorize()
    assert result.code == 0, result.err
    assert "desk is authorized" in result.out
    assert "Difference Works" in result.out  # the org Zoho marks isDefault was picked
    # The browser saw the success page, which echoes no code.
    visits = browser.visits()
    assert "zconnect is connected" in visits
    conn = Store(config_path).load().get("desk")
    assert conn.token.refresh_token and conn.token.access_token
    assert conn.token.access_token not in visits and "code=" not in visits.split("zconnect is connected")[-1]
    assert conn.org_name == "Difference Works" and conn.location == DC

    listing = run_cli("list")
    assert listing.code == 0 and "desk" in listing.out
    assert "valid 59m" in listing.out or "valid 1h00m" in listing.out
    rows = json.loads(run_cli("list", "--json").out)
    assert rows[0]["state"] == "valid" and rows[0]["org_name"] == "Difference Works"

    shown = run_cli("show", "desk")
    assert CLIENT_SECRET not in shown.out and conn.token.access_token not in shown.out
    assert "1000.TE" in shown.out or CLIENT_ID in shown.out
    revealed = json.loads(run_cli("show", "desk", "--json", "--reveal").out)
    assert revealed["client_secret"] == CLIENT_SECRET

    tested = run_cli("test", "desk", "--json")
    assert tested.code == 0, tested.err
    assert [o["name"] for o in json.loads(tested.out)["organizations"]] == ["Analytical Engines Ltd",
                                                                             "Difference Works"]

    first = run_cli("token", "desk")
    assert first.code == 0 and first.out.strip() == conn.token.access_token
    refreshes_before = len(emulator.token_requests("refresh_token"))
    expire_token(config_path)
    second = run_cli("token", "desk")
    assert second.code == 0, second.err
    assert second.out.strip() != conn.token.access_token
    assert len(emulator.token_requests("refresh_token")) == refreshes_before + 1
    after = Store(config_path).load().get("desk")
    assert after.token.refresh_token == conn.token.refresh_token  # a refresh keeps the refresh token
    assert after.token.access_token == second.out.strip()

    revoked = run_cli("revoke", "desk")
    assert revoked.code == 0 and "Revoked at Zoho" in revoked.out
    assert conn.token.refresh_token not in emulator.live_refresh_tokens
    gone = run_cli("token", "desk")
    assert gone.code == 3 and "authorize" in gone.err
    assert Store(config_path).load().get("desk").client_id == CLIENT_ID  # definition kept

    assert run_cli("remove", "desk").code == 2  # no tty, no --yes: refuses
    removed = run_cli("remove", "desk", "--yes")
    assert removed.code == 0
    assert run_cli("show", "desk").code == 5


def test_paste_redirect_url_without_browser(emulator, config_path, desk):
    """The SSH case: no browser; the user pastes the address the browser landed on."""
    proc = _start_authorize("--no-browser")
    url = _read_consent_url(proc)
    # What the user's browser (elsewhere) would land on; nothing listens there for it.
    redirect = httpx.get(url, follow_redirects=False).headers["location"]
    proc.stdin.write(redirect + "\n")
    proc.stdin.flush()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "desk is authorized" in out
    assert emulator.consent_url_hits >= 1


def test_paste_bare_code(emulator, config_path, desk):
    proc = _start_authorize("--no-browser")
    url = _read_consent_url(proc)
    location = httpx.get(url, follow_redirects=False).headers["location"]
    code = httpx.URL(location).params["code"]
    # A paste in pieces (a wrapped line copied from a terminal) is joined: the code below has a space in it.
    proc.stdin.write("not-a-code!!\n" + "words with spaces\n" + code[:20] + " " + code[20:] + "\n")
    proc.stdin.flush()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "does not look like" in err and "contains a space" in err  # each bad paste explained, the wait went on


def test_wrong_state_is_ignored_and_the_wait_goes_on(emulator, config_path, desk):
    proc = _start_authorize("--no-browser")
    url = _read_consent_url(proc)
    bad = httpx.get(f"http://127.0.0.1:{desk.port}/callback?code=1000.x.y&state=forged")
    assert bad.status_code == 400 and "state" in bad.text
    denied = httpx.get(f"http://127.0.0.1:{desk.port}/callback?error=access_denied&state=forged")
    assert denied.status_code == 400  # a forged denial cannot end the flow either
    location = httpx.get(url, follow_redirects=False).headers["location"]
    assert httpx.get(location).status_code == 200
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def test_access_denied(emulator, config_path, desk, browser):
    emulator.consent = "deny"
    result = authorize()
    assert result.code == 1
    assert "denied" in result.err.lower() and "Traceback" not in result.err
    assert Store(config_path).load().get("desk").token.access_token == ""


def test_invalid_client(emulator, config_path, desk, browser):
    emulator.register_client(CLIENT_ID, "another-secret", [desk.redirect_uri])
    result = authorize()
    assert result.code == 1
    assert "invalid_client" in result.err and "Multi-DC" in result.err


def test_invalid_code_expired(emulator, config_path, desk):
    proc = _start_authorize("--no-browser")
    url = _read_consent_url(proc)
    location = httpx.get(url, follow_redirects=False).headers["location"]
    emulator.expire_all_codes()
    httpx.get(location)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "invalid_code" in err and "2–3 minutes" in err


def test_invalid_code_reused(emulator, config_path, desk, browser):
    assert authorize().code == 0
    code = [r for r in emulator.token_requests("authorization_code")][-1].form["code"]
    proc = _start_authorize("--no-browser")
    _read_consent_url(proc)
    proc.stdin.write(code + "\n")
    proc.stdin.flush()
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "invalid_code" in err


def test_invalid_redirect_uri(emulator, config_path, desk):
    """Registered URI differs: Zoho shows an error page in the browser and never redirects."""
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, ["http://127.0.0.1:1/other"])
    proc = _start_authorize("--no-browser", timeout="3")
    url = _read_consent_url(proc)
    page = httpx.get(url, follow_redirects=False)
    assert "Invalid Redirect Uri" in page.text
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1 and "Nothing arrived within 3 seconds" in err


def test_spoofed_accounts_server_is_refused(emulator, config_path, desk, browser):
    emulator.spoof_accounts_server = "https://accounts.evil.example"
    result = authorize()
    assert result.code == 1 and "is not trusted" in result.err
    assert not emulator.token_requests("authorization_code")  # the code went nowhere


def test_port_in_use(emulator, config_path, desk):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", desk.port))
        sock.listen()
        result = authorize("--no-browser")
    assert result.code == 1
    assert f"Port {desk.port}" in result.err and "--port" in result.err
    # The fix the message names: another port, registered in the console.
    other = free_port()
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [desk.redirect_uri, f"http://127.0.0.1:{other}/callback"])
    moved = authorize("--port", str(other), "--no-browser", timeout="1")  # no code comes: 1 s is enough
    assert f"Redirect URI is now http://127.0.0.1:{other}/callback" in moved.out
    assert Store(config_path).load().get("desk").redirect_uri == f"http://127.0.0.1:{other}/callback"


def test_timeout_and_stdin_eof_is_not_cancel(emulator, config_path, desk):
    result = authorize("--no-browser", timeout="1")  # stdin is empty: EOF at once
    assert result.code == 1 and "within 1 seconds" in result.err


def test_self_client(emulator, config_path):
    emulator.register_client("1000.SELF", "selfsecret", [], self_client=True)
    added = run_cli("add", "mine", "--service", "crm", "--dc", DC, "--client-id", "1000.SELF", "--self-client",
                    stdin="selfsecret\n")
    assert added.code == 0, added.err
    code = emulator.issue_self_client_code("1000.SELF", ["ZohoCRM.modules.ALL", "ZohoCRM.org.READ"])
    result = run_cli("authorize", "mine", stdin=code + "\n")
    assert result.code == 0, result.err
    assert "mine is authorized" in result.out and "CRM organization" in result.out
    exchange = emulator.token_requests("authorization_code")[-1]
    assert "redirect_uri" not in exchange.form


def test_online_access_has_no_refresh_token(emulator, config_path, browser):
    port = free_port()
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{port}/callback"])
    run_cli("add", "brief", "--service", "books", "--dc", DC, "--client-id", CLIENT_ID, "--port", str(port),
            "--access-type", "online", stdin=CLIENT_SECRET)
    result = run_cli("authorize", "brief", "--timeout", "20")
    assert result.code == 0, result.err
    conn = Store(config_path).load().get("brief")
    assert conn.token.refresh_token == "" and conn.org_name
    expire_token(config_path, "brief")
    expired = run_cli("token", "brief")
    assert expired.code == 3 and "online" in expired.err


def test_reauthorize_revokes_the_replaced_refresh_token(emulator, config_path, desk, browser):
    assert authorize().code == 0
    old = Store(config_path).load().get("desk").token.refresh_token
    assert authorize().code == 0
    new = Store(config_path).load().get("desk").token.refresh_token
    assert new != old and old not in emulator.live_refresh_tokens and new in emulator.live_refresh_tokens


# ----- helpers ------------------------------------------------------------------------------------
def _start_authorize(*extra: str, timeout: str = "20"):
    import os
    import subprocess

    return subprocess.Popen(
        [sys.executable, "-m", "zconnect_tui", "authorize", "desk", "--timeout", timeout, *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))


def _read_consent_url(proc) -> str:
    for line in proc.stdout:
        if line.strip().startswith("http"):
            return line.strip()
    raise AssertionError("authorize printed no URL")


def test_several_orgs_without_a_default_asks_which(emulator, config_path, desk):
    """The guide's step 7 in the CLI: the user picks the organisation; the answer comes on stdin."""
    emulator.orgs = [{"id": "11", "companyName": "North", "isDefault": False},
                     {"id": "22", "companyName": "South", "isDefault": False}]
    emulator.consent_org = ""  # a token every organisation accepts: zconnect cannot tell, so it asks
    proc = _start_authorize("--no-browser")
    url = _read_consent_url(proc)
    redirect = httpx.get(url, follow_redirects=False).headers["location"]
    out, err = proc.communicate(redirect + "\n2\n", timeout=30)
    assert proc.returncode == 0, err
    assert "1. North (11)" in out and "Organization: South (22)" in out
    assert Store(config_path).load().get("desk").org_id == "22"


def test_no_answer_stores_no_organization(emulator, config_path, desk):
    emulator.orgs = [{"id": "11", "companyName": "North"}, {"id": "22", "companyName": "South"}]
    emulator.consent_org = ""
    proc = _start_authorize("--no-browser")
    redirect = httpx.get(_read_consent_url(proc), follow_redirects=False).headers["location"]
    out, err = proc.communicate(redirect + "\n", timeout=30)
    assert proc.returncode == 0, err
    assert "No organization was stored" in out
    assert Store(config_path).load().get("desk").org_id == ""


def test_token_output_is_exactly_the_token_and_a_newline(tmp_path: Path) -> None:
    """Scripts paste `$(zconnect token x)` into headers: no stray space, on either path."""
    from reliability.lab import Lab

    from zconnect_tui.store import Store as _Store

    with Lab(tmp_path) as lab:
        lab.add("desk", expired=True)
        refreshed = lab.cli("token", "desk")  # the refresh path (full CLI)
        stored = _Store(lab.config).load().get("desk").token.access_token
        assert refreshed.code == 0 and refreshed.out == stored + "\n" and refreshed.err == ""
        cached = lab.cli("token", "desk")  # the fast path (cached token)
        assert cached.code == 0 and cached.out == stored + "\n" and cached.err == ""
        assert len(lab.emu.token_requests("refresh_token")) == 1
