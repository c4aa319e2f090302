"""Issue #8 item 4: a fuzz of the connections file and of Zoho's answers, in-process, seeded.

Each case runs one `zconnect` command (`cli.main`, stdout and stderr captured) on a mutated file or
against a mutated answer (pytest-httpx). Whatever happens: no traceback, an exit code from the
README's list, exactly one `zconnect: …` line on stderr when it fails, no control character on
either stream, and the file byte-identical unless changing it is the command's purpose and it
did. Tokens Zoho issued in a usable answer are never lost.
"""

from __future__ import annotations

import functools
import json
import random
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fuzzing import CONTROL, mutate_answer, mutated_config
from inprocess import Run, zconnect
from pytest_httpx import HTTPXMock

from zconnect_tui import cli, oauth
from zconnect_tui import store as store_module
from zconnect_tui.model import AUTHORIZED, Connection, now_utc
from zconnect_tui.store import Store

CONFIG_CASES = 1000
ANSWER_CASES = 1000
CHANGES_FILE = {"refresh", "token", "test", "revoke", "add", "authorize"}
"""Commands whose purpose is to change the file (when they succeed, or find a dead refresh token);
`test`, like `token`, refreshes first when the access token is due."""

ANSWERS: dict[str, dict[str, Any]] = {
    "/oauth/v2/token": {"access_token": "1000.fresh.access", "refresh_token": "1000.fresh.refresh",
                        "expires_in": 3600, "api_domain": "https://www.zohoapis.com", "scope": "Desk.basic.READ",
                        "token_type": "Bearer"},
    "/oauth/v2/token/revoke": {"status": "success"},
    "/api/v1/organizations": {"data": [{"id": "60001", "companyName": "Zylker", "isDefault": True,
                                        "portalName": "zylker"}, {"id": "60002", "companyName": "Zylker EU"}]},
    "/crm/v8/org": {"org": [{"id": "4150", "company_name": "Zylker CRM", "domain_name": "org4150"}]},
    "/books/v3/organizations": {"code": 0, "organizations": [{"organization_id": "10", "name": "Zylker Books",
                                                             "is_default_org": True}]},
    "/oauth/user/info": {"Email": "ada@example.com", "Display_Name": "Ada", "ZUID": 795542386},
}


CONNECTIONS = {  # name: (service, data centre, hours the access token has left)
    "desk": ("desk", "us", -1), "crm": ("crm", "us", 2), "people": ("custom", "us", 2), "books": ("books", "lab", 2),
    "lab": ("desk", "lab", -1), "d2": ("desk", "us", 2)}


def base_file(path: Path, names: tuple[str, ...] = (*CONNECTIONS, "self")) -> bytes:
    """Connections in a built-in and in a user-defined data centre, with tokens due and not due."""
    path.write_text('version = 1\n\n[data_centers.lab]\naccounts = "https://accounts.lab.example"\n'
                    'api = "https://api.lab.example"\ndesk = "https://desk.lab.example"\n')
    path.chmod(0o600)
    store = Store(path)
    now = now_utc()
    for name in names:
        if name == "self":
            store.save_connection(Connection(name="self", service="desk", dc="us", client_id="1000.SELF",
                                             scopes=["Desk.basic.READ"], client_secret="s", client_type="self"))
            continue
        service, dc, hours = CONNECTIONS[name]
        conn = Connection(name=name, service=service, dc=dc, client_id="1000.CLIENT", scopes=["Desk.basic.READ"],
                          client_secret="0123456789abcdef", redirect_uri="http://127.0.0.1:9646/callback",
                          status=AUTHORIZED, org_id="60001", org_name="Zylker", user="ada@example.com")
        conn.token.access_token, conn.token.refresh_token = f"1000.{name}.access", f"1000.{name}.refresh"
        conn.token.expires_at = now + timedelta(hours=hours)
        store.save_connection(conn)
    return path.read_bytes()


@pytest.fixture
def zoho(httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[httpx.Request], Any]]:
    """Every call to Zoho answered by `overrides[path]` (a mutated answer) or else the valid one."""
    overrides: dict[str, Callable[[httpx.Request], Any]] = {}

    def answer(request: httpx.Request) -> httpx.Response:
        override = overrides.get(request.url.path)
        if override is not None:
            return override(request)
        return httpx.Response(200, json=ANSWERS.get(request.url.path, {"error": "not_found"}))

    httpx_mock.add_callback(answer, is_reusable=True, is_optional=True)
    monkeypatch.setattr(oauth, "RETRY_DELAYS", (0.0, 0.0))
    # The argument parser is not what is fuzzed (every case's arguments are valid): build it once, not
    # 2,000 times (half of a case's time). argparse parses with a fresh Namespace on every call.
    monkeypatch.setattr(cli, "build_parser", functools.cache(cli.build_parser))
    # Durability is test_crash_safety's subject; here an fsync per write only waits for the disk.
    monkeypatch.setattr(store_module.os, "fsync", lambda fd: None)
    # One transport for every client: building httpx's default one (its SSL context) costs ~50 ms a command.
    shared = httpx.HTTPTransport()
    plain_init = oauth.ZohoClient.__init__
    monkeypatch.setattr(oauth.ZohoClient, "__init__",
                        lambda self, transport=None: plain_init(self, transport or shared))
    return overrides


def check(run: Run, path: Path, before: bytes, command: str, failures: list[str]) -> None:
    """The properties every case must keep."""
    err_lines = [line for line in run.err.splitlines() if line.strip()]
    problems = []
    if "Traceback" in run.out + run.err or "Unexpected error" in run.err:
        problems.append("traceback")
    if run.code not in (0, 1, 2, 3, 4, 5):
        problems.append(f"exit {run.code}")
    elif run.code != 0 and (len(err_lines) != 1 or not err_lines[0].startswith("zconnect: ")):
        problems.append(f"{len(err_lines)} stderr lines")
    elif run.code == 0 and any(not line.startswith("zconnect: warning") for line in err_lines):
        problems.append("stderr on success")
    if CONTROL.search(run.out) or CONTROL.search(run.err):
        problems.append("control character in the output")
    changed = path.read_bytes() != before
    if changed and not (command in CHANGES_FILE and run.code in (0, 3)):
        problems.append("file changed")
    if problems:
        failures.append(f"{', '.join(problems)}: {run.label} -> {run.code} {run.err.strip()[:300]!r}")


def config_commands(rng: random.Random) -> tuple[str, ...]:
    name = rng.choice(["desk", "books", "self", "x y"])
    return rng.choice([
        ("list",), ("list", "--json"), ("show", name), ("show", name, "--json"), ("token", name), ("refresh", name),
        ("test", name), ("revoke", name), ("export", name, "--format", rng.choice(["connector", "env", "json"])),
        ("add", "new", "--service", "crm", "--dc", rng.choice(["us", "lab"]), "--client-id", "1000.NEW",
         "--client-secret-env", "FUZZ_SECRET"), ("path",),
    ])


def test_fuzz_the_connections_file(tmp_path: Path, zoho: dict[str, Any]) -> None:
    rng = random.Random(8)
    path = tmp_path / "connections.toml"
    base = base_file(path, ("desk", "books", "self"))
    env = {"ZCONNECT_CONFIG": str(path), "FUZZ_SECRET": "fuzz-secret"}
    failures: list[str] = []
    codes: Counter[int] = Counter()
    started = time.monotonic()
    for case in range(CONFIG_CASES):
        mutated = mutated_config(base, rng)
        path.write_bytes(mutated)
        args = config_commands(rng)
        run = zconnect(*args, env=env)
        codes[run.code] += 1
        check(run, path, mutated, args[0], failures)
        if len(failures) >= 10:
            break
        assert case < CONFIG_CASES
    print(f"fuzz (file): {CONFIG_CASES} cases in {time.monotonic() - started:.1f} s, exit codes {dict(codes)}")
    assert failures == [], "\n".join(failures)
    assert codes[0] > 100 and codes[1] > 100  # both usable and broken files were really tried


ANSWER_COMMANDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    # (which answer is mutated, command, stdin)
    ("/oauth/v2/token", ("refresh", "desk"), ""),
    ("/oauth/v2/token", ("token", "lab"), ""),
    ("/oauth/v2/token", ("authorize", "self", "--timeout", "30"), "1000.pasted.code\n"),
    ("/oauth/v2/token/revoke", ("revoke", "desk"), ""),
    ("/api/v1/organizations", ("test", "d2"), ""),
    ("/api/v1/organizations", ("authorize", "self", "--timeout", "30"), "1000.pasted.code\n"),
    ("/crm/v8/org", ("test", "crm"), ""),
    ("/books/v3/organizations", ("test", "books"), ""),
    ("/oauth/user/info", ("test", "people", "--json"), ""),
)


def usable_access_token(status: int, body: bytes) -> str | None:
    """The access token a mutated token answer still carries in a usable form (then it must be stored)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    token = data.get("access_token") if isinstance(data, dict) else None
    ok = isinstance(token, str) and token.isascii() and token.isprintable() and " " not in token and 0 < len(token)
    return token if ok and status < 500 and len(token) <= 4096 else None


def test_fuzz_zohos_answers(tmp_path: Path, zoho: dict[str, Any]) -> None:
    rng = random.Random(9)
    path = tmp_path / "connections.toml"
    # One file per command, with just its connection: every command reads the file two or three times.
    bases = {args: base_file(path, (args[1],)) for _, args, _ in ANSWER_COMMANDS}
    failures: list[str] = []
    codes: Counter[int] = Counter()
    kept = 0
    started = time.monotonic()
    for _ in range(ANSWER_CASES):
        endpoint, args, stdin = rng.choice(ANSWER_COMMANDS)
        status, body, content_type = mutate_answer(ANSWERS[endpoint], rng)
        zoho.clear()
        zoho[endpoint] = lambda request, s=status, b=body, t=content_type: httpx.Response(
            s, content=b, headers={"Content-Type": t} if t else {})
        path.write_bytes(bases[args])
        run = zconnect(*args, env={"ZCONNECT_CONFIG": str(path)}, stdin=stdin)
        codes[run.code] += 1
        check(run, path, bases[args], args[0], failures)
        token = usable_access_token(status, body) if endpoint == "/oauth/v2/token" else None
        if token is not None:  # Zoho issued it: whatever else the answer got wrong, it is stored
            stored = Store(path).load().get(args[1]).token.access_token
            if run.code != 0 or stored != token:
                failures.append(f"tokens lost: {run.label} -> {run.code} {run.err.strip()[:200]!r}")
            kept += 1
        if len(failures) >= 10:
            break
    print(f"fuzz (answers): {ANSWER_CASES} cases in {time.monotonic() - started:.1f} s, exit codes {dict(codes)}, "
          f"{kept} answers with usable tokens all kept")
    assert failures == [], "\n".join(failures)
    assert codes[0] > 100 and codes[4] > 100 and kept > 50


class _CycleWithFinalizer:
    """Garbage only the collector frees, whose finalizer runs Python code and leaves the next such garbage:
    with a collection on every allocation, one runs at whatever depth the program has reached."""

    alive = True

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        if _CycleWithFinalizer.alive:
            _CycleWithFinalizer()


@pytest.mark.parametrize("command", [("token", "lab"), ("refresh", "desk")])
def test_json_nested_100000_deep_is_one_line_even_when_the_collector_runs(
        tmp_path: Path, zoho: dict[str, Any], command: tuple[str, str]) -> None:
    """A token answer of 100,000 `[`: one `zconnect:` line and exit 4, nothing else on stderr.

    Parsing it with plain `json.loads` recurses to the interpreter's limit; a collection down there runs
    finalizers that fail and print "Exception ignored … RecursionError" (seen once in CI). A collection on
    every allocation, always with a finalizer to run, makes that certain instead of rare.
    """
    import gc

    path = tmp_path / "connections.toml"
    before = base_file(path, (command[1],))
    zoho["/oauth/v2/token"] = lambda request: httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000)
    thresholds = gc.get_threshold()
    try:
        _CycleWithFinalizer.alive = True
        gc.set_threshold(1)
        _CycleWithFinalizer()
        run = zconnect(*command, env={"ZCONNECT_CONFIG": str(path)})
    finally:
        _CycleWithFinalizer.alive = False
        gc.set_threshold(*thresholds)
        gc.collect()
    assert run.code == 4, run.err
    assert run.err.count("\n") == 1 and run.err.startswith("zconnect: "), run.err[:500]
    assert path.read_bytes() == before
