"""The store seam (issue #19 item 4): every `ConnectionStore` keeps the same contract, and the Manager's
operations behave the same on each (the TOML file, memory; conftest `store_kind`).

The emulator answers over real sockets; the memory store keeps its secrets apart from its records, as
an OS keyring or a database with its own secret column would, so these tests show that the Manager
never depends on where a secret lives.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from factories import authorized_connection
from reliability.lab import CLIENT_SECRET, Lab

from zconnect_tui.errors import NoSuchConnection, UsageError
from zconnect_tui.manager import Manager
from zconnect_tui.model import AUTHORIZED, REVOKED, Connection
from zconnect_tui.saved import SavedApi
from zconnect_tui.store import Store
from zconnect_tui.stores.base import ConnectionStore, InlineSecrets, Snapshot, secrets_of
from zconnect_tui.stores.memory import DictSecrets, MemoryStore

OnKind = Callable[[Store], ConnectionStore]


def conn(name: str = "d", **kw: Any) -> Connection:
    """A connection holding every kind of secret a store keeps (named in the assertions below)."""
    secrets = {"client_secret": "s3cret", "client_secrets": {"eu": "eu-s3cret"}, "access_token": "1000.access",
               "refresh_token": "1000.refresh"}
    return authorized_connection(name, **{**secrets, **kw})


# ----- the contract ----------------------------------------------------------------------------------
def test_a_saved_connection_reads_back_whole_with_its_secrets(tmp_path: Path, on_kind: OnKind) -> None:
    store = on_kind(Store(tmp_path / "c.toml"))
    saved = conn(apis={"open": SavedApi(path="/api/v1/tickets", fields={"status": "Open"})})
    store.save_connection(saved)
    loaded = store.load().get("d")
    assert secrets_of(loaded) == {"client_secret": "s3cret", "refresh_token": "1000.refresh",
                                  "access_token": "1000.access", "client_secret:eu": "eu-s3cret"}
    assert loaded.token.expires_at == saved.token.expires_at and loaded.apis["open"].path == "/api/v1/tickets"
    assert loaded.created_at is not None and loaded.updated_at is not None
    loaded.client_secret = "changed by a reader"  # a reader's copy: nothing stored changes
    assert store.load().get("d").client_secret == "s3cret"


def test_a_change_that_raises_writes_nothing(tmp_path: Path, on_kind: OnKind) -> None:
    store = on_kind(Store(tmp_path / "c.toml"))
    store.save_connection(conn())

    def half_done(snap: Snapshot) -> None:
        snap.connections["d"].client_secret = "half"
        snap.connections["d"].token.refresh_token = ""
        del snap.connections["d"].client_secrets["eu"]
        snap.connections["other"] = conn("other")
        raise UsageError("changed my mind")

    with pytest.raises(UsageError, match="changed my mind"):
        store.transaction(half_done)
    snap = store.load()
    assert list(snap.connections) == ["d"] and secrets_of(snap.get("d"))["client_secret"] == "s3cret"
    assert snap.get("d").token.refresh_token == "1000.refresh" and snap.get("d").client_secrets == {"eu": "eu-s3cret"}


def test_names_updates_and_removal(tmp_path: Path, on_kind: OnKind) -> None:
    store = on_kind(Store(tmp_path / "c.toml"))
    store.save_connection(conn())
    with pytest.raises(UsageError, match="exists already"):
        store.save_connection(conn(client_secret="other"), replace=False)
    assert store.update("d", lambda c: setattr(c, "org_name", "Zylker")) is None
    assert store.load().get("d").org_name == "Zylker" and store.load().get("d").client_secret == "s3cret"
    for action in (lambda: store.update("nosuch", lambda c: None), lambda: store.remove("nosuch"),
                   lambda: store.refresh_lock("nosuch").__enter__()):
        with pytest.raises(NoSuchConnection, match="known: d"):
            action()
    store.remove("d")
    assert store.load().connections == {} and store.listing() == []
    store.save_connection(conn(client_secret="", client_secrets={}))  # the same name again: no old secret returns
    assert secrets_of(store.load().get("d")) == {"refresh_token": "1000.refresh", "access_token": "1000.access"}


def test_a_refresh_lock_holds_one_connection_and_not_the_others(tmp_path: Path, on_kind: OnKind) -> None:
    store = on_kind(Store(tmp_path / "c.toml"))
    store.save_connection(conn("a"))
    store.save_connection(conn("b"))
    order: list[str] = []
    second_waits = threading.Event()

    def second() -> None:
        second_waits.set()
        with store.refresh_lock("a"):
            order.append("second")

    with store.refresh_lock("a"):
        thread = threading.Thread(target=second)
        thread.start()
        second_waits.wait(5)
        with store.refresh_lock("b"):  # another connection's lock is free meanwhile
            store.update("a", lambda c: setattr(c, "org_name", "written while locked"))  # and writes go on
        thread.join(0.2)
        order.append("first")
    thread.join(5)
    assert order == ["first", "second"] and store.load().get("a").org_name == "written while locked"


def test_secrets_live_where_the_store_says(tmp_path: Path) -> None:
    """The file keeps them inline in the table (the format unchanged); the memory store in its SecretStore."""
    file = Store(tmp_path / "c.toml")
    file.save_connection(conn())
    assert isinstance(file.secrets, InlineSecrets) and b'client_secret = "s3cret"' in file.path.read_bytes()
    assert file.secrets.get("d", "refresh_token") == "1000.refresh"
    file.secrets.set("d", "client_secret:eu", "eu-new")
    assert file.load().get("d").client_secrets == {"eu": "eu-new"}
    secrets = DictSecrets()
    memory = MemoryStore(file.load(), secrets)
    assert secrets.values[("d", "client_secret:eu")] == "eu-new"
    assert secrets_of(memory._records.connections["d"]) == {}  # the records hold no secret
    memory.remove("d")
    assert secrets.values == {}  # removing a connection forgets its secrets


# ----- the Manager on each store -------------------------------------------------------------------
def test_manager_definitions_on_every_store(bare_lab: Lab, on_kind: OnKind) -> None:
    bare_lab.add("desk")
    manager = Manager(on_kind(bare_lab.store))
    result = manager.edit("desk", scopes=["Desk.tickets.READ"], port=9700, client_secret="new-secret")
    assert result.changed == ["scopes", "port", "client secret"] and result.needs_consent
    manager.set_secret("desk", "lab-own-secret", dc="lab")  # the registration DC's own is the common secret
    manager.save_api("desk", "open", SavedApi(path="/api/v1/tickets"))
    renamed = Connection(name="desk2", service="desk", dc="lab", client_id="1000.B", scopes=["Desk.basic.READ"])
    manager.save_draft(renamed)
    manager.save_draft(Connection(name="desk3", service="desk", dc="lab", client_id="1000.B", scopes=["x.y.READ"]),
                       previous="desk2")
    with pytest.raises(UsageError, match="exists already"):
        manager.save_draft(Connection(name="desk", service="desk", dc="lab", client_id="1", scopes=["x.y.READ"]))
    got = manager.get("desk")
    assert got.scopes == ["Desk.tickets.READ"] and got.port == 9700 and got.client_secret == "lab-own-secret"
    assert list(got.apis) == ["open"] and sorted(manager.snapshot().connections) == ["desk", "desk3"]
    manager.remove_api("desk", "open")
    manager.remove("desk3")
    assert list(manager.get("desk").apis) == [] and [c.name for c in manager.listing()] == ["desk"]
    assert manager.path == manager.store.describe() and manager.dcs().get("lab").accounts == bare_lab.emu.url


def test_manager_tokens_on_every_store(bare_lab: Lab, on_kind: OnKind) -> None:
    """Token, refresh (once for many threads), verify and revoke against the emulator."""
    old = bare_lab.add("desk", expired=True)
    manager = Manager(on_kind(bare_lab.store))
    tokens: list[str] = []
    threads = [threading.Thread(target=lambda: tokens.append(manager.access_token("desk"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(set(tokens)) == 1 and tokens[0] != old.token.access_token and len(tokens) == 4
    assert len(bare_lab.emu.token_requests("refresh_token")) == 1  # the refresh lock: one refresh for four callers
    assert manager.verify("desk").kind == "desk"
    assert manager.get("desk").status == AUTHORIZED and manager.get("desk").client_secret == CLIENT_SECRET
    assert manager.revoke("desk") is True
    after = manager.get("desk")
    assert after.status == REVOKED and secrets_of(after) == {"client_secret": CLIENT_SECRET}
    assert old.token.refresh_token not in bare_lab.emu.live_refresh_tokens
