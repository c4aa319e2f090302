"""The `zconnect` command: argparse front end; never imports Textual unless it opens the TUI.

`zconnect token NAME` first tries `fastpath`, which answers from the file without argparse
or httpx. Command bodies live in `commands.py`, imported only after parsing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NoReturn

from zconnect_tui.fastpath import try_fast_token

if TYPE_CHECKING:
    import argparse

EPILOG = """\
examples:
  zconnect                              open the dashboard (or the wizard when there is no connection)
  zconnect new --service desk --dc eu   open the wizard, prefilled
  zconnect add desk --service desk --dc us --client-id 1000.ABC --scopes Desk.tickets.READ,Desk.basic.READ
  zconnect authorize desk               consent in the browser (or paste the redirect URL / code)
  zconnect edit desk --scopes Desk.tickets.ALL,Desk.basic.READ   then `zconnect authorize desk`
  eval "$(zconnect export desk --format env)"   sets ZOHO_API_BASE, ZOHO_ORG_ID (Desk wants its orgId)
  curl -sS -H "Authorization: Zoho-oauthtoken $(zconnect token desk)" -H "orgId: $ZOHO_ORG_ID" \\
       "$ZOHO_API_BASE/api/v1/tickets"

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
    """argparse `choices` read from a module only when a command needs them (`export` imports httpx)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def _values(self) -> tuple[str, ...]:
        import importlib

        return tuple(getattr(importlib.import_module(self.module), self.name))

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


def a(*flags: str, **options: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    """One argument of a command, as `ArgumentParser.add_argument` takes it."""
    return flags, options


EXCLUSIVE = ("(one of)",)


def one_of(*args: tuple[tuple[str, ...], dict[str, Any]]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Arguments of which at most one may be given (a mutually exclusive group)."""
    return EXCLUSIVE, {"args": args}


NAME = a("name", help="the connection's name (see `zconnect list`)")
SECRET_ENV = a("--client-secret-env", metavar="VAR", help="read the secret from this environment variable "
               "(else stdin, else a hidden prompt; never from the command line)")
COMMANDS: tuple[Command, ...] = (
    Command("new", "open the wizard to create a connection",
            a("--service", help="prefill the Zoho service (desk, crm, books, …)"),
            a("--dc", help="prefill the data centre (us, eu, in, au, jp, ca, sa, uk, cn, or your own)"),
            a("--name", help="prefill the connection name")),
    Command("list", "one row per connection with its token state",
            a("--json", action="store_true", help="machine-readable output")),
    Command("show", "all fields of a connection (secrets masked)", NAME, a("--json", action="store_true"),
            a("--reveal", action="store_true", help="show the secret and tokens in clear")),
    Command("authorize", "run the consent flow (browser + loopback listener, or paste)", NAME,
            a("--no-browser", action="store_true", help="only print the URL; paste the result here"),
            a("--port", type=int, help="listen on this port (moves the redirect URI to "
              "http://127.0.0.1:P/callback; register that)"),
            a("--timeout", type=seconds, default=300.0, metavar="S", help="seconds to wait (default 300; "
              "a Non-browser client waits as long as Zoho's code lives)")),
    Command("token", "print a valid access token (refreshing when under 5 minutes remain)", NAME),
    Command("refresh", "force a token refresh", NAME),
    Command("test", "call the service's verification endpoint", NAME, a("--json", action="store_true")),
    Command("revoke", "revoke at Zoho and clear tokens", NAME),
    Command("remove", "delete a connection from the file", NAME, a("--yes", action="store_true", help="do not ask")),
    Command("export", "print a connection as connector fields, shell exports, JSON or a curl command", NAME,
            a("--format", choices=_Lazy("zconnect_tui.export", "FORMATS"), default="connector")),
    Command("add", "create a connection without the wizard", NAME,
            a("--service", required=True), a("--dc", required=True), a("--client-id", required=True),
            a("--scopes", help="comma-separated (default: the service's defaults)"),
            a("--port", type=int, help="loopback port of the redirect URI (default 9646)"),
            a("--access-type", choices=("offline", "online"), default="offline"), SECRET_ENV,
            one_of(a("--client-type", choices=("server", "self", "non-browser"), default="server",
                     help="the API Console's client type: server (Server-based Applications: browser and "
                     "loopback redirect; the default), self (Self Client: paste a code), non-browser "
                     "(Non-browser Applications: enter a code at Zoho's verification page; for SSH)"),
                   a("--self-client", dest="client_type", action="store_const", const="self",
                     help="the same as --client-type self"))),
    Command("edit", "change a connection's scopes, port or access type (its secret: `zconnect secret`); says "
            "when re-authorization is needed", NAME,
            a("--scopes", help="comma-separated; replaces the connection's scopes"),
            a("--port", type=int, help="loopback port of the redirect URI (register the new URI)"),
            a("--access-type", choices=("offline", "online"), help="offline keeps a refresh token; online "
              "gives only an access token (about an hour)"),
            a("--rotate-secret", action="store_true", help="replace the Client Secret, read as `add` reads it: "
              "the same as `zconnect secret NAME` (use that; this flag is for doing it along with another change)"),
            SECRET_ENV),
    Command("secret", "replace the Client Secret, or store a data centre's own (Multi-DC); "
            "`edit --rotate-secret` is the same", NAME,
            a("--dc", help="the data centre whose own secret this is (the API Console's Multi-DC setting can give "
              "each data centre its own); without it, the common secret is replaced"), SECRET_ENV),
    Command("path", "print the connections file's path"),
    Command("api", "an authenticated call to the connection's Zoho API (like `gh api`)",
            a("name", help="the connection"),
            a("path", metavar="PATH|@KEY", help="a path on the service's host (e.g. /api/v1/tickets), a full URL "
              "on it, or @KEY for a saved API"),
            a("-X", "--method", help="GET (default; POST with --input), POST, PUT, PATCH, DELETE, …"),
            a("-f", "--raw-field", dest="fields", action="append", default=[], metavar="KEY=VALUE",
              type=lambda s: ("f", s), help="a string field (repeatable)"),
            a("-F", "--field", dest="fields", action="append", metavar="KEY=VALUE", type=lambda s: ("F", s),
              help="a typed field: numbers, true, false, null; @FILE reads a file, @- stdin (repeatable)"),
            a("-H", "--header", dest="headers", action="append", default=[], metavar="'NAME: VALUE'"),
            a("-p", "--param", dest="params", action="append", default=[], metavar="NAME=VALUE",
              help="fill a {placeholder} in the path, fields or headers (repeatable)"),
            a("--input", metavar="FILE", help="the request body from FILE (- for stdin)"),
            a("-i", "--include", action="store_true", help="the status line and headers, on stderr"),
            a("--paginate", action="store_true", help="follow the product's pages (Desk, CRM, Books), writing "
              "each page as it arrives"),
            a("--silent", action="store_true", help="do not print the body"),
            a("--save", metavar="KEY", help="save this call as @KEY on the connection (not sent)"),
            body="zconnect_tui.api_cli", epilog=("zconnect_tui.api_cli", "API_EPILOG")),
    Command("apis", "the saved APIs of a connection", NAME, a("--json", action="store_true"),
            a("--delete", metavar="KEY", help="remove the saved API KEY"), body="zconnect_tui.api_cli"),
    Command("exec", "run a command with ZOHO_ACCESS_TOKEN, ZOHO_API_BASE and ZOHO_ORG_ID set", NAME,
            a("argv", nargs="...", metavar="-- CMD …"), body="zconnect_tui.api_cli"),
    Command("store", "a store many machines share (PostgreSQL): init URL creates its schema, migrate --to "
            "URL|file moves the connections, keygen prints a new key for its secrets",
            a("action", choices=("init", "migrate", "keygen")),
            a("url", nargs="?", help="init: the database, postgresql://user@host/database"),
            a("--to", metavar="URL|file", help="migrate: where the connections go"),
            body="zconnect_tui.store_cli", epilog=("zconnect_tui.store_cli", "EPILOG")),
)
"""Every command, declared once: the parser is built from this table and `commands.run` dispatches
on the name. A new command is one entry here plus its `cmd_<name>` in its `body` module."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (built only when the fast path cannot answer)."""
    import argparse

    from zconnect_tui import __version__

    class Parser(argparse.ArgumentParser):
        """Usage errors as one line, like every other error (argparse prints the usage first)."""

        def error(self, message: str) -> NoReturn:
            from zconnect_tui.text import clean

            self.exit(2, f"zconnect: {clean(message)}. See `{self.prog} --help`.\n")

    parser = Parser(
        prog="zconnect", description="Connect to Zoho's APIs from a terminal.", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", metavar="FILE", help="connections file (default: $ZCONNECT_CONFIG or "
                        "the user config dir; see `zconnect path`)")
    parser.add_argument("-V", "--version", action="version", version=f"zconnect {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        epilog = command.epilog
        if isinstance(epilog, tuple):  # (module, name): text that lives with the command's body
            import importlib

            epilog = getattr(importlib.import_module(epilog[0]), epilog[1])
        p = sub.add_parser(command.name, help=command.help, description=command.help, epilog=epilog,
                           formatter_class=argparse.RawDescriptionHelpFormatter if epilog else argparse.HelpFormatter)
        for flags, options in command.args:
            if flags == EXCLUSIVE:
                group = p.add_mutually_exclusive_group()
                for group_flags, group_options in options["args"]:
                    group.add_argument(*group_flags, **group_options)
            else:
                p.add_argument(*flags, **options)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `zconnect` console script."""
    args_list = sys.argv[1:] if argv is None else argv
    if try_fast_token(args_list):
        return 0
    parser = build_parser()
    args, extra = parser.parse_known_args(args_list)
    from zconnect_tui import commands
    from zconnect_tui.errors import ZconnectError
    from zconnect_tui.text import clean

    if extra:  # argparse would send `list --jsn` to `zconnect --help`; the command's own help lists its flags
        where = f"zconnect {args.command} --help" if args.command else "zconnect --help"
        parser.exit(2, f"zconnect: unrecognized arguments: {clean(' '.join(extra))}. See `{where}`.\n")

    try:
        return commands.run(args)
    except ZconnectError as exc:
        print(f"zconnect: {clean(exc.one_line())}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("zconnect: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
