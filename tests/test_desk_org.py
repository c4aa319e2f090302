"""Desk organisations: a token works for the organisation picked on Zoho's consent page, and zconnect
proves the stored one with a call that sends its orgId (the guide's step 7)."""

from __future__ import annotations

import pytest
from inprocess import zconnect

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.errors import ZohoError
from zconnect_tui.model import Connection
from zconnect_tui.oauth import ZohoClient
from zconnect_tui.store import Store
from zconnect_tui.verify import Organization, OrgRefused
from zconnect_tui.verify import check_org_accepts as check_desk_org

DEFAULT, OTHER = "60002000002", "60001000001"  # the emulator's Difference Works (isDefault) and Analytical Engines


def test_the_organisation_chosen_at_consent_is_stored_not_zohos_default(emulator, config_path, desk, browser):
    emulator.consent_org = OTHER  # the user picked Analytical Engines on the consent page
    done = zconnect("authorize", "desk", "--timeout", "20")
    assert done.code == 0, done.err
    assert f"Organization: Analytical Engines Ltd ({OTHER}) (it accepts the token)." in done.out
    assert Store(config_path).load().get("desk").org_id == OTHER
    probes = emulator.requests_to(f"/api/v1/organizations/{OTHER}")
    assert probes and probes[-1].headers["orgid"] == OTHER


def test_test_sends_the_stored_orgid_and_explains_a_mismatch(emulator, config_path, authorized_desk):
    ok = zconnect("test", "desk")
    assert ok.code == 0 and f"Difference Works accepts the token (orgId {DEFAULT})" in ok.out
    assert emulator.requests_to(f"/api/v1/organizations/{DEFAULT}")[-1].headers["orgid"] == DEFAULT

    def other_org(c: Connection) -> None:
        c.org_id, c.org_name = OTHER, "Analytical Engines Ltd"

    Store(config_path).update("desk", other_org)  # as if picked by hand, not the one chosen at consent
    before = config_path.read_bytes()
    bad = zconnect("test", "desk")
    lines = [line for line in bad.err.splitlines() if line.strip()]
    assert bad.code == 1 and len(lines) == 1 and "Traceback" not in bad.err
    assert "refused the organization Analytical Engines Ltd (60001000001)" in lines[0]
    assert "OAUTH_ORG_MISMATCH" in lines[0] and "zconnect authorize desk" in lines[0]
    assert config_path.read_bytes() == before


def test_no_organisation_accepting_the_token_is_said(emulator, config_path, desk, browser):
    emulator.consent_org = "70000000007"  # an organisation the listing does not show
    done = zconnect("authorize", "desk", "--timeout", "20")
    assert done.code == 0  # authorized; the organisation could not be proven
    assert "accepted this token for none of its organizations" in done.err
    assert Store(config_path).load().get("desk").org_id == ""


def test_desk_demands_the_orgid_where_desk_does(emulator, config_path, authorized_desk):
    token = zconnect("token", "desk").out.strip()
    import httpx

    auth = {"Authorization": f"Zoho-oauthtoken {token}"}
    assert httpx.get(f"{emulator.url}/api/v1/organizations", headers=auth).status_code == 200  # the exception
    missing = httpx.get(f"{emulator.url}/api/v1/tickets", headers=auth)
    assert missing.status_code == 422 and missing.json()["fieldName"] == "/orgId"
    wrong = httpx.get(f"{emulator.url}/api/v1/tickets", headers={**auth, "orgId": OTHER})
    assert wrong.json()["errorCode"] == "OAUTH_ORG_MISMATCH"
    right = httpx.get(f"{emulator.url}/api/v1/tickets", headers={**auth, "orgId": DEFAULT})
    assert right.status_code == 200 and right.json()["data"]


DESK = "https://desk.zoho.com/api/v1/organizations/42"


@pytest.mark.parametrize(("status", "body", "org_error"), [
    (401, {"errorCode": "OAUTH_ORG_MISMATCH", "message": "Mismatch"}, True),
    (403, {"errorCode": "FORBIDDEN", "message": "You do not have permission in this organization."}, True),
    (422, {"errorCode": "UNPROCESSABLE_ENTITY", "fieldName": "/orgId", "errorType": "invalid"}, True),
    (200, {"id": "43", "companyName": "Someone else"}, True),
    (401, {"errorCode": "INVALID_OAUTH", "message": "The OAuth Token you provided is invalid."}, False),
])
def test_desk_answers_naming_the_org_become_the_org_sentence(httpx_mock, status, body, org_error) -> None:
    httpx_mock.add_response(url=DESK, status_code=status, json=body)
    conn = Connection("desk", "desk", "us", "1000.A", ["Desk.basic.READ"], client_secret="s")
    conn.token.access_token = "1000.at"
    with ZohoClient() as client, pytest.raises(ZohoError) as info:
        check_desk_org(client, conn, DataCenters(), Organization("42", "Zylker"))
    assert isinstance(info.value, OrgRefused) is org_error
    if org_error:
        assert "Zylker (42)" in info.value.message and "choose Zylker (42)" in info.value.hint
    assert httpx_mock.get_requests()[0].headers["orgId"] == "42"


def test_desk_answering_with_the_org_passes(httpx_mock) -> None:
    for body in ({"id": "42", "companyName": "Zylker"}, {"data": [{"id": "42"}]}):  # both shapes read
        httpx_mock.add_response(url=DESK, json=body)
    conn = Connection("desk", "desk", "us", "1000.A", ["Desk.basic.READ"], client_secret="s")
    with ZohoClient() as client:
        for _ in range(2):
            check_desk_org(client, conn, DataCenters(), Organization("42", "Zylker"))


