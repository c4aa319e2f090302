"""`zconnect export`'s options for the extension formats (#20), and a Posting collection written with
--output, run the way Posting runs it: its setup script asks zconnect, its request reaches the emulator."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import httpx
import pytest
from conftest import CLIENT_SECRET, run_cli
from inprocess import zconnect
from test_export_formats import posting_request

from zconnect_tui import exports
from zconnect_tui.store import Store


def one_line(err: str) -> bool:
    return len(err.strip().splitlines()) == 1 and "Traceback" not in err


def save_two_apis() -> None:
    assert zconnect("api", "desk", "/api/v1/tickets/{id}", "--save", "ticket").code == 0
    assert zconnect("api", "desk", "/api/v1/tickets", "-f", "limit=5", "--save", "open").code == 0


def test_export_help_lists_every_format_of_the_registry(config_path: Path) -> None:
    out = zconnect("export", "--help")
    assert out.code == 0, out.err
    for fmt in exports.FORMATS:
        mark = "*" if fmt.extension else " "  # the extension-facing ones are starred
        assert f"\n{mark} {fmt.key.ljust(9)}  {fmt.help}\n" in out.out, fmt.key
    text = " ".join(out.out.split())
    assert "--namespace NS" in text and "--connector NAME" in text and "--output DIR" in text


def test_bad_options_are_one_line_and_exit_2(config_path: Path, desk, tmp_path: Path) -> None:
    save_two_apis()
    for args, words in ((("--format", "posting"), "--output DIR"),
                        (("--format", "env", "--output", str(tmp_path / "o")), "not a folder of files"),
                        (("--format", "deluge", "--namespace", "a b"), "--namespace"),
                        (("--format", "sigma", "--connector", "1x"), "--connector"),
                        (("--format", "nope"), "invalid choice")):
        run = zconnect("export", "desk", *args)
        assert run.code == 2 and one_line(run.err) and words in run.err, (args, run)
    assert not (tmp_path / "o").exists()


def test_namespace_and_connector_reach_the_deluge(config_path: Path, desk) -> None:
    save_two_apis()
    run = zconnect("export", "desk", "--format", "deluge", "--namespace", "acme", "--connector", "helpdesk")
    assert run.code == 0, run.err
    assert 'zoho.crm.invokeConnector("acme.helpdesk.ticket", connectorValues);' in run.out
    sigma = json.loads(zconnect("export", "desk", "--format", "sigma", "--connector", "helpdesk").out)
    assert sigma["connectors"][0]["connectionLinkName"] == "helpdesk"


def test_posting_without_saved_apis_or_into_a_file_says_what_to_do(config_path: Path, desk, tmp_path: Path) -> None:
    run = zconnect("export", "desk", "--format", "posting", "--output", str(tmp_path / "c"))
    assert run.code == 2 and one_line(run.err) and "no saved API" in run.err, run
    save_two_apis()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    run = zconnect("export", "desk", "--format", "posting", "--output", str(blocker))
    assert run.code == 1 and one_line(run.err) and "Could not write" in run.err, run
    assert blocker.read_text() == "x"


class FakePosting:
    """The `posting` object a setup script gets: session variables."""

    def __init__(self) -> None:
        self.variables: dict[str, str] = {}

    def set_variable(self, name: str, value: str) -> None:
        self.variables[name] = value

    def get_variable(self, name: str) -> str | None:
        return self.variables.get(name)


def test_a_posting_collection_runs_against_zoho_with_the_token_from_zconnect(
        config_path: Path, emulator, authorized_desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_two_apis()
    folder = tmp_path / "collection"
    run = zconnect("export", "desk", "--format", "posting", "--output", str(folder))
    assert run.code == 0, run.err
    assert sorted(p.name for p in folder.iterdir()) == ["open.posting.yaml", "ticket.posting.yaml",
                                                         "zconnect_setup.py"]
    assert f"to {folder} (3 files)" in run.out and f"posting --collection {folder}" in run.out
    assert "GET ${ZOHO_API_BASE}/api/v1/tickets/:id" in run.out
    conn = Store(config_path).load().get("desk")
    for path in folder.iterdir():  # no token, no secret, not even the developer's own org id
        text = path.read_text()
        assert all(s not in text for s in (conn.token.access_token, conn.token.refresh_token, CLIENT_SECRET,
                                           conn.org_id)), path.name

    # Posting runs the setup script before the request: zconnect (this install's) fills the variables.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    spec = importlib.util.spec_from_file_location("zconnect_setup", folder / "zconnect_setup.py")
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    posting = FakePosting()
    script.setup(posting)
    assert posting.variables == {"ZOHO_API_BASE": emulator.url, "ZOHO_ORG_ID": conn.org_id,
                                 "ZOHO_ACCESS_TOKEN": conn.token.access_token}
    method, url, headers, params = posting_request((folder / "open.posting.yaml").read_text(), posting.variables)
    answer = httpx.request(method, url, headers=headers, params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["data"]) == 5


def test_the_readmes_walkthrough_runs_as_written(config_path: Path, emulator, authorized_desk) -> None:
    """From a saved API tried with `zconnect api` to the exports pasted in the extension (README)."""
    import re
    import shlex

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### From a saved API to an extension", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block
    org = Store(config_path).load().get("desk").org_id
    outputs = []
    for line in block.group(1).splitlines():
        args = shlex.split(line, comments=True)
        assert args[0] == "zconnect"
        run = run_cli(*args[1:])  # a real process: `api` writes its body to stdout's bytes
        assert run.code == 0, (line, run.err)
        outputs.append(run.out)
    assert json.loads(outputs[0])["id"] == "7000000004"
    console, deluge = outputs[3], outputs[4]
    assert "URL          ${apiBase}/api/v1/tickets/${id}" in console and "orgId: ${orgId}" in console
    assert 'zoho.crm.invokeConnector("acme.helpdesk.ticket", connectorValues);' in deluge
    assert org not in console + deluge
