"""Multi-DC end to end: a user of another data centre, common or per-DC secrets, and the errors.

One emulator answers for two user-defined data centres of one family, `lab` (where the client is
registered) and `lab-eu` (where the user is), as Zoho's own data centres hand users to each other;
a third, of another family, must never receive a code or a secret.
"""

from __future__ import annotations

import json
import os

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, EU_SECRET, free_port
from inprocess import zconnect

from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.model import Connection, redirect_uri_for
from zconnect_tui.store import Store


def add_desk(emulator: ZohoEmulator, **client: object) -> str:
    """The client registered at `lab`, and the connection stored as `zconnect add` stores it."""
    redirect = redirect_uri_for(free_port())
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [redirect], **client)  # type: ignore[arg-type]
    Store(os.environ["ZCONNECT_CONFIG"]).save_connection(Connection(
        "desk", "desk", "lab", CLIENT_ID, ["Desk.basic.READ"], client_secret=CLIENT_SECRET, redirect_uri=redirect))
    return redirect


def test_a_user_of_another_data_centre_with_the_common_secret(emulator, two_dcs, browser) -> None:
    add_desk(emulator, multi_dc=True)
    emulator.user_location = "lab-eu"
    done = zconnect("authorize", "desk", "--timeout", "20")
    assert done.code == 0, done.err
    assert "data centre lab-eu" in done.out and "Difference Works" in done.out  # verified on lab-eu's Desk
    conn = Store(two_dcs).load().get("desk")
    assert conn.location == "lab-eu" and conn.accounts_server == emulator.url_of("lab-eu")
    exchange = emulator.token_requests("authorization_code")[-1]
    assert exchange.dc == "lab-eu" and exchange.form["client_secret"] == CLIENT_SECRET
    Store(two_dcs).update("desk", lambda c: setattr(c.token, "expires_at", c.token.refreshed_at))
    assert zconnect("token", "desk").code == 0
    assert emulator.token_requests("refresh_token")[-1].dc == "lab-eu"


@pytest.mark.parametrize("client", [{"multi_dc": False}, {"multi_dc": True, "dc_secrets": {"lab-eu": EU_SECRET}}],
                         ids=["multi-dc-off", "per-dc-secret"])
def test_invalid_client_from_another_data_centre_names_both_fixes(emulator, two_dcs, browser, client) -> None:
    add_desk(emulator, **client)
    emulator.user_location = "lab-eu"
    before = two_dcs.read_bytes()
    done = zconnect("authorize", "desk", "--timeout", "20")
    assert done.code == 1
    lines = [line for line in done.err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.err
    assert "lab-eu data centre does not accept this client (invalid_client)" in lines[0]
    assert "enable lab-eu under Multi-DC" in lines[0] and "zconnect secret desk --dc lab-eu" in lines[0]
    assert two_dcs.read_bytes() == before  # nothing stored


def test_a_data_centres_own_secret_is_used_for_its_users(emulator, two_dcs, browser) -> None:
    add_desk(emulator, multi_dc=True, dc_secrets={"lab-eu": EU_SECRET})
    stored = zconnect("secret", "desk", "--dc", "lab-eu", stdin=EU_SECRET + "\n")
    assert stored.code == 0, stored.err
    assert "lab-eu's own Client Secret" in stored.out and EU_SECRET not in stored.out
    emulator.user_location = "lab-eu"
    done = zconnect("authorize", "desk", "--timeout", "20")
    assert done.code == 0, done.err
    assert emulator.token_requests("authorization_code")[-1].form["client_secret"] == EU_SECRET
    Store(two_dcs).update("desk", lambda c: setattr(c.token, "expires_at", c.token.refreshed_at))
    assert zconnect("refresh", "desk").code == 0
    refresh = emulator.token_requests("refresh_token")[-1]
    assert refresh.dc == "lab-eu" and refresh.form["client_secret"] == EU_SECRET
    # Masked like the other secret everywhere but `show --reveal`.
    assert "[connections.desk.client_secrets]" in two_dcs.read_text()
    shown = zconnect("show", "desk")  # `list` and the exports never print a secret (test_secret_hygiene)
    assert shown.code == 0 and EU_SECRET not in shown.out and "client_secrets.lab-eu  eu…3456" in shown.out
    revealed = json.loads(zconnect("show", "desk", "--json", "--reveal").out)
    assert revealed["client_secrets"] == {"lab-eu": EU_SECRET}
    # A user of the registration data centre still gets the common secret.
    conn = Store(two_dcs).load().get("desk")
    assert conn.secret_for("lab") == CLIENT_SECRET and conn.secret_for("lab-eu") == EU_SECRET


def test_secret_replaces_the_common_one_and_reads_like_add(emulator, two_dcs) -> None:
    add_desk(emulator)
    new = "ab" * 21
    done = zconnect("secret", "desk", "--client-secret-env", "NEW_SECRET", env={"NEW_SECRET": new})
    assert done.code == 0 and "Replaced desk's Client Secret" in done.out and new not in done.out
    assert Store(two_dcs).load().get("desk").client_secret == new
    # Never from the command line.
    assert zconnect("secret", "desk", new).code == 2
    empty = zconnect("secret", "desk", "--client-secret-env", "UNSET_VAR")
    assert empty.code == 2 and "UNSET_VAR" in empty.err


@pytest.mark.parametrize("dc", ["us", "other", "mars"])
def test_a_secret_for_a_data_centre_outside_the_family_is_refused_before_reading_it(emulator, two_dcs,
                                                                                   dc: str) -> None:
    add_desk(emulator)
    before = two_dcs.read_bytes()
    done = zconnect("secret", "desk", "--dc", dc, stdin="should-not-be-read\n")
    assert done.code == 2 and "Choose one of lab, lab-eu" in done.err
    assert two_dcs.read_bytes() == before


def test_a_redirect_to_a_data_centre_of_another_family_is_refused(emulator, two_dcs, browser) -> None:
    add_desk(emulator, multi_dc=True)
    emulator.user_location = "other"
    done = zconnect("authorize", "desk", "--timeout", "20")
    assert done.code == 1 and "is not trusted for a connection registered in data centre 'lab'" in done.err
    assert not [r for r in emulator.requests if r.dc == "other" and r.path.startswith("/oauth/v2/token")]


def test_the_multi_dc_refusal_names_its_data_centre_for_the_wizard() -> None:
    """The wizard's step 6 asks for that data centre's secret: the error says which one."""
    from zconnect_tui.errors import MultiDCRejected, multi_dc_error

    exc = multi_dc_error("desk", "us", "eu")
    assert isinstance(exc, MultiDCRejected) and exc.dc == "eu" and exc.code == "invalid_client"
