"""The organisation a user chose is kept (#20 item 2): `authorize --org`, `edit --org`, and a re-authorization
that keeps the stored organisation when the new token reaches it and refuses to change it when not.

Against the emulator over real sockets: Desk binds a token to the organisation picked on its consent page
(`emulator.consent_org`); Books' token reaches the organisations the user belongs to (`emulator.keep_orgs`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, DC, free_port, run_cli
from inprocess import zconnect

from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.model import ORG_NOT_REACHED
from zconnect_tui.store import Store

DEFAULT, OTHER = "60002000002", "60001000001"  # Desk: Difference Works (isDefault), Analytical Engines Ltd
BOOKS_DEFAULT, BOOKS_OTHER = "10234695", "10234696"  # Books: Analytical Engines Ltd (default), Difference Works


def one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def books(emulator: ZohoEmulator, config_path: Path) -> str:
    return add_books(emulator)


def add_books(emulator: ZohoEmulator) -> str:
    """`books`: a Books connection added with the CLI, its client registered at the emulator."""
    port = free_port()
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{port}/callback"])
    added = zconnect("add", "books", "--service", "books", "--dc", DC, "--client-id", CLIENT_ID, "--port",
                     str(port), stdin=CLIENT_SECRET + "\n")
    assert added.code == 0, added.err
    return "books"


def org_of(config_path: Path, name: str) -> tuple[str, str]:
    conn = Store(config_path).load().get(name)
    return conn.org_id, conn.last_error


def test_authorize_org_stores_the_one_asked_for_not_zohos_default(emulator, config_path, books, browser):
    done = zconnect("authorize", "books", "--org", BOOKS_OTHER, "--timeout", "20")
    assert done.code == 0, done.err
    assert f"Organization: Difference Works ({BOOKS_OTHER})" in done.out
    assert org_of(config_path, "books")[0] == BOOKS_OTHER


def test_authorize_org_the_token_does_not_reach_is_refused_naming_the_choices(emulator, config_path, books,
                                                                               browser):
    assert zconnect("authorize", "books", "--timeout", "20").code == 0
    done = zconnect("authorize", "books", "--org", "999", "--timeout", "20")
    line = one_line(done.err)
    assert done.code == 2, done.err
    assert "does not reach the organization 999" in line and f"Analytical Engines Ltd ({BOOKS_DEFAULT})" in line
    assert f"Difference Works ({BOOKS_OTHER})" in line and "zconnect edit books --org ID" in line
    assert org_of(config_path, "books")[0] == BOOKS_DEFAULT  # unchanged


def test_org_is_refused_before_consent_for_a_product_without_one(emulator, config_path, desk, browser):
    text = config_path.read_text().replace('service = "desk"', 'service = "mail"')
    config_path.write_text(text)
    done = zconnect("authorize", "desk", "--org", "1", "--timeout", "20")
    assert done.code == 2 and "names no organization" in one_line(done.err)
    assert emulator.consent_url_hits == 0


def test_edit_org_stores_one_the_token_reaches_and_api_sends_it(emulator, config_path, books, browser):
    assert zconnect("authorize", "books", "--timeout", "20").code == 0
    edited = zconnect("edit", "books", "--org", BOOKS_OTHER)
    assert edited.code == 0 and "Changed books: organization." in edited.out, edited.err
    assert org_of(config_path, "books")[0] == BOOKS_OTHER
    called = run_cli("api", "books", "/books/v3/invoices")  # api writes bytes: a process
    assert called.code == 0, called.err
    assert emulator.requests_to("/books/v3/invoices")[-1].params["organization_id"] == BOOKS_OTHER


def test_edit_org_the_token_does_not_reach_changes_nothing(emulator, config_path, authorized_desk):
    # Authorized: Desk binds the token to the default organization.
    before = config_path.read_bytes()
    edited = zconnect("edit", "desk", "--org", OTHER)  # listed, but the token is not bound to it
    line = one_line(edited.err)
    assert edited.code == 2
    assert f"does not reach the organization {OTHER}; nothing was changed" in line
    assert f"Choose one of: Difference Works ({DEFAULT})." in line and "Analytical" not in line
    assert config_path.read_bytes() == before


def test_reauthorizing_keeps_the_chosen_org_the_token_still_reaches(emulator, config_path, books, browser):
    assert zconnect("authorize", "books", "--org", BOOKS_OTHER, "--timeout", "20").code == 0
    again = zconnect("authorize", "books", "--timeout", "20")  # Zoho's default is the other one
    assert again.code == 0, again.err
    assert f"Organization: Difference Works ({BOOKS_OTHER}) (the token reaches it)." in again.out
    assert org_of(config_path, "books") == (BOOKS_OTHER, "")
    assert "different Zoho organization" not in again.err


def test_reauthorizing_desk_to_another_org_refuses_to_change_it(emulator, config_path, desk, browser):
    emulator.consent_org = OTHER
    assert zconnect("authorize", "desk", "--timeout", "20").code == 0
    assert org_of(config_path, "desk")[0] == OTHER
    emulator.consent_org = DEFAULT  # the re-consent picked Zoho's default on the consent page
    issued = len(emulator.issued_refresh_tokens)
    again = zconnect("authorize", "desk", "--timeout", "20")
    assert again.code == 1, again.err
    line = [x for x in again.err.splitlines() if x.startswith("zconnect:")][-1]
    assert f"desk's new token no longer reaches Analytical Engines Ltd ({OTHER}); it reaches Difference Works " \
           f"({DEFAULT})" in line
    assert "zconnect edit desk --org ID" in line
    org_id, last_error = org_of(config_path, "desk")
    assert org_id == OTHER and ORG_NOT_REACHED in last_error  # kept, and the file says why calls fail
    conn = Store(config_path).load().get("desk")
    assert conn.token.refresh_token == emulator.issued_refresh_tokens[issued]  # the new tokens are stored
    # `api` names the chosen organisation, never the other one; Desk refuses it, and says so.
    assert run_cli("api", "desk", "/api/v1/tickets").code != 0
    assert {r.headers.get("orgid") for r in emulator.requests_to("/api/v1/tickets")} == {OTHER}
    # A refresh leaves the note; choosing one the token reaches clears it.
    assert zconnect("refresh", "desk").code == 0
    assert ORG_NOT_REACHED in org_of(config_path, "desk")[1]
    chosen = zconnect("edit", "desk", "--org", DEFAULT)
    assert chosen.code == 0, chosen.err
    assert org_of(config_path, "desk") == (DEFAULT, "")


def test_reauthorizing_books_after_leaving_the_org_refuses_to_change_it(emulator, config_path, books, browser):
    assert zconnect("authorize", "books", "--org", BOOKS_OTHER, "--timeout", "20").code == 0
    emulator.keep_orgs([BOOKS_DEFAULT])  # the user left Difference Works at Zoho
    again = zconnect("authorize", "books", "--timeout", "20")
    assert again.code == 1
    assert f"no longer reaches Difference Works ({BOOKS_OTHER}); it reaches Analytical Engines Ltd " \
           f"({BOOKS_DEFAULT})" in again.err
    assert org_of(config_path, "books")[0] == BOOKS_OTHER
