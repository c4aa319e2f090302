"""Errors a user can cause or meet, each with a sentence, a fix and an exit code.

The fix comes in one of two forms. A structured `Remedy` (re-authorize NAME, choose another
port, wait, fix a config key…) lets each front end word it in its own terms: the CLI with
commands and flags (`CLI_WORDS` below, also the default `hint`), the TUI with keys and steps
(`zconnect_tui/tui/remedies.py`). A free-text `hint` is for fixes that read the same everywhere.
The CLI prints `message` and `hint` on one line and exits with `exit_code`. Nothing here is
ever shown as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NEEDS_REAUTH = 3
EXIT_UNREACHABLE = 4
EXIT_NO_SUCH_CONNECTION = 5


class Fix(StrEnum):
    """What the user can do about an error; the data it needs is on the `Remedy`."""

    AUTHORIZE = "authorize"
    """Run the consent flow again for `name`; its settings are kept."""
    AUTHORIZE_OR_OFFLINE = "authorize_or_offline"
    """An online connection's token expired: authorize again, or switch `name` to offline access."""
    REFRESH = "refresh"
    """Refresh `name`'s token; authorize again if that fails."""
    CHOOSE_PORT = "choose_port"
    """`port` is taken or not allowed: another port (and its redirect URI registered)."""
    SET_PORT = "set_port"
    """`name` has no loopback redirect URI: give it a port."""
    EDIT_SCOPES = "edit_scopes"
    """`name` lacks a scope: add it, then authorize again."""
    OTHER_NAME = "other_name"
    """A connection called `name` exists already."""
    PICK_CONNECTION = "pick_connection"
    """No connection has that name: pick an existing one or create one."""
    SHOW = "show"
    """Check `name`'s settings."""
    FIX_CONFIG = "fix_config"
    """Fix the config file's `key`."""
    WAIT = "wait"
    """Zoho throttles: wait `minutes` before trying again."""
    CHECK_CLIENT = "check_client"
    """Zoho does not know the client in `dc` (invalid_client): the Client ID, the secret or the data centre."""
    DC_SECRET = "dc_secret"
    """Multi-DC: the user is in `dc`, which does not accept `name`'s client: enable `dc` under Multi-DC, or
    store `dc`'s own Client Secret."""


class Remedy(NamedTuple):
    """A structured fix: the kind and the data a front end needs to word it."""

    fix: Fix
    name: str = ""
    """The connection it is about, when there is one."""
    port: int = 0
    key: str = ""
    """A config key such as `data_centers.lab.desk`."""
    minutes: int = 0
    dc: str = ""
    """A data centre key (the user's, for DC_SECRET; the client's, for CHECK_CLIENT)."""


def _cli_choose_port(r: Remedy) -> str:
    return (f"Stop the program using port {r.port}, or choose another port with --port P "
            "(and register http://127.0.0.1:P/callback for it in the API Console).")


MULTI_DC_SETTING = "enable Multi-DC in the client's Settings tab of the API Console"
"""Where Multi-DC is switched on (facts §2.6); every front end's wording of the two fixes below uses it."""


def _cli_check_client(r: Remedy) -> str:
    name = r.name or "NAME"
    where = f" ({r.dc})" if r.dc else ""
    return (f"Check the Client ID and Secret (`zconnect show {name}`; a new secret: `zconnect secret {name}`) "
            f"and the data centre{where}; if the user is in another data centre, {MULTI_DC_SETTING}.")


def _cli_dc_secret(r: Remedy) -> str:
    return (f"Either enable {r.dc} under Multi-DC in the client's Settings tab of the API Console, with the same "
            f"credentials for all data centres, or give zconnect {r.dc}'s own Client Secret: "
            f"`zconnect secret {r.name or 'NAME'} --dc {r.dc}`.")


CLI_WORDS: dict[Fix, Callable[[Remedy], str]] = {
    Fix.AUTHORIZE: lambda r: f"Run `zconnect authorize {r.name}` to connect it again; its settings are kept.",
    Fix.AUTHORIZE_OR_OFFLINE: lambda r: (
        f"Run `zconnect authorize {r.name}`, or switch it to offline access "
        f"(`zconnect edit {r.name} --access-type offline`, then authorize) so it keeps a refresh token."),
    Fix.REFRESH: lambda r: f"Run `zconnect refresh {r.name}`; if that fails, `zconnect authorize {r.name}`.",
    Fix.CHOOSE_PORT: _cli_choose_port,
    Fix.SET_PORT: lambda r: f"Give it a loopback port: `zconnect edit {r.name} --port P`.",
    Fix.EDIT_SCOPES: lambda r: (f"Add the scope with `zconnect edit {r.name} --scopes …`, "
                                f"then run `zconnect authorize {r.name}`."),
    Fix.OTHER_NAME: lambda r: f"Pick another name, or `zconnect remove {r.name}` first.",
    Fix.PICK_CONNECTION: lambda r: "See `zconnect list`, or create one with `zconnect new` or `zconnect add`.",
    Fix.SHOW: lambda r: (f"Check the connection's settings with `zconnect show {r.name}`." if r.name
                         else "Check the connection's settings with `zconnect show NAME`."),
    Fix.FIX_CONFIG: lambda r: f"Fix {r.key} in the config file (`zconnect path` prints where it is).",
    Fix.WAIT: lambda r: f"Wait {r.minutes or 10} minutes, then try again.",
    Fix.CHECK_CLIENT: _cli_check_client,
    Fix.DC_SECRET: _cli_dc_secret,
}
"""The CLI's wording of each fix: commands and flags."""


def cli_words(remedy: Remedy) -> str:
    """The fix as the CLI says it."""
    return CLI_WORDS[remedy.fix](remedy)


class ZconnectError(Exception):
    """Base class: something went wrong that the user can understand and fix."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, hint: str = "", *, remedy: Remedy | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy
        """The structured fix, when there is one; front ends word it (the CLI: `cli_words`)."""
        # The CLI's wording is the default hint, so code that prints `one_line()` keeps working.
        self.hint = hint or (cli_words(remedy) if remedy is not None else "")

    def one_line(self) -> str:
        """The message and the fix as one line, for stderr."""
        return f"{self.message} {self.hint}".strip() if self.hint else self.message


class UsageError(ZconnectError):
    """A command was called with arguments that cannot work."""

    exit_code = EXIT_USAGE


class ConfigError(ZconnectError):
    """The connections file cannot be read or used; it is left untouched."""


class NoSuchConnection(ZconnectError):
    """No connection has the given name."""

    exit_code = EXIT_NO_SUCH_CONNECTION


class NeedsReauthorization(ZconnectError):
    """The refresh token is dead or missing: only a new consent helps."""

    exit_code = EXIT_NEEDS_REAUTH


class Unreachable(ZconnectError):
    """Zoho (or the network) did not answer usably: nothing was changed."""

    exit_code = EXIT_UNREACHABLE


class ZohoError(ZconnectError):
    """Zoho answered with an OAuth error such as invalid_client."""

    def __init__(self, code: str, message: str, hint: str = "", *, remedy: Remedy | None = None) -> None:
        super().__init__(message, hint, remedy=remedy)
        self.code = code


class RateLimited(ZohoError):
    """Zoho's "Access Denied … too many requests" throttle."""


class FlowError(ZconnectError):
    """The consent flow ended without a code (denied, timed out, cancelled, bad callback)."""


class StateMismatch(FlowError):
    """A redirect (or pasted URL) whose `state` is not this attempt's: ignored, the wait goes on."""


class FlowCancelled(FlowError):
    """The user cancelled the wait for the consent redirect."""


class FlowTimeout(FlowError):
    """No redirect arrived in time."""


class AccessDenied(FlowError):
    """The user (or Zoho) refused consent."""


class StartLinkReused(FlowError):
    """The one-time link the browser was opened on was requested twice: the attempt is stopped."""


class PortInUse(ZconnectError):
    """The loopback port for the redirect URI is taken."""


class MultiDCRejected(ZohoError):
    """invalid_client from a data centre other than the client's own (`dc`): the wizard's step 6
    can ask for that data centre's secret (Manager.set_secret) and try again."""

    def __init__(self, code: str, message: str, hint: str = "", *, dc: str, name: str = "") -> None:
        super().__init__(code, message, hint, remedy=Remedy(Fix.DC_SECRET, name, dc=dc))
        self.dc = dc


def multi_dc_error(name: str, registered: str, dc: str) -> MultiDCRejected:
    """invalid_client from a data centre other than the client's own: name both fixes (facts §2.6).

    A client serves users of another data centre only with Multi-DC on, and its secret there
    is either the common one or that data centre's own.
    """
    return MultiDCRejected(
        "invalid_client",
        f"Zoho's {dc} data centre does not accept this client (invalid_client): the user is in {dc}, "
        f"the client is registered in {registered}.",
        dc=dc, name=name,
    )


def from_other_dc(exc: ZohoError, name: str, registered: str, dc: str) -> ZohoError:
    """`exc`, unless it is invalid_client from a data centre `dc` other than the client's own
    (`registered`): then the error that names both Multi-DC fixes."""
    if exc.code == "invalid_client" and dc != registered:
        return multi_dc_error(name, registered, dc)
    return exc
