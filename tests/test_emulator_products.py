"""The emulator's product endpoints keep each product's rules, so the `zconnect api` tests mean something."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from api_lab import BOOKS_ORG, DESK_ORG
from reliability.lab import Lab


@pytest.fixture
def lab(lab: Lab) -> Iterator[tuple[Lab, httpx.Client]]:
    """conftest's lab, with an HTTP client and each connection's token (this file calls the emulator itself)."""
    token = lab.store.load().get("desk").token.access_token
    crm = lab.store.load().get("crm").token.access_token
    books = lab.store.load().get("books").token.access_token
    with httpx.Client(base_url=lab.emu.url, trust_env=False) as client:
        client.tokens = {"desk": token, "crm": crm, "books": books}  # type: ignore[attr-defined]
        yield lab, client


def auth(client: httpx.Client, name: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Zoho-oauthtoken {client.tokens[name]}", **headers}  # type: ignore[attr-defined]


def test_desk_wants_an_org_pages_by_from_and_limit_and_ends_with_204(lab: tuple[Lab, httpx.Client]) -> None:
    emu, client = lab[0].emu, lab[1]
    no_org = client.get("/api/v1/tickets", headers=auth(client, "desk"))
    assert no_org.status_code == 422 and no_org.json()["fieldName"] == "/orgId"
    headers = auth(client, "desk", orgId=DESK_ORG)
    assert client.get("/api/v1/tickets", params={"limit": 101}, headers=headers).status_code == 422
    page = client.get("/api/v1/tickets", params={"from": 118, "limit": 5}, headers=headers)
    assert [t["ticketNumber"] for t in page.json()["data"]] == ["219", "220"]
    assert client.get("/api/v1/tickets", params={"from": 120}, headers=headers).status_code == 204
    assert client.get("/api/v1/contacts", headers=headers).status_code == 200
    emu.expire_access_tokens()
    dead = client.get("/api/v1/tickets", headers=headers)
    assert dead.status_code == 401 and dead.json()["errorCode"] == "INVALID_OAUTH"


def test_crm_limits_page_to_2000_records_and_hands_out_page_tokens(lab: tuple[Lab, httpx.Client]) -> None:
    emu, client = lab[0].emu, lab[1]
    emu.products.counts["crm"] = 2500
    headers = auth(client, "crm")
    over = client.get("/crm/v8/Leads", params={"page": 11, "per_page": 200}, headers=headers)
    assert over.status_code == 400 and over.json()["code"] == "DISCRETE_PAGINATION_LIMIT_EXCEEDED"
    tenth = client.get("/crm/v8/Leads", params={"page": 10, "per_page": 200}, headers=headers).json()
    assert tenth["info"]["more_records"] and tenth["data"][-1]["Last_Name"] == "Lovelace 2000"
    token = tenth["info"]["next_page_token"]
    both = client.get("/crm/v8/Leads", params={"page": 1, "page_token": token}, headers=headers)
    assert both.status_code == 400
    after = client.get("/crm/v8/Leads", params={"page_token": token, "per_page": 200}, headers=headers).json()
    assert after["data"][0]["Last_Name"] == "Lovelace 2001"
    emu.products.counts["crm"] = 0
    assert client.get("/crm/v8/Leads", headers=headers).status_code == 204


def test_books_wants_organization_id_and_reports_page_context(lab: tuple[Lab, httpx.Client]) -> None:
    client = lab[1]
    headers = auth(client, "books")
    assert client.get("/books/v3/invoices", headers=headers).status_code == 400
    body = client.get("/books/v3/invoices", params={"organization_id": BOOKS_ORG, "page": 2, "per_page": 200},
                      headers=headers).json()
    assert len(body["invoices"]) == 30 and body["page_context"]["has_more_page"] is False


def test_rate_limit_switch_answers_429_with_retry_after(lab: tuple[Lab, httpx.Client]) -> None:
    emu, client = lab[0].emu, lab[1]
    emu.products.rate_limit(count=2, retry_after="3", path_prefix="/crm/")
    headers = auth(client, "crm")
    first, second, third = (client.get("/crm/v8/Leads", headers=headers) for _ in range(3))
    assert first.status_code == second.status_code == 429 and first.headers["retry-after"] == "3"
    assert first.json()["code"] == "TOO_MANY_REQUESTS" and third.status_code == 200
