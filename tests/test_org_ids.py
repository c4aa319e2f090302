"""Organisation ids from Zoho: Desk's `id` and Books' `organization_id` are numeric strings, and they go
into a URL path, the orgId header and `?organization_id=`. Anything else is refused where Zoho's JSON is
typed (verify.py), with one clear line, and nothing stored changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from inprocess import zconnect
from reliability.lab import Lab, one_line_error

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.errors import Unreachable
from zconnect_tui.model import Connection
from zconnect_tui.oauth import ZohoClient
from zconnect_tui.verify import verify

URLS = {"desk": "https://desk.zoho.com/api/v1/organizations",
        "books": "https://www.zohoapis.com/books/v3/organizations",
        "crm": "https://www.zohoapis.com/crm/v8/org"}
BAD_IDS = ["abc", "../../oauth/v2/token", "60001/../x", "60001\x1b[2J", "６０００１", "", None, -1, 1.5, True,
           ["60001"], "1" * 41, " 60001"]


def answer(service: str, org_id: object) -> dict[str, object]:
    org = {"desk": {"id": org_id, "companyName": "Zylker", "isDefault": True},
           "books": {"organization_id": org_id, "name": "Zylker", "is_default_org": True},
           "crm": {"id": org_id, "company_name": "Zylker"}}[service]
    key = {"desk": "data", "books": "organizations", "crm": "org"}[service]
    return {key: [{"id": "60002", "companyName": "Fine"} if service == "desk" else org, org]}


def run_verify(service: str) -> list[str]:
    conn = Connection(service, service, "us", "1000.A", ["X.READ"], client_secret="s")
    conn.token.access_token = "1000.at"
    with ZohoClient() as client:
        return [o.id for o in verify(client, conn, DataCenters(), check_org=False).organizations]


@pytest.mark.parametrize("service", ["desk", "books"])
@pytest.mark.parametrize("org_id", BAD_IDS)
def test_a_desk_or_books_organization_id_that_is_not_a_number_is_refused(httpx_mock, service, org_id) -> None:
    httpx_mock.add_response(url=URLS[service], json=answer(service, org_id))
    with pytest.raises(Unreachable) as info:
        run_verify(service)
    line = info.value.one_line()
    assert "answered an organization id that is not a number" in line and "stored organization is unchanged" in line
    assert "\x1b" not in line and "\n" not in line


@pytest.mark.parametrize("service", ["desk", "books"])
def test_numeric_ids_as_strings_or_json_numbers_are_read(httpx_mock, service) -> None:
    for org_id in ("60001000001", 60001000001, "1" * 40):
        httpx_mock.add_response(url=URLS[service], json=answer(service, org_id))
        assert run_verify(service)[-1] == str(org_id)


def test_crm_org_ids_are_cleaned_not_restricted(httpx_mock) -> None:
    """No call of zconnect's sends CRM's org id anywhere: it is shown and stored, cleaned."""
    httpx_mock.add_response(url=URLS["crm"], json={"org": [{"id": "org-4150\x1b]52", "company_name": "Zylker"}]})
    assert run_verify("crm") == ["org-4150]52"]


def test_through_the_emulator_a_bad_id_fails_test_and_authorize_and_changes_nothing(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", authorized=False)
        good = zconnect("authorize", "desk", "--timeout", "30", env=lab.env(**lab.browser_env()))
        assert good.code == 0, good.err
        stored = lab.store.load().get("desk")
        assert stored.org_id.isdigit()
        for org in lab.emu.orgs:
            org["id"] = f"{org['id']}/../../../oauth/v2/token"
        before = lab.config.read_bytes()
        seen = len(lab.emu.requests)
        run = zconnect("test", "desk", env=lab.env())
        assert run.code == 4 and one_line_error(run.err), run.err
        assert "answered an organization id that is not a number ('6000" in run.err and "../oauth" in run.err
        assert lab.config.read_bytes() == before
        assert [r.path for r in lab.emu.requests[seen:]] == ["/api/v1/organizations"]  # no probe went out
        # A new consent: authorized (the tokens are Zoho's), the organisation kept, and said why.
        again = zconnect("authorize", "desk", "--timeout", "30", env=lab.env(**lab.browser_env()))
        assert again.code == 0 and "not a number" in again.err, again.err
        assert lab.store.load().get("desk").org_id == stored.org_id

        lab.add("books", service="books")
        lab.emu.books_orgs[0]["organization_id"] = "abc"
        books = zconnect("test", "books", env=lab.env())
        assert books.code == 4 and one_line_error(books.err) and "('abc')" in books.err, books.err
