"""Zoho Projects and Zoho Inventory end to end through the real CLI, against the emulator over real sockets
(Projects on a host of its own, as Zoho serves it from projectsapi), and `--paginate` exact over an offset
counted from 0 or from 1.

add → authorize (consent in the fake browser; the default portal or organisation stored) → test →
api (`{portal}` filled from the stored portal, `-p` wins; `--paginate`) → exec → every export format.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_lab import api_lab, run_bytes
from conftest import CLIENT_ID, CLIENT_SECRET, DC, free_port, run_cli
from inprocess import zconnect
from reliability.lab import Lab

from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.store import Store

TESTS = Path(__file__).resolve().parent


@pytest.fixture
def projects_host(emulator: ZohoEmulator, config_path: Path) -> str:
    """Projects' own host, served apart from the rest, named in the `lab` data centre as a user names it."""
    url = emulator.add_product_host("projects")
    text = config_path.read_text().replace(f"[data_centers.{DC}]\n", f'[data_centers.{DC}]\nprojects = "{url}"\n')
    config_path.write_text(text)
    return url


def add_and_authorize(emulator: ZohoEmulator, name: str, service: str) -> str:
    """`zconnect add` with the product's default scopes, then `zconnect authorize` (stdout)."""
    port = free_port()
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{port}/callback"])
    added = zconnect("add", name, "--service", service, "--dc", DC, "--client-id", CLIENT_ID, "--port", str(port),
                     stdin=CLIENT_SECRET + "\n")
    assert added.code == 0, added.err
    done = run_cli("authorize", name, "--timeout", "20")
    assert done.code == 0, done.err
    return done.out


def documents(out: str) -> list[dict]:
    """`--paginate`'s output: one JSON document per page."""
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def run_curl(line: str, bin_dir: Path) -> dict:
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", line], capture_output=True, text=True, env=env,
                          timeout=60)
    assert proc.returncode == 0, (line, proc.stderr)
    return json.loads(proc.stdout)


def test_projects_end_to_end(emulator: ZohoEmulator, config_path: Path, projects_host: str, browser,
                             bin_dir: Path) -> None:
    out = add_and_authorize(emulator, "proj", "projects")
    # The portals come from the Projects host; the one Zoho marks default (listed second) is stored.
    assert "Reached 2 Projects portals: Zylker Events, Difference Works" in out, out
    assert "Portal: Difference Works (647154700) (the token reaches it)." in out, out
    conn = Store(config_path).load().get("proj")
    assert (conn.org_id, conn.org_name) == ("647154700", "Difference Works")
    listed = [r for r in emulator.requests if r.path == "/restapi/portals/"]
    assert listed and {r.host for r in listed} == {"projects"}

    tested = run_cli("test", "proj", "--json")
    assert tested.code == 0, tested.err
    result = json.loads(tested.out)
    assert [o["id"] for o in result["organizations"]] == ["647154632", "647154700"]
    assert result["endpoint"] == f"{projects_host}/restapi/portals/"
    assert "Difference Works (647154700) is one of them" in result["summary"]

    # {portal} from the stored portal; every page on the Projects host, index from 1, range 200.
    paged = run_cli("api", "proj", "/restapi/portal/{portal}/projects/", "--paginate")
    assert paged.code == 0, paged.err
    pages = documents(paged.out)
    ids = [p["id"] for page in pages for p in page["projects"]]
    assert len(pages) == 2 and len(ids) == len(set(ids)) == emulator.products.counts["projects"]
    sent = [r for r in emulator.requests if r.path.endswith("/projects/")]
    assert [(r.host, r.path, r.query["index"], r.query["range"]) for r in sent] == [
        ("projects", "/restapi/portal/647154700/projects/", "1", "200"),
        ("projects", "/restapi/portal/647154700/projects/", "201", "200")]
    # A portal given with -p wins over the stored one.
    other = run_cli("api", "proj", "/restapi/portal/{portal}/projects/", "-p", "portal=647154632", "-f", "range=1")
    assert other.code == 0, other.err
    assert emulator.requests[-1].path == "/restapi/portal/647154632/projects/"

    # Saved, {portal} stays as written and is not asked for: the stored portal fills it when it runs.
    saved = run_cli("api", "proj", "/restapi/portal/{portal}/projects/{id}/", "--save", "one")
    assert saved.code == 0 and saved.out.rstrip().endswith("Run it: zconnect api proj @one -p id=…"), saved
    listed = run_cli("apis", "proj").out.splitlines()
    assert listed[1].split() == ["@one", "GET", "/restapi/portal/{portal}/projects/{id}/", "-", "-p", "id"]

    env = run_cli("exec", "proj", "--", sh := sys.executable, "-c",
                  "import os; print(os.environ['ZOHO_API_BASE'], os.environ['ZOHO_ORG_ID'])")
    assert env.code == 0 and env.out.split() == [projects_host, "647154700"], (sh, env.err)

    exported = {fmt: run_cli("export", "proj", "--format", fmt) for fmt in ("connector", "env", "json", "curl")}
    assert all(r.code == 0 for r in exported.values()), {f: r.err for f, r in exported.items()}
    assert f"export ZOHO_API_BASE={projects_host}" in exported["env"].out
    assert "export ZOHO_ORG_ID=647154700" in exported["env"].out
    data = json.loads(exported["json"].out)
    assert (data["api_base"], data["org_id"], data["service"]) == (projects_host, "647154700", "projects")
    assert "Scopes             ZohoProjects.portals.READ,ZohoProjects.projects.READ" in exported["connector"].out
    assert f"{projects_host}/restapi/portal/647154700/projects/" in exported["curl"].out
    # The saved API as the connector lists it: the URL zconnect would call, on the Projects host.
    assert f"GET {projects_host}/restapi/portal/647154700/projects/{{id}}/\n" in exported["connector"].out
    assert run_curl(exported["curl"].out, bin_dir)["projects"]  # the exported first call works as printed


def test_inventory_end_to_end(emulator: ZohoEmulator, config_path: Path, browser, bin_dir: Path) -> None:
    out = add_and_authorize(emulator, "inv", "inventory")
    assert "Reached 2 Inventory organizations: Engine Works Stores, Analytical Engines Ltd" in out, out
    conn = Store(config_path).load().get("inv")
    assert (conn.org_id, conn.org_name) == ("20234696", "Analytical Engines Ltd")  # is_default_org, listed second

    tested = run_cli("test", "inv")
    assert tested.code == 0 and "Analytical Engines Ltd (20234696) is one of them" in tested.out, tested.err

    # organization_id added to every page, as for Books; page_context followed.
    paged = run_cli("api", "inv", "/inventory/v1/items", "--paginate", "-f", "per_page=100")
    assert paged.code == 0, paged.err
    pages = documents(paged.out)
    names = [i["item_id"] for page in pages for i in page["items"]]
    assert len(pages) == 3 and len(names) == len(set(names)) == emulator.products.counts["items"]
    sent = [r for r in emulator.requests if r.path == "/inventory/v1/items"]
    assert [(r.query["organization_id"], r.query["page"]) for r in sent] == [("20234696", str(n)) for n in (1, 2, 3)]

    env = run_cli("exec", "inv", "--", sys.executable, "-c",
                  "import os; print(os.environ['ZOHO_API_BASE'], os.environ['ZOHO_ORG_ID'])")
    assert env.code == 0 and env.out.split() == [emulator.url, "20234696"], env.err
    exported = {fmt: run_cli("export", "inv", "--format", fmt) for fmt in ("connector", "env", "json", "curl")}
    assert all(r.code == 0 for r in exported.values()), {f: r.err for f, r in exported.items()}
    assert "export ZOHO_ORG_ID=20234696" in exported["env"].out
    assert json.loads(exported["json"].out)["org_id"] == "20234696"
    assert "Scopes             ZohoInventory.settings.READ,ZohoInventory.items.READ" in exported["connector"].out
    assert f"{emulator.url}/inventory/v1/items?organization_id=20234696" in exported["curl"].out
    assert run_curl(exported["curl"].out, bin_dir)["items"]

    # A saved API shows in the connector export with the organisation added, as `zconnect api` sends it.
    saved = run_cli("api", "inv", "/inventory/v1/items/{id}", "--save", "item")
    assert saved.code == 0, saved.err
    connector = run_cli("export", "inv", "--format", "connector").out
    assert f"GET {emulator.url}/inventory/v1/items/{{id}}?organization_id=20234696" in connector


# ----- pagination never skips and never repeats (#20 item 3) ----------------------------------------
@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    with api_lab(tmp_path / "lab", every_product=True) as lab:
        yield lab


@pytest.mark.parametrize("base", [0, 1])
def test_paginate_over_250_desk_tickets_counting_from_0_or_1(lab: Lab, base: int) -> None:
    lab.emu.products.counts["tickets"] = 250
    lab.emu.products.offset_base["desk"] = base
    result = run_bytes(lab, "api", "desk", "/api/v1/tickets", "--paginate")
    assert result.returncode == 0, result.stderr
    pages = documents(result.stdout.decode())
    ids = [t["id"] for page in pages for t in page["data"]]
    assert len(ids) == 250 and len(set(ids)) == 250, (base, len(ids), len(set(ids)))
    assert ids == sorted(ids)  # in Desk's order, nothing skipped
    # The walk starts at 0, where neither base skips a ticket; each page starts after what was received.
    assert [r.query["from"] for r in lab.emu.requests if r.path == "/api/v1/tickets"] == ["0", "100", "200"]


def test_a_page_without_repeats_is_written_as_zoho_sent_it(lab: Lab) -> None:
    """Only a page that lost a repeated record is rewritten; the others are Zoho's bytes, untouched."""
    lab.emu.products.counts["tickets"] = 150
    result = run_bytes(lab, "api", "desk", "/api/v1/tickets", "--paginate")
    assert result.returncode == 0, result.stderr
    first = result.stdout.split(b"\n", 1)[0]
    assert first.startswith(b'{"data": [{"id": "7000000000"')  # the emulator's own spacing, as sent


def test_projects_pages_at_its_documented_base(lab: Lab) -> None:
    lab.emu.products.counts["projects"] = 450
    result = run_bytes(lab, "api", "projects", "/restapi/portal/{portal}/projects/", "--paginate")
    assert result.returncode == 0, result.stderr
    ids = [p["id"] for page in documents(result.stdout.decode()) for p in page["projects"]]
    assert len(ids) == len(set(ids)) == 450
    # On the main API host the same path is not Projects': it is refused there by the emulator.
    elsewhere = run_bytes(lab, "api", "projects", f"{lab.emu.url}/restapi/portal/647154700/projects/")
    assert elsewhere.returncode == 1
