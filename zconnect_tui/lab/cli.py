"""`zconnect lab`: the emulator as a local data centre named `lab`, with a demo client, until Ctrl-C.

It writes `[data_centers.lab]` into the connections file (through the Manager) and prints what to
type in another terminal: the wizard, or `add` + `authorize`, then `api` and `exec`. Nothing reaches
Zoho; the demo client's secret is this local emulator's, printed on purpose.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

from zconnect_tui.errors import ConfigError, ZconnectError
from zconnect_tui.lab import support as sup
from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.lab.support import RecordedRequest, Resp
from zconnect_tui.manager import Manager
from zconnect_tui.model import DEFAULT_PORT, redirect_uri_for
from zconnect_tui.store import Store
from zconnect_tui.text import clean

if TYPE_CHECKING:
    from zconnect_tui.cli_io import IO

DC = "lab"
LABEL = "zconnect lab (local emulator)"
"""Marks a `[data_centers.lab]` that `zconnect lab` wrote, which it may rewrite (its port can change)."""
CLIENT_ID = "1000.LAB0DEMO0CLIENT0ZCONNECT0000000"
CLIENT_SECRET = "1ab0de70c11e0700000000000000000000000000ab"  # a demo secret: this emulator's, not Zoho's
DEFAULT_LAB_PORT = 9000
NAME = "lab-desk"


class LabEmulator(ZohoEmulator):
    """The emulator plus an "API Console" page at / that shows the demo client, as Zoho's console would."""

    redirect_port = DEFAULT_PORT

    @property
    def redirect_uri(self) -> str:
        """The demo client's one redirect URI."""
        return redirect_uri_for(self.redirect_port)

    def _handle(self, req: RecordedRequest) -> Resp:
        if req.method == "GET" and req.path == "/":
            return console_page(self.redirect_uri)
        return super()._handle(req)


def console_page(redirect_uri: str) -> Resp:
    """The demo client's Client ID, Client Secret and redirect URI, as the API Console shows a client."""
    rows = "".join(f"<tr><th align=left>{k}</th><td><code>{v}</code></td></tr>" for k, v in
                   (("Client ID", CLIENT_ID), ("Client Secret", CLIENT_SECRET), ("Redirect URI", redirect_uri)))
    body = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>API Console (zconnect lab)</title></head>"
            "<body style='font-family:sans-serif;max-width:40em;margin:3em auto'><h2>zconnect lab: API Console"
            "</h2><p>One client is registered (Server-based Applications). Its secret is a demo secret of this "
            f"local emulator.</p><table>{rows}</table></body></html>")
    return Resp(200, sup.HTML_CT, body.encode())


def start(port: int | None, redirect_port: int = DEFAULT_PORT) -> LabEmulator:
    """The emulator on 127.0.0.1: `port`, else 9000 when free, else a free port; the demo client registered."""
    emu = LabEmulator(DC)
    emu.consent = "ask"  # a real page with Accept and Deny, as Zoho's
    emu.redirect_port = redirect_port
    emu.register_client(CLIENT_ID, CLIENT_SECRET, [emu.redirect_uri])
    try:
        emu.start(DEFAULT_LAB_PORT if port is None else port)
    except OSError as exc:
        if port is not None:
            raise ZconnectError(f"Port {port} is not free on 127.0.0.1 ({exc.strerror}).",
                             "Give another with --port P, or leave --port out for a free one.") from None
        emu.start(0)
    return emu


def data_center(emu: ZohoEmulator) -> dict[str, str]:
    """`[data_centers.lab]`: every Zoho host of the data centre is the emulator (Projects on a port of its own)."""
    url = emu.url
    return {"label": LABEL, "accounts": url, "api": url, "desk": url, "console": url,
            "projects": emu.add_product_host("projects")}


def instructions(manager: Manager, emu: LabEmulator) -> str:
    """What to type in another terminal, short and exact."""
    config = "" if manager.path == Store().describe() else f" --config {shlex.quote(manager.path)}"
    z = f"zconnect{config}"
    added = NAME in manager.snapshot().connections
    port = emu.redirect_port
    add_port = "" if port == DEFAULT_PORT else f" --port {port}"
    wizard_port = "" if port == DEFAULT_PORT else f"; the port in step 3: {port}"
    lines = [
        f"zconnect lab: a Zoho emulator on {emu.url}, data centre `{DC}` in {manager.path}.",
        "Nothing here reaches Zoho. Its one client (a demo; the secret is this local emulator's, not a real one):",
        f"  Client ID      {CLIENT_ID}",
        f"  Client Secret  {CLIENT_SECRET}",
        f"  Redirect URI   {emu.redirect_uri}",
        "",
        f"In another terminal, either walk the wizard (paste the ID and secret above when it asks{wizard_port}):",
        f"  {z} new --service desk --dc {DC} --name {NAME}",
        "or add it from the command line:" if not added else f"or, as {NAME} exists already:",
    ]
    if not added:
        lines.append(f"  ZS={CLIENT_SECRET} {z} add {NAME} --service desk --dc {DC} --client-id {CLIENT_ID} "
                     f"--client-secret-env ZS{add_port}")
    lines += [
        f"  {z} authorize {NAME}      # the consent page opens in your browser: click Accept",
        "then:",
        f"  {z} api {NAME} /api/v1/tickets",
        f"  {z} exec {NAME} -- env | grep ZOHO_",
        f"  {z}                       # the dashboard",
        "Ctrl-C stops the lab.",
    ]
    return "\n".join(lines)


def cmd_lab(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    """Serve the lab until Ctrl-C (exit 0)."""
    if args.lab_config:
        manager = Manager(Store(args.lab_config))
    # Ctrl-C and SIGTERM stop it, even when started with SIGINT ignored (a shell without job control).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    emu = start(args.port, args.redirect_port)
    try:
        old = manager.set_data_center(DC, data_center(emu), keep=lambda old: old.get("label") != LABEL)
        if old is not None and old.get("label") != LABEL:
            where = clean(str(old.get("accounts", "?")), limit=80)
            raise ConfigError(f"{manager.path} already has a [data_centers.{DC}] of its own "
                                f"(accounts = {where}); zconnect lab leaves it as it is.",
                                "Remove that table, or run the lab with another file: zconnect lab --config FILE")
        io.out(clean(instructions(manager, emu), keep="\n"))
        threading.Event().wait()  # until Ctrl-C raises KeyboardInterrupt here
    except KeyboardInterrupt:
        io.out("lab stopped")
    finally:
        emu.stop()
    return 0


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":  # pragma: no cover - `zconnect lab` is the way in
    sys.exit("Run: zconnect lab")
