"""The `zconnect` command: argparse front end; never imports Textual unless it opens the TUI.

`zconnect token NAME` first tries `fastpath`, which answers from the file without argparse
or httpx. Command bodies live in `commands.py`, imported only after parsing.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

from zconnect_tui.fastpath import try_fast_token

if TYPE_CHECKING:
    import argparse

EPILOG = """\
examples:
  zconnect                              open the dashboard (or the wizard when there is no connection)
  zconnect new --service desk --dc eu   open the wizard, prefilled
  zconnect add desk --service desk --dc us --client-id 1000.ABC --scopes Desk.tickets.READ,Desk.basic.READ
  zconnect authorize desk               consent in the browser (or paste the redirect URL / code)
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


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (built only when the fast path cannot answer)."""
    import argparse

    from zconnect_tui import __version__
    from zconnect_tui.export import FORMATS

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

    def cmd(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text)

    p = cmd("new", "open the wizard to create a connection")
    p.add_argument("--service", help="prefill the Zoho service (desk, crm, books, …)")
    p.add_argument("--dc", help="prefill the data centre (us, eu, in, au, jp, ca, sa, uk, cn, or your own)")
    p.add_argument("--name", help="prefill the connection name")

    p = cmd("list", "one row per connection with its token state")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = cmd("show", "all fields of a connection (secrets masked)")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.add_argument("--reveal", action="store_true", help="show the secret and tokens in clear")

    p = cmd("authorize", "run the consent flow (browser + loopback listener, or paste)")
    p.add_argument("name")
    p.add_argument("--no-browser", action="store_true", help="only print the URL; paste the result here")
    p.add_argument("--port", type=int, help="listen on this port (moves the redirect URI "
                   "to http://127.0.0.1:P/callback; register that)")
    p.add_argument("--timeout", type=seconds, default=300.0, metavar="S", help="seconds to wait (default 300; "
                   "a Non-browser client waits as long as Zoho's code lives)")

    p = cmd("token", "print a valid access token (refreshing when under 5 minutes remain)")
    p.add_argument("name")

    for name, text in (("refresh", "force a token refresh"), ("revoke", "revoke at Zoho and clear tokens")):
        cmd(name, text).add_argument("name")

    p = cmd("test", "call the service's verification endpoint")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")

    p = cmd("remove", "delete a connection from the file")
    p.add_argument("name")
    p.add_argument("--yes", action="store_true", help="do not ask")

    p = cmd("export", "print a connection as connector fields, shell exports or JSON")
    p.add_argument("name")
    p.add_argument("--format", choices=FORMATS, default="connector")

    p = cmd("add", "create a connection without the wizard")
    p.add_argument("name")
    p.add_argument("--service", required=True)
    p.add_argument("--dc", required=True)
    p.add_argument("--client-id", required=True)
    p.add_argument("--scopes", help="comma-separated (default: the service's defaults)")
    p.add_argument("--port", type=int, help="loopback port of the redirect URI (default 9646)")
    p.add_argument("--access-type", choices=("offline", "online"), default="offline")
    secret_env(p)
    kinds = p.add_mutually_exclusive_group()
    kinds.add_argument("--client-type", choices=("server", "self", "non-browser"), default="server",
                       help="the API Console's client type: server (Server-based Applications: browser and "
                       "loopback redirect; the default), self (Self Client: paste a code), non-browser "
                       "(Non-browser Applications: enter a code at Zoho's verification page; for SSH)")
    kinds.add_argument("--self-client", dest="client_type", action="store_const", const="self",
                       help="the same as --client-type self")

    p = cmd("secret", "replace the Client Secret, or store a data centre's own secret (Multi-DC)")
    p.add_argument("name")
    p.add_argument("--dc", help="the data centre whose own secret this is (the API Console's Multi-DC "
                   "setting can give each data centre its own); without it, the common secret is replaced")
    secret_env(p)

    cmd("path", "print the connections file's path")

    from zconnect_tui.api_cli import add_parsers

    add_parsers(cmd)  # api, apis, exec
    return parser


def secret_env(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--client-secret-env", metavar="VAR", help="read the secret from this environment "
                        "variable (else stdin, else a hidden prompt; never from the command line)")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `zconnect` console script."""
    args_list = sys.argv[1:] if argv is None else argv
    if try_fast_token(args_list):
        return 0
    parser = build_parser()
    args = parser.parse_args(args_list)
    from zconnect_tui import commands
    from zconnect_tui.errors import ZconnectError
    from zconnect_tui.text import clean

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
