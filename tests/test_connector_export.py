"""The guide's connector fields (`export --format connector`) and the shell exports, as a user reads them."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

from conftest import CLIENT_SECRET
from factories import REDIRECT_URI, connection
from inprocess import zconnect

from zconnect_tui.connector import URL_KEYS, connector_fields, render_fields, request_token_url
from zconnect_tui.datacenters import BUILTIN, DataCenters
from zconnect_tui.exports import render
from zconnect_tui.model import Connection

GUIDE_SCOPES = ["Desk.tickets.READ", "Desk.basic.READ", "Desk.contacts.READ"]


conn = partial(connection, name="desk", dc="us", client_id="1000.GMB0YULZHJK411248S8I5GZ4CHUEX0",
               scopes=GUIDE_SCOPES, client_secret=CLIENT_SECRET, access_type="online", redirect_uri=REDIRECT_URI)
"""The guide's connection (its client and scopes, online access); keywords override."""


def fields(c: Connection) -> dict[str, str]:
    return {f.label: f.value for f in connector_fields(c, DataCenters())}


def test_request_token_url_is_the_guides_exactly() -> None:
    # The guide: https://accounts.zoho.com/oauth/v2/auth?scope=Desk.tickets.READ,Desk.basic.READ,Desk.contacts.READ
    assert fields(conn())["Request Token URL"] == (
        "https://accounts.zoho.com/oauth/v2/auth?scope=Desk.tickets.READ,Desk.basic.READ,Desk.contacts.READ")
    offline = fields(conn(access_type="offline"))["Request Token URL"]
    assert offline.endswith("Desk.contacts.READ&access_type=offline")
    # The data centre where the client is registered, whatever the user's own turned out to be.
    assert fields(conn(dc="eu", location="in"))["Request Token URL"].startswith("https://accounts.zoho.eu/oauth/v2/auth?")


def test_every_field_in_the_guides_order_and_words() -> None:
    got = fields(conn())
    assert list(got) == ["Request Token URL", "Access Token URL", "Refresh Token URL", "Client ID",
                         "Client Secret", "Redirect URL", "Scopes"]
    assert got["Access Token URL"] == got["Refresh Token URL"] == "https://accounts.zoho.com/oauth/v2/token"
    assert got["Redirect URL"] == ("pre-filled by the Developer Console: add it to this client's Authorized "
                                   "Redirect URIs, next to zconnect's own http://127.0.0.1:9646/callback")
    assert CLIENT_SECRET not in render_fields(connector_fields(conn(), DataCenters()))
    assert "zconnect show desk --reveal" in got["Client Secret"]


def test_self_client_and_non_browser_have_no_request_token_url() -> None:
    self_client = fields(conn(client_type="self", redirect_uri=""))
    assert self_client["Request Token URL"].startswith("none: a Self Client has no consent page")
    assert "oauth/v2/auth" not in render_fields(connector_fields(conn(client_type="self"), DataCenters()))
    device = fields(conn(client_type="non-browser", redirect_uri=""))
    assert device["Request Token URL"].startswith("none: a Non-browser client")
    assert device["Access Token URL"] == "https://accounts.zoho.com/oauth/v3/device/token"


def test_a_draft_reads_as_where_to_find_what_is_missing() -> None:
    """The wizard's step 0 shows the same fields before the Client ID exists."""
    draft = fields(conn(client_id="", client_secret=""))
    assert draft["Client ID"] == draft["Client Secret"] == "from the client's Client Secret tab"
    urls = [f.value for f in connector_fields(conn(client_id=""), DataCenters()) if f.key in URL_KEYS]
    assert urls[0] == request_token_url(BUILTIN["us"], conn())


def test_export_connector_through_the_cli(config_path: Path, desk) -> None:
    out = zconnect("export", "desk", "--format", "connector")
    assert out.code == 0, out.err
    lines = dict(line.split("  ", 1) for line in out.out.splitlines())
    url = lines["Request Token URL"].strip()
    assert url.endswith("/oauth/v2/auth?scope=Desk.basic.READ,Desk.tickets.READ,Desk.contacts.READ"
                        "&access_type=offline")
    assert "client_id" not in url and "redirect_uri" not in url and "response_type" not in url
    assert f"next to zconnect's own {desk.redirect_uri}" in lines["Redirect URL"]
    assert CLIENT_SECRET not in out.out


def test_export_env_has_the_api_base_and_the_org(config_path: Path, emulator, authorized_desk) -> None:
    env = zconnect("export", "desk", "--format", "env")
    exports = dict(line.removeprefix("export ").split("=", 1) for line in env.out.splitlines())
    assert exports["ZOHO_API_BASE"] == emulator.url  # the lab data centre's Desk host
    assert exports["ZOHO_ORG_ID"] == "60002000002"
    assert exports["ZOHO_ACCESS_TOKEN"] == '"$(zconnect token desk)"'
    data = json.loads(zconnect("export", "desk", "--format", "json").out)
    assert data["api_base"] == emulator.url and data["org_id"] == "60002000002"
    assert data["request_token_url"].endswith("&access_type=offline")
    assert CLIENT_SECRET not in env.out + json.dumps(data)


def test_api_base_is_the_users_own_data_centre() -> None:
    def env(c: Connection) -> dict[str, str]:
        return dict(line.removeprefix("export ").split("=", 1) for line in render("env", c, DataCenters()).splitlines())

    assert env(conn(location="eu", accounts_server="https://accounts.zoho.eu"))["ZOHO_API_BASE"] == \
        "https://desk.zoho.eu"
    crm = conn(service="crm", scopes=["ZohoCRM.org.READ"], api_domain="https://www.zohoapis.in", location="in")
    assert env(crm)["ZOHO_API_BASE"] == "https://www.zohoapis.in"
    fresh = env(conn(service="books", scopes=["ZohoBooks.settings.READ"], dc="jp"))
    assert fresh["ZOHO_API_BASE"] == "https://www.zohoapis.jp"
    assert fresh["ZOHO_ORG_ID"] == "''"  # printed even when empty, for `set -u` scripts


def test_json_of_a_self_client_has_no_request_token_url() -> None:
    data = json.loads(render("json", conn(client_type="self", redirect_uri=""), DataCenters()))
    assert data["request_token_url"] is None and data["client_type"] == "self"
