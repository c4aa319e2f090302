"""Blind spots that seeding bugs found (#18 item 8): each test here failed with its bug seeded.

- a tampered `[connections.X.token] issued_by` gets nothing: refresh, revoke, `token` and the revoke
  of the refresh token a new authorization replaces go only where the trust rule allows;
- Zoho's own data centres are polled at most every 30 s in the device flow, whatever `interval` says;
- the first outcome of a consent flow wins: a paste after the callback (or the reverse) never replaces it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from reliability.lab import Lab, free_port, one_line_error

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.device import ZOHO_MIN_POLL, DeviceFlow
from zconnect_tui.errors import AccessDenied
from zconnect_tui.flow import AuthorizationFlow
from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.model import Connection, redirect_uri_for


# ----- a tampered issued_by ------------------------------------------------------------------------
def tamper_issued_by(lab: Lab, value: str) -> None:
    """Write `issued_by = value` into desk's token table, as an attacker with write access would."""
    text = lab.config.read_text()
    head = "[connections.desk.token]\n"
    assert head in text and "issued_by" not in text
    lab.config.write_text(text.replace(head, f'{head}issued_by = "{value}"\n'))


def trap_urls(trap: ZohoEmulator, lab: Lab) -> list[str]:
    """The attacker's host as the file could name it: plainly, with another case and a slash, and with
    the trusted server's address as userinfo (a prefix match would take it for the lab's)."""
    lab_host = lab.emu.url.removeprefix("http://")
    return [trap.url, trap.url.upper() + "/", trap.url.replace("http://", f"http://{lab_host}@")]


@pytest.mark.parametrize("spelling", [0, 1, 2])
@pytest.mark.parametrize("command", ["token", "refresh", "revoke"])
def test_a_tampered_issued_by_gets_no_refresh_token(tmp_path: Path, command: str, spelling: int) -> None:
    """The refresh and the revoke go to the issuer the trust rule allows, never to the file's raw
    `issued_by`: one the rule does not allow is refused, and neither host hears of it."""
    with Lab(tmp_path) as lab, ZohoEmulator() as trap:
        lab.add("desk", expired=command != "revoke")  # `token`: expired, so it must refresh
        tamper_issued_by(lab, trap_urls(trap, lab)[spelling])
        before, seen = lab.config.read_bytes(), len(lab.emu.requests)
        result = lab.cli(command, "desk")
        assert result.code == 1 and one_line_error(result.err), result.err
        assert "is not trusted" in result.err and "refused" in result.err
        assert trap.requests == []  # neither the refresh token nor the client secret went there
        assert len(lab.emu.requests) == seen and lab.config.read_bytes() == before


def test_a_new_authorization_revokes_the_old_token_only_where_the_rule_allows(tmp_path: Path) -> None:
    """Re-authorizing revokes the refresh token it replaces at the server that issued it: a tampered
    `issued_by` is not that server, so the old token is not sent anywhere (the new one still lands)."""
    with Lab(tmp_path) as lab, ZohoEmulator() as trap:
        old = lab.add("desk").token.refresh_token
        tamper_issued_by(lab, trap.url)
        result = lab.cli("authorize", "desk", "--timeout", "30", env=lab.browser_env())
        assert result.code == 0, result.err
        assert trap.requests == []
        assert not [r for r in lab.emu.requests if r.path.endswith("/revoke") and r.params.get("token") == old]
        assert lab.store.load().get("desk").token.issued_by == lab.emu.url


def test_a_trusted_issued_by_spelled_differently_refreshes_at_the_trusted_server(tmp_path: Path) -> None:
    """`HTTP://…/` names the lab's own server: the refresh goes there, to the data centre's own URL."""
    with Lab(tmp_path) as lab, ZohoEmulator() as trap:
        lab.add("desk", expired=True)
        tamper_issued_by(lab, lab.emu.url.upper() + "/")
        result = lab.cli("refresh", "desk")
        assert result.code == 0, result.err
        assert len(lab.emu.token_requests("refresh_token")) == 1 and trap.requests == []
        assert lab.store.load().get("desk").token.issued_by == lab.emu.url


# ----- the device flow's pace at Zoho --------------------------------------------------------------
class FakeClock:
    """A monotonic clock that moves only when the flow waits (instantly)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:  # stands in for the flow's cancel Event
        assert seconds > 0
        self.now += seconds
        return False

    def set(self) -> None:
        raise AssertionError("not cancelled here")


class FakeZoho:
    """Zoho's device endpoints as the flow sees them: announces `interval: 5`, then answers each poll."""

    def __init__(self, clock: FakeClock, answers: list[dict[str, Any]]) -> None:
        self.clock, self.answers = clock, answers
        self.polls: list[tuple[float, str]] = []

    def post_form(self, url: str, form: dict[str, str], *, repeat_safe: bool) -> tuple[int, dict[str, Any]]:
        if form["grant_type"] == "device_request":
            return 200, {"user_code": "ABCD-1234", "device_code": "1004.device.code", "interval": 5,
                         "verification_url": "https://accounts.zoho.eu/device", "expires_in": 900}
        self.polls.append((self.clock(), url))
        return (200, self.answers.pop(0))


def test_zohos_own_data_centres_are_polled_at_most_every_30_seconds_whatever_interval_says() -> None:
    clock = FakeClock()
    pending = {"error": "authorization_pending"}
    zoho = FakeZoho(clock, [pending, pending, {"error": "slow_down"}, pending,
                            {"access_token": "1000.a.b", "refresh_token": "1000.r.s", "expires_in": 3600}])
    conn = Connection("dev", "desk", "eu", "1004.DEVICE", ["Desk.basic.READ"], client_secret="s",
                      client_type="non-browser")
    flow = DeviceFlow(conn, DataCenters(), clock=clock)
    flow._cancel = clock  # type: ignore[assignment]  # its waits move the fake clock
    code = flow.start(zoho)  # type: ignore[arg-type]
    assert code.interval == 5  # what Zoho announced
    started = clock()
    result = flow.poll(zoho)  # type: ignore[arg-type]
    assert result.tokens.access_token == "1000.a.b" and result.dc.key == "eu"
    times = [started] + [at for at, _ in zoho.polls]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert [url for _, url in zoho.polls] == ["https://accounts.zoho.eu/oauth/v3/device/token"] * 5
    assert min(gaps) >= ZOHO_MIN_POLL == 30, gaps  # never the announced 5 s
    assert gaps[3] >= 2 * ZOHO_MIN_POLL and gaps[4] >= 2 * ZOHO_MIN_POLL  # slow_down doubled it, for good


# ----- the first outcome of a consent flow wins ----------------------------------------------------
@pytest.fixture
def flow() -> Iterator[AuthorizationFlow]:
    port = free_port()
    conn = Connection("desk", "desk", "us", "1000.CLIENT", ["Desk.basic.READ"], client_secret="s",
                      redirect_uri=redirect_uri_for(port))
    attempt = AuthorizationFlow(conn, DataCenters())
    attempt.start()
    yield attempt
    attempt.close()


def callback(flow: AuthorizationFlow, **params: str) -> httpx.Response:
    """The browser's redirect to the flow's listener, through a real socket."""
    return httpx.get(f"{flow.conn.redirect_uri}", params={"state": flow.state, **params}, trust_env=False)


def test_a_paste_after_the_callback_never_replaces_it(flow: AuthorizationFlow) -> None:
    answer = callback(flow, code="1000.fromthe.callback")
    assert answer.status_code == 200
    flow.submit_paste("1000.pasted.later")  # a valid code, but too late
    flow.submit_paste(f"{flow.conn.redirect_uri}?code=1000.pasted.url&state={flow.state}")
    result = flow.wait(1)
    assert (result.code, result.via) == ("1000.fromthe.callback", "listener")
    assert flow.wait(1).code == "1000.fromthe.callback"  # asked again: still the first


def test_a_callback_after_a_paste_never_replaces_it(flow: AuthorizationFlow) -> None:
    flow.submit_paste("1000.pasted.first")
    answer = callback(flow, code="1000.fromthe.callback")
    assert answer.status_code == 409 and "Already done" in answer.text
    denied = callback(flow, error="access_denied")
    assert denied.status_code == 409
    result = flow.wait(1)
    assert (result.code, result.via) == ("1000.pasted.first", "paste")


def test_a_denial_first_stays_the_outcome(flow: AuthorizationFlow) -> None:
    assert callback(flow, error="access_denied").status_code == 200
    flow.submit_paste("1000.pasted.later")
    with pytest.raises(AccessDenied):
        flow.wait(1)
