"""Every command on the shared store (#21: "every command, the wizard and the dashboard work on it
unchanged"): one connection's whole life through `zconnect` processes, from `add` to `remove`, with the
database holding each change and this machine's file holding nothing but `store = …`."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import free_port
from reliability.lab import CLIENT_SECRET, PYTHON, Lab
from test_store_postgres import dump, shared, zc

from zconnect_tui.model import redirect_uri_for
from zconnect_tui.stores.postgres import PostgresStore


def test_one_connections_whole_life_on_the_shared_store(bare_lab: Lab, tmp_path: Path, pg_url: str) -> None:
    lab = bare_lab
    lab.add("desk")
    env = {**shared(lab, tmp_path, pg_url), "S": CLIENT_SECRET, **lab.browser_env()}
    file_text = lab.config.read_text()
    store = PostgresStore(pg_url)
    port, client_id = free_port(), "1000.SHAREDCLIENT"
    lab.register_redirect(redirect_uri_for(port), client_id)

    def ok(*args: str) -> str:
        run = zc(env, *args)
        assert run.code == 0, (args, run.err)
        return run.out

    ok("add", "d2", "--service", "desk", "--dc", "lab", "--client-id", client_id, "--port", str(port),
       "--client-secret-env", "S")
    assert "is authorized" in ok("authorize", "d2", "--timeout", "20")
    stored = store.load().get("d2")
    assert stored.status == "authorized" and stored.client_secret == CLIENT_SECRET and stored.org_id
    assert [line.split()[0] for line in ok("list").splitlines()[1:]] == ["d2", "desk"]
    shown = ok("show", "d2")
    assert "d2" in shown and CLIENT_SECRET not in shown and stored.token.access_token not in shown
    assert ok("token", "d2").strip() == stored.token.access_token
    ok("refresh", "d2")
    refreshed = store.load().get("d2").token.access_token
    assert refreshed != stored.token.access_token and ok("token", "d2").strip() == refreshed
    ok("test", "d2")
    assert "data" in json.loads(ok("api", "d2", "/api/v1/tickets"))
    seen = ok("exec", "d2", "--", PYTHON, "-c", "import os; print(os.environ['ZOHO_ACCESS_TOKEN'])")
    assert seen.strip() == refreshed
    assert "zconnect token d2" in ok("export", "d2", "--format", "env")
    ok("edit", "d2", "--scopes", "Desk.basic.READ,Desk.tickets.READ")
    assert store.load().get("d2").scopes == ["Desk.basic.READ", "Desk.tickets.READ"]
    ok("revoke", "d2")
    assert store.load().get("d2").status != "authorized"
    env["S"] = "f" * len(CLIENT_SECRET)  # a rotated Client Secret
    ok("secret", "d2", "--client-secret-env", "S")
    assert store.load().get("d2").client_secret == env["S"]
    ok("remove", "d2", "--yes")
    assert sorted(store.load().connections) == ["desk"]
    assert lab.config.read_text() == file_text  # this machine's file: still only `store = …`
    assert CLIENT_SECRET.encode() not in dump(pg_url) and refreshed.encode() not in dump(pg_url)
