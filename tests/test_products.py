"""The product profiles (`zconnect_tui/products/`): the one place that knows a product.

A guard reads every module outside `products/` and fails on a product's key used as a value (a
comparison, a dict key, a default, a tuple of keys) or a product's own API path, so a new branch on a
product's name cannot come back unseen. The rest checks what each profile says.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from zconnect_tui.apitarget import token_origins
from zconnect_tui.connector import api_base
from zconnect_tui.datacenters import BUILTIN, DataCenters, parse_custom
from zconnect_tui.errors import ConfigError
from zconnect_tui.model import Connection
from zconnect_tui.products import PRODUCTS, get_product, paginator_for, unconfirmed
from zconnect_tui.products.projects import ProjectsPaginator

PACKAGE = Path(__file__).resolve().parents[1] / "zconnect_tui"
PATHS = tuple(sorted({prefix for p in PRODUCTS.values() for prefix, _ in p.pages}
                     | {p.context.list_path.rsplit("/", 2)[0] + "/" for p in PRODUCTS.values() if p.context}))
"""Product-specific paths (`/api/`, `/crm/`, `/books/`, `/restapi/`, `/inventory/`, …): the profiles' own."""


def _strings(node: ast.AST) -> list[ast.Constant]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def product_branches(source: str) -> list[tuple[int, str]]:
    """(line, why) for each place `source` names a product outside its profile.

    A string equal to a product's key anywhere in code (a comparison, a dict key, a default, a tuple
    of keys), and a string (or an f-string's literal part) that starts with a product's own path. A
    docstring or help text mentions products in prose and starts with neither.
    """
    tree = ast.parse(source)
    found = []
    for const in _strings(tree):
        if const.value in PRODUCTS:
            found.append((const.lineno, f"the product key {const.value!r}"))
        elif const.value.startswith(PATHS):
            found.append((const.lineno, f"the product path {const.value!r}"))
    return found


def test_nothing_outside_the_profiles_branches_on_a_product() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        # products/ is the one place; lab/ is Zoho's side (the emulator serves each product's own paths).
        if path.relative_to(PACKAGE).parts[0] in ("products", "lab"):
            continue
        for line, why in product_branches(path.read_text()):
            offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {why}")
    assert not offenders, "Ask the product's profile (zconnect_tui/products/) instead:\n" + "\n".join(offenders)


@pytest.mark.parametrize("seeded", [
    'if conn.service == "desk":\n    pass\n',
    'NUMERIC = ("desk", "books")\n',
    'label = {"crm": "CRM organization"}[kind]\n',
    'def f(service: str = "projects") -> None: ...\n',
    'url = f"{base}/api/v1/organizations"\n',
    'ok = path.startswith("/books/")\n',
    'portals = base + "/restapi/portals/"\n',
    'found = "inventory" in kinds\n',
])
def test_the_guard_sees_a_seeded_branch(seeded: str) -> None:
    assert product_branches(seeded), seeded
    assert not product_branches('"""Desk wants its orgId header; see /api/v1/tickets."""\nname = "desks"\n')


# ----- what the profiles say ------------------------------------------------------------------------
def test_every_profile_is_whole() -> None:
    for key, product in PRODUCTS.items():
        assert product.key == key and get_product(key) is product
        assert set(product.defaults) <= set(product.scopes), key
        if product.context is not None:
            assert product.context.list_path.startswith("/") and product.context.id_keys, key
        if "{" in product.first_call:  # a path context's placeholder is the one it fills
            assert product.context is not None and "{" + product.context.send_name + "}" in product.first_call
    # Read-only defaults: a write scope only when the user picks it.
    for key in ("crm", "books", "projects", "inventory"):
        assert not [s for s in PRODUCTS[key].defaults if s.rsplit(".", 1)[1].upper() in ("ALL", "CREATE")], key


def test_projects_and_inventory_hosts_per_data_centre() -> None:
    projects, inventory = PRODUCTS["projects"], PRODUCTS["inventory"]
    assert projects.host_of(BUILTIN["us"]) == "https://projectsapi.zoho.com"  # Zoho's API page
    assert projects.host_of(BUILTIN["eu"]) == "https://projectsapi.zoho.eu"
    assert projects.host_of(BUILTIN["ca"]) == "https://projectsapi.zohocloud.ca"
    assert "projects" in unconfirmed(BUILTIN["ca"]) and "projects" not in unconfirmed(BUILTIN["us"])
    assert inventory.host_of(BUILTIN["us"]) is None  # the API domain Zoho returns serves it
    conn = Connection(name="i", service="inventory", dc="eu", client_id="1000.A", scopes=["x.y.READ"],
                      api_domain="https://www.zohoapis.eu")
    assert api_base(conn, DataCenters()) == "https://www.zohoapis.eu"
    assert api_base(Connection(name="p", service="projects", dc="in", client_id="1000.A", scopes=["x.y.READ"]),
                    DataCenters()) == "https://projectsapi.zoho.in"


def test_a_data_centre_of_your_own_names_any_product_host() -> None:
    dcs = DataCenters.from_config({"lab": {"accounts": "http://127.0.0.1:9000", "api": "http://127.0.0.1:9000",
                                           "projects": "http://127.0.0.1:9001", "inventory": "http://localhost:9002"}},
                                  PRODUCTS)
    lab = dcs.get("lab")
    conn = Connection(name="p", service="projects", dc="lab", client_id="1000.A", scopes=["x.y.READ"])
    assert api_base(conn, dcs) == "http://127.0.0.1:9001"
    conn.service = "inventory"
    assert api_base(conn, dcs) == "http://localhost:9002"
    allowed = token_origins(dcs, "lab", lab)
    assert {("http", "127.0.0.1", 9001), ("http", "localhost", 9002), ("http", "127.0.0.1", 9000)} == set(allowed)
    conn.service = "desk"  # a product with a host of its own, none named: one line saying which key to add
    with pytest.raises(ConfigError) as refused:
        api_base(conn, dcs)
    assert 'Add desk = "https://…" under [data_centers.lab]' in refused.value.one_line()
    for bad in ("http://evil.example:9001", "https://u:p@127.0.0.1", 5):  # the same URL rules as `api`
        with pytest.raises(ConfigError, match="data_centers.lab.projects"):
            parse_custom("lab", {"accounts": "http://127.0.0.1:9000", "api": "http://127.0.0.1:9000",
                                 "projects": bad}, PRODUCTS)


def test_projects_pages_by_index_and_range_and_drops_repeats() -> None:
    pager = paginator_for("/restapi/portal/1/projects/", {"projects"})
    assert isinstance(pager, ProjectsPaginator)
    assert paginator_for("/restapi/portal/1/projects/") is None  # only on the Projects host
    params = pager.first([])
    assert params == [("index", "1"), ("range", "200")]  # index counts from 1 (facts §14.3)
    page = {"projects": [{"id": i} for i in range(200)]}
    assert pager.next(params, page) == [("index", "201"), ("range", "200")]
    assert pager.next(params, {"projects": [{"id": 1}]}) is None
    assert not pager.drop_repeats(page)
    again = {"projects": [{"id": 199}, {"id": 200}]}  # a boundary counted from another base
    assert pager.drop_repeats(again) and again == {"projects": [{"id": 200}]}
