"""#18 item 7: inputs that raised a traceback (or the wrong exit code) are one line, and nothing stored is lost.

A TOML file nested 50,000 deep (every command, the `token` fast path and the TUI), a path with DEL or other
control characters, a non-ASCII header value (-H, -p, a saved API), a SOCKS or FTP proxy in the environment,
and a CR/LF placeholder value in a header (a usage error, exit 2, not "the connection broke", exit 4).
Also SSL_CERT_FILE naming no certificates, and a pipe whose reader went away (`zconnect list | head -1`).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from reliability.lab import Lab, one_line, run_cli
from test_tui_support import SIZE, make_app, shows

from zconnect_tui.model import Connection, now_utc
from zconnect_tui.store import Snapshot, Store
from zconnect_tui.tui.screens.dashboard import DashboardScreen

DEEP = 50_000
DEEP_VALUES = {"array": "[" * DEEP + "]" * DEEP, "inline table": "{a = " * DEEP + "1" + "}" * DEEP}


# ----- a file nested 50,000 deep -------------------------------------------------------------------
def nest(lab: Lab, kind: str, where: str) -> bytes:
    """The lab's file with a value DEEP levels down, before every table or inside desk's own (the table the
    `token` fast path reads); returns the file's bytes."""
    text, value = lab.config.read_text(), DEEP_VALUES[kind]
    text = f"deep = {value}\n{text}" if where == "preamble" else text.replace(
        "[connections.desk]\n", f"[connections.desk]\ndeep = {value}\n", 1)
    lab.config.write_text(text)
    return lab.config.read_bytes()


@pytest.mark.parametrize("where", ["preamble", "desk's table"])
@pytest.mark.parametrize("kind", list(DEEP_VALUES))
def test_a_file_nested_50000_deep_is_one_line_from_every_command(lab: Lab, kind: str, where: str) -> None:
    before = nest(lab, kind, where)
    # token: the fast path first; the TUI (no command): the file is read before any screen opens.
    for args in (("token", "desk"), ("list",), ("show", "desk"), ("refresh", "desk"), ("api", "desk", "/x"), ()):
        run = lab.cli(*args)
        line = one_line(run.err)
        assert run.code == 1 and f"{lab.config} is nested too deeply to read" in line, (args, run.err)
        assert run.out == ""
    assert lab.config.read_bytes() == before


def test_a_kept_key_too_deep_to_write_back_is_one_line_and_the_file_kept(lab: Lab) -> None:
    """tomllib reads ~490 levels, tomli_w writes ~250: a file in between reads, and a write must not crash."""
    lab.config.write_text("kept = " + "[" * 400 + "]" * 400 + "\n" + lab.config.read_text())
    before = lab.config.read_bytes()
    assert lab.cli("list").code == 0
    run = lab.cli("edit", "desk", "--port", "9700")
    assert run.code == 1 and "holds a value nested too deeply to write back" in one_line(run.err), run.err
    assert lab.config.read_bytes() == before


async def test_the_dashboard_reports_a_file_nested_deep_meanwhile_and_keeps_running(lab: Lab) -> None:
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        nest(lab, "array", "preamble")
        screen.reload()
        assert await shows(pilot, "is nested too deeply to read")
        assert app.is_running and "RecursionError" not in str(screen.load_error)


# ----- what `zconnect api` cannot send -------------------------------------------------------------
def refused(lab: Lab, *args: str, stdin: str = "") -> str:
    """`zconnect ARGS`: a usage error (exit 2) in one line, and no call reached the emulator."""
    sent = len(lab.emu.requests)
    run = lab.cli(*args, stdin=stdin)
    assert run.code == 2, run.err
    assert len(lab.emu.requests) == sent
    return one_line(run.err)


@pytest.mark.parametrize("char", ["\x7f", "\x01", "\x1b[2J", "\t"])
def test_a_path_with_control_characters_is_a_usage_error(lab: Lab, char: str) -> None:
    line = refused(lab, "api", "desk", f"/api/v1/tick{char}ets")
    assert "contains control characters" in line and "\x1b" not in line and "\x7f" not in line


def test_a_url_httpx_will_not_build_is_a_usage_error(lab: Lab) -> None:
    assert "URL component 'query' too long" in refused(lab, "api", "desk", "/api/v1/tickets", "-f", "q=" + "x" * 70_000)


def test_a_non_ascii_header_value_is_a_usage_error_from_every_source(lab: Lab) -> None:
    assert "The value of the header X-Note is not ASCII ('café')" in refused(
        lab, "api", "desk", "/api/v1/tickets", "-H", "X-Note: café")
    assert "not ASCII" in refused(lab, "api", "desk", "/api/v1/tickets", "-H", "X-Note: {v}", "-p", "v=naïve")
    assert "not ASCII" in refused(lab, "api", "desk", "/api/v1/tickets", "-H", "X-Note: café", "--save", "k")
    lab.config.write_text(lab.config.read_text() + '\n[connections.desk.apis.note]\npath = "/api/v1/tickets"\n'
                          '[connections.desk.apis.note.headers]\nX-Note = "Grüße"\n')
    assert "not ASCII" in refused(lab, "api", "desk", "@note")


def test_a_line_break_in_a_placeholder_filling_a_header_is_a_usage_error(lab: Lab) -> None:
    assert "contains a line break" in refused(lab, "api", "desk", "/api/v1/tickets", "-H", "X-Note: {v}",
                                              "-p", "v=a\r\nInjected: 1")
    lab.config.write_text(lab.config.read_text() + '\n[connections.desk.apis.note]\npath = "/api/v1/tickets"\n'
                          '[connections.desk.apis.note.headers]\nX-Note = "{v}"\n')
    assert "contains a line break" in refused(lab, "api", "desk", "@note", "-p", "v=a\nb")


# ----- proxies httpx cannot use --------------------------------------------------------------------
def far_desk(tmp_path: Path, *, expired: bool) -> Path:
    """A Desk connection in a data centre of the file's own on 192.0.2.1 (TEST-NET-1: routed nowhere), so
    proxies apply (they never do for loopback) and a call that got past them would only time out."""
    path = tmp_path / "cfg" / "connections.toml"
    url = "https://192.0.2.1"
    conn = Connection(name="desk", service="desk", dc="far", client_id="1000.A", scopes=["Desk.basic.READ"],
                      client_secret="s3cret", status="authorized", org_id="1")
    conn.token.access_token, conn.token.refresh_token = "1000.live.token", "1000.refresh"
    conn.token.expires_at = now_utc() + timedelta(hours=-1 if expired else 1)

    def fill(snap: Snapshot) -> None:
        snap.data_centers["far"] = {"accounts": url, "api": url, "desk": url}
        snap.connections["desk"] = conn

    path.parent.mkdir(mode=0o700, parents=True)
    Store(path).transaction(fill)
    return path


@pytest.mark.parametrize(("variable", "value", "scheme"), [
    ("ALL_PROXY", "socks5://127.0.0.1:1080", "socks5"), ("all_proxy", "socks5h://127.0.0.1:1080", "socks5h"),
    ("HTTPS_PROXY", "ftp://user:hunter2@127.0.0.1:21", "ftp"), ("HTTP_PROXY", "gopher://127.0.0.1:70", "gopher")])
@pytest.mark.parametrize("command", [("refresh", "desk"), ("api", "desk", "/api/v1/tickets")])
def test_a_proxy_scheme_zconnect_cannot_use_is_named_in_one_line(
        tmp_path: Path, variable: str, value: str, scheme: str, command: tuple[str, ...]) -> None:
    config = far_desk(tmp_path, expired=command[0] == "refresh")
    before = config.read_bytes()
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("no_proxy", "all_proxy")}
    env.update(ZCONNECT_CONFIG=str(config), ZCONNECT_HTTP_TIMEOUT="2", **{variable: value})
    run = run_cli(command, env)
    line = one_line(run.err)
    assert run.code == 2, run.err
    assert f"{variable} names a {scheme}:// proxy" in line and "http:// and https:// proxies" in line
    assert "hunter2" not in run.err and "127.0.0.1" not in run.err
    assert config.read_bytes() == before


@pytest.mark.parametrize("certs", ["missing", "garbage"])
@pytest.mark.parametrize("command", [("refresh", "desk"), ("api", "desk", "/api/v1/tickets")])
def test_ssl_cert_file_without_certificates_is_named_in_one_line(tmp_path: Path, certs: str,
                                                                 command: tuple[str, ...]) -> None:
    """SSL_CERT_FILE (read by httpx in place of certifi's bundle) naming no file, or a file of no PEM."""
    config = far_desk(tmp_path, expired=command[0] == "refresh")
    before = config.read_bytes()
    bundle = tmp_path / "ca.pem"
    if certs == "garbage":
        bundle.write_text("not a certificate\n")
    env = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_DIR",)}
    env.update(ZCONNECT_CONFIG=str(config), ZCONNECT_HTTP_TIMEOUT="2", SSL_CERT_FILE=str(bundle))
    run = run_cli(command, env)
    line = one_line(run.err)
    assert run.code == 1, run.err
    assert f"SSL_CERT_FILE={bundle} holds no certificates zconnect can load" in line and "PEM bundle" in line
    assert config.read_bytes() == before


@pytest.mark.parametrize("command", [("list",), ("show", "desk"), ("api", "desk", "/api/v1/tickets")])
def test_a_reader_that_goes_away_ends_the_command_quietly(lab: Lab, command: tuple[str, ...]) -> None:
    """`zconnect … | head -1`: the pipe's reader is gone before zconnect writes; no traceback, exit 0 (the
    reader took what it wanted: a `set -o pipefail` script goes on)."""
    import subprocess

    from reliability.lab import PYTHON

    lab.emu.products.counts["tickets"] = 2000  # a body far larger than a pipe holds
    reader, writer = os.pipe()
    os.close(reader)
    try:
        done = subprocess.run([PYTHON, "-m", "zconnect_tui", *command], env=lab.env(), stdout=writer,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(writer)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert lab.store.load().get("desk").status == "authorized"
