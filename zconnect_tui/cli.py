"""The `zconnect` command: argparse front end; never imports Textual unless it opens the TUI.

`zconnect token [NAME]` first tries `fastpath`, which answers from the file without argparse
or httpx. Command bodies live in `commands.py` (and the modules a `Command` names), imported only
after parsing, and dispatched here (`dispatch`): imports flow one way, cli -> bodies. Every body gets
the IO object (`cli_io.IO`) and prints through it. A NAME left out is the default connection (`cli_default.py`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn, cast

from zconnect_tui.fastpath import try_fast_token

if TYPE_CHECKING:
    import argparse

    from zconnect_tui.cli_io import IO

EPILOG = """\
examples:
  zconnect                              open the dashboard (or the wizard when there is no connection)
  zconnect new --service desk --dc eu   open the wizard, prefilled
  zconnect add desk --service desk --dc us --client-id 1000.ABC --scopes Desk.tickets.READ,Desk.basic.READ
  zconnect authorize desk               consent in the browser (or paste the redirect URL / code)
  zconnect edit desk --scopes Desk.tickets.ALL,Desk.basic.READ   then `zconnect authorize desk`
  eval "$(zconnect export desk --format env)"   sets ZOHO_API_BASE, ZOHO_ORG_ID (Desk wants its orgId)
  printf 'Authorization: Zoho-oauthtoken %s\\n' "$(zconnect token desk)" |
    curl -sS -H @- -H "orgId: $ZOHO_ORG_ID" "$ZOHO_API_BASE/api/v1/tickets"

exit codes: 0 ok, 1 error, 2 usage, 3 needs re-authorization, 4 Zoho or network unreachable,
            5 no such connection
"""


def seconds(text: str) -> float:
    """argparse type for --timeout: a finite number of seconds, 1 to 86400 (nan and inf would hang or crash)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 1 <= value <= 86400:
        raise ValueError(text)
    return value


seconds.__name__ = "number of seconds (1-86400)"  # argparse names the type in its message


class _Lazy:
    """argparse `choices` read from a module only when a command needs them (the export formats' registry is
    not imported to run `list`)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def _values(self) -> tuple[str, ...]:
        import importlib

        value = getattr(importlib.import_module(self.module), self.name)
        return tuple(value() if callable(value) else value)

    def __contains__(self, value: object) -> bool:
        return value in self._values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())


class Command:
    """One `zconnect` command: its name, its help and its arguments; the body is `cmd_<name>` in `body`."""

    __slots__ = ("name", "help", "args", "body", "epilog")

    def __init__(self, name: str, help_text: str, *args: tuple[tuple[str, ...], dict[str, Any]],
                 body: str = "zconnect_tui.commands", epilog: str | tuple[str, str] | None = None) -> None:
        self.name, self.help, self.args, self.body, self.epilog = name, help_text, args, body, epilog

    @property
    def name_optional(self) -> bool:
        """Whether NAME may be left out (the default connection stands in: `zconnect use`)."""
        return any(flags == ("name",) and options.get("nargs") == "?" for flags, options in self.args)


def a(*flags: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """One argument of a command, as `ArgumentParser.add_argument` takes it."""
    return flags, options


EXCLUSIVE = ("(one of)",)


def one_of(*args: tuple[tuple[str, ...], dict[str, Any]]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Arguments of which at most one may be given (a mutually exclusive group)."""
    return EXCLUSIVE, {"args": args}


NAME = a("name", nargs="?", help="the connection's name (see `zconnect list`); left out: $ZCONNECT_CONNECTION, "
         "else the default `zconnect use` set")
GIVEN_NAME = a("name", help="the connection's name (see `zconnect list`)")
JSON = a("--json", action="store_true", help="machine-readable output")
SECRET_ENV = a("--client-secret-env", metavar="VAR", help="read the secret from this environment variable "
               "(else stdin, else a hidden prompt; never from the command line)")
ORG = a("--org", metavar="ID", help="the organization (Projects: portal) the calls name; it must be one the token "
        "reaches, else the choices are listed")
COMMANDS: tuple[Command, ...] = (
    Command("new", "open the wizard to create a connection",
            a("--service", help="prefill the Zoho service (desk, crm, books, …)"),
            a("--dc", help="prefill the data centre (us, eu, in, au, jp, ca, sa, uk, cn, or your own)"),
            a("--name", help="prefill the connection name")),
    Command("list", "one row per connection with its token state (* marks the default)",
            one_of(JSON, a("--names", action="store_true", help="only the names, one per line (for scripts "
                           "and shell completion)")), body="zconnect_tui.cli_list"),
    Command("use", "set the default connection, used when a command's NAME is left out (ZCONNECT_CONNECTION "
            "overrides it); without NAME, say which it is",
            a("name", nargs="?", help="the connection to use by default (see `zconnect list`)"),
            a("--clear", action="store_true", help="forget the default"), body="zconnect_tui.cli_default"),
    Command("show", "all fields of a connection (secrets masked)", NAME, a("--json", action="store_true",
            help="every field as JSON (secrets masked unless --reveal)"),
            a("--reveal", action="store_true", help="show the secret and tokens in clear")),
    Command("authorize", "run the consent flow (browser + loopback listener, or paste)", NAME,
            a("--no-browser", action="store_true", help="only print the URL; paste the result here"),
            a("--port", type=int, help="listen on this port (moves the redirect URI to "
              "http://127.0.0.1:P/callback; register that)"),
            a("--timeout", type=seconds, default=300.0, metavar="S", help="seconds to wait (default 300; "
              "a Non-browser client waits as long as Zoho's code lives)"), ORG),
    Command("token", "print a valid access token (refreshing when under 5 minutes remain)", NAME),
    Command("refresh", "force a token refresh", NAME),
    Command("test", "call the service's verification endpoint", NAME, a("--json", action="store_true",
            help="the result as JSON (endpoint, summary, user, organizations)")),
    Command("revoke", "revoke at Zoho and clear tokens", NAME),
    Command("remove", "delete a connection from the store (its NAME is never the default: a script's empty "
            "variable must not remove it)", GIVEN_NAME, a("--yes", action="store_true", help="do not ask")),
    Command("export", "print a connection in an export format: connector fields, scripts, extension code "
            "(the list: `zconnect export --help`)", NAME,
            # A metavar, so that building the parser does not list the choices (and import the registry).
            a("--format", choices=_Lazy("zconnect_tui.exports", "keys"), default="connector", metavar="FORMAT",
              help="one of %(choices)s, each below (default: %(default)s)"),
            a("--namespace", metavar="NS", help="deluge: your extension's namespace, invokeConnector's "
              "NS.CONNECTOR.API"),
            a("--connector", metavar="NAME", help="deluge, console, sigma: the Developer Console connector's name, "
              "also the Zoho connection's link name (default: the connection's name)"),
            a("--output", metavar="DIR", help="posting: write the collection's files into DIR (stdout gets a "
              "summary)"),
            body="zconnect_tui.export_cli", epilog=("zconnect_tui.exports", "epilog")),
    Command("add", "create a connection without the wizard", GIVEN_NAME,
            a("--service", required=True, help="the Zoho service (desk, crm, books, …)"),
            a("--dc", required=True, help="the data centre the client is registered in (us, eu, in, au, jp, "
              "ca, sa, uk, cn, or your own)"),
            a("--client-id", required=True, help="the Client ID from the API Console (1000.…)"),
            a("--scopes", help="comma-separated (default: the service's defaults)"),
            a("--port", type=int, help="loopback port of the redirect URI (default 9646)"),
            a("--access-type", choices=("offline", "online"), default="offline", help="offline (default) keeps "
              "a refresh token; online gives only an access token (about an hour)"), SECRET_ENV,
            one_of(a("--client-type", choices=("server", "self", "non-browser"), default="server",
                     help="the API Console's client type: server (Server-based Applications: browser and "
                     "loopback redirect; the default), self (Self Client: paste a code), non-browser "
                     "(Non-browser Applications: enter a code at Zoho's verification page; for SSH)"),
                   a("--self-client", dest="client_type", action="store_const", const="self",
                     help="the same as --client-type self"))),
    Command("edit", "change a connection's scopes, port, access type or organization (its secret: "
            "`zconnect secret`); says when re-authorization is needed", NAME,
            a("--scopes", help="comma-separated; replaces the connection's scopes"),
            a("--port", type=int, help="loopback port of the redirect URI (register the new URI)"),
            a("--access-type", choices=("offline", "online"), help="offline keeps a refresh token; online "
              "gives only an access token (about an hour)"),
            a("--rotate-secret", action="store_true", help="replace the Client Secret, read as `add` reads it: "
              "the same as `zconnect secret NAME` (use that; this flag is for doing it along with another change)"),
            SECRET_ENV, ORG),
    Command("secret", "replace the Client Secret, or store a data centre's own (Multi-DC); "
            "`edit --rotate-secret` is the same", NAME,
            a("--dc", help="the data centre whose own secret this is (the API Console's Multi-DC setting can give "
              "each data centre its own); without it, the common secret is replaced"), SECRET_ENV),
    Command("path", "print the connections file's path"),
    Command("api", "an authenticated call to the connection's Zoho API (like `gh api`)",
            a("name", nargs="?", help="the connection (left out: the default, as for every command)"),
            a("path", metavar="PATH|@KEY", help="a path on the service's host (e.g. /api/v1/tickets), a full URL "
              "on it, or @KEY for a saved API"),
            a("-X", "--method", help="GET (default; POST with --input), POST, PUT, PATCH, DELETE, …"),
            a("-f", "--raw-field", dest="fields", action="append", default=[], metavar="KEY=VALUE",
              type=lambda s: ("f", s), help="a string field (repeatable)"),
            a("-F", "--field", dest="fields", action="append", metavar="KEY=VALUE", type=lambda s: ("F", s),
              help="a typed field: numbers, true, false, null; @FILE reads a file, @- stdin (repeatable)"),
            a("-H", "--header", dest="headers", action="append", default=[], metavar="'NAME: VALUE'",
              help="an HTTP header (repeatable; not Authorization, which zconnect adds)"),
            a("-p", "--param", dest="params", action="append", default=[], metavar="NAME=VALUE",
              help="fill a {placeholder} in the path, fields or headers (repeatable; not gh's -p, which is "
              "--preview)"),
            a("--input", metavar="FILE", help="the request body from FILE (- for stdin)"),
            a("-i", "--include", action="store_true", help="the status line and headers, before the body on "
              "stdout"),
            a("-q", "--jq", metavar="EXPR", help="print what the jq expression EXPR selects from a JSON answer "
              "(strings raw; needs the jq extra: pip install 'zconnect-tui[jq]')"),
            a("--paginate", action="store_true", help="follow the product's pages (Desk, CRM, Books, Projects, "
              "Inventory), writing each page as it arrives"),
            a("--silent", action="store_true", help="do not print the body"),
            a("--save", metavar="KEY", help="save this call as @KEY on the connection (not sent)"),
            body="zconnect_tui.api_cli", epilog=("zconnect_tui.api_cli", "API_EPILOG")),
    Command("apis", "the saved APIs of a connection", NAME, a("--json", action="store_true",
            help="the saved APIs as JSON, each with its full URL"),
            a("--delete", metavar="KEY", help="remove the saved API KEY"), body="zconnect_tui.api_cli"),
    Command("exec", "run a command with ZOHO_ACCESS_TOKEN, ZOHO_API_BASE and ZOHO_ORG_ID set", NAME,
            a("argv", nargs="...", metavar="-- CMD …", help="the command to run and its arguments, after --"),
            body="zconnect_tui.api_cli"),
    Command("completion", "print a shell completion script (commands, flags, connection names)",
            a("shell", choices=("bash", "zsh", "fish"), help="bash: eval \"$(zconnect completion bash)\" in "
              "~/.bashrc; zsh: the same in ~/.zshrc, after compinit; fish: zconnect completion fish | source"),
            body="zconnect_tui.completion"),
    Command("store", "a store many machines share (PostgreSQL): init URL creates its schema, migrate --to "
            "URL|file moves the connections, keygen prints a new key for its secrets",
            a("action", choices=("init", "migrate", "keygen"), help="init: create or migrate the schema; migrate: "
              "move the connections (--to); keygen: print a new key for the store's secrets"),
            a("url", nargs="?", help="init: the database, postgresql://user@host/database"),
            a("--to", metavar="URL|file", help="migrate: where the connections go"),
            body="zconnect_tui.store_cli", epilog=("zconnect_tui.store_cli", "EPILOG")),
    Command("lab", "try zconnect without a Zoho account: a local Zoho emulator as data centre `lab`, with a demo "
            "client, until Ctrl-C (prints what to type)",
            a("--port", type=int, metavar="P", help="the emulator's port on 127.0.0.1 (default 9000 when free, "
              "else a free one)"),
            a("--config", dest="lab_config", metavar="FILE", help="the connections file to add [data_centers.lab] "
              "to (the same as zconnect's --config)"),
            a("--redirect-port", type=int, default=9646, metavar="P", help="the demo client's redirect URI is "
              "http://127.0.0.1:P/callback (default 9646, zconnect's own default)"),
            body="zconnect_tui.lab.cli"),
)
"""Every command, declared once: the parser is built from this table and `dispatch` dispatches
on the name. A new command is one entry here plus its `cmd_<name>` in its `body` module."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (built only when the fast path cannot answer); help and usage errors go to
    the running command's IO (`cli_io.current`)."""
    import argparse

    from zconnect_tui import __version__

    class Parser(argparse.ArgumentParser):
        """Usage errors as one line, like every other error (argparse prints the usage first)."""

        def error(self, message: str) -> NoReturn:
            from zconnect_tui.text import clean

            self.exit(2, f"zconnect: {clean(message)}. See `{self.prog} --help`.\n")

        def _print_message(self, message: str, file: Any = None) -> None:
            # argparse writes help to sys.stdout and errors to sys.stderr: the running command's IO instead.
            from zconnect_tui.cli_io import current

            io = current()
            if message and io is not None:
                (io.stderr if file is sys.stderr else io.stdout).write(message)
            elif message:
                super()._print_message(message, file)

        @property
        def epilog(self) -> str | None:
            """A (module, name) epilog is read when the help is shown, not to run a command."""
            value = self.__dict__.get("_epilog")
            if isinstance(value, tuple):
                import importlib

                found = getattr(importlib.import_module(value[0]), value[1])
                value = self._epilog = found() if callable(found) else found
            return value

        @epilog.setter
        def epilog(self, value: str | tuple[str, str] | None) -> None:
            self._epilog = value

    parser = Parser(
        prog="zconnect", description="Connect to Zoho's APIs from a terminal.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", metavar="FILE", help="connections file (default: $ZCONNECT_CONFIG or "
                        "the user config dir; see `zconnect path`)")
    parser.add_argument("-V", "--version", action="version", version=f"zconnect {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                help="`zconnect COMMAND --help` for its own flags; none: the dashboard or wizard")
    for command in COMMANDS:
        epilog = command.epilog  # (module, name): text that lives with the command's body, read for --help
        # Parser.epilog reads a (module, name) pair when help is shown; argparse's stub says str only.
        p = sub.add_parser(command.name, help=command.help, description=command.help, epilog=cast(str | None, epilog),
                           formatter_class=argparse.RawDescriptionHelpFormatter if epilog else argparse.HelpFormatter)
        for flags, options in command.args:
            if flags == EXCLUSIVE:
                group = p.add_mutually_exclusive_group()
                for group_flags, group_options in options["args"]:
                    group.add_argument(*group_flags, **group_options)
            else:
                p.add_argument(*flags, **options)
    return parser


def command_index(argv: list[str]) -> int | None:
    """Where the command word is in `argv` (after the global `--config FILE`), or None (none, or a flag first)."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--config":
            i += 2
        elif word.startswith("--config="):
            i += 1
        elif word.startswith("-"):
            return None  # -V, -h, or a flag argparse will name
        else:
            return i
    return None


def unknown_command(argv: list[str]) -> str | None:
    """The one-line error for a command word that is not one (`zconnect lst`: did you mean list?), else None."""
    at = command_index(argv)
    if at is None or any(argv[at] == c.name for c in COMMANDS):
        return None
    import difflib

    from zconnect_tui.text import clean

    word = clean(argv[at], limit=40)
    close = difflib.get_close_matches(argv[at], [c.name for c in COMMANDS], n=1)
    guess = f"; did you mean {close[0]}?" if close else "."
    return f"zconnect: {word!r} is not a zconnect command{guess} See `zconnect --help`.\n"


def _positionals(args: argparse.Namespace, extra: list[str], argv: list[str]) -> str | None:
    """Put NAME where it belongs when it was left out (the default connection stands in for it).

    argparse fills positionals greedily before the first flag: `api desk -X POST /path` gives
    PATH=desk and leaves /path over, and `exec -- CMD` takes CMD for NAME. Returns a usage error.
    """
    if args.command == "api" and args.name is None:
        if extra and not extra[0].startswith("-"):
            args.name, args.path = args.path, extra.pop(0)
        elif args.path[:1].isalnum() and ":" not in args.path:  # a connection's name, not a path, URL or @KEY
            return (f"zconnect: `zconnect api {args.path}` has no PATH. Give one: zconnect api {args.path} "
                    "/api/v1/… (or @KEY).\n")
    elif args.command == "exec" and args.name is not None:
        at = command_index(argv)
        if at is not None and argv[at + 1:at + 2] == ["--"]:
            args.argv, args.name = [args.name, *args.argv], None
    return None


def dispatch(args: argparse.Namespace, io: IO) -> int:
    """Run a parsed command line: `cmd_<command>(manager, args, io)` in the module COMMANDS names."""
    import importlib
    from collections.abc import Callable

    from zconnect_tui.manager import Manager
    from zconnect_tui.store_choice import open_store
    from zconnect_tui.text import clean

    manager = Manager(open_store(args.config))
    if args.command not in (None, "new", "path"):
        for warning in manager.warnings():
            io.err(clean(f"zconnect: {warning}"))
    name = args.command or "new"
    command = next(c for c in COMMANDS if c.name == name)
    if command.name_optional and args.name is None and name != "use":
        from zconnect_tui.cli_default import resolve

        args.name = resolve(manager, name)
    handler: Callable[[Manager, argparse.Namespace, IO], int] = getattr(importlib.import_module(command.body),
                                                                        f"cmd_{name}")
    return handler(manager, args, io)


def main(argv: list[str] | None = None, io: IO | None = None) -> int:
    """Entry point of the `zconnect` console script; `io`: the streams (the process's own when None)."""
    args_list = sys.argv[1:] if argv is None else argv
    try:
        return _run(args_list, io)
    except BrokenPipeError:  # the reader took what it wanted (`zconnect list | head -1`): no traceback, and
        from zconnect_tui.cli_io import quiet_stdout  # exit 0 as `api` does, so `set -o pipefail` scripts go on

        quiet_stdout(io.stdout if io is not None else None)
        return 0


def _run(args_list: list[str], io: IO | None) -> int:
    if io is not None and io.stdout is not sys.stdout:
        # The token fast path writes to sys.stdout and stays as small as it is: pointed at io.stdout for it.
        from contextlib import redirect_stdout

        with redirect_stdout(io.stdout):
            if try_fast_token(args_list):
                return 0
    elif try_fast_token(args_list):
        return 0
    from zconnect_tui.cli_io import IO, running

    with running(io or IO()) as streams:
        return _main(args_list, streams)


def _main(args_list: list[str], io: IO) -> int:
    unknown = unknown_command(args_list)
    if unknown is not None:
        io.stderr.write(unknown)
        return 2
    parser = build_parser()
    args, extra = parser.parse_known_args(args_list)
    from zconnect_tui.errors import ZconnectError
    from zconnect_tui.text import clean

    wrong = _positionals(args, extra, args_list)
    if wrong is not None:
        parser.exit(2, clean(wrong, keep="\n"))
    if extra:  # argparse would send `list --jsn` to `zconnect --help`; the command's own help lists its flags
        where = f"zconnect {args.command} --help" if args.command else "zconnect --help"
        parser.exit(2, f"zconnect: unrecognized arguments: {clean(' '.join(extra))}. See `{where}`.\n")

    try:
        return dispatch(args, io)
    except ZconnectError as exc:
        io.err(f"zconnect: {clean(exc.one_line())}")
        return exc.exit_code
    except KeyboardInterrupt:
        io.err("zconnect: interrupted.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
