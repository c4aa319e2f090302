"""Zoho's device flow for Non-browser clients: every poll answer, through the CLI, against the emulator.

The emulator announces a short interval (Zoho's is 30 s; zconnect keeps that floor for Zoho's own
data centres and trusts a user-defined one's `interval`), so nothing here waits long.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, EU_SECRET
from inprocess import zconnect
from reliability.lab import one_line
from waiting import wait_for

from zconnect_tui.cli_device import Countdown
from zconnect_tui.datacenters import BUILTIN, DataCenters
from zconnect_tui.device import DeviceFlow, DeviceProgress, parse_device_code, seconds
from zconnect_tui.errors import FlowCancelled, Unreachable
from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.model import Connection
from zconnect_tui.oauth import MAX_RESPONSE_BYTES, ZohoClient
from zconnect_tui.store import Store

DEVICE_ID = "1004.JNB00640KVIR87109F4XV941E2SY22"


@pytest.fixture
def lab(emulator: ZohoEmulator, two_dcs: Path) -> Path:
    """`lab` and `lab-eu` (one family), `other` (its own); a Non-browser client `dev` at `lab`."""
    path = two_dcs
    emulator.register_client(DEVICE_ID, CLIENT_SECRET, [], kind="non-browser", multi_dc=True,
                             dc_secrets={"lab-eu": EU_SECRET})
    emulator.device_interval = 0.05
    Store(path).save_connection(Connection("dev", "desk", "lab", DEVICE_ID, ["Desk.basic.READ", "Desk.tickets.READ"],
                                           client_secret=CLIENT_SECRET, client_type="non-browser"))
    return path


class Authorize:
    """`zconnect authorize dev` as a subprocess; `code` is the user code it showed."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "zconnect_tui", "authorize", "dev"], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # Ctrl-C works even if we ignore it
        self.head = ""
        for line in self.proc.stdout:  # type: ignore[union-attr]
            self.head += line
            if line.strip().startswith("2. Enter"):
                self.code = line.split()[-1]
            if line.startswith("The code expires in"):
                return
        raise AssertionError(f"no user code shown: {self.head!r} {self.proc.stderr.read()!r}")  # type: ignore[union-attr]

    def finish(self) -> tuple[int, str, str]:
        # Read on through the same text stream: communicate() reads the pipe's descriptor directly and
        # would skip lines the loop in __init__ had already buffered (the countdown's first line, at times).
        out = self.proc.stdout.read()  # type: ignore[union-attr]
        err = self.proc.stderr.read()  # type: ignore[union-attr]
        self.proc.wait(timeout=60)
        self.proc.stdout.close()  # type: ignore[union-attr]
        self.proc.stderr.close()  # type: ignore[union-attr]
        return self.proc.returncode, self.head + out, err


def polled(emulator: ZohoEmulator, n: int = 1) -> bool:
    return len(emulator.device_answers) >= n


def test_approved_after_pending_polls(emulator, lab) -> None:
    run = Authorize()
    assert f"1. Open   {emulator.url}/oauth/v3/device" in run.head and "expires in 5:00" in run.head
    wait_for(lambda: polled(emulator, 2), what="two polls")
    emulator.device_approve(run.code)
    code, out, err = run.finish()
    assert code == 0, err
    assert "Waiting for approval: the code expires in" in out  # the countdown, as plain lines without a terminal
    assert "dev is authorized" in out and "Organization: Difference Works" in out
    answers = [a for _, a in emulator.device_answers]
    assert answers[:2] == ["authorization_pending"] * 2 and answers[-1] == "tokens"
    conn = Store(lab).load().get("dev")
    assert conn.client_type == "non-browser" and conn.location == "lab" and conn.token.refresh_token
    initiation = emulator.requests_to("/oauth/v3/device/code")[0]  # the connection's scopes, comma-separated
    assert initiation.form["grant_type"] == "device_request" and initiation.form["scope"] == ",".join(conn.scopes)
    assert initiation.form["access_type"] == "offline" and initiation.form["prompt"] == "consent"
    poll = emulator.requests_to("/oauth/v3/device/token")[-1]
    assert poll.form["grant_type"] == "device_token" and not poll.query  # the secret in the body, never the URL
    assert poll.headers["accept-language"] == "en"
    assert zconnect("token", "dev").code == 0


def test_slow_down_backs_off(emulator, lab) -> None:
    emulator.device_min_interval = 0.3  # the announced 0.05 s is too fast for this server
    run = Authorize()
    wait_for(lambda: ("lab", "authorization_pending") in emulator.device_answers[1:], what="a poll after backing off")
    emulator.device_approve(run.code)
    code, out, err = run.finish()
    assert code == 0, err
    assert "Zoho asked to poll less often" in out
    slow = [a for _, a in emulator.device_answers].count("slow_down")
    assert 1 <= slow <= 3  # doubling from 0.05 s passes 0.3 s within three; without backing off it never ends


def test_denied(emulator, lab) -> None:
    before = lab.read_bytes()
    run = Authorize()
    wait_for(lambda: polled(emulator), what="a poll")
    emulator.device_deny(run.code)
    code, _, err = run.finish()
    assert code == 1 and "denied at Zoho's verification page (access_denied)" in one_line(err)
    assert lab.read_bytes() == before


def test_expired_at_zoho(emulator, lab) -> None:
    run = Authorize()
    wait_for(lambda: polled(emulator), what="a poll")
    emulator.expire_device_codes()
    code, _, err = run.finish()
    assert code == 1 and "The code expired before it was approved" in one_line(err)
    assert emulator.device_answers[-1][1] == "expired"


def test_expired_locally_stops_polling(emulator, lab) -> None:
    emulator.device_lifetime = 0.5
    emulator.device_interval = 5.0  # the code dies before the first poll is due
    code, out, err = Authorize().finish()
    assert code == 1 and "The code expired" in one_line(err)
    assert emulator.device_answers == []


def test_other_dc_polls_the_users_data_centre_with_its_secret(emulator, lab) -> None:
    assert zconnect("secret", "dev", "--dc", "lab-eu", stdin=EU_SECRET + "\n").code == 0
    run = Authorize()
    wait_for(lambda: polled(emulator), what="a poll")
    emulator.device_approve(run.code, location="lab-eu")
    code, out, err = run.finish()
    assert code == 0, err
    assert "The user is in the data centre lab-eu: asking there" in out
    dcs = [dc for dc, _ in emulator.device_answers]
    assert ("lab", "other_dc") in emulator.device_answers and emulator.device_answers[-1] == ("lab-eu", "tokens")
    assert dcs.index("lab-eu") > dcs.index("lab")
    assert emulator.requests_to("/oauth/v3/device/token")[-1].form["client_secret"] == EU_SECRET
    conn = Store(lab).load().get("dev")
    assert conn.location == "lab-eu" and conn.accounts_server == emulator.url_of("lab-eu")
    # The tokens remember who issued them: a refresh goes there, with that data centre's own secret.
    assert conn.token.issued_by == emulator.url_of("lab-eu")
    assert zconnect("refresh", "dev").code == 0
    refresh = emulator.token_requests("refresh_token")[-1]
    assert refresh.dc == "lab-eu" and refresh.form["client_secret"] == EU_SECRET


def test_other_dc_outside_the_family_is_refused(emulator, lab) -> None:
    run = Authorize()
    wait_for(lambda: polled(emulator), what="a poll")
    emulator.device_approve(run.code, location="other")
    code, _, err = run.finish()
    assert code == 1 and "which zconnect does not trust for dev" in one_line(err)
    assert not [r for r in emulator.requests if r.dc == "other"]  # the secret went nowhere


def test_the_device_flow_is_bounded_like_every_call_to_zoho(emulator, lab) -> None:
    """The device-code request and the polls go through the bounded call: an answer past the size cap is
    refused while it streams, as one line; nothing is stored."""
    before = lab.read_bytes()
    emulator.queue_response("/oauth/v3/device/code", None, raw=b"[" + b" " * MAX_RESPONSE_BYTES + b"]")
    done = zconnect("authorize", "dev")
    assert done.code == 4 and "more than 4 MiB; refused" in one_line(done.err)
    assert lab.read_bytes() == before


def test_ctrl_c_cancels(emulator, lab) -> None:
    run = Authorize()
    wait_for(lambda: polled(emulator), what="a poll")
    run.proc.send_signal(signal.SIGINT)
    code, _, err = run.finish()
    assert code == 1 and "Authorization cancelled." in one_line(err)


def test_on_a_terminal_the_countdown_is_one_updating_line(emulator, lab) -> None:
    import pty

    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "zconnect_tui", "authorize", "dev"], stdin=subprocess.DEVNULL,
                            stdout=secondary, stderr=subprocess.PIPE, env=dict(os.environ))
    os.close(secondary)
    seen = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # EIO: the terminal's other side closed
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    wait_for(lambda: polled(emulator, 2) and b"\r" in seen, what="a poll and the live countdown")
    emulator.device_approve(emulator.device_user_codes()[0])
    assert proc.wait(timeout=60) == 0, proc.stderr.read()  # type: ignore[union-attr]
    reader.join(timeout=10)
    os.close(primary)
    text = seen.decode()
    waiting = text.split("The code expires in")[1].split("Approved;")[0]
    assert "\rWaiting for approval: the code expires in" in waiting and "\x1b[K" in waiting
    assert waiting.count("\n") <= 2  # rewritten in place, not one line per tick


def test_milliseconds_and_verification_uri(emulator, lab) -> None:
    """The older Zoho page's units (ms) and RFC 8628's spelling of the URL."""
    emulator.device_units, emulator.device_url_key, emulator.device_interval = "ms", "verification_uri", 1.0
    run = Authorize()
    assert "expires in 5:00" in run.head and f"{emulator.url}/oauth/v3/device" in run.head
    body = json.loads(emulator_answer_body(emulator))
    assert body["interval"] == 1000 and body["expires_in"] == 300000
    emulator.device_approve(run.code)
    code, _, err = run.finish()
    assert code == 0, err


def emulator_answer_body(emulator: ZohoEmulator) -> str:
    import httpx

    return httpx.post(f"{emulator.url}/oauth/v3/device/code", data={
        "client_id": DEVICE_ID, "grant_type": "device_request", "scope": "Desk.basic.READ"}).text


# ----- without the CLI ----------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "expected"), [
    (5, 5.0), (30, 30.0), ("30", 30.0), (999, 999.0), (1000, 1.0), (30000, 30.0), (300000, 300.0),
    (None, 7.0), ("soon", 7.0), (-1, 7.0), (float("nan"), 7.0), (0, 7.0),
])
def test_seconds_or_milliseconds(value: object, expected: float) -> None:
    assert seconds(value, 7.0) == expected


def test_initiation_answer_is_checked_and_bounded() -> None:
    good = {"user_code": "ABCD-1234", "device_code": "1004.x.y", "verification_uri": "https://accounts.zoho.com/device",
            "expires_in": 10**9, "interval": 10**9}
    code = parse_device_code(good)
    assert code.verification_url.endswith("/device") and code.expires_in == 3600 and code.interval == 300
    for bad in ({"verification_url": "http://evil.example/device"}, {"user_code": "A\x1b]52;c;x"},
                {"device_code": ""}, {"verification_url": "javascript:alert(1)"},
                # What the terminal would obey (text.clean would change it) is refused, not altered.
                {"user_code": "ABCD\u202e4321"}, {"user_code": "AB\x9b2J"}, {"user_code": 1234},
                {"verification_url": "https://accounts.zoho.com/device\x1b]52;c;eA==\x07"},
                {"verification_url": "https://[accounts.zoho.com/device"}):
        with pytest.raises(Unreachable):
            parse_device_code({**good, "verification_uri": None, "verification_url": good["verification_uri"], **bad})


def device_conn() -> Connection:
    return Connection("dev", "desk", "lab", DEVICE_ID, ["Desk.basic.READ"], client_secret=CLIENT_SECRET,
                      client_type="non-browser")


def test_zohos_own_data_centres_are_polled_at_most_every_30_seconds() -> None:
    flow = DeviceFlow(Connection("dev", "desk", "eu", DEVICE_ID, ["Desk.basic.READ"], client_type="non-browser"),
                      DataCenters())
    assert flow.dc is BUILTIN["eu"] and flow.floor == 30.0


def test_cancel_from_another_thread_and_the_countdown(emulator, lab) -> None:
    snap = Store(lab).load()
    flow = DeviceFlow(snap.get("dev"), snap.dcs())
    emulator.device_interval = 10.0  # no poll will be due: only the countdown ticks
    ticks: list[DeviceProgress] = []
    with ZohoClient() as client:
        flow.start(client)
        threading.Thread(target=lambda: wait_for(lambda: len(ticks) >= 2) and flow.cancel(), daemon=True).start()
        with pytest.raises(FlowCancelled):
            flow.poll(client, ticks.append)
    assert ticks[0].remaining > ticks[-1].remaining and ticks[0].polls == 0 and ticks[0].dc == "lab"


def test_countdown_rewrites_one_line_on_a_terminal_and_prints_now_and_then_otherwise() -> None:
    tty, plain = io.StringIO(), io.StringIO()
    for out, is_tty in ((tty, True), (plain, False)):
        countdown = Countdown(out, is_tty)
        for left in (299.5, 298.5, 280.0, 269.0, 200.0):
            countdown(DeviceProgress(left, 1.0, 0, "lab"))
        countdown(DeviceProgress(190.0, 1.0, 1, "lab", note="Zoho asked to poll less often: every 60 s now"))
        countdown.end()
    assert tty.getvalue().count("\r") == 6 and tty.getvalue().count("\n") == 3  # note line, its break, the end
    assert "\x1b[K" in tty.getvalue()
    lines = plain.getvalue().splitlines()
    assert "\r" not in plain.getvalue()
    assert len(lines) == 4  # one per 30 s of the code's life (5:00, 4:29, 3:20), and the note
    assert lines[0] == "Waiting for approval: the code expires in 5:00; next check in 0:01 (Ctrl-C cancels)."


# ----- client types in the file and on the command line -------------------------------------------
def test_client_types_on_the_command_line_and_in_old_files(emulator, config_path: Path) -> None:
    added = zconnect("add", "n", "--service", "desk", "--dc", "lab", "--client-id", DEVICE_ID, "--client-type",
                    "non-browser", stdin="x\n")
    assert added.code == 0 and "it shows a code to enter at Zoho's verification page" in added.out
    conn = Store(config_path).load().get("n")
    assert conn.client_type == "non-browser" and conn.redirect_uri == ""
    assert zconnect("add", "s", "--service", "crm", "--dc", "lab", "--client-id", CLIENT_ID, "--self-client",
                   stdin="x\n").code == 0
    assert zconnect("add", "p", "--service", "crm", "--dc", "lab", "--client-id", CLIENT_ID, "--client-type",
                   "non-browser", "--port", "9700", stdin="x\n").code == 2  # no redirect URI to put a port in
    both = zconnect("add", "b", "--service", "crm", "--dc", "lab", "--client-id", CLIENT_ID, "--self-client",
                   "--client-type", "server", stdin="x\n")
    assert both.code == 2
    assert Store(config_path).load().get("s").client_type == "self"
    assert 'client_type = "self"' in config_path.read_text() and "self_client" not in config_path.read_text()
    # A file written before client_type existed.
    config_path.write_text(config_path.read_text().replace('client_type = "self"', "self_client = true"))
    conn = Store(config_path).load().get("s")
    assert conn.client_type == "self" and conn.self_client
    assert "client_type self" in " ".join(zconnect("show", "s").out.split())
    bad = config_path.read_text().replace("self_client = true", 'client_type = "robot"')
    config_path.write_text(bad)
    assert zconnect("list").code == 1


def test_authorize_port_does_not_apply_to_a_non_browser_client(emulator, lab) -> None:
    done = zconnect("authorize", "dev", "--port", "9700")
    assert done.code == 2 and "Non-browser" in one_line(done.err)
