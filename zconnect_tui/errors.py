"""Errors a user can cause or meet, each with a sentence, a fix and an exit code.

The CLI prints `message` and `hint` on one line and exits with `exit_code`; the TUI shows
the same two strings in a notification. Nothing here is ever shown as a traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_NEEDS_REAUTH = 3
EXIT_UNREACHABLE = 4
EXIT_NO_SUCH_CONNECTION = 5


class ZconnectError(Exception):
    """Base class: something went wrong that the user can understand and fix."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

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

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
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


class PortInUse(ZconnectError):
    """The loopback port for the redirect URI is taken."""


class MultiDCRejected(ZohoError):
    """invalid_client from a data centre other than the client's own (`dc`): the wizard's step 6
    can ask for that data centre's secret (Manager.set_secret) and try again."""

    def __init__(self, code: str, message: str, hint: str, dc: str) -> None:
        super().__init__(code, message, hint)
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
        f"Either enable {dc} under Multi-DC in the client's Settings tab of the API Console, with the same "
        f"credentials for all data centres, or give zconnect {dc}'s own Client Secret: "
        f"`zconnect secret {name} --dc {dc}`.",
        dc,
    )


def from_other_dc(exc: ZohoError, name: str, registered: str, dc: str) -> ZohoError:
    """`exc`, unless it is invalid_client from a data centre `dc` other than the client's own
    (`registered`): then the error that names both Multi-DC fixes."""
    if exc.code == "invalid_client" and dc != registered:
        return multi_dc_error(name, registered, dc)
    return exc
