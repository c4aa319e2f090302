"""The browser is opened on a one-time start link on the listener, never on Zoho's consent URL (which
carries `state` and the PKCE challenge, and a browser's command line is readable by every local user).

The first GET of the link answers 302 to the consent URL; a second stops the attempt (no code accepted
after it); another user's socket is refused before it can take the link (Linux).
"""

from __future__ import annotations

import http.client
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import Browser, Registered
from inprocess import zconnect
from reliability.lab import one_line_error
from test_tui_support import SIZE, make_app, shows, wait_for

from zconnect_tui import listener as listener_module
from zconnect_tui.errors import StartLinkReused
from zconnect_tui.listener import CallbackListener
from zconnect_tui.loopback import socket_owner
from zconnect_tui.store import Store
from zconnect_tui.tui.authorize_panel import AuthorizePanel
from zconnect_tui.tui.consent import Phase

STATE = "S" * 22
CONSENT = "https://accounts.zoho.com/oauth/v2/auth?client_id=1000.A&state=" + STATE + "&code_challenge=C"


@pytest.fixture
def live() -> Iterator[CallbackListener]:
    listener = CallbackListener(0, STATE, consent_url=CONSENT)
    listener.start()
    yield listener
    listener.close()


def get(listener: CallbackListener, path: str, host: str | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", listener.port, timeout=10)
    conn.request("GET", path, headers={"Host": host} if host else {})
    answer = conn.getresponse()
    answer.read()
    conn.close()
    return answer


def test_the_first_get_is_sent_on_to_the_consent_page_a_second_stops_the_attempt(live: CallbackListener) -> None:
    link = live.start_link()
    assert link.startswith(f"http://127.0.0.1:{live.port}/start/") and len(link.rsplit("/", 1)[1]) >= 43
    path = urlsplit(link).path
    assert get(live, path + "x").status == 404 and get(live, "/start/").status == 404  # not a link it gave out
    assert get(live, path, host="evil.example").status == 400  # the Host rule holds here too
    assert not live.finished
    first = get(live, path)
    assert first.status == 302 and first.getheader("Location") == CONSENT
    assert first.getheader("Cache-Control") == "no-store" and first.getheader("Referrer-Policy") == "no-referrer"
    assert first.getheader("X-Frame-Options") == "DENY" and first.getheader("X-Content-Type-Options") == "nosniff"
    assert first.getheader("Content-Security-Policy") == "default-src 'none'"
    assert not live.finished  # a fresh link does not end the wait
    second = get(live, path)
    assert second.status == 409
    with pytest.raises(StartLinkReused, match="opened twice"):
        live.wait(5)
    # After that, not even a callback with the right state and a real-looking code is accepted.
    assert get(live, f"/callback?state={STATE}&code=1000.abc.def").status == 409
    assert live.stats.callbacks_accepted == 0 and live.stats.rejected["start_link_reused"] == 1


def test_each_browser_opening_gets_its_own_link(live: CallbackListener) -> None:
    """The TUI's "Open browser" again: a new link, the earlier one still works once."""
    one, two = urlsplit(live.start_link()).path, urlsplit(live.start_link()).path
    assert one != two
    assert get(live, two).status == 302 and get(live, one).status == 302
    assert not live.finished
    answer = get(live, f"/callback?state={STATE}&code=1000.abc.def")
    assert answer.status == 200 and live.wait(5).code == "1000.abc.def"


def test_another_users_socket_is_refused_and_takes_nothing(live: CallbackListener,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = urlsplit(live.start_link()).path
    monkeypatch.setattr(listener_module, "another_users", lambda peer, local: True)
    assert get(live, path).status == 403
    assert get(live, f"/callback?state={STATE}&code=1000.abc.def").status == 403
    monkeypatch.undo()
    assert not live.finished and live.stats.rejected["other_user"] == 2
    assert get(live, path).status == 302  # the link was not used up: the user's browser still gets through


def test_the_owner_of_a_loopback_socket_is_read_from_proc() -> None:
    """Linux's /proc/net/tcp names the uid of the client end (elsewhere: unknown, so let through)."""
    with socket.create_server(("127.0.0.1", 0)) as server, socket.create_connection(server.getsockname(), timeout=5):
        accepted, peer = server.accept()
        with accepted:
            mine = os.getuid() if sys.platform.startswith("linux") else None
            assert socket_owner(peer, accepted.getsockname()) == mine
            assert socket_owner(("127.0.0.1", 1), accepted.getsockname()) is None


def test_the_browser_gets_the_start_link_the_terminal_shows_zohos_url(
        desk: Registered, browser: Browser, config_path: Path) -> None:
    run = zconnect("authorize", "desk", "--timeout", "30")
    assert run.code == 0, run.err
    visits = [line.split(" ", 1)[1] for line in browser.visits().splitlines() if line.startswith("VISIT")]
    start, consent = visits[0], visits[1]
    assert urlsplit(start).path.startswith("/start/") and not urlsplit(start).query  # nothing else in argv
    assert parse_qs(urlsplit(consent).query)["state"] and consent in run.out  # printed for a manual copy
    assert urlsplit(visits[2]).path == "/callback"


def _browser_opening_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A BROWSER that opens the link twice (as when another program had it first), following nothing."""
    twice = tmp_path / "twice.py"
    twice.write_text("import sys, urllib.request\n"
                     "for _ in range(2):\n"
                     "    try:\n"
                     "        urllib.request.build_opener(type('N', (urllib.request.HTTPRedirectHandler,), "
                     "{'redirect_request': lambda *a: None})).open(sys.argv[1], timeout=10)\n"
                     "    except Exception:\n"
                     "        pass\n")
    monkeypatch.setenv("BROWSER", f"{sys.executable} {twice} %s")


def test_a_second_opening_of_the_link_is_one_line_and_exit_1(desk: Registered, config_path: Path,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _browser_opening_twice(tmp_path, monkeypatch)
    before = config_path.read_bytes()
    run = zconnect("authorize", "desk", "--timeout", "30")
    assert run.code == 1 and one_line_error(run.err), run.err
    assert "opened twice" in run.err and "Authorize again" in run.err
    assert config_path.read_bytes() == before


async def test_the_tui_says_the_link_was_used_and_offers_retry(
        authorized_desk_no_browser: Registered, config_path: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    before = Store(config_path).load().get("desk").token.refresh_token
    _browser_opening_twice(tmp_path, monkeypatch)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        panel = app.screen.query_one(AuthorizePanel)
        await wait_for(pilot, lambda: panel.error is not None, what="the attempt to stop")
        assert isinstance(panel.error, StartLinkReused) and panel.phase == Phase.FAILED
        assert await shows(pilot, "opened twice") and await shows(pilot, "Not authorized")
        assert panel.query_one("#auth-retry").display  # Retry starts a fresh attempt
    assert Store(config_path).load().get("desk").token.refresh_token == before


def test_who_counts_as_another_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused: a socket of another non-root uid. Let through: ours, root's, an unknown owner, and anyone
    when zconnect itself runs as root (sudo: the browser is the user's)."""
    from zconnect_tui import loopback

    ends = (("127.0.0.1", 50000), ("127.0.0.1", 9646))
    monkeypatch.setattr(loopback.sys, "platform", "linux")
    for me, owner, refused in ((1000, 1001, True), (1000, 1000, False), (1000, 0, False), (1000, None, False),
                               (0, 1001, False)):
        monkeypatch.setattr(loopback.os, "getuid", lambda me=me: me)
        monkeypatch.setattr(loopback, "socket_owner", lambda peer, local, owner=owner: owner)
        assert loopback.another_users(*ends) is refused, (me, owner)
    assert loopback.another_users(None, ends[1]) is False
