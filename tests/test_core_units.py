"""Pure unit tests of the core: data centres, scopes, model, store, callback rules, fast path."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from zconnect_tui import fastpath
from zconnect_tui.datacenters import BUILTIN, DataCenters, check_url, parse_custom
from zconnect_tui.errors import AccessDenied, ConfigError, FlowError, UsageError, ZconnectError
from zconnect_tui.flow import parse_pasted
from zconnect_tui.listener import interpret_params, state_matches
from zconnect_tui.model import Connection, format_duration, mask
from zconnect_tui.products import PRODUCTS as SERVICES
from zconnect_tui.services import parse_scopes
from zconnect_tui.store import Store, default_path


# ----- data centres -------------------------------------------------------------------------------
def test_every_builtin_dc_is_https_with_accounts_and_api():
    assert set(BUILTIN) == {"us", "eu", "in", "au", "jp", "ca", "sa", "uk", "cn", "ae"}
    for dc in BUILTIN.values():
        assert dc.accounts.startswith("https://accounts.") and dc.api.startswith("https://www.zohoapis.")
    assert BUILTIN["ca"].accounts == "https://accounts.zohocloud.ca"
    assert "api" in BUILTIN["uk"].unconfirmed


def test_http_only_for_loopback():
    assert check_url("http://127.0.0.1:9000/", "x") == "http://127.0.0.1:9000"
    assert check_url("http://localhost:9000", "x") == "http://localhost:9000"
    with pytest.raises(ConfigError, match="non-loopback"):
        parse_custom("evil", {"accounts": "http://accounts.example.com", "api": "https://api.example.com"}, SERVICES)
    with pytest.raises(ConfigError, match="lacks api"):
        parse_custom("half", {"accounts": "https://a.example.com"}, SERVICES)


def test_trust_rule_for_accounts_servers():
    """Built-in connections trust only Zoho's servers; a user-defined data centre's only its own."""
    dcs = DataCenters.from_config({"lab": {"accounts": "http://127.0.0.1:9000", "api": "http://127.0.0.1:9000"},
                                   "old": {"accounts": "http://127.0.0.1:9001", "api": "http://127.0.0.1:9001"}},
                                  SERVICES)
    assert dcs.trusted_accounts("us", "https://accounts.zoho.eu/").key == "eu"  # Zoho's redirect of an EU user
    assert dcs.trusted_accounts("us", None).key == dcs.trusted_accounts("us", "").key == "us"
    assert dcs.trusted_accounts("lab", "http://127.0.0.1:9000").key == "lab"
    for home, url in (("us", "http://127.0.0.1:9000"), ("us", "https://accounts.zoho.eu.evil.example"),
                      ("lab", "http://127.0.0.1:9001"), ("lab", "https://accounts.zoho.com"), ("eu", "http://x")):
        with pytest.raises(ZconnectError, match="is not trusted .* refused"):
            dcs.trusted_accounts(home, url)
    with pytest.raises(ConfigError, match="Unknown data centre 'mars'"):
        dcs.get("mars")


def test_trust_rule_for_api_domains():
    dcs = DataCenters.from_config({"lab": {"accounts": "http://127.0.0.1:9000", "api": "http://127.0.0.1:9000"}},
                                  SERVICES)
    for good in ("https://www.zohoapis.eu", "https://www.zohoapis.com/", "https://sandbox.zohoapis.com.au",
                 "https://api.zoho.com", "https://www.zohoapis.ca"):
        assert dcs.trusted_api_domain("us", good) == good.rstrip("/"), good
    for bad in ("https://www.zohoapis.com.evil.example", "http://www.zohoapis.com", "https://evil.example",
                "https://www.zohoapis.com:8443", "https://www.zohoapis.com/x", "https://[evil", "http://127.0.0.1:9000",
                "https://user@www.zohoapis.com"):
        assert dcs.trusted_api_domain("us", bad) is None, bad
    assert dcs.trusted_api_domain("lab", "http://127.0.0.1:9000") == "http://127.0.0.1:9000"
    assert dcs.trusted_api_domain("lab", "https://www.zohoapis.com") is None


@pytest.mark.parametrize("url", ["https://[evil", "http://evil.com\\@127.0.0.1", "http://evil.com@127.0.0.1",
                                 "https://u:p@accounts.zoho.com", "https://accounts.zoho.com:99999",
                                 "https://a b.example", "https://x.example/?q=1", "https://x.example/#f",
                                 "https://x.example\x1b]52;c;AA\x07", "https://"])
def test_data_centre_urls_that_could_be_read_two_ways_are_refused(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_custom("lab", {"accounts": url, "api": "https://api.example.com"}, SERVICES)
    assert "data_centers.lab.accounts" in info.value.message and "\x1b" not in info.value.one_line()


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_a_configured_data_centre_cannot_replace_a_builtin_one(name: str) -> None:
    with pytest.raises(ConfigError, match="would replace Zoho's built-in data centre"):
        DataCenters.from_config({name: {"accounts": "http://127.0.0.1:9000", "api": "http://127.0.0.1:9000"}}, SERVICES)


# ----- services and scopes ------------------------------------------------------------------------
def test_every_service_defaults_are_in_its_catalogue():
    for service in SERVICES.values():
        assert set(service.defaults) <= set(service.scopes), service.key
    assert {"desk", "crm", "books", "projects", "inventory", "mail", "people", "creator", "workdrive",
            "custom"} == set(SERVICES)


def test_parse_scopes():
    assert parse_scopes("Desk.tickets.READ, Desk.basic.READ Desk.tickets.READ") == ["Desk.tickets.READ",
                                                                                       "Desk.basic.READ"]
    assert parse_scopes("ZohoBooks.fullaccess.all") == ["ZohoBooks.fullaccess.all"]
    with pytest.raises(UsageError):
        parse_scopes("tickets please")
    with pytest.raises(UsageError):
        parse_scopes(" , ")


# ----- model --------------------------------------------------------------------------------------
def make(**kw) -> Connection:
    base = dict(name="d", service="desk", dc="us", client_id="1000.A", scopes=["Desk.basic.READ"])
    base.update(kw)
    return Connection(**base)


def test_token_states():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    conn = make()
    assert conn.token_state(now) == "not authorized"
    conn.status = "authorized"
    conn.token.access_token, conn.token.refresh_token = "1000.a", "1000.r"
    conn.token.expires_at = now + timedelta(minutes=41, seconds=30)
    assert conn.token_state(now) == "valid 41m"
    conn.token.expires_at = now - timedelta(seconds=1)
    assert conn.token_state(now) == "expired"
    conn.status = "needs_reauth"
    assert conn.token_state(now) == "needs re-authorization"
    conn.status = "revoked"
    assert conn.token_state(now) == "revoked"


def test_mask_and_durations():
    assert mask("1000.abcdef0123456789abcdef0123456789.0123456789abcdef0123456789abf3c2") == "1000.ab…f3c2"
    assert mask("") == "-"
    assert "secret" not in mask("secret")
    assert format_duration(timedelta(minutes=125)) == "2h05m"
    assert format_duration(timedelta(days=3, hours=4)) == "3d4h"


# ----- store --------------------------------------------------------------------------------------
def test_store_round_trip_modes_and_atomic_write(tmp_path: Path):
    path = tmp_path / "new" / "connections.toml"
    store = Store(path)
    conn = make(client_secret="s3cret")
    conn.token.expires_at = datetime(2026, 1, 1, 12, tzinfo=UTC)
    store.save_connection(conn)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    loaded = store.load().get("d")
    assert loaded.client_secret == "s3cret" and loaded.token.expires_at == conn.token.expires_at
    assert b"version = 1" in path.read_bytes()
    (path.parent / f".{path.name}.abc.tmp").write_text("half a write")  # a killed writer's leftover
    store.update("d", lambda c: setattr(c, "org_name", "Zylker"))
    assert not list(path.parent.glob("*.tmp"))
    assert store.load().get("d").org_name == "Zylker"


def test_store_keeps_unknown_keys_and_custom_dcs(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('version = 1\nfuture = "kept"\n[data_centers.lab]\naccounts = "http://127.0.0.1:1"\n'
                    'api = "http://127.0.0.1:1"\n')
    Store(path).save_connection(make(dc="lab"))
    text = path.read_text()
    assert 'future = "kept"' in text and "[data_centers.lab]" in text


def test_store_refuses_newer_format_and_bad_files(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text("version = 99\n")
    with pytest.raises(ConfigError, match="reads up to 1"):
        Store(path).load()
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="not UTF-8"):
        Store(path).save_connection(make())
    assert path.read_bytes() == b"\xff\xfe"


def test_loosened_mode_warns(tmp_path: Path):
    store = Store(tmp_path / "c.toml")
    store.save_connection(make())
    assert store.warnings() == []
    os.chmod(store.path, 0o644)
    assert ["chmod 600" in w for w in store.warnings()] == [True]


def test_another_owner_of_the_file_or_its_directory_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Whoever owns the file (or its directory) can read and change every connection: say so."""
    store = Store(tmp_path / "cfg" / "c.toml")
    store.save_connection(make(status="authorized"))
    store.update("d", lambda c: (setattr(c.token, "access_token", "1000.a"),
                                 setattr(c.token, "expires_at", datetime.now(UTC) + timedelta(hours=1))))
    assert store.warnings() == [] and fastpath.cached_token(str(store.path), "d") == "1000.a"
    owner = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: owner + 1)  # as another local user would run it
    found = store.warnings()
    assert len(found) == 2 and "connections file" in found[0] and "connections directory" in found[1]
    assert all(f"belongs to user id {owner}, not to you ({owner + 1})" in w for w in found)
    assert fastpath.cached_token(str(store.path), "d") is None  # the fast path leaves it to the full CLI, which warns


def test_unchanged_transaction_does_not_rewrite(tmp_path: Path):
    store = Store(tmp_path / "c.toml")
    store.save_connection(make())
    before = store.path.stat().st_ino
    store.transaction(lambda snap: None)
    assert store.path.stat().st_ino == before


# ----- callback rules -----------------------------------------------------------------------------
def q(**params) -> dict[str, list[str]]:
    return {k: [v] for k, v in params.items()}


def test_state_is_checked_before_errors():
    with pytest.raises(FlowError, match="state mismatch"):
        interpret_params(q(error="access_denied", state="wrong"), "right", "listener")
    with pytest.raises(AccessDenied):
        interpret_params(q(error="access_denied", state="right"), "right", "listener")
    with pytest.raises(FlowError, match="state"):
        interpret_params(q(code="c"), "right", "listener")  # a code without state
    with pytest.raises(FlowError, match="repeats"):
        interpret_params({"code": ["c"], "state": ["right", "right"]}, "right", "listener")
    result = interpret_params(q(code="1000.c", state="right", location="eu",
                                **{"accounts-server": "https://accounts.zoho.eu"}), "right", "listener")
    assert (result.code, result.location, result.accounts_server) == ("1000.c", "eu", "https://accounts.zoho.eu")


def test_state_compare_survives_non_ascii():
    assert not state_matches("ünïcode", "right")
    assert not state_matches(None, "right")
    assert state_matches("right", "right")


def test_parse_pasted():
    url = "http://127.0.0.1:9646/callback?state=s1&code=1000.aa.bb&location=us&accounts-server=https%3A%2F%2Faccounts.zoho.com"
    assert parse_pasted(url, "s1").accounts_server == "https://accounts.zoho.com"
    assert parse_pasted("  1000.aa.bb \n", None).code == "1000.aa.bb"
    with pytest.raises(FlowError, match="state"):
        parse_pasted(url, "other")
    with pytest.raises(FlowError):
        parse_pasted("hello world", None)


# ----- fast path and import hygiene ---------------------------------------------------------------
def test_fast_path_config_path_agrees_with_platformdirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.delenv("ZCONNECT_CONFIG")
    assert fastpath.config_path(None) == str(default_path())
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert fastpath.config_path(None) == str(default_path())
    monkeypatch.setenv("HOME", str(tmp_path))
    assert fastpath.config_path(os.path.join("~", "x.toml")) == str(tmp_path / "x.toml")  # --config ~ form


def test_fast_path_argv():
    assert fastpath.parse_token_argv(["token", "desk"]) == (None, "desk")
    assert fastpath.parse_token_argv(["--config", "f.toml", "token", "desk"]) == ("f.toml", "desk")
    assert fastpath.parse_token_argv(["token", "--help"]) is None
    assert fastpath.parse_token_argv(["list"]) is None


def test_token_fast_path_imports_neither_textual_nor_httpx(tmp_path: Path):
    store = Store(tmp_path / "c.toml")
    conn = make(status="authorized")
    conn.token.access_token, conn.token.refresh_token = "1000.tok", "1000.r"
    conn.token.expires_at = datetime.now(UTC) + timedelta(hours=1)
    store.save_connection(conn)
    code = ("import sys; from zconnect_tui.cli import main; rc = main(['--config', sys.argv[1], 'token', 'd']); "
            "bad = [m for m in ('textual', 'httpx', 'argparse', 'platformdirs') if m in sys.modules]; "
            "print('LOADED', bad); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code, str(store.path)], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["1000.tok", "LOADED []"]


def test_cli_never_imports_textual(tmp_path: Path):
    code = ("import sys; from zconnect_tui.cli import main; main(['--config', sys.argv[1], 'list']); "
            "main(['--config', sys.argv[1], 'path']); print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "c.toml")], capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr
