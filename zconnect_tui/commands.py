"""Bodies of the CLI commands. Human output goes to stdout, errors to stderr as one line."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import queue
import threading
from typing import TYPE_CHECKING

from zconnect_tui.cli_org import missed_org, org_arg, reached_org
from zconnect_tui.errors import FlowError, UsageError, ZconnectError
from zconnect_tui.manager import Manager
from zconnect_tui.model import (
    DEFAULT_PORT,
    NON_BROWSER,
    SELF,
    SERVER,
    Connection,
    mask,
    name_taken,
    redirect_uri_for,
    validate_client_id,
    validate_name,
    validate_port,
    validate_secret,
)
from zconnect_tui.text import clean
from zconnect_tui.verify import account_check

if TYPE_CHECKING:  # the consent flow (listener, httpx) loads only for `authorize`
    from typing import TextIO

    from zconnect_tui.cli_io import IO
    from zconnect_tui.flow import AuthorizationFlow
    from zconnect_tui.verify import Organization


def _out(io: IO, text: str = "") -> None:
    # Everything printed passes `clean` again: names from Zoho or the file never reach the terminal raw.
    io.out(clean(text, keep="\n\t"))


def _warn(io: IO, text: str) -> None:
    io.err(clean(text))


def cmd_new(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    """The TUI: the wizard for `new` (prefilled), else the dashboard (or the wizard when empty)."""
    from zconnect_tui.products import get_product

    prefill = {k: getattr(args, k) for k in ("service", "dc", "name") if getattr(args, k, None)}
    # Refused as `add` refuses them, before any screen opens.
    if "service" in prefill:
        get_product(prefill["service"])
    if "dc" in prefill:
        manager.dcs().get(prefill["dc"])
    if "name" in prefill:
        validate_name(prefill["name"])
    from zconnect_tui.tui.app import run_app

    return run_app(manager, wizard=args.command == "new", prefill=prefill)


def cmd_path(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    _out(io, str(manager.path))
    return 0


def cmd_show(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    data = manager.get(args.name).public_dict(reveal=args.reveal)
    if args.json:
        _out(io, json.dumps(data, indent=2))
        return 0
    token = data.pop("token")
    data.pop("state")
    order = ["name", "state_text", "service", "dc", "location", "accounts_server", "api_domain", "org_name",
             "org_id", "user", "client_type", "client_id", "client_secret", "scopes", "access_type", "redirect_uri",
             "last_error", "created_at", "updated_at"]
    rows = [(k, data[k]) for k in order if data.get(k) not in (None, "", [])]
    rows += [(f"client_secrets.{dc}", v) for dc, v in data["client_secrets"].items()]
    rows += [(f"token.{k}", v) for k, v in token.items() if v not in (None, "", "-")]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        shown = ",".join(value) if isinstance(value, list) else value
        _out(io, f"{('state' if key == 'state_text' else key).ljust(width)}  {shown}")
    return 0


def cmd_token(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    _out(io, manager.access_token(args.name))
    return 0


def cmd_refresh(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    conn = manager.refresh(args.name)
    _out(io, f"Refreshed {conn.name}: {conn.token_state()}.")
    return 0


def cmd_test(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    result = manager.verify(args.name)
    if args.json:
        _out(io, json.dumps({"name": args.name, "endpoint": result.endpoint, "summary": result.summary,
                         "user": result.user, "organizations": [vars(o) for o in result.organizations]}, indent=2))
    else:
        _out(io, f"{args.name}: OK. {result.summary} ({result.endpoint}).")
    return 0


def cmd_revoke(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    revoked = manager.revoke(args.name)
    first = "Revoked at Zoho" if revoked else "Zoho already considered the token invalid"
    _out(io, f"{first}; tokens cleared locally. The connection's settings are kept: "
         f"`zconnect authorize {args.name}` connects it again.")
    return 0


def cmd_remove(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    conn = manager.get(args.name)
    if not args.yes:
        if not io.is_terminal(io.stdin):
            raise UsageError(f"Refusing to remove {conn.name} without confirmation.", "Add --yes.")
        note = " Its tokens stay valid at Zoho: `zconnect revoke` first to cut them off." \
            if conn.token.refresh_token else ""
        io.out(f"Remove {conn.name} ({conn.service}, {conn.dc})?{note} [y/N] ", end="")
        answer = io.stdin.readline()
        if answer.strip().lower() not in ("y", "yes"):
            _out(io, "Kept.")
            return 1
    manager.remove(args.name)
    _out(io, f"Removed {args.name}.")
    return 0


def _read_secret(args: argparse.Namespace, io: IO, prompt: str = "Client Secret (from the Client Secret tab; "
                 "input hidden): ") -> str:
    """The secret from --client-secret-env, else stdin (not a terminal), else a hidden prompt; never argv."""
    if args.client_secret_env:
        secret = os.environ.get(args.client_secret_env, "")
        if not secret:
            raise UsageError(f"The environment variable {args.client_secret_env} is empty or unset.",
                             "Export the Client Secret in it first.")
    elif not io.is_terminal(io.stdin):
        secret = io.stdin.readline()
    else:
        secret = getpass.getpass(prompt)
    return validate_secret(secret)


def cmd_add(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    from zconnect_tui.products import get_product
    from zconnect_tui.services import parse_scopes

    name = validate_name(args.name)
    service = get_product(args.service)
    snap = manager.snapshot()
    snap.dcs().get(args.dc)
    if name in snap.connections:
        raise name_taken(name)
    scopes = parse_scopes(args.scopes) if args.scopes else list(service.defaults)
    kind = args.client_type
    if args.port is not None and kind != SERVER:
        raise UsageError(f"--port applies only to a Server-based client; a {kind} client has no redirect URI.",
                         "Leave --port out.")
    port = validate_port(args.port if args.port is not None else DEFAULT_PORT)
    conn = Connection(
        name=name, service=service.key, dc=args.dc, client_id=validate_client_id(args.client_id),
        scopes=scopes, client_secret=_read_secret(args, io), access_type=args.access_type,
        redirect_uri=redirect_uri_for(port) if kind == SERVER else "", client_type=kind)
    manager.add(conn)
    _out(io, f"Added {name} ({service.label}, data centre {args.dc}; secret {mask(conn.client_secret)}).")
    if kind == SELF:
        _out(io, f"Next: generate a code in the API Console (Self Client → Generate Code, scopes {','.join(scopes)}),")
        _out(io, f"then run `zconnect authorize {name}` and paste it.")
    elif kind == NON_BROWSER:
        _out(io, f"Next: zconnect authorize {name} (it shows a code to enter at Zoho's verification page, "
             "from any device with a browser)")
    else:
        _out(io, f"Register this exact redirect URI in the API Console: {conn.redirect_uri}")
        _out(io, f"Next: zconnect authorize {name}")
    return 0


def cmd_edit(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    from zconnect_tui.services import parse_scopes

    conn = manager.get(args.name)
    if args.client_secret_env and not args.rotate_secret:
        raise UsageError("--client-secret-env goes with --rotate-secret.", "Add --rotate-secret.")
    if args.scopes is None and args.port is None and args.access_type is None and not args.rotate_secret \
            and args.org is None:
        raise UsageError(f"Nothing to change for {conn.name}.", "Give --scopes, --port, --access-type, --org or "
                         "--rotate-secret (see `zconnect edit --help`).")
    # Everything is checked before the secret is asked for, so a typo costs no paste.
    scopes = parse_scopes(args.scopes) if args.scopes is not None else None
    port = validate_port(args.port) if args.port is not None else None
    if args.rotate_secret and args.scopes is None and args.port is None and args.access_type is None \
            and args.org is None:
        return cmd_secret(manager, args, io)  # `edit --rotate-secret` alone is `zconnect secret NAME` (no --dc)
    org = reached_org(manager, conn, org_arg(conn, args.org)) if args.org is not None else None
    secret = _new_secret(args, io, conn) if args.rotate_secret else None
    result = manager.edit(args.name, scopes=scopes, port=port, access_type=args.access_type, client_secret=secret,
                          org=org)
    if not result.changed:
        _out(io, f"{args.name} already has these settings; nothing changed.")
        return 0
    _out(io, f"Changed {args.name}: {', '.join(result.changed)}.")
    if secret is not None and "client secret" in result.changed:
        _secret_stored(io, conn, secret)
    if result.register_uri:
        _out(io, f"Register this exact redirect URI in the API Console: {result.register_uri}")
    if result.needs_consent:
        _out(io, f"Re-authorization needed for this to reach the token: zconnect authorize {args.name}")
    return 0


def _new_secret(args: argparse.Namespace, io: IO, conn: Connection, dc: str | None = None) -> str:
    """The replacement secret for `conn` (or `dc`'s own), read as `add` reads it."""
    what = f"{dc}'s own Client Secret" if dc not in (None, conn.dc) else "The Client Secret"
    return _read_secret(args, io, f"{what} for {conn.name} (input hidden): ")


def _secret_stored(io: IO, conn: Connection, secret: str, dc: str | None = None) -> None:
    if dc not in (None, conn.dc):
        _out(io, f"Stored {dc}'s own Client Secret for {conn.name} ({mask(secret)}): authorizing and refreshing a "
             f"user of {dc} use it from now on.")
    else:
        _out(io, f"Replaced {conn.name}'s Client Secret ({mask(secret)}).")


def cmd_secret(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    """`zconnect secret NAME [--dc D]`, and `zconnect edit NAME --rotate-secret` (the same command)."""
    conn = manager.get(args.name)
    dc = getattr(args, "dc", None)
    if dc is not None and dc != conn.dc:
        manager.check_secret_dc(args.name, dc)  # refuse before asking for the secret
    secret = _new_secret(args, io, conn, dc)
    conn = manager.set_secret(args.name, secret, dc)
    _secret_stored(io, conn, secret, dc)
    return 0


# ----- authorize ----------------------------------------------------------------------------------
class StdinLines:
    """The one reader of stdin during `authorize`: pastes while waiting, then the org answer.

    A second reader (`input()`) would race the paste thread for the user's next line.
    """

    def __init__(self, stdin: TextIO) -> None:
        self._stdin = stdin
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._held: list[str | None] = []
        threading.Thread(target=self._pump, name="zconnect-stdin", daemon=True).start()

    def _pump(self) -> None:
        for line in self._stdin:
            self._lines.put(line)
        self._lines.put(None)  # EOF

    def next(self, timeout: float | None = None) -> str | None:
        """The next line (None at EOF); raises queue.Empty after `timeout`."""
        return self._held.pop() if self._held else self._lines.get(timeout=timeout)

    def hold(self, line: str | None) -> None:
        """Give a line back, for the next reader."""
        self._held.append(line)


def _read_pastes(io: IO, flow: AuthorizationFlow, lines: StdinLines, prompt_tty: bool) -> None:
    """Feed stdin lines to the flow until it ends. EOF is not a cancel (CI, pipes)."""
    while not flow.outcome.finished:
        try:
            line = lines.next(timeout=0.2)
        except queue.Empty:
            continue
        if flow.outcome.finished or line is None:
            lines.hold(line)
            break
        if not line.strip():
            continue
        try:
            flow.submit_paste(line)
        except FlowError as exc:
            _warn(io, f"zconnect: {exc.one_line()}")
            if prompt_tty:
                _warn(io, "Paste again, or wait for the browser:")
    if not flow.needs_listener and not flow.outcome.finished:  # a Self Client has no other way to finish
        flow.fail(FlowError("Standard input closed before a code was pasted.",
                            "Run `zconnect authorize` again and paste the code from the API Console."))


def cmd_authorize(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    previous = manager.get(args.name)
    org_id = org_arg(previous, args.org)  # refused before the consent, not after
    if previous.client_type == NON_BROWSER:
        from zconnect_tui.cli_device import authorize_device

        conn = authorize_device(manager, args, io)
        return _verified(io, manager, conn, previous, None, org_id)
    flow = manager.begin_authorization(args.name, port=args.port)
    conn = flow.conn
    if conn.redirect_uri != previous.redirect_uri:
        _out(io, f"Redirect URI is now {conn.redirect_uri}: register exactly this in the API Console.")
    interactive = io.is_terminal(io.stdin)
    flow.start()
    try:
        if flow.url is not None:
            _out(io, f"Authorize {conn.name} ({conn.service}, data centre {conn.dc}) by opening this URL:")
            _out(io, f"\n  {flow.url}\n")
            if args.no_browser:
                _out(io, "Not opening a browser (--no-browser).")
            else:
                opened, why = flow.open_browser()
                _out(io, "Opening your browser…" if opened else f"Not opening a browser: {why}.")
            _out(io, f"Waiting for Zoho's redirect on {conn.redirect_uri} (up to {int(args.timeout)} s; "
                 "Ctrl-C cancels).")
            # Zoho's refusal of an unregistered redirect URI is a page in the browser, never a redirect:
            # without this line the wait above would just run out.
            _out(io, f"Zoho shows \"Invalid Redirect Uri\"? Then {conn.redirect_uri} is not registered for this "
                 f"client: add it under Authorized Redirect URIs in the API Console ({flow.dc.console_url}, the "
                 "client's Client Details), then open the URL again.")
            _out(io, "No browser here? Open the URL anywhere, then paste the address it lands on (or the code) "
                 "and press Enter:")
        else:
            _out(io, f"{conn.name} is a Self Client: generate a code in the API Console (Self Client → Generate Code,")
            _out(io, f"scopes {','.join(conn.scopes)}), then paste it here and press Enter:")
        lines = StdinLines(io.stdin)
        threading.Thread(target=_read_pastes, args=(io, flow, lines, interactive), daemon=True).start()
        try:
            result = flow.wait(args.timeout)
        except KeyboardInterrupt:
            flow.cancel()
            raise FlowError("Authorization cancelled.", "Run it again when you are ready.") from None
    finally:
        flow.close()
    _out(io, "Received the authorization; exchanging the code…")
    conn = manager.complete_authorization(flow, result)
    return _verified(io, manager, conn, previous, lines, org_id)


def _verified(io: IO, manager: Manager, conn: Connection, previous: Connection, lines: StdinLines | None,
              org_id: str = "") -> int:
    """After the tokens: the verification call, and the organisation (the guide's step 7): `org_id`
    (`--org`), else the stored one, is kept when the token reaches it; when not, nothing about it changes
    and the command fails saying so (a different one is never stored without being chosen)."""
    _out(io, f"{conn.name} is authorized ({conn.token_state()}; data centre {conn.location}).")
    try:
        verification, org = manager.verify_and_pick(conn.name, org_id)
    except ZconnectError as exc:
        _warn(io, f"zconnect: warning: authorized, but the verification call failed: {exc.one_line()}")
        return exc.exit_code if org_id else 0  # --org could not be checked, so it was not stored
    _out(io, verification.summary + ".")
    noun = verification.noun
    missed = verification.org_missed
    if org is None and missed is None and len(verification.organizations) > 1:
        _out(io, f"Zoho marks none of these {noun}s as default:")
        chosen = _choose_org(io, verification.organizations, lines or StdinLines(io.stdin), noun)
        if chosen is None:
            _out(io, f"No {noun} was stored. Run `zconnect authorize {conn.name}` again to choose one.")
        else:
            manager.set_organization(conn.name, chosen)
    # The account check: say who and which organisation this consent connected, loudly if they changed.
    summary, warning = account_check(previous, manager.get(conn.name), verification.org_checked)
    _out(io, summary)
    if warning:
        _warn(io, f"zconnect: warning: {warning}")
    if missed is not None:
        raise missed_org(conn.name, verification, missed, asked=bool(org_id))
    _out(io, f"Use it: zconnect token {conn.name}")
    return 0


def _choose_org(io: IO, orgs: list[Organization], lines: StdinLines, noun: str = "organization") -> Organization | None:
    """Ask which organisation (or portal) to store (the guide's step 7) when Zoho marks none as default."""
    for number, org in enumerate(orgs, 1):
        _out(io, f"  {number}. {org.name} ({org.id})")
    _out(io, f"Which {noun} should this connection use? [1-{len(orgs)}]")
    answer = lines.next() or ""
    if answer.strip().isdigit() and 1 <= int(answer) <= len(orgs):
        return orgs[int(answer) - 1]
    return None
