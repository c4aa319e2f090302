"""The README's examples run, against the emulator, so they cannot drift from what works at Zoho.

Every ```sh block of README.md that calls `curl` (and is not a transcript with `$ ` prompts) runs
in bash with `zconnect` and a strict `curl` stand-in on PATH, against connections authorized
through the CLI. The emulator's Desk answers only with the orgId the token is bound to, as Desk
does, so an example without it fails here. The words the wizard shares with the README, the
data-centre table and `zconnect --help`'s curl example are held to the code the same way.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, DC, free_port
from inprocess import zconnect

from zconnect_tui.cli import EPILOG
from zconnect_tui.datacenters import BUILTIN
from zconnect_tui.guide_text import MULTI_DC
from zconnect_tui.products import PRODUCTS, unconfirmed

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
TESTS = Path(__file__).resolve().parent


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.S)


def curl_examples() -> list[str]:
    return [b for b in sh_blocks(README) if re.search(r"(^\s*|\| )curl ", b, re.M) and not re.search(r"^\$ ", b, re.M)]


def normalise(command: str) -> str:
    return " ".join(command.replace("\\\n", " ").split())


@pytest.fixture
def authorized_desk_and_crm(emulator, config_path, browser) -> None:
    """`desk` and `crm`, the README's connection names, authorized through the CLI as a user would (in this
    process: the examples themselves then run `zconnect` as a real command)."""
    ports = [free_port(), free_port()]
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{p}/callback" for p in ports])
    for name, port in zip(("desk", "crm"), ports, strict=True):
        added = zconnect("add", name, "--service", name, "--dc", DC, "--client-id", CLIENT_ID, "--port", str(port),
                        stdin=CLIENT_SECRET + "\n")
        assert added.code == 0, added.err
        done = zconnect("authorize", name, "--timeout", "20")
        assert done.code == 0, done.err


def test_the_readme_has_curl_examples_for_desk_and_crm() -> None:
    examples = curl_examples()
    assert len(examples) >= 2
    assert any("/api/v1/tickets" in e for e in examples) and any("/crm/v8/org" in e for e in examples)


def test_every_curl_example_works_against_the_emulator(authorized_desk_and_crm, bin_dir: Path, emulator) -> None:
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    def run(script: str) -> dict:
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True,
                              env=env, timeout=60)
        assert proc.returncode == 0, (script, proc.stderr)
        return json.loads(proc.stdout)

    for example in curl_examples():
        body = run(example)
        if "/api/v1/tickets" in example:
            # Tickets of the organisation the token is bound to: the example sent its orgId.
            assert body["data"] and {t["orgId"] for t in body["data"]} == {"60002000002"}, body
            assert emulator.requests_to("/api/v1/tickets")[-1].headers.get("orgid") == "60002000002"
        else:
            assert body["org"][0]["company_name"] == "Analytical Engines Ltd", body
    # The README's first example without its orgId header: refused, as Desk refuses it.
    old = ('eval "$(zconnect export desk --format env)"\n'
           'printf \'Authorization: Zoho-oauthtoken %s\\n\' "$(zconnect token desk)" |\n'
           '  curl -sS -H @- "$ZOHO_API_BASE/api/v1/tickets"')
    assert run(old)["errorCode"] == "UNPROCESSABLE_ENTITY"


def test_the_help_shows_the_readmes_curl_example() -> None:
    epilog = EPILOG.split("printf ", 1)[1].split("\n\n", 1)[0]
    command = normalise("printf " + epilog)
    assert command in normalise(README)
    assert "orgId: $ZOHO_ORG_ID" in command and "| curl -sS -H @- " in command


def test_the_wizards_multi_dc_words_are_the_readmes() -> None:
    assert MULTI_DC in README


def test_the_readme_data_centre_table_is_the_code() -> None:
    rows = re.findall(r"^\| (\w+)" + r" \| (\S+)( ¹)?" * 5 + r" \|$", README, re.M)
    table = {r[0]: r for r in rows}
    assert set(table) == set(BUILTIN)
    for key, dc in BUILTIN.items():
        row = table[key]
        for url, flag, field in zip(row[1::2], row[2::2], ("accounts", "api", "desk", "projects", "console"),
                                    strict=True):
            assert url == (PRODUCTS[field].host_of(dc) if field in PRODUCTS else getattr(dc, field)), (key, field)
            assert bool(flag) == (field in unconfirmed(dc)), (key, field)
