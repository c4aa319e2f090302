"""Issue #8 item 1: a local user who reads the consent URL from a browser's argv must not get the client
secret or a refresh token by forging the callback; refresh tokens are revoked only where they were issued."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from pytest_httpx import HTTPXMock
from reliability.lab import PYTHON, TESTS, Lab, free_port, one_line_error
from waiting import wait_for

from zconnect_tui.listener import CallbackResult
from zconnect_tui.manager import Manager
from zconnect_tui.model import AUTHORIZED, Connection, now_utc
from zconnect_tui.store import Store
from zconnect_tui.stores.base import ConnectionStore

OnKind = Callable[[Store], ConnectionStore]


def test_forged_callback_from_another_process_gets_nothing(tmp_path: Path) -> None:
    """The attack as issue #8 reproduced it, run by a second process, against the start link.

    The victim's file still names a user-defined data centre on loopback whose server is gone (an old
    emulator); another local user takes its port and reads the browser's argv. Before, that held the
    consent URL with its `state`, and the forged callback ended the flow (and with a trusting victim got
    the secret). Now it holds a one-time start link: the attacker takes it before the browser does, gets
    the consent URL, consents with its own account, and lets the browser arrive; the browser is told the
    link was used, the attempt stops, and neither its own code nor a made-up one with its own
    accounts server is accepted.
    """
    with Lab(tmp_path) as lab:
        victim_conn = lab.add("desk")  # authorized: a live refresh token is at stake
        trap = free_port()
        lab.config.write_text(lab.config.read_text() + f'\n[data_centers.old]\naccounts = "http://127.0.0.1:{trap}"\n'
                                                       f'api = "http://127.0.0.1:{trap}"\n')
        before, exchanges = lab.config.read_bytes(), len(lab.emu.token_requests("authorization_code"))
        out, stop, taken, go = (tmp_path / name for name in ("attacker.json", "stop", "taken", "go"))
        attacker = subprocess.Popen([PYTHON, str(TESTS / "forger.py"), str(trap), str(out), str(stop), str(taken),
                                     str(go)])
        log = tmp_path / "browser.log"
        try:
            browser = {"BROWSER": f"{PYTHON} {TESTS / 'argv_browser.py'} %s", "ARGV_BROWSER_STOP": str(taken),
                       "ARGV_BROWSER_OPEN": "1", "FAKE_BROWSER_LOG": str(log)}
            victim = subprocess.Popen([PYTHON, "-m", "zconnect_tui", "authorize", "desk", "--timeout", "60"],
                                      env=lab.env(**browser), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
            out_text, err = victim.communicate(timeout=60)
            go.touch()
            wait_for(lambda: (tmp_path / "attacker.json.sent").exists(), 60, "the forged callbacks")
        finally:
            stop.touch()
            go.touch()
            attacker.wait(30)
        report = json.loads(out.read_text())
        # What argv showed: a link on the listener, without state, challenge or client id.
        assert report["argv"] and "/start/" in report["argv"] and "state" not in report["argv"]
        assert "code_challenge" not in report["argv"] and victim_conn.client_id not in report["argv"]
        assert report["took"] == 302 and "state=" in report["consent_url"]  # the attacker won the race
        # The user's browser: a page that says what happened.
        final = [line for line in log.read_text().splitlines() if line.startswith("FINAL")]
        assert final and final[0].startswith("FINAL 409") and "already used" in final[0]
        # The victim: one clear line, exit 1; nothing exchanged, nothing stored, nothing revoked.
        assert victim.returncode == 1 and one_line_error(err) and "opened twice" in err, err
        assert report["consent_url"] in out_text  # the consent URL is still printed for a manual copy
        calls = report["callbacks"]
        assert len(calls) == 2 and "1000.forged.code" in calls[1][0] and all(status != 200 for _, status in calls)
        assert report["received"] == []  # no code, client secret, PKCE verifier or refresh token reached it
        assert lab.config.read_bytes() == before  # the victim's tokens are unchanged
        assert victim_conn.token.refresh_token in lab.emu.live_refresh_tokens  # and still live at Zoho
        assert len(lab.emu.token_requests("authorization_code")) == exchanges  # its own code never exchanged


def _eu_user_connection(store: Store) -> Connection:
    """A connection registered in `us` whose user lives in the EU (Zoho sent them to accounts.zoho.eu)."""
    conn = Connection(name="desk", service="desk", dc="us", client_id="1000.A", scopes=["Desk.basic.READ"],
                      client_secret="s3cr3t", redirect_uri="http://127.0.0.1:9646/callback", status=AUTHORIZED,
                      accounts_server="https://accounts.zoho.eu", location="eu")
    conn.token.access_token, conn.token.refresh_token = "1000.old.access", "1000.old.refresh"
    conn.token.expires_at, conn.token.issued_by = now_utc() - timedelta(hours=1), "https://accounts.zoho.eu"
    store.save_connection(conn)
    return conn


def test_refresh_and_revoke_go_only_to_the_issuer(tmp_path: Path, httpx_mock: HTTPXMock, on_kind: OnKind) -> None:
    store = Store(tmp_path / "c.toml")
    _eu_user_connection(store)
    httpx_mock.add_response(url="https://accounts.zoho.eu/oauth/v2/token",
                            json={"access_token": "1000.new.access", "expires_in": 3600,
                                  "api_domain": "https://www.zohoapis.eu"})
    httpx_mock.add_response(url="https://accounts.zoho.eu/oauth/v2/token/revoke", json={"status": "success"})
    manager = Manager(on_kind(store))
    conn = manager.refresh("desk")
    assert conn.token.issued_by == "https://accounts.zoho.eu" and conn.api_domain == "https://www.zohoapis.eu"
    assert manager.revoke("desk") is True
    assert [str(r.url) for r in httpx_mock.get_requests()] == ["https://accounts.zoho.eu/oauth/v2/token",
                                                              "https://accounts.zoho.eu/oauth/v2/token/revoke"]


def test_reauthorization_revokes_the_old_refresh_token_where_it_was_issued(tmp_path: Path,
                                                                           httpx_mock: HTTPXMock,
                                                                           on_kind: OnKind) -> None:
    """The replaced refresh token goes back to its own issuer, never to the new callback's server."""
    store = Store(tmp_path / "c.toml")
    _eu_user_connection(store)
    manager = Manager(on_kind(store))
    flow = manager.begin_authorization("desk")
    httpx_mock.add_response(url="https://accounts.zoho.com/oauth/v2/token",
                            json={"access_token": "1000.new.access", "refresh_token": "1000.new.refresh",
                                  "expires_in": 3600, "api_domain": "https://evil.example"})
    httpx_mock.add_response(url="https://accounts.zoho.eu/oauth/v2/token/revoke", json={"status": "success"})
    conn = manager.complete_authorization(flow, CallbackResult(code="1000.c.d",
                                                               accounts_server="https://accounts.zoho.com"))
    revoke = httpx_mock.get_requests()[-1]
    assert str(revoke.url) == "https://accounts.zoho.eu/oauth/v2/token/revoke"
    assert revoke.content == b"token=1000.old.refresh"
    assert conn.token.issued_by == conn.accounts_server == "https://accounts.zoho.com" and conn.location == "us"
    # Zoho's answer named an API domain that is not Zoho's: the tokens are kept, the domain is not.
    assert conn.token.refresh_token == "1000.new.refresh" and conn.api_domain == ""
    assert "Ignored the API domain 'https://evil.example'" in conn.last_error
