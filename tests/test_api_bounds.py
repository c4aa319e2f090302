"""`zconnect api` through #8's machinery: the one trust rule decides where its token goes, its requests
have one overall deadline each and hold at most 4 MiB in memory, and Zoho's text reaches a terminal
only through `text.clean`.

No timing is asserted: a dripping server counts what it managed to send before zconnect hung up.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from api_lab import run_on_tty
from factories import authorized_connection as authorized
from pytest_httpx import HTTPXMock
from reliability.bounded import BODY, hostile
from reliability.lab import PYTHON, Lab, one_line, one_line_error

from zconnect_tui.api import ApiCall, ApiRequest
from zconnect_tui.apiout import terminal_safe
from zconnect_tui.apitarget import target_for, token_origins
from zconnect_tui.connector import api_base, user_dc
from zconnect_tui.datacenters import BUILTIN, DataCenters, origin_of
from zconnect_tui.errors import UsageError, ZconnectError
from zconnect_tui.exports import render
from zconnect_tui.manager import Manager
from zconnect_tui.model import Connection
from zconnect_tui.products import PRODUCTS
from zconnect_tui.store import Snapshot, Store
from zconnect_tui.wire import MAX_RESPONSE_BYTES

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"


def stored(path: Path, conn: Connection, data_centers: dict[str, dict[str, str]] | None = None) -> Store:
    store = Store(path)

    def fill(snap: Snapshot) -> None:
        snap.data_centers.update(data_centers or {})
        snap.connections[conn.name] = conn

    store.transaction(fill)
    return store


# ----- the one rule: which hosts may get this connection's token --------------------------------
LAB = {"lab": {"accounts": "http://127.0.0.1:9", "api": "http://127.0.0.1:9", "desk": "http://127.0.0.1:9"}}


@pytest.mark.parametrize("tampered", [{"location": "lab"}, {"accounts_server": "http://127.0.0.1:9"}])
def test_a_tampered_file_cannot_send_a_zoho_connections_token_to_another_host(
        tmp_path: Path, httpx_mock: HTTPXMock, tampered: dict[str, str]) -> None:
    """A connection registered at Zoho whose file names a data centre of the file's own (another local
    user's emulator, say) as the user's: the trust rule refuses before anything is sent."""
    store = stored(tmp_path / "c.toml", authorized("desk", dc="us", org_id="1", **tampered), LAB)
    with pytest.raises(ZconnectError, match="is not trusted for a connection registered in data centre 'us'"):
        ApiCall(Manager(store), "desk", ApiRequest("GET", "/api/v1/tickets")).run()
    assert httpx_mock.get_requests() == []


def test_an_api_domain_in_the_file_is_a_base_and_a_host_only_when_the_rule_trusts_it() -> None:
    evil = target_for(authorized(dc="us", service="crm", api_domain="https://evil.example"), DataCenters())
    assert evil.base == "https://www.zohoapis.com"  # the data centre's own, not the file's
    with pytest.raises(UsageError, match="Refused"):
        evil.check("https://evil.example/crm/v8/org")
    zoho = target_for(authorized(dc="us", service="crm", location="eu", api_domain="https://www.zohoapis.eu"),
                      DataCenters())
    assert zoho.base == "https://www.zohoapis.eu"
    zoho.check("https://api.zoho.eu/crm/v2/org")  # the older API host of the same data centre
    with pytest.raises(UsageError, match="Refused"):
        zoho.check("https://accounts.zoho.eu/oauth/user/info")


def test_every_base_zconnect_computes_is_inside_the_one_rule() -> None:
    """api_base (verification calls, `exec`, `export`) and `zconnect api` agree with token_origins."""
    dcs = DataCenters.from_config({**LAB, "lab2": {"accounts": "http://127.0.0.1:8", "api": "http://127.0.0.1:8",
                                                   "desk": "http://localhost:7", "family": "f"},
                                   "lab3": {"accounts": "http://127.0.0.1:6", "api": "http://127.0.0.1:6/api",
                                            "family": "f"}}, PRODUCTS)
    cases = [authorized(dc=dc, service=service, **extra)
             for dc in BUILTIN for service in ("desk", "crm", "books")
             for extra in ({}, {"location": "eu"}, {"accounts_server": "https://accounts.zoho.in"},
                           {"api_domain": "https://evil.example"}, {"api_domain": "https://sandbox.zohoapis.com"})]
    cases += [authorized(dc="lab2", service=s, location=loc) for s in ("desk", "crm") for loc in ("", "lab2")]
    cases += [authorized(dc="lab2", service="crm", location="lab3", api_domain="http://127.0.0.1:6/api")]
    for conn in cases:
        user = user_dc(conn, dcs)
        allowed = token_origins(dcs, conn.dc, user, conn.api_domain)
        target = target_for(conn, dcs)
        assert origin_of(api_base(conn, dcs)) in allowed and target.allowed == allowed, conn
        assert f"export ZOHO_API_BASE={target.base}" in render("env", conn, dcs)
        # Nothing but the user's own data centre's hosts, and the stored api_domain if the rule trusts it.
        stored_domain = origin_of(dcs.trusted_api_domain(conn.dc, conn.api_domain) or "")
        hosts = [h for p in PRODUCTS.values() if (h := p.host_of(user))]  # Desk's, Projects'
        own = {(urlsplit(u).hostname or "").split(".", 1)[1] for u in (user.api, user.accounts, *hosts)
               if u} if user.builtin else set()
        for origin in allowed:
            assert origin == stored_domain or (origin[0] == "https" and origin[1].split(".", 1)[1] in own) \
                or (not user.builtin and origin in {origin_of(u) for u in (user.api, *hosts)}), (conn, origin)
    with pytest.raises(ZconnectError):  # a user-defined data centre outside the family
        user_dc(authorized(dc="lab2", service="crm", location="lab"), dcs)


# ----- one deadline per request, 4 MiB held at most ---------------------------------------------
def run_api(config: Path, *args: str, timeout: str = "15", stdout: int | object = subprocess.PIPE
            ) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "ZCONNECT_CONFIG": str(config), "ZCONNECT_HTTP_TIMEOUT": timeout}
    return subprocess.run([PYTHON, "-m", "zconnect_tui", "api", "desk", *args], stdout=stdout,
                          stderr=subprocess.PIPE, env=env, timeout=120)


def hostile_desk(tmp_path: Path, url: str) -> Path:
    """A Desk connection with a fresh token in a data centre of the file's own, served by `url`."""
    path = tmp_path / "cfg" / "connections.toml"
    stored(path, authorized(dc="hostile", org_id="1"), {"hostile": {"accounts": url, "api": url, "desk": url}})
    return path


def test_a_dripping_api_answer_ends_at_the_requests_deadline(tmp_path: Path) -> None:
    """Each byte comes well within any per-read timeout; the one deadline still ends the request."""
    with hostile("drip_body") as server:
        done = run_api(hostile_desk(tmp_path, server.url), "/api/v1/tickets", timeout="0.5")
        server.close()
    assert done.returncode == 4 and "did not answer in time" in one_line(done.stderr.decode())
    assert 0 < server.sent < len(BODY) / 2  # hung up long before the answer was complete


def test_a_page_held_in_memory_is_refused_past_4_mib_while_it_streams(tmp_path: Path) -> None:
    with hostile("huge", huge_mib=32) as server:
        done = run_api(hostile_desk(tmp_path, server.url), "/api/v1/tickets", "--paginate")
        server.close()
    assert done.returncode == 1
    assert f"larger than {MAX_RESPONSE_BYTES // 2**20} MiB" in one_line(done.stderr.decode())
    assert server.sent < 16 * 2**20  # of the 32 MiB it had for us


def test_a_single_body_to_a_file_is_streamed_through_whatever_its_size(tmp_path: Path) -> None:
    """Not held, so not capped: the 4 MiB cap is about memory, and a body sent to a file takes none."""
    out = tmp_path / "body.bin"
    with hostile("huge", huge_mib=12) as server, out.open("wb") as sink:
        done = run_api(hostile_desk(tmp_path, server.url), "/api/v1/tickets", stdout=sink)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size == server.sent + 1 > 12 * 2**20  # "[" and then every chunk


# ----- Zoho's text on a terminal goes through text.clean ------------------------------------------
def test_terminal_escapes_come_from_text_clean() -> None:
    assert terminal_safe("a\x1bb\ud800c\u200fd\re") == "a\\u001bb\\ud800c\\u200fd\\u000de"  # one definition of unsafe


def test_a_hostile_body_on_a_terminal_shows_escapes_and_a_lone_surrogate_does_not_crash(lab: Lab) -> None:
    raw = ('{"subject": "\\ud800 ' + OSC52.replace("\x1b", "\\u001b").replace("\x07", "\\u0007")
           + ' \u202eevil \u009b31m"}').encode()
    lab.emu.queue_response("/api/v1/tickets", None, raw=raw)
    code, shown, err = run_on_tty(lab, "api", "desk", "/api/v1/tickets")
    assert code == 0 and err == "", err
    plain = re.sub(r"\x1b\[[0-9;]*m", "", shown)  # zconnect's own colours
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", plain), repr(plain)
    assert "\\ud800" in plain and "\\u001b]52;c;" in plain and "\\u202eevil" in plain and "\\u009b31m" in plain


def test_zohos_error_message_is_one_clean_line(lab: Lab) -> None:
    lab.emu.queue_response("/api/v1/tickets", {"errorCode": "INVALID_DATA", "message": f"Bad{OSC52}\u202eline\nnext"},
                           status=400)
    done = lab.cli("api", "desk", "/api/v1/tickets")
    assert done.code == 1 and one_line_error(done.err) and "Bad]52;c;" in done.err
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]", done.err)


def test_saved_apis_from_the_file_are_refused_or_cleaned(lab: Lab) -> None:
    text = lab.config.read_text()
    osc52 = OSC52.replace("\x1b", "\\u001b").replace("\x07", "\\u0007")  # as TOML escapes
    lab.config.write_text(text + '\n[connections.desk.apis.open]\npath = "/api/v1/tickets"\n'
                          f'description = "x{osc52}"\n'
                          '[connections.desk.apis.open.fields]\nstatus = "Open\\u009b2J"\n')
    listed = lab.cli("apis", "desk")  # refused when read (#18), as --save refuses them
    assert listed.code == 1 and "connections.desk.apis.open.description contains control" in one_line(listed.err)
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", listed.out + listed.err)
    lab.config.write_text(text + '\n[connections.desk.apis.bad]\npath = "/api/v1/tickets\\u001b[2J"\n')
    before = lab.config.read_bytes()
    refused = lab.cli("apis", "desk")
    assert refused.code == 1 and "connections.desk.apis.bad" in one_line(refused.err)
    assert "control characters" in refused.err and lab.config.read_bytes() == before
