"""`zconnect api`, `zconnect apis` and `zconnect exec`: their arguments and their bodies.

Imported only when one of these commands runs (it pulls in httpx through `api`), so `list`,
`show`, `path` and the `token` fast path stay light.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import IO as Stream
from typing import TYPE_CHECKING, TypeVar

from zconnect_tui.errors import EXIT_ERROR, EXIT_OK, EXIT_UNREACHABLE, UsageError, ZconnectError
from zconnect_tui.saved import (
    Field,
    SavedApi,
    check_params,
    fill,
    parse_header,
    split_field,
    typed_value,
    validate_key,
    validate_method,
)
from zconnect_tui.text import clean

T = TypeVar("T")

if TYPE_CHECKING:
    from zconnect_tui import apiout
    from zconnect_tui.api import ApiCall, ApiRequest, ApiResponse
    from zconnect_tui.cli_io import IO
    from zconnect_tui.manager import Manager
    from zconnect_tui.model import Connection

API_EPILOG = """\
examples:
  zconnect api desk /api/v1/tickets -f limit=5             Desk tickets (orgId added from the connection)
  zconnect api crm /crm/v8/Leads -f fields=Last_Name,Company
  zconnect api books /books/v3/invoices --paginate          every page (organization_id added)
  zconnect api desk -X POST /api/v1/tickets -F subject='Printer on fire' -F departmentId=1 -F contactId=2
  zconnect api desk '/api/v1/tickets/{id}' --save ticket   then: zconnect api desk @ticket -p id=123
  zconnect api projects '/restapi/portal/{portal}/projects/' --paginate   {portal}: the stored portal

A path's {placeholder} named like the product's context ({portal} for Projects) is filled from the
stored one unless -p gives it.

Fields go into the query string for GET (and DELETE, HEAD), into a JSON body otherwise.
Exit codes: 0 for 2xx, 1 for 4xx, 3 needs re-authorization, 4 network or 5xx, 5 no such connection.
"""


# ----- api ------------------------------------------------------------------------------------------
def _field_value(io: IO, kind: str, text: str) -> Field:
    key, value = split_field(text, f"-{kind}")
    if kind == "f":
        return key, value
    if value.startswith("@"):
        source = value[1:]
        try:
            if source == "-":
                return key, io.stdin.read()
            with open(source, encoding="utf-8") as fh:
                return key, fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"Cannot read {source} for the field {key}: {exc}.", "Check the path.") from None
    return key, typed_value(value)


def _merge(base: list[tuple[str, T]], extra: list[tuple[str, T]], fold: bool = False) -> list[tuple[str, T]]:
    """`extra` overrides entries of `base` with the same key (case-insensitive for headers)."""
    def norm(key: str) -> str:
        return key.lower() if fold else key

    overridden = {norm(k) for k, _ in extra}
    return [(k, v) for k, v in base if norm(k) not in overridden] + extra


def _open_input(io: IO, path: str) -> Stream[bytes]:
    import tempfile

    if path == "-":
        # A retry after a refresh sends the body again: keep stdin in a spooled file, not in memory.
        spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
        while chunk := io.stdin_bytes.read(64 * 1024):
            spool.write(chunk)
        spool.seek(0)
        return spool
    try:
        return open(path, "rb")
    except OSError as exc:
        raise UsageError(f"Cannot read {path}: {exc.strerror}.", "Check the path given to --input.") from None


def cmd_api(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    from zconnect_tui.api import ApiRequest

    conn = manager.get(args.name)
    fields = [_field_value(io, kind, text) for kind, text in args.fields]
    headers = [parse_header(h) for h in args.headers]
    params = dict(split_field(p, "-p") for p in args.params)
    what = "The call"
    if args.path.startswith("@"):
        key = args.path[1:]
        saved = conn.apis.get(key)
        if saved is None:
            known = ", ".join("@" + k for k in sorted(conn.apis)) or "none yet"
            raise UsageError(f"{conn.name} has no saved API @{key} (saved: {known}).",
                             f"See `zconnect apis {conn.name}`, or save one with --save {key}.")
        method = validate_method(args.method or saved.method)
        path = saved.path
        fields = _merge(list(saved.fields.items()), fields)
        headers = _merge(list(saved.headers.items()), headers, fold=True)
        what = f"@{key}"
    else:
        method = validate_method(args.method or ("POST" if args.input else "GET"))
        path = args.path
    if args.save:
        return _save(manager, args, io, SavedApi(method, path, dict(fields), dict(headers)), params)
    api = SavedApi(method, path, dict(fields), dict(headers))
    from zconnect_tui.products import product_of

    # The product's own placeholder ({portal}) comes from the stored context; a -p given wins.
    stored = product_of(conn.service).context_values(conn)
    params = {**{k: v for k, v in stored.items() if k in api.placeholders()}, **params}
    check_params(api.placeholders(), params, what)
    request = ApiRequest(
        method=method, path=fill(path, params, in_url=True),
        fields=[(k, fill(v, params) if isinstance(v, str) else v) for k, v in fields],
        headers=[(k, fill(v, params)) for k, v in headers],
        body=_open_input(io, args.input) if args.input else None, paginate=args.paginate)
    return _send(manager, args, io, request)


def _save(manager: Manager, args: argparse.Namespace, io: IO, api: SavedApi, params: dict[str, str]) -> int:
    key = validate_key(args.save)
    if args.input or args.paginate or params:
        raise UsageError("--save stores a call's method, path, fields and headers, with {placeholders} unfilled.",
                         "Leave out --input, --paginate and -p when saving; give them when running @" + key + ".")
    if any(kind == "F" and split_field(text)[1].startswith("@") for kind, text in args.fields):
        raise UsageError("A saved API cannot read a file (-F key=@file).", "Give the value itself.")
    if any(v is None for v in api.fields.values()):
        raise UsageError("A saved API cannot hold a null field (the config file is TOML).", "Leave it out.")
    conn = manager.save_api(args.name, key, api)
    needs = " ".join(f"-p {n}=…" for n in _asked(conn, api))
    io.out(clean(f"Saved @{key} on {args.name}: {api.method} {api.path}. Run it: zconnect api {args.name} @{key}"
                 + (f" {needs}" if needs else "")))
    return EXIT_OK


def _send(manager: Manager, args: argparse.Namespace, io: IO, request: ApiRequest) -> int:
    from zconnect_tui import apiout
    from zconnect_tui.api import ApiCall

    out = io.stdout_bytes
    tty = io.is_terminal(io.stdout)
    jq = apiout.jq_program(args.jq) if args.jq and not args.silent else None  # a bad EXPR: before any call

    def note(seconds: float, why: str) -> None:
        io.err(f"zconnect: {why}: retrying in {seconds:g} s…")

    call = ApiCall(manager, args.name, request, on_wait=note)
    try:
        last = _write_responses(io, call, args, request.paginate, out, tty, jq)
    except BrokenPipeError:
        # The reader went away (`… | head`): stop fetching pages, and say nothing more (as cli.main does).
        from zconnect_tui.cli_io import quiet_stdout

        quiet_stdout(io.stdout)
        return EXIT_OK
    return _exit_for(io, last, request.method, args, apiout.one_line, manager.get(args.name).service)


def _write_responses(io: IO, call: ApiCall, args: argparse.Namespace, paginate: bool, out: Stream[bytes],
                     tty: bool, jq: apiout.JqProgram | None = None) -> ApiResponse:
    """Write each response (each page) as it arrives; returns the last one."""
    from zconnect_tui import apiout

    last: ApiResponse | None = None
    for response in call.responses():
        last = response
        if args.include:  # as `gh api -i` and `curl -i`: on stdout, before the body
            out.write(apiout.status_block(response.http_version, response.status, response.reason,
                                          response.headers).encode("utf-8"))
        if args.silent:
            if paginate:
                response.read()  # the paginator needs the body to find the next page
            out.flush()
            continue
        if jq is not None and response.ok:  # an error's body goes out as Zoho sent it, as gh does
            out.write(apiout.jq_output(jq, response.read(), response.content_type, tty))
        elif tty:
            data = response.read()
            shown = apiout.for_terminal(data, response.content_type, colour=True)
            if shown is None:
                kind = clean(response.content_type, limit=80) or "binary data"
                io.err(f"zconnect: not showing {len(data)} bytes of {kind} on the terminal. Send the output to a "
                       "file: … > FILE")
            else:
                apiout.write_text(out, shown)
        elif paginate or not response.ok:
            data = response.read()  # kept: the next page's parameters, or the error line, come from it
            out.write(data)
            if paginate and data and not data.endswith(b"\n"):
                out.write(b"\n")  # pages one per line: a stream of JSON documents
        else:
            for chunk in response.iter_bytes():
                out.write(chunk)
        out.flush()
    assert last is not None
    return last


def _exit_for(io: IO, response: ApiResponse, method: str, args: argparse.Namespace,
              one_line: Callable[[str], str], service: str = "") -> int:
    if response.ok:
        return EXIT_OK
    body = response.json() if response.status >= 400 else None
    detail = ""
    if isinstance(body, dict):
        code = body.get("errorCode") or body.get("code") or body.get("error") or ""
        message = body.get("message") or body.get("error_description") or ""
        detail = one_line(": ".join(str(p) for p in (code, message) if p not in ("", None)))
    where = one_line(f"{method} {response.url.split('?', 1)[0]}")
    head = f"HTTP {response.status} {one_line(response.reason)} from {where}" + (f" ({detail})" if detail else "")
    seen = "Run it without --silent to see Zoho's answer." if args.silent else "Zoho's answer is above."
    status = response.status
    from zconnect_tui.products import OTHER, product_of

    product = product_of(service)
    context = product.context
    refusal = context.refusal(status, detail) if context is not None else ""
    if response.rate_limit_wait is not None:
        wait = f"{response.rate_limit_wait:g} s"
        hint = (f"Zoho's rate limit: not retried, {method} may not be safe to repeat. Try again in {wait}."
                if method not in ("GET", "HEAD", "OPTIONS") else f"Zoho's rate limit asks to wait {wait}; "
                "try again then.")
    elif context is not None and refusal == OTHER:
        hint = (f"The token was authorized for another {context.label}: run `zconnect test {args.name}` to "
                "store the one it works for, or authorize again and pick this one on Zoho's page.")
    elif context is not None and refusal:
        hint = (f"{product.short} needs the {context.noun}: run `zconnect test {args.name}` to store it, or add "
                f"{context.manual(cli=True)}.")
    elif status == 401:
        first = "Zoho still refuses the token after a refresh" if response.refreshed else "Zoho refuses the token"
        hint = (f"{first}: the connection may lack this API's scope (`zconnect show {args.name}`); "
                "authorize again with it.")
    elif 300 <= status < 400:
        hint = "zconnect does not follow redirects (the token would go along); call the new location itself."
    elif status >= 500:
        hint = "Zoho is having trouble; try again in a minute."
    else:
        hint = seen
    io.err(f"zconnect: {head}. {hint}")
    return EXIT_UNREACHABLE if status >= 500 else EXIT_ERROR


def _asked(conn: Connection, api: SavedApi) -> list[str]:
    """The placeholders a run needs from the user: those the stored context does not fill ({portal})."""
    from zconnect_tui.products import product_of

    stored = product_of(conn.service).context_values(conn)
    return [n for n in api.placeholders() if n not in stored]


# ----- apis -----------------------------------------------------------------------------------------
def cmd_apis(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    from zconnect_tui.apitarget import saved_api_url

    if args.delete:
        manager.remove_api(args.name, args.delete)
        io.out(f"Removed @{args.delete} from {args.name}.")
        return EXIT_OK
    snap = manager.snapshot()
    conn = snap.get(args.name)
    dcs = snap.dcs()
    if args.json:
        rows = [{"key": k, "method": a.method, "path": a.path, "fields": a.fields, "headers": a.headers,
                 "placeholders": a.placeholders(), "url": saved_api_url(conn, dcs, a)}
                for k, a in sorted(conn.apis.items())]
        io.out(json.dumps(rows, indent=2))
        return EXIT_OK
    if not conn.apis:
        io.out(f"{conn.name} has no saved APIs yet. Save one: zconnect api {conn.name} PATH [-f k=v …] --save KEY")
        return EXIT_OK
    table: list[tuple[str, ...]] = [("KEY", "METHOD", "PATH", "FIELDS", "NEEDS")]
    for key, api in sorted(conn.apis.items()):
        shown = ", ".join(f"{k}={v}" for k, v in api.fields.items()) or "-"
        needs = " ".join(f"-p {n}" for n in _asked(conn, api)) or "-"
        table.append(tuple(clean(cell, limit=200) for cell in ("@" + key, api.method, api.path, shown, needs)))
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    for row in table:  # the config file is outside input: every cell cleaned (text.clean)
        io.out("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


# ----- exec -----------------------------------------------------------------------------------------
def exec_environment(manager: Manager, name: str) -> dict[str, str]:
    """The variables `exec` adds: a token valid for at least 5 minutes, the API base, the organisation."""
    from zconnect_tui.apitarget import target_for

    token = manager.access_token(name)
    snap = manager.snapshot()
    conn = snap.get(name)
    # ZOHO_ORG_ID is set even when empty, as `export --format env` prints it, for `set -u` scripts.
    return {"ZOHO_ACCESS_TOKEN": token, "ZOHO_API_BASE": target_for(conn, snap.dcs()).base,
            "ZOHO_ORG_ID": conn.org_id, "ZOHO_CONNECTION": conn.name}


def cmd_exec(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    argv = list(args.argv)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        raise UsageError("No command to run.", f"Write: zconnect exec {args.name} -- CMD [ARGS…]")
    import subprocess

    env = {**os.environ, **exec_environment(manager, args.name)}
    io.stdout.flush()
    io.stderr.flush()
    try:
        if os.name == "posix":
            os.execvpe(argv[0], argv, env)  # CMD takes over this process: its signals, its exit code
        return subprocess.run(argv, env=env).returncode  # pragma: no cover - Windows
    except FileNotFoundError:
        raise _ExecFailed(f"{argv[0]}: command not found.", "Check its name and PATH.", 127) from None
    except PermissionError:
        raise _ExecFailed(f"{argv[0]}: permission denied.", "Check that it is executable.", 126) from None


class _ExecFailed(ZconnectError):
    def __init__(self, message: str, hint: str, code: int) -> None:
        super().__init__(message, hint)
        self.exit_code = code
