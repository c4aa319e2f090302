"""The dashboard's actions, declared once: bindings, footer labels, palette entries, help rows and
the CLI command behind each come from `ACTIONS`. A new action is one entry here plus its
`action_<name>` method on the dashboard (or, for a new screen, a method that opens it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from textual.binding import Binding

from zconnect_tui.model import Connection, Status, TokenState


def _never_authorized(conn: Connection) -> str | None:
    return None if conn.ever_authorized else f"{conn.name} was never authorized: authorize it first (a)."


def _usable(conn: Connection) -> str | None:
    if conn.status == Status.REVOKED:
        return f"{conn.name} was revoked: authorize it again (a)."
    if conn.status == Status.NEEDS_REAUTH:
        return f"{conn.name} needs re-authorization (a)."
    if not conn.token.access_token:
        return _never_authorized(conn) or f"{conn.name} has no token: authorize it (a)."
    if not conn.token.refresh_token and conn.state() == TokenState.EXPIRED:
        return f"{conn.name}'s token expired and online access has no refresh token: authorize it again (a)."
    return None


def _refreshable(conn: Connection) -> str | None:
    reason = _usable(conn)
    if reason is None and not conn.token.refresh_token:
        return f"{conn.name} has online access only: no refresh token to refresh with (authorize again, a)."
    return reason


def _has_tokens(conn: Connection) -> str | None:
    if conn.token.refresh_token or conn.token.access_token:
        return None
    return f"{conn.name} holds no tokens to revoke."


def _was_authorized(conn: Connection) -> str | None:
    return None if conn.ever_authorized else "hidden"


def _not_authorized_yet(conn: Connection) -> str | None:
    return "hidden" if conn.ever_authorized else None


Check = Callable[[Connection], str | None]
"""Why an action does not apply to a connection (None: it does; "hidden": not shown at all)."""


class Action(NamedTuple):
    """One dashboard action."""

    name: str
    """`action_<name>` on the dashboard."""
    keys: str
    label: str
    """The footer's short label."""
    title: str
    """The palette's and help screen's title."""
    help: str
    cli: str
    """The CLI command behind it (NAME stands for the selected connection)."""
    needs_selection: bool = True
    check: Check | None = None
    show: bool = True
    priority: bool = False
    """Before the focused widget's own binding (the table takes Enter otherwise)."""
    described_by: str | None = None
    """`module:function` giving (help, cli) for the help screen and the palette, words that come from a
    registry not imported for the first frame (the export formats); `help` stays the key's tooltip."""

    def described(self) -> tuple[str, str]:
        """(help, cli) as the help screen and the palette show them."""
        if self.described_by is None:
            return self.help, self.cli
        import importlib

        module, _, function = self.described_by.partition(":")
        found: tuple[str, str] = getattr(importlib.import_module(module), function)()
        return found

    @property
    def key(self) -> str:
        """The first key, as the user types it."""
        return self.keys.split(",")[0]

    def binding(self) -> Binding:
        return Binding(self.keys, self.name, self.label, show=self.show, id=f"dashboard.{self.name}",
                       tooltip=self.help, priority=self.priority)

    def unavailable(self, conn: Connection | None) -> str | None:
        """Why it does not apply now (None when it does)."""
        if not self.needs_selection:
            return None
        if conn is None:
            return "No connection selected: press n to create one."
        return self.check(conn) if self.check is not None else None


ACTIONS: tuple[Action, ...] = (
    Action("details", "enter", "Details", "Details", "All fields of the selected connection (secrets masked)",
           "zconnect show NAME", priority=True),
    Action("new", "n", "New", "New connection", "Open the wizard to create a connection", "zconnect new",
           needs_selection=False),
    Action("refresh", "r", "Refresh", "Refresh token", "Get a new access token with the refresh token",
           "zconnect refresh NAME", check=_refreshable),
    Action("test", "t", "Test", "Test connection", "Call the service's verification endpoint",
           "zconnect test NAME", check=_usable),
    Action("authorize", "a", "Authorize", "Authorize", "Run the consent flow for a connection never authorized",
           "zconnect authorize NAME", check=_not_authorized_yet),
    Action("reauthorize", "a", "Re-auth", "Re-authorize", "Run the consent flow again (new tokens, same settings)",
           "zconnect authorize NAME", check=_was_authorized),
    Action("resume", "w", "Resume", "Resume setup", "Continue the wizard where this connection's setup stopped",
           "zconnect authorize NAME", check=_not_authorized_yet),  # shown: the details panel says "press w"
    Action("edit", "e", "Edit", "Edit connection", "Change scopes, port, access type, or replace the secret",
           "zconnect edit NAME --scopes … --port P --access-type …; zconnect secret NAME"),
    Action("export", "x", "Export", "Export", "The connection in every export format, one tab each",
           "zconnect export NAME --format …", described_by="zconnect_tui.exports:action_text"),
    Action("api", "p", "API", "API calls", "Run a saved or typed API call on the connection and see Zoho's answer",
           "zconnect api NAME PATH | @KEY", check=_usable),
    Action("copy_token", "c", "Copy", "Copy access token", "Copy a valid access token to the clipboard (never shown)",
           "zconnect token NAME", check=_usable),
    Action("revoke", "v", "Revoke", "Revoke", "Revoke the refresh token at Zoho and clear tokens (settings kept)",
           "zconnect revoke NAME", check=_has_tokens),
    Action("remove", "d,delete", "Remove", "Remove", "Delete the selected connection from the file",
           "zconnect remove NAME"),
    Action("filter", "slash", "Filter", "Filter", "Show only connections whose name, service, DC or organization "
           "contains the text", "zconnect list", needs_selection=False),
    Action("sort", "s", "Sort", "Sort", "Sort by name, state, expiry, service or data centre (again: next key)",
           "zconnect list", needs_selection=False),  # in the footer: the title's "sorted by" names no key
    Action("help", "question_mark,f1", "Help", "Help", "The wizard's steps, what each state means, every key and "
           "its CLI command", "zconnect --help", needs_selection=False),
)

BY_NAME: dict[str, Action] = {action.name: action for action in ACTIONS}


def key_of(name: str) -> str:
    """The key of the action `name`, for text such as "press a"."""
    return BY_NAME[name].key
