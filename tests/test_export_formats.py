"""The export formats' registry (#19) and the extension-facing formats (#20): golden outputs on fixed
Desk and Books connections, the developer's own org id, tokens and secret in none of the extension-facing
formats, the sigma entry as JSON and the Posting requests as YAML.

Goldens live in tests/golden/exports/; after a deliberate change, rewrite them with
`python tests/test_export_formats.py` and read the diff.
"""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
import yaml

from zconnect_tui import exports
from zconnect_tui.datacenters import DataCenters
from zconnect_tui.exports import ExportOptions, render, render_all
from zconnect_tui.exports.base import ExportFormat
from zconnect_tui.model import Connection
from zconnect_tui.saved import SavedApi

GOLDEN = Path(__file__).resolve().parent / "golden" / "exports"
README = Path(__file__).resolve().parent.parent / "README.md"
ORG = "60002000002"
SECRET = "5f0c2e9a7b1d43c8a6e2f0b9d7c5a3e1f2b4d6c8a0"
ACCESS = "1000.a11ce5a11ce5a11ce5a11ce5a11ce5a1.a11ce5a11ce5a11ce5a11ce5a11ce5a1"
REFRESH = "1000.7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e.7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e7e"
EXTENSION = [f.key for f in exports.FORMATS if f.extension]


def fixed(service: str, **kw: object) -> Connection:
    """A connection as a developer has it after trying two calls: their org, their tokens, their secret."""
    apis = {
        "desk": {"ticket": SavedApi("GET", "/api/v1/tickets/{id}", description="One ticket"),
                 "open": SavedApi("GET", "/api/v1/tickets", {"status": "Open", "limit": 50})},
        "books": {"invoice": SavedApi("GET", "/books/v3/invoices/{invoice_id}", description="One invoice"),
                  "contact": SavedApi("POST", "/books/v3/contacts", {"contact_name": "Bowman", "notes": "VIP"})},
        "crm": {"me": SavedApi("GET", "/crm/v8/users", {"type": "CurrentUser"}),
                "lead": SavedApi("GET", "/crm/v8/Leads/{id}")},
        "projects": {"projects": SavedApi("GET", "/restapi/portal/{portal}/projects/"),
                     "tasks": SavedApi("GET", f"/restapi/portal/{ORG}/projects/{{project}}/tasks/")},
    }[service]
    conn = Connection(service, service, "eu", "1000.Q7ZK3WJ0D5ARPX2M8LN4VHYBCT6E1F",
                      {"desk": ["Desk.basic.READ", "Desk.tickets.READ"], "books": ["ZohoBooks.invoices.READ",
                       "ZohoBooks.contacts.CREATE"], "crm": ["ZohoCRM.users.READ"],
                       "projects": ["ZohoProjects.projects.ALL"]}[service],
                      client_secret=SECRET, org_id=ORG, location="eu",
                      redirect_uri="http://127.0.0.1:9646/callback", **kw)  # type: ignore[arg-type]
    conn.token.access_token, conn.token.refresh_token = ACCESS, REFRESH
    conn.apis = apis
    return conn


# ----- goldens -----------------------------------------------------------------------------------------------
CASES = [(service, fmt.key) for service in ("desk", "books") for fmt in exports.FORMATS]


def golden_text(service: str, key: str) -> str:
    return render(key, fixed(service), DataCenters(), ExportOptions(namespace="acme")) + "\n"


@pytest.mark.parametrize(("service", "key"), CASES)
def test_each_format_renders_its_golden(service: str, key: str) -> None:
    path = GOLDEN / f"{service}.{key}.txt"
    assert golden_text(service, key) == path.read_text(encoding="utf-8"), f"{path.name} changed: see the diff"


def test_every_format_has_goldens_and_no_golden_is_left_over() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(f"{s}.{k}.txt" for s, k in CASES)


# ----- what an extension must never get ------------------------------------------------------------------------
@pytest.mark.parametrize("service", ["desk", "books", "crm", "projects"])
def test_no_extension_format_holds_the_developers_ids_tokens_or_secret(service: str) -> None:
    conn = fixed(service)
    # Saved the way a developer tries things: their own org written into a header, a field and the path.
    conn.apis["mine"] = SavedApi("GET", f"/api/v1/x/{ORG}", {"organization_id": ORG, "q": f"{ORG},7"},
                                 {"orgId": ORG, "X-Org": ORG})
    for key in EXTENSION:
        fmt = exports.get(key)
        texts = [fmt.render(conn, DataCenters(), ExportOptions())]
        texts += list(fmt.files(conn, DataCenters(), ExportOptions()).values()) if fmt.files else []
        for text in texts:
            for secret in (ORG, ACCESS, REFRESH, SECRET, conn.client_id):
                assert secret not in text, (service, key, secret)


@pytest.mark.parametrize("service", ["desk", "books"])
def test_the_context_id_and_the_data_centre_are_named_dynamic_values(service: str) -> None:
    conn = fixed(service)
    deluge = render("deluge", conn, DataCenters())
    urls = re.findall(r"^    url: (.*)$", deluge, re.M)
    assert urls and all(u.startswith("apiBase + ") for u in urls)  # no host written in: the installing org's DC
    wire, variable = ("orgId", "orgId") if service == "desk" else ("organization_id", "organizationId")
    where = "urlHeaders" if service == "desk" else "urlParams"
    assert deluge.count(f'{where}.put("{wire}", {variable});') == 2  # both APIs carry it, as a variable
    assert deluge.count(f'connectorValues.put("{variable}", {variable});') == 2  # and as invokeConnector's map key
    console = render("console", conn, DataCenters())
    assert re.findall(r"^URL +(.*)$", console, re.M)[0].startswith("${apiBase}/")
    assert f"{wire}: ${{{variable}}}" in console
    assert "zohodesk" not in deluge and "zohobooks" not in deluge  # invokeapi only where Zoho names the service


def test_invokeapi_is_written_where_zoho_documents_the_service() -> None:
    deluge = render("deluge", fixed("crm"), DataCenters())
    assert deluge.count("response = invokeapi") == 2 and "    service: zohocrm" in deluge
    assert '    path: "/crm/v8/Leads/" + id' in deluge  # the path alone: Zoho picks the host by data centre
    assert "invokeapi" not in render("deluge", fixed("desk"), DataCenters())


def test_a_portal_in_the_path_is_the_dynamic_value() -> None:
    deluge = render("deluge", fixed("projects"), DataCenters())
    assert 'url: apiBase + "/restapi/portal/" + portalId + "/projects/"' in deluge
    assert 'url: apiBase + "/restapi/portal/" + portalId + "/projects/" + project + "/tasks/"' in deluge


def test_namespace_and_connector_name_the_invokeconnector_identifier() -> None:
    deluge = render("deluge", fixed("desk"), DataCenters(), ExportOptions(namespace="acme", connector="helpdesk"))
    assert 'zoho.crm.invokeConnector("acme.helpdesk.ticket", connectorValues);' in deluge
    assert 'connection: "helpdesk"' in deluge
    plain = render("deluge", fixed("desk"), DataCenters())
    assert 'zoho.crm.invokeConnector("<namespace>.desk.ticket", connectorValues);' in plain


def test_a_placeholder_named_like_a_deluge_word_is_renamed() -> None:
    conn = fixed("desk")
    conn.apis = {"x": SavedApi("GET", "/api/v1/tickets/{info}", headers={"X-Q": "{apiBase}"})}
    deluge = render("deluge", conn, DataCenters())
    assert 'url: apiBase + "/api/v1/tickets/" + infoValue' in deluge
    assert 'urlHeaders.put("X-Q", apiBaseValue);' in deluge


# ----- parsed as what they claim to be ---------------------------------------------------------------------
@pytest.mark.parametrize("service", ["desk", "books", "crm"])
def test_sigma_is_a_manifest_connectors_entry(service: str) -> None:
    conn = fixed(service)
    data = json.loads(render("sigma", conn, DataCenters(), ExportOptions(connector="helpdesk")))
    assert list(data) == ["connectors"] and len(data["connectors"]) == 1
    entry = data["connectors"][0]
    assert list(entry) == ["connectionLinkName", "connectionName", "serviceName", "userAccess",
                           "isUserDefinedService", "sharedBy", "scope"]
    assert entry["connectionLinkName"] == "helpdesk" and entry["scope"] == conn.scopes
    assert entry["userAccess"] is True and entry["isUserDefinedService"] is True and entry["sharedBy"] == ""


def posting_request(text: str, variables: dict[str, str]) -> tuple[str, str, dict[str, str], dict[str, str]]:
    """What Posting sends for a request file: its string.Template variables, then its :path parameters."""
    data = yaml.safe_load(text)
    url = string.Template(data["url"]).substitute(variables)
    for param in data.get("path_params", []):
        url = re.sub(rf"(?<!:):{param['name']}\b", param["value"] or "P", url)
    headers = {string.Template(h["name"]).substitute(variables): string.Template(h["value"]).substitute(variables)
               for h in data.get("headers", [])}
    params = {p["name"]: string.Template(p["value"]).substitute(variables) for p in data.get("params", [])}
    return data["method"], url.replace("::", ":"), headers, params


@pytest.mark.parametrize("service", ["desk", "books"])
def test_posting_requests_parse_as_yaml_and_resolve_like_posting_does(service: str) -> None:
    conn = fixed(service)
    files = exports.get("posting").files(conn, DataCenters(), ExportOptions())  # type: ignore[misc]
    assert sorted(files) == sorted([f"{k}.posting.yaml" for k in conn.apis] + ["zconnect_setup.py"])
    variables = {"ZOHO_API_BASE": "https://base", "ZOHO_ORG_ID": "42", "ZOHO_ACCESS_TOKEN": "T"}
    for key in conn.apis:
        text = files[f"{key}.posting.yaml"]
        data = yaml.safe_load(text)
        assert data["name"] == key and data["scripts"] == {"setup": "zconnect_setup.py"}
        method, url, headers, params = posting_request(text, variables)
        assert method == conn.apis[key].method and url.startswith("https://base/")
        assert headers["Authorization"] == "Zoho-oauthtoken T"
        assert (headers.get("orgId") if service == "desk" else params.get("organization_id")) == "42"
    compile(files["zconnect_setup.py"], "zconnect_setup.py", "exec")
    if service == "books":
        body = yaml.safe_load(files["contact.posting.yaml"])["body"]
        assert json.loads(body["content"]) == {"contact_name": "Bowman", "notes": "VIP"}


def test_posting_keeps_dollars_colons_and_odd_text_literal() -> None:
    conn = fixed("desk")
    weird = 'a$b "q" \\ é \u2028 x:y'
    conn.apis = {"w": SavedApi("POST", "/api/v1/a:b/{id}", {"text": weird, "n": 1}, {"X-W": weird, "X-$": "d"})}
    files = exports.get("posting").files(conn, DataCenters(), ExportOptions())  # type: ignore[misc]
    text = files["w.posting.yaml"]
    method, url, headers, _ = posting_request(text, {"ZOHO_API_BASE": "https://b", "ZOHO_ORG_ID": "1",
                                                     "ZOHO_ACCESS_TOKEN": "T"})
    assert url == "https://b/api/v1/a:b/P" and headers["X-W"] == weird and headers["X-$"] == "d"
    content = yaml.safe_load(text)["body"]["content"]
    assert json.loads(string.Template(content).substitute({})) == {"text": weird, "n": 1}
    assert "posting.env" not in files  # {id} is in the path: Posting's Path tab fills it


def test_placeholders_outside_the_path_go_to_posting_env() -> None:
    conn = fixed("desk")
    conn.apis = {"s": SavedApi("GET", "/api/v1/tickets/{id}", {"q": "{term}"}, {"X-Id": "{id}"})}
    files = exports.get("posting").files(conn, DataCenters(), ExportOptions())  # type: ignore[misc]
    assert files["posting.env"].splitlines()[1:] == ['term=""', 'id=""']


# ----- the registry is the one list ---------------------------------------------------------------------------
def test_a_failing_format_gives_its_error_and_the_others_their_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(conn: Connection, dcs: DataCenters, options: ExportOptions) -> str:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(exports, "FORMATS", (*exports.FORMATS[:2], ExportFormat("boom", "x", "y", False, boom),
                                             *exports.FORMATS[2:]))
    got = render_all(fixed("desk"), DataCenters())
    assert list(got) == list(exports.keys())
    assert isinstance(got["boom"].error, RuntimeError) and got["boom"].text == ""
    assert all(r.error is None and r.text for k, r in got.items() if k != "boom")


def test_the_readme_lists_exactly_the_registrys_formats() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Export formats", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \|", section, re.M)
    assert rows == list(exports.keys())


def test_the_dashboards_export_help_names_every_format() -> None:
    from zconnect_tui.tui.actions import BY_NAME

    help_text, cli = BY_NAME["export"].described()
    assert cli == f"zconnect export NAME --format {'|'.join(exports.keys())}"
    assert all(f.title.lower() in help_text.lower() for f in exports.FORMATS)


def write_goldens() -> None:
    """Rewrite the goldens from the current code (run by hand, then read the diff)."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for service, key in CASES:
        (GOLDEN / f"{service}.{key}.txt").write_text(golden_text(service, key), encoding="utf-8")


if __name__ == "__main__":
    write_goldens()
