"""Data centres and scopes as Zoho documents them (facts §13.1), and the Multi-DC trust rule."""

from __future__ import annotations

import pytest

from zconnect_tui.datacenters import BUILTIN, DataCenters, parse_custom
from zconnect_tui.errors import ConfigError, ZconnectError
from zconnect_tui.products import PRODUCTS as SERVICES
from zconnect_tui.products import unconfirmed


def test_ae_is_built_in_and_flagged_where_only_one_product_documents_it() -> None:
    ae = BUILTIN["ae"]
    assert (ae.accounts, ae.api, SERVICES["desk"].host_of(ae), ae.console) == (
        "https://accounts.zoho.ae", "https://www.zohoapis.ae", "https://desk.zoho.ae", "https://api-console.zoho.ae")
    assert unconfirmed(ae) == {"accounts", "desk", "console", "projects"}


def test_flags_only_where_no_zoho_source_confirms_the_host() -> None:
    flags = {key: unconfirmed(dc) - {"projects"} for key, dc in BUILTIN.items()}
    for key in ("au", "jp", "ca", "sa", "uk"):  # API Console hosts confirmed (Site24x7 README, ManageEngine)
        assert "console" not in flags[key], key
    assert flags["uk"] == {"api", "desk"}  # www.zohoapis.uk third-party only; no Zoho source names desk.zoho.uk
    assert flags["jp"] == flags["ca"] == flags["sa"] == {"desk"}
    assert flags["us"] == flags["eu"] == flags["in"] == flags["au"] == flags["cn"] == set()


def test_crm_defaults_are_read_only() -> None:
    crm = SERVICES["crm"]
    assert crm.defaults == ("ZohoCRM.modules.READ", "ZohoCRM.settings.READ", "ZohoCRM.org.READ",
                            "ZohoCRM.users.READ")
    assert set(crm.defaults) <= set(crm.scopes)  # all offered in the catalogue
    assert "ZohoCRM.modules.ALL" in crm.scopes  # write scopes stay available, to pick


def test_trust_follows_the_family() -> None:
    """The one trust rule (`DataCenters.trusted_accounts`), by accounts server and by location key."""
    dcs = DataCenters.from_config({
        "lab": {"accounts": "http://127.0.0.1:9000", "api": "http://127.0.0.1:9000", "family": "lab"},
        "lab-eu": {"accounts": "http://127.0.0.1:9001", "api": "http://127.0.0.1:9001", "family": "lab"},
        "solo": {"accounts": "http://127.0.0.1:9002", "api": "http://127.0.0.1:9002"},
        # declares a family named like `solo`: it does not make `solo` (which declares none) trust it
        "intruder": {"accounts": "http://127.0.0.1:9003", "api": "http://127.0.0.1:9003", "family": "solo"},
    }, SERVICES)

    def refused(home: str, url: str | None = None, location: str | None = None) -> bool:
        with pytest.raises(ZconnectError, match="is not trusted .* refused"):
            dcs.trusted_accounts(home, url, location=location)
        return True

    assert dcs.trusted_accounts("us", "https://accounts.zoho.eu/").key == "eu"
    assert dcs.trusted_accounts("us", location="eu").key == "eu"
    assert refused("us", "http://127.0.0.1:9000")  # Zoho's never hand over to yours
    assert dcs.trusted_accounts("lab", "http://127.0.0.1:9001").key == "lab-eu"
    assert dcs.trusted_accounts("lab", location="lab-eu").key == "lab-eu"
    assert refused("lab", "https://accounts.zoho.com")
    assert refused("lab", location="solo") and refused("solo", location="lab")
    assert dcs.trusted_accounts("solo", "http://127.0.0.1:9002").key == "solo"
    assert refused("solo", "http://127.0.0.1:9003") and refused("solo", location="intruder")
    assert refused("us", location="mars") and refused("us", location="")
    # The API domain follows the same rule: a family member's `api`, never another's, never Zoho's for yours.
    assert dcs.trusted_api_domain("lab", "http://127.0.0.1:9001") == "http://127.0.0.1:9001"
    assert dcs.trusted_api_domain("lab", "http://127.0.0.1:9002") is None
    assert dcs.trusted_api_domain("solo", "http://127.0.0.1:9003") is None


@pytest.mark.parametrize("family", ["zoho", "", 5])
def test_a_data_centre_cannot_join_zohos_family(family: object) -> None:
    with pytest.raises(ConfigError, match="family"):
        parse_custom("fake", {"accounts": "https://a.example.com", "api": "https://a.example.com", "family": family},
                     SERVICES)
