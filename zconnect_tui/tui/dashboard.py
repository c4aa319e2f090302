"""The dashboard: every connection with its live token state, and what can be done with it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.markup import escape
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from zconnect_tui.errors import NeedsReauthorization, ZconnectError
from zconnect_tui.model import Connection
from zconnect_tui.store import Store
from zconnect_tui.text import clean
from zconnect_tui.tui.widgets import as_error

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager

# The modals, the wizard, export and the Manager import the HTTP stack: they are imported
# when first used (the app warms them up in a thread after the first frame).

COLUMNS = (("name", "Name"), ("service", "Service"), ("dc", "DC"), ("org", "Organization"), ("token", "Token"))
LIVE_INTERVAL = 5.0
"""Seconds between re-reads of the file (token countdowns, changes made by the CLI)."""

ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("new", "New connection", "Open the wizard to create a connection"),
    ("refresh", "Refresh token", "Get a new access token with the refresh token"),
    ("test", "Test connection", "Call the service's verification endpoint"),
    ("authorize", "Re-authorize", "Run the consent flow again for the selected connection"),
    ("revoke", "Revoke", "Revoke the refresh token at Zoho and clear tokens (settings kept)"),
    ("remove", "Remove", "Delete the selected connection from the file"),
    ("copy_token", "Copy access token", "Copy a valid access token to the clipboard (never shown)"),
    ("export", "Export connector", "The connector fields for the Zoho Developer Console"),
    ("details", "Details", "All fields of the selected connection (secrets masked)"),
)


def flatten(data: dict[str, object], prefix: str = "") -> Iterator[tuple[str, str]]:
    """`public_dict()` as (key, text) rows; nested tables become dotted keys."""
    for key, value in data.items():
        if isinstance(value, dict):
            yield from flatten(value, f"{prefix}{key}.")
        elif value not in (None, "", []):
            yield f"{prefix}{key}", clean(",".join(value) if isinstance(value, list) else str(value))


class KeyFooter(Footer):
    """The footer on two rows: all ten dashboard keys fit at 80 columns."""

    COLUMNS = 5

    def compose(self) -> ComposeResult:
        yield from super().compose()
        self.styles.grid_size_columns = self.COLUMNS  # Footer sets one column per key


class DashboardScreen(Screen[None]):
    """One row per connection; actions on the selected row."""

    BINDINGS = [
        # priority: the table would otherwise take Enter and hide this binding from the footer.
        # First: once the table has focus its own Enter binding puts Enter first in the footer; listed
        # first here too, the footer composed before that focus is the same (not recomposed after it).
        Binding("enter", "details", "Details", id="dashboard.details", tooltip=ACTIONS[8][2], priority=True),
        Binding("n", "new", "New", id="dashboard.new", tooltip=ACTIONS[0][2]),
        Binding("r", "refresh", "Refresh", id="dashboard.refresh", tooltip=ACTIONS[1][2]),
        Binding("t", "test", "Test", id="dashboard.test", tooltip=ACTIONS[2][2]),
        Binding("a", "authorize", "Auth", id="dashboard.authorize", tooltip=ACTIONS[3][2]),
        Binding("v", "revoke", "Revoke", id="dashboard.revoke", tooltip=ACTIONS[4][2]),
        Binding("d,delete", "remove", "Remove", id="dashboard.remove", tooltip=ACTIONS[5][2]),
        Binding("c", "copy_token", "Copy", id="dashboard.copy_token", tooltip=ACTIONS[6][2]),
        Binding("e", "export", "Export", id="dashboard.export", tooltip=ACTIONS[7][2]),
        Binding("q", "app.quit", "Quit", id="dashboard.quit", tooltip="Leave zconnect", show=False),
    ]

    class Done(Message):
        """A worker finished an action; `token` is set only for copy (never displayed)."""

        def __init__(self, action: str, name: str, text: str, token: str = "", severity: str = "information") -> None:
            super().__init__()
            self.action, self.name, self.text, self.token, self.severity = action, name, text, token, severity

    class Failed(Message):
        def __init__(self, action: str, name: str, error: ZconnectError) -> None:
            super().__init__()
            self.action, self.name, self.error = action, name, error

    def __init__(self, store: Store, *, select: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.conns: dict[str, Connection] = {}
        self.load_error: ZconnectError | None = None
        self._select = select

    @property
    def manager(self) -> Manager:
        return self.app.manager  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Static("zconnect · Zoho connections", id="dashboard-title")
        table: DataTable[str] = DataTable(id="connections", cursor_type="row", zebra_stripes=True)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        yield table
        yield Static("", id="empty", markup=True)
        yield Static("", id="selected-info", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload(select=self._select)
        self.set_interval(LIVE_INTERVAL, self.reload)
        if self._select:
            self.notify(f"{self._select} is ready. Press c to copy its access token.", title="Connected")

    # ----- data -------------------------------------------------------------------------------
    def _read(self) -> None:
        try:
            self.conns = dict(sorted(self.store.load().connections.items()))
            self.load_error = None
        except Exception as exc:  # noqa: BLE001 - e.g. the file was broken by hand meanwhile: say so, keep going
            self.load_error = as_error(exc)

    def reload(self, select: str | None = None) -> None:
        """Re-read the file and redraw the rows, keeping (or moving) the cursor."""
        table = self.query_one("#connections", DataTable)
        current = select or self.selected_name
        self._read()
        table.clear()
        for name, conn in self.conns.items():
            table.add_row(*self._cells(conn), key=name)
        if current in self.conns:
            table.move_cursor(row=list(self.conns).index(current), animate=False)
        empty = self.query_one("#empty", Static)
        empty.display = not self.conns
        table.display = bool(self.conns)
        if self.load_error is not None:
            empty.display = True
            error = self.load_error
            empty.update(f"[b $error]{escape(clean(error.message))}[/]\n{escape(clean(error.hint))}")
        elif not self.conns:
            empty.update("[b]No connections yet.[/]\n\nPress [b]n[/] to create one with the wizard, "
                         "which walks you through Zoho's registration guide.")
        self._show_selected()

    @staticmethod
    def _cells(conn: Connection) -> tuple[Text, ...]:
        # Text, not str: DataTable reads str cells as markup, and organisation names come from Zoho
        # (cleaned again here: a terminal must never get their control characters).
        return tuple(Text(clean(value)) for value in (conn.name, conn.service, conn.location or conn.dc,
                                                       conn.org_name or conn.user or "-", conn.token_state()))

    @property
    def selected_name(self) -> str | None:
        table = self.query_one("#connections", DataTable)
        if not self.conns or table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key((table.cursor_row, 0))  # type: ignore[arg-type]
        return row_key.value

    @on(DataTable.RowHighlighted)
    def _show_selected(self) -> None:
        name = self.selected_name
        info = self.query_one("#selected-info", Static)
        conn = self.conns.get(name) if name else None
        if conn is None:
            info.update("")
            return
        text = f"{conn.name}: {conn.service}, client {conn.client_id}, scopes {','.join(conn.scopes)}"
        if conn.user:
            text += f", Zoho account {conn.user}"
        if conn.last_error:
            text += f"\nLast error: {conn.last_error}"
        info.update(clean(text, keep="\n"))

    # ----- actions ---------------------------------------------------------------------------------
    def _need_selection(self) -> str | None:
        name = self.selected_name
        if name is None:
            self.notify("No connection selected. Press n to create one.", severity="warning")
        return name

    def action_new(self, prefill: dict[str, str] | None = None) -> None:
        from zconnect_tui.tui.wizard import WizardScreen

        try:
            wizard = WizardScreen(self.store, prefill)  # reads the file (its data centres)
        except Exception as exc:  # noqa: BLE001 - one line, never a crash
            self._notify_error(as_error(exc))
            return
        self.app.push_screen(wizard, callback=self._wizard_done)

    def _wizard_done(self, name: str | None) -> None:
        self.reload(select=name)
        if name:
            self.notify(f"{name} is ready. Press c to copy its access token.", title="Connected")

    def action_refresh(self) -> None:
        if name := self._need_selection():
            self._run("refresh", name)

    def action_test(self) -> None:
        if name := self._need_selection():
            self._run("test", name)

    def action_copy_token(self) -> None:
        if name := self._need_selection():
            self._run("copy_token", name)

    def action_authorize(self) -> None:
        if name := self._need_selection():
            from zconnect_tui.tui.modals import AuthorizeModal

            self.app.push_screen(AuthorizeModal(self.manager, name), callback=self._authorized)

    def _authorized(self, conn: Connection | None) -> None:
        self.reload()
        if conn is not None:
            self.notify(f"{conn.name} is authorized ({conn.token_state()}). Checking which account…",
                        title="Authorized")
            # The account check: which Zoho user and organisation this consent connected.
            self._run("account", conn.name)

    def action_revoke(self) -> None:
        if name := self._need_selection():
            from zconnect_tui.tui.modals import ConfirmModal

            self.app.push_screen(ConfirmModal(
                f"Revoke {name}?", "The refresh token is revoked at Zoho and the tokens are cleared here. "
                "The connection's settings stay: press a to authorize it again later.", "Revoke"),
                callback=lambda ok: self._run("revoke", name) if ok else None)

    def action_remove(self) -> None:
        if name := self._need_selection():
            from zconnect_tui.tui.modals import ConfirmModal

            conn = self.conns[name]
            note = (" Its tokens stay valid at Zoho: revoke (v) first to cut them off."
                    if conn.token.refresh_token else "")
            self.app.push_screen(ConfirmModal(
                f"Remove {name}?", f"{name} ({conn.service}, {conn.location or conn.dc}) is deleted from "
                f"{self.store.path}.{note}", "Remove"),
                callback=lambda ok: self._run("remove", name) if ok else None)

    def action_export(self) -> None:
        if name := self._need_selection():
            from zconnect_tui.export import export
            from zconnect_tui.tui.modals import TextModal

            try:
                snap = self.store.load()
                text = export(snap.get(name), snap.dcs(), "connector")  # the secret is masked
            except Exception as exc:  # noqa: BLE001 - one line, never a crash
                self._notify_error(as_error(exc))
                return
            self.app.push_screen(TextModal(f"Connector fields for {name}", text, copy_text=text))

    def action_details(self) -> None:
        if name := self._need_selection():
            from zconnect_tui.tui.modals import TextModal

            try:
                data = self.store.load().get(name).public_dict()  # masked
            except Exception as exc:  # noqa: BLE001 - one line, never a crash
                self._notify_error(as_error(exc))
                return
            rows = list(flatten(data))
            width = max(len(k) for k, _ in rows)
            self.app.push_screen(TextModal(name, "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)))

    # ----- the worker ------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="dashboard-action", exit_on_error=False)
    def _run(self, action: str, name: str) -> None:
        """Blocking core calls, off the event loop; the outcome comes back as a message."""
        try:
            self.post_message(self.Done(action, name, *self._perform(action, name)))
        except BaseException as exc:  # noqa: BLE001 - every failure becomes a notification
            self.post_message(self.Failed(action, name, as_error(exc)))

    def _perform(self, action: str, name: str) -> tuple[str, ...]:
        manager = self.manager
        if action == "refresh":
            return f"Refreshed {name}: {manager.refresh(name).token_state()}.", ""
        if action == "test":
            result = manager.verify(name)
            return f"{name}: OK. {result.summary}.", ""
        if action == "revoke":
            revoked = manager.revoke(name)
            first = "Revoked at Zoho" if revoked else "Zoho already considered the token invalid"
            return f"{first}; tokens cleared. Press a to authorize {name} again.", ""
        if action == "remove":
            self.store.remove(name)
            return f"Removed {name}.", ""
        if action == "copy_token":
            token = manager.access_token(name)
            return f"Copied {name}'s access token to the clipboard.", token
        if action == "account":
            from zconnect_tui.verify import account_check

            before = self.conns.get(name)
            manager.verify_and_pick(name)
            summary, warning = account_check(before, manager.get(name))
            return (f"{summary}\n{warning}", "", "warning") if warning else (summary, "")
        raise ValueError(action)

    @on(Done)
    def _done(self, message: Done) -> None:
        if message.token:
            self.app.copy_to_clipboard(message.token)
        self.notify(message.text, title=message.action.replace("_", " ").capitalize(), markup=False,
                    severity=message.severity)  # type: ignore[arg-type]
        self.reload()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self._notify_error(message.error)
        self.reload()

    def _notify_error(self, error: ZconnectError) -> None:
        hint = error.hint
        if isinstance(error, NeedsReauthorization):
            hint = "Press a to authorize it again; its settings are kept."
        self.notify(f"{error.message}\n{hint}".strip(), severity="error", title="zconnect", timeout=8, markup=False)

    # ----- command palette -------------------------------------------------------------------------
    def palette_commands(self) -> Iterator[SystemCommand]:
        """The dashboard's actions in the command palette (ctrl+p)."""
        for action, title, help_text in ACTIONS:
            callback: Callable[[], object] = getattr(self, f"action_{action}")
            yield SystemCommand(title, help_text, callback)
