"""The dashboard: every connection with its live token state, and what can be done with it.

Actions come from `tui/actions.py` (bindings, footer, palette, help). Every core call runs in a
worker owned by this screen, off the UI thread (`dashboard_calls.CoreCalls`, a base class); the
filter, the sort and Esc are `dashboard_filter.FilterSort`, the class between the two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Input, Static

from zconnect_tui.errors import ZconnectError
from zconnect_tui.model import Connection
from zconnect_tui.text import clean
from zconnect_tui.tui import stylesheet
from zconnect_tui.tui.actions import ACTIONS, BY_NAME, key_of
from zconnect_tui.tui.connections_table import ConnectionsTable
from zconnect_tui.tui.details_panel import panel, panel_rows
from zconnect_tui.tui.keybar import KeyBar
from zconnect_tui.tui.remedies import fix_text
from zconnect_tui.tui.screens.dashboard_calls import RUNNING
from zconnect_tui.tui.screens.dashboard_filter import ESCAPE, FilterSort, typed_into_text
from zconnect_tui.tui.widgets import as_error
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager
    from zconnect_tui.store import Snapshot
    from zconnect_tui.tui.screens.help import Section


WAIT_FOR_RUNNING = (*RUNNING, "authorize", "reauthorize", "edit", "resume")
"""Actions greyed out while a core call runs (one at a time; a consent or an edit would race it)."""
LIVE_INTERVAL = 5.0
"""Seconds between re-reads of the file (token countdowns, changes made by the CLI)."""
WIDE_FROM = 110
"""From this many columns the details panel sits beside the table, else below it."""


class DashboardScreen(FilterSort):
    """One row per connection; actions on the selected row."""

    DEFAULT_CSS = stylesheet("dashboard.tcss")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_FROM, "-wide")]
    BINDINGS = [
        ESCAPE,  # first in the key bar when it applies: what leaves the filter box, what cancels
        *(action.binding() for action in ACTIONS),
        Binding("q", "app.quit", "Quit", id="dashboard.quit", tooltip="Leave zconnect", show=False),
    ]

    def __init__(self, manager: Manager, snapshot: Snapshot, *, select: str | None = None,
                 error: ZconnectError | None = None) -> None:
        super().__init__()
        self.manager = manager
        self.snapshot = snapshot
        self.conns: dict[str, Connection] = dict(snapshot.connections)
        self.shared = manager.shared_name()  # from the store's URL: no call to the database here
        self.load_error: ZconnectError | None = error
        """Why the file could not be read (shown instead of the rows; the live re-read retries)."""
        self.outcomes: dict[str, tuple[bool, str]] = {}
        """Connection name → (ok, text) of its last action, shown in full in the details panel."""
        self.details_rows: list[tuple[str, str]] = []
        """What the details panel shows for the selected row, as (label, text)."""
        self._keys_state: object = None
        self._details: Static | None = None
        self._select = select
        # The breakpoint class now, so the first resize does not restyle every widget once more.
        self.add_class("-narrow" if self.app.size.width < WIDE_FROM else "-wide")

    def compose(self) -> ComposeResult:
        yield Static("zconnect · Zoho connections", id="dashboard-title", markup=False)
        with Horizontal(id="dash-main"):
            yield ConnectionsTable(id="connections")

        yield Static("", id="empty")
        yield KeyBar()

    def on_mount(self) -> None:
        if not self.is_attached:
            return  # the app is closing: quit (a key typed ahead, say) before its first screen was up
        self._redraw(select=self._select, details=False)
        self._keys_state = self._keys_now()  # what the footer composed itself from
        # The details panel right after the first frame: the table is what the first frame needs.
        after_first_frame = getattr(self.app, "after_first_frame", self.call_after_refresh)
        after_first_frame(self._show_selected)
        if self._select:
            self.reload(select=self._select, then=self._greet)  # a wizard saved it after `snapshot` was read
        self.set_interval(LIVE_INTERVAL, self.reload)
        self.query_one(ConnectionsTable).focus()

    # ----- data -------------------------------------------------------------------------------
    @property
    def table(self) -> ConnectionsTable:
        return self.query_one(ConnectionsTable)

    def reload(self, select: str | None = None, then: Callable[[], object] | None = None) -> None:
        """Re-read the file in a worker, then redraw (keeping or moving the cursor), then call `then`."""
        self._reload(select, then)

    @work(exclusive=True, group="reload", exit_on_error=False)
    async def _reload(self, select: str | None, then: Callable[[], object] | None = None) -> None:
        try:
            self.snapshot = await off_thread(self.manager.snapshot)
            self.conns = dict(self.snapshot.connections)
            self.load_error = None
        except Exception as exc:  # noqa: BLE001 - e.g. the file was broken by hand meanwhile: say so, keep going
            self.load_error = as_error(exc)
        self._redraw(select=select)
        if then is not None:
            then()

    def _redraw(self, select: str | None = None, *, details: bool = True) -> None:
        table = self.table
        table.show(self.conns)
        if select:
            table.select(select)
        has_rows = bool(self.conns)
        empty = self.query_one("#empty", Static)
        empty.display = not has_rows or self.load_error is not None
        self.query_one("#dash-main").display = has_rows
        if self.load_error is not None:
            error = self.load_error
            empty.update(Content.assemble((clean(error.message), "bold $text-error"), "\n",
                                          clean(fix_text(error), keep="\n")))
        elif not has_rows:
            empty.update(Content.from_markup(
                "[b]No connections yet.[/]\n\nPress [b]n[/] to create one with the wizard, which walks you "
                "through Zoho's registration guide. [b]?[/] explains every key."))
        self.show_title()
        if details:
            self._show_selected()

    @property
    def selected(self) -> Connection | None:
        """The connection on the cursor's row (before the rows are added: the one that will be first)."""
        table = self.table
        name = table.selected_name
        if name is None and table.row_count == 0 and not table.filter_text and self.conns:
            name = min(self.conns)
        return self.conns.get(name) if name else None

    def _keys_now(self) -> object:
        """What the footer shows depends on: each action's availability, a running call, the filter box
        (shown: Esc clears it; focused: the letters are typed into it)."""
        conn = self.selected
        return (tuple(action.unavailable(conn) for action in ACTIONS), self.running is not None,
                isinstance(self.focused, Input), self.filter_box() is not None)

    def _refresh_keys(self) -> None:
        """Tell the footer when what applies has changed (it recomposes every key, so only then)."""
        state = self._keys_now()
        if state != self._keys_state:
            self._keys_state = state
            self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        if self._first_frame_shown():
            self._refresh_keys()  # Enter means Details on the table, but submits the filter box

    def _first_frame_shown(self) -> bool:
        # Before it, the footer composes itself from check_action: nothing to refresh yet.
        return self.is_mounted and self.app.is_running and bool(getattr(self.app, "first_frame_shown", True))

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self) -> None:
        if self._first_frame_shown():
            self._show_selected()

    def _show_selected(self) -> None:
        """The details panel: the last outcome in full, the formatted fields, what does not apply and why."""
        conn = self.selected
        details = self._details_widget()
        if details is None:  # the app is closing (q pressed before the first frame's follow-ups ran)
            return
        if conn is None:
            details.update("")
            self.details_rows = []
            self._refresh_keys()
            return
        self.details_rows = panel_rows(conn, self.snapshot.dcs())
        details.update(panel(self.details_rows, self.outcomes.get(conn.name), self.app.theme_variables))
        self._refresh_keys()

    def _details_widget(self) -> Static | None:
        """The details panel, mounted on first use: a scroll container costs the first frame more than
        the whole table does, so the panel joins right after it. None once the screen is going away."""
        if self.query("#details-panel") and self._details is not None:
            return self._details  # (its Static may still be on its way into the panel: it is this one)
        main = self.query_one("#dash-main")
        if not main.is_attached:
            return None
        self._details = Static("", id="details")
        main.mount(VerticalScroll(self._details, id="details-panel"))
        return self._details

    # ----- which actions apply -------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Greyed out (None) when it does not apply to the selected row; hidden (False) for the other
        of Authorize/Re-authorize and, while the filter box has focus, for the keys typed into it;
        greyed out while another core call runs. Esc is shown only when it does something."""
        if action == "escape":
            return self.escape_applies()
        spec = BY_NAME.get(action)
        if spec is None:
            return True
        if isinstance(self.focused, Input) and (spec.priority or typed_into_text(spec.key)):
            return False  # Enter in the filter box submits the filter; "r" is the letter r there
        reason = spec.unavailable(self.selected)
        if reason == "hidden":
            return False
        if reason is not None:
            return None
        if self.running is not None and action in WAIT_FOR_RUNNING:
            return None
        return True

    def _refuse(self, name: str) -> bool:
        """True (and says why) when action `name` cannot run now (palette, or a key while busy)."""
        if self.running is not None and name in WAIT_FOR_RUNNING:
            action, conn = self.running
            self.note(f"Busy: {RUNNING[action]} {conn}. Esc cancels it.")
            return True
        reason = BY_NAME[name].unavailable(self.selected)
        if reason and reason != "hidden":
            self.note(reason)
            return True
        return False

    def on_key(self, event: events.Key) -> None:
        """A greyed-out key says why it does not apply (Textual would ignore it without a word)."""
        for action in ACTIONS:
            if event.key in action.keys.split(",") and self.check_action(action.name, ()) is None:
                self._refuse(action.name)
                return

    # ----- actions -------------------------------------------------------------------------------------
    def action_details(self) -> None:
        if (conn := self.selected) is not None:
            from zconnect_tui.tui.screens.details import DetailsScreen

            self.app.push_screen(DetailsScreen(conn, self.snapshot.dcs()))

    def action_new(self) -> None:
        from zconnect_tui.tui.screens.wizard import WizardScreen

        try:
            wizard = WizardScreen(self.manager, self.snapshot)  # reads the file's data centres
        except Exception as exc:  # noqa: BLE001 - one line, never a crash
            error = as_error(exc)
            self.note(f"✘ {error.message} {fix_text(error)}".strip(), "-error")
            return
        self.app.push_screen(wizard, callback=self._wizard_done)

    def action_resume(self) -> None:
        if self._refuse("resume") or (conn := self.selected) is None:
            return
        from zconnect_tui.tui.screens.wizard import WizardScreen
        from zconnect_tui.tui.steps.base import WizardDraft

        self.app.push_screen(WizardScreen(self.manager, self.snapshot, draft=WizardDraft.from_connection(conn),
                                          start_at="authorize"), callback=self._wizard_done)

    def _wizard_done(self, name: str | None) -> None:
        self.reload(select=name, then=self._greet if name else None)

    def _greet(self) -> None:
        """After the wizard: what the new connection is ready for, or what it still needs (at the top of
        the details panel, beside it)."""
        conn = self.selected
        if conn is None:
            return
        if conn.ever_authorized:
            self.outcomes[conn.name] = (True, f"✔ {conn.name} is ready. Press {key_of('copy_token')} to copy its "
                                              "access token.")
        else:
            self.outcomes[conn.name] = (True, f"{conn.name} is saved but not authorized yet. Press "
                                              f"{key_of('authorize')} to authorize it, or {key_of('resume')} to "
                                              "resume its setup.")
        self._show_selected()
        self._scroll_details_home()

    def action_refresh(self) -> None:
        self._start("refresh")

    def action_test(self) -> None:
        self._start("test")

    def action_copy_token(self) -> None:
        self._start("copy_token")

    def action_authorize(self) -> None:
        self._authorize(first=True)

    def action_reauthorize(self) -> None:
        self._authorize(first=False)

    def _authorize(self, *, first: bool) -> None:
        if self._refuse("authorize" if first else "reauthorize") or (conn := self.selected) is None:
            return
        self._open_authorize(conn, first=first)

    def _open_authorize(self, before: Connection, *, first: bool, register: str | None = None) -> None:
        """The consent dialog for `before` (the connection as it was: the account check compares);
        `register`: its new redirect URI, to have registered first (a port just changed)."""
        from zconnect_tui.tui.screens.authorize import AuthorizeModal

        self.app.push_screen(AuthorizeModal(self.manager, before.name, first=first, client_type=before.client_type,
                                            register=register),
                             callback=lambda conn: self._authorized(conn, before))

    def _authorized(self, conn: Connection | None, before: Connection) -> None:
        self.reload()
        if conn is not None:
            self.outcomes[conn.name] = (True, f"✔ {conn.name} is authorized ({conn.token_state()}). "
                                              "Checking which account…")
            # The account check: which Zoho user and organisation this consent connected (a warning
            # when they are not the ones the connection had: a code for another account slipped in).
            self._start("account", conn.name, before=before)

    def action_revoke(self) -> None:
        if self._refuse("revoke") or (conn := self.selected) is None:
            return
        from zconnect_tui.tui.screens.confirm import ConfirmModal

        name = conn.name
        self.app.push_screen(ConfirmModal(
            f"Revoke {name}?", "The refresh token is revoked at Zoho and the tokens are cleared here. The "
            f"connection's settings stay: press {key_of('reauthorize')} to authorize it again later.", "Revoke"),
            callback=lambda ok: self._start("revoke", name) if ok else None)

    def action_remove(self) -> None:
        if (conn := self.selected) is None:
            return
        from zconnect_tui.tui.screens.confirm import ConfirmModal

        name = conn.name
        note = (f" Its tokens stay valid at Zoho: revoke ({key_of('revoke')}) first to cut them off."
                if conn.token.refresh_token else "")
        self.app.push_screen(ConfirmModal(
            f"Remove {name}?", f"{name} ({conn.service}, {conn.location or conn.dc}) is deleted from "
            f"{self.manager.path}.{note}", "Remove"),
            callback=lambda ok: self._start("remove", name) if ok else None)

    def action_edit(self) -> None:
        if self._refuse("edit") or (conn := self.selected) is None:
            return
        from zconnect_tui.tui.screens.edit import EditScreen

        self.app.push_screen(EditScreen(self.manager, conn), callback=self._edited)

    def _edited(self, result: object) -> None:
        from zconnect_tui.manager import EditResult

        if not isinstance(result, EditResult) or not result.changed:
            self.reload()
            return
        conn = result.conn
        text = f"✔ Changed {conn.name}: {', '.join(result.changed)}."
        if result.register_uri:
            text += f" Register {result.register_uri} in the API Console."
        self._result(conn.name, True, text)
        if result.needs_consent:
            # The change reaches the token only through a new consent: lead there (a new redirect URI
            # registered first: a consent on an unregistered one ends on Zoho's "Invalid Redirect Uri").
            self._open_authorize(conn, first=not conn.ever_authorized, register=result.register_uri or None)

    def action_export(self) -> None:
        if (conn := self.selected) is not None:
            from zconnect_tui.tui.screens.export import ExportScreen

            self.app.push_screen(ExportScreen(self.manager, conn.name))

    def action_api(self) -> None:
        if self._refuse("api") or (conn := self.selected) is None:
            return
        from zconnect_tui.tui.screens.api import ApiScreen

        self.app.push_screen(ApiScreen(self.manager, conn), callback=lambda _: self.reload())

    @classmethod
    def help_sections(cls) -> list[Section]:
        """The help page opened here: the dashboard's keys and the token states first."""
        from zconnect_tui.tui.screens.help import help_sections
        from zconnect_tui.tui.steps import STEPS

        return help_sections(STEPS, "dashboard")

    def action_help(self) -> None:
        from zconnect_tui.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.help_sections()))

    # ----- command palette -------------------------------------------------------------------------
    def palette_commands(self) -> Iterator[SystemCommand]:
        """The dashboard's actions in the command palette (ctrl+p), with why one does not apply."""
        conn = self.selected
        for action in ACTIONS:
            reason = action.unavailable(conn)
            if reason == "hidden":
                continue
            described = action.described()[0]
            help_text = described if reason is None else f"{described} (not now: {reason})"
            callback: Callable[[], object] = getattr(self, f"action_{action.name}")
            yield SystemCommand(action.title, help_text, callback)
