"""Trust boundaries: a spoofed accounts server, plain http off loopback, a redirect-URI mismatch, a replayed code."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from reliability.lab import CLIENT_SECRET, Lab, free_port, one_line_error

from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.model import redirect_uri_for


@pytest.mark.parametrize("spoof", ["trap", "https://accounts.zoho.evil.example"])
def test_spoofed_accounts_server_is_refused_and_never_contacted(tmp_path: Path, spoof: str) -> None:
    with Lab(tmp_path) as lab, ZohoEmulator() as trap:
        lab.add("desk", authorized=False)
        before = lab.config.read_bytes()
        lab.emu.spoof_accounts_server = trap.url if spoof == "trap" else spoof
        result = lab.cli("authorize", "desk", "--timeout", "30", env=lab.browser_env())
        assert result.code == 1 and one_line_error(result.err)
        assert "is not trusted" in result.err and "refused" in result.err
        assert trap.requests == []  # neither the code nor the client secret went there
        assert lab.emu.token_requests() == []  # and nothing was exchanged at all
        assert lab.config.read_bytes() == before


@pytest.mark.parametrize("url", ["http://accounts.zoho.com", "http://127.0.0.1.evil.example",
                                 "http://localhost.evil.example:9000", "http://user@127.0.0.1@evil.example",
                                 "http://evil.example#@127.0.0.1", "http://0.0.0.0:9000", "ftp://127.0.0.1"])
def test_plain_http_data_centre_off_loopback_is_a_config_error(tmp_path: Path, url: str) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk")
        text = lab.config.read_text()
        lab.config.write_text(text + f'\n[data_centers.evil]\naccounts = "{url}"\napi = "https://x.example"\n')
        before = lab.config.read_bytes()
        for args in (("list",), ("refresh", "desk"), ("token", "desk")):
            result = lab.cli(*args)
            if args[0] == "token" and result.code == 0:
                continue  # the fast path only reads the cached token: nothing is sent anywhere
            assert result.code == 1, (args, result.err)
            assert one_line_error(result.err) and "data_centers.evil.accounts" in result.err
        assert lab.config.read_bytes() == before
        assert lab.emu.token_requests("refresh_token") == []


def test_loopback_http_data_centre_is_allowed(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:  # the lab itself is http://127.0.0.1:PORT
        lab.add("desk", expired=True)
        assert lab.cli("refresh", "desk").code == 0


def test_redirect_uri_mismatch_is_refused_by_zoho_and_the_user_is_told(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", authorized=False, client_id="1000.MISMATCH")
        # The API Console has another URI registered than the connection's.
        lab.emu.register_client("1000.MISMATCH", CLIENT_SECRET, [redirect_uri_for(free_port())])
        before = lab.config.read_bytes()
        result = lab.cli("authorize", "desk", "--timeout", "3", env=lab.browser_env())
        assert result.code == 1 and one_line_error(result.err)
        assert "Nothing arrived" in result.err
        assert "Invalid Redirect Uri" in (lab.dir / "browser.log").read_text()
        assert lab.emu.token_requests() == []
        assert lab.config.read_bytes() == before


def test_code_issued_for_another_redirect_uri_is_refused_at_exchange(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        conn = lab.add("desk", authorized=False)
        other = redirect_uri_for(free_port())
        lab.register_redirect(other, conn.client_id)
        answer = httpx.get(f"{lab.emu.url}/oauth/v2/auth?" + urlencode({
            "response_type": "code", "client_id": conn.client_id, "scope": "Desk.basic.READ",
            "redirect_uri": other, "access_type": "offline"}), follow_redirects=False, trust_env=False)
        code = httpx.URL(answer.headers["location"]).params["code"]
        before = lab.config.read_bytes()
        result = lab.cli("authorize", "desk", "--no-browser", "--timeout", "10", stdin=code + "\n")
        assert result.code == 1 and one_line_error(result.err)
        assert "invalid_redirect_uri" in result.err and conn.redirect_uri in result.err
        assert lab.config.read_bytes() == before


def test_replayed_code_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", authorized=False)
        first = lab.cli("authorize", "desk", "--timeout", "30", env=lab.browser_env())
        assert first.code == 0, first.err
        log = (lab.dir / "browser.log").read_text()
        callback = [line.split(" ", 1)[1] for line in log.splitlines() if "/callback?" in line][-1]
        used_code = httpx.URL(callback).params["code"]
        before = lab.config.read_bytes()
        replay = lab.cli("authorize", "desk", "--no-browser", "--timeout", "10", stdin=used_code + "\n")
        assert replay.code == 1 and one_line_error(replay.err) and "invalid_code" in replay.err
        assert lab.config.read_bytes() == before
        # The whole redirect URL again: its state belongs to the finished attempt, so it is not even sent.
        again = lab.cli("authorize", "desk", "--no-browser", "--timeout", "2", stdin=callback + "\n")
        assert again.code == 1 and "state mismatch" in again.err and "Traceback" not in again.err
        assert len(lab.emu.token_requests("authorization_code")) == 2  # the first and the replayed code only
        assert lab.config.read_bytes() == before
        assert lab.cli("token", "desk").code == 0  # the connection still works


def test_intercepted_code_fails_without_the_attempts_pkce_verifier(tmp_path: Path) -> None:
    """A code stolen from one attempt (not yet used) cannot be redeemed by another attempt."""
    with Lab(tmp_path) as lab:
        conn = lab.add("desk", authorized=False)
        answer = httpx.get(f"{lab.emu.url}/oauth/v2/auth?" + urlencode({
            "response_type": "code", "client_id": conn.client_id, "scope": "Desk.basic.READ",
            "redirect_uri": conn.redirect_uri, "access_type": "offline", "state": "s",
            "code_challenge": "A" * 43, "code_challenge_method": "S256"}), follow_redirects=False, trust_env=False)
        code = httpx.URL(answer.headers["location"]).params["code"]
        before = lab.config.read_bytes()
        result = lab.cli("authorize", "desk", "--no-browser", "--timeout", "10", stdin=code + "\n")
        assert result.code == 1 and one_line_error(result.err) and "PKCE" in result.err
        assert lab.config.read_bytes() == before



@pytest.mark.parametrize("command", ["token", "refresh", "revoke", "test", "export"])
def test_tampered_stored_accounts_server_gets_no_refresh_token(tmp_path: Path, command: str) -> None:
    """A hand-edited (or tampered) file must not send the refresh token (or, for `test`, the access token)
    to a server the trust rule does not allow, nor hand it to scripts as `export`'s ZOHO_ACCOUNTS_URL."""
    with Lab(tmp_path) as lab, ZohoEmulator() as trap:
        lab.add("desk", expired=command not in ("test", "export"))  # test: the verification call itself
        text = lab.config.read_text()
        assert f'accounts_server = "{lab.emu.url}"' in text
        lab.config.write_text(text.replace(f'accounts_server = "{lab.emu.url}"', f'accounts_server = "{trap.url}"'))
        before, seen = lab.config.read_bytes(), len(lab.emu.requests)
        result = lab.cli(command, "desk", *(("--format", "env") if command == "export" else ()))
        assert result.code == 1 and one_line_error(result.err), result.err
        assert trap.url not in result.out
        assert "is not trusted" in result.err
        assert trap.requests == []  # neither the refresh token nor the client secret went there
        assert len(lab.emu.requests) == seen and lab.config.read_bytes() == before
