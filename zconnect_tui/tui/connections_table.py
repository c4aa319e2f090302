"""The dashboard's table: one row per connection, state as colour plus symbol, sort and filter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from rich.style import Style
from rich.text import Text
from textual.css.scalar import Scalar
from textual.widgets import DataTable

from zconnect_tui.model import Connection, TokenState, now_utc
from zconnect_tui.text import clean
from zconnect_tui.tui.details import expires_text
from zconnect_tui.tui.states import STATES

STATE_ORDER = [TokenState.NEEDS_REAUTH, TokenState.EXPIRED, TokenState.EXPIRING, TokenState.REVOKED,
               TokenState.NOT_AUTHORIZED, TokenState.VALID]
"""Sorting by state puts what needs attention first."""


class Column(NamedTuple):
    key: str
    label: str
    sort: Callable[[Connection, datetime], tuple[object, ...]]
    """A tuple, so that every column's key compares (the name last breaks ties)."""


def _expiry(conn: Connection, now: datetime) -> tuple[object, ...]:
    remaining = conn.token.remaining(now)
    return (remaining is None, remaining.total_seconds() if remaining is not None else 0.0, conn.name)


COLUMNS: tuple[Column, ...] = (
    Column("state", "State", lambda c, now: (STATE_ORDER.index(c.state(now)), c.name)),
    Column("name", "Name", lambda c, now: (c.name,)),
    Column("service", "Service", lambda c, now: (c.service, c.name)),
    Column("dc", "DC", lambda c, now: (c.location or c.dc, c.name)),
    Column("expires", "Expires", _expiry),
    # Last: the one column of any length (Zoho's name for it); a narrow terminal cuts it, not the expiry.
    Column("org", "Organization", lambda c, now: ((c.org_name or c.user or "").lower(), c.name)),
)
SORT_KEYS = ["name", "state", "expires", "service", "dc", "org"]
"""The order `s` cycles through."""
BUSY_SYMBOL = "⟳"
FIRST_ROWS = 100
"""Rows added before the first frame (more than any screen shows); the rest follow right after it."""
NAME_MIN = 12
"""A cut name keeps at least this many cells (its "…" included)."""
DETAILS_WIDE = 54
"""Beside the table (a wide screen) the details panel keeps this many columns: a Client ID (35 characters)
on one line beside its label, with the panel's border, padding and scrollbar; the table is as wide as its
columns, up to the rest (dashboard.tcss)."""
SCROLLBAR = 2
"""The table's vertical scrollbar, when the rows need it."""
BEFORE_EXPIRY = ("state", "service", "dc", "expires")
"""The columns that must show however long a name is (the Name column gives way to them)."""


class ConnectionsTable(DataTable[Text]):
    """Rows keyed by connection name; redrawn in place when only cells change."""

    def __init__(self, *, id: str) -> None:  # noqa: A002
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.sort_key = "name"
        self.filter_text = ""
        self.busy: dict[str, str] = {}
        """Connection name → what runs on it ("refreshing"), shown in its State cell."""
        self._shown: list[str] = []
        self._pending: list[Connection] = []
        self._styles: dict[str, Style] = {}
        self._conns: dict[str, Connection] = {}
        self._widths: dict[str, int] = {}
        """The widest cell made for each column the names give way to (`BEFORE_EXPIRY`), since the last
        clear: DataTable measures its columns only when it next draws."""
        self.name_width: int | None = None
        """Names longer than this many cells are cut with "…" (None: not cut): the state and the expiry
        always show, however long a name (its whole is in the details panel)."""

    def on_mount(self) -> None:
        for column in COLUMNS:
            # Text, not str: DataTable reads a str label as Rich markup, whose emoji codes alone take
            # 5 ms to import before the first frame (#10).
            self.add_column(Text(column.label), key=column.key)

    # ----- rows --------------------------------------------------------------------------------
    def matches(self, conn: Connection) -> bool:
        """The `/` filter: a case-insensitive substring of name, service, data centre or organisation."""
        needle = self.filter_text.strip().lower()
        if not needle:
            return True
        hay = " ".join((conn.name, conn.service, conn.dc, conn.location, conn.org_name, conn.user)).lower()
        return needle in hay

    def show(self, conns: dict[str, Connection], now: datetime | None = None) -> None:
        """Show `conns` filtered and sorted; keep the cursor on the same connection."""
        now = now or now_utc()
        self._conns = conns
        column = next(c for c in COLUMNS if c.key == self.sort_key)
        visible = sorted((c for c in conns.values() if self.matches(c)), key=lambda c: column.sort(c, now))
        names = [c.name for c in visible]
        current = self.selected_name
        self._styles = {}  # the theme may have changed
        if names == self._shown and not self._pending:
            for conn in visible:  # same rows in the same order: update the cells only
                for col, cell in zip(COLUMNS, self.cells(conn, now), strict=True):
                    if self.get_cell(conn.name, col.key) != cell:
                        self.update_cell(conn.name, col.key, cell, update_width=True)
            self.fit()
            return
        self.clear()
        self._widths = {}
        self._shown = names
        # A screenful now, the rest after the next refresh: a long list does not hold up the frame.
        self._pending = visible[FIRST_ROWS:]
        for conn in visible[:FIRST_ROWS]:
            self.add_row(*self.cells(conn, now), key=conn.name)
        if self._pending:
            # After the first frame is on screen (`after_first_frame`), not just after the next refresh:
            # at start-up that refresh is Textual's batched one, which nobody sees.
            later = getattr(self.app, "after_first_frame", self.call_after_refresh)
            later(lambda: self._add_pending(now))
        if current in names[:FIRST_ROWS]:
            self.move_cursor(row=names.index(current), animate=False)
        self.fit()

    def room(self) -> int:
        """The most the table may be wide: the screen's width, less the details panel's beside it."""
        width = self.app.size.width
        return width - DETAILS_WIDE if self.screen.has_class("-wide") else width

    def fit(self) -> None:
        """Fit the screen's width: the table's limit beside the details panel, and the names' cut (a long name
        ends in "…" so that the state and the expiry show; the details panel has it whole)."""
        limit = self.room() if self.screen.has_class("-wide") else None
        if self.styles.max_width != (None if limit is None else Scalar.from_number(limit)):
            self.styles.max_width = limit
        if not self.columns:
            return  # before the columns are added (on_mount)
        others = sum(max(self._widths.get(key, 0), len(label)) + 2 * self.cell_padding
                     for key, label in ((c.key, c.label) for c in COLUMNS if c.key in BEFORE_EXPIRY))
        room = max(NAME_MIN, self.room() - others - 2 * self.cell_padding - SCROLLBAR)
        shown = [self._conns[name] for name in self._shown[:self.row_count] if name in self._conns]
        longest = max(shown, key=lambda conn: len(conn.name), default=None)
        width = room if longest is not None and len(longest.name) > room else None
        if width == self.name_width:
            return
        self.name_width = width
        # The longest name last, with the column's width: each cell's own update would measure the column.
        for conn in shown:
            if conn is not longest:
                self.update_cell(conn.name, "name", self._name_cell(conn))
        if longest is not None:
            self.update_cell(longest.name, "name", self._name_cell(longest), update_width=True)

    def _add_pending(self, now: datetime) -> None:
        if not self.is_attached:
            return  # the app closed before the first frame's follow-ups ran
        pending, self._pending = self._pending, []
        for conn in pending:
            self.add_row(*self.cells(conn, now), key=conn.name)
        self.fit()

    def cells(self, conn: Connection, now: datetime) -> tuple[Text, ...]:
        # Text, not str: DataTable reads str cells as markup, and organisation names come from Zoho
        # (cleaned again here: a terminal must never get their control characters).
        state = conn.state(now)
        look = STATES[state]
        busy = self.busy.get(conn.name)
        if busy:
            state_cell = Text(f"{BUSY_SYMBOL} {busy}…", style=self._style("accent"))
        else:
            state_cell = Text(f"{look.symbol} {look.label}", style=self._style(look.colour))
        cells = (state_cell, self._name_cell(conn), *(Text(clean(value)) for value in (
            conn.service, conn.location or conn.dc, expires_text(conn, now), conn.org_name or conn.user or "-")))
        widths = self._widths
        for column, cell in zip(COLUMNS, cells, strict=True):
            if column.key in BEFORE_EXPIRY and cell.cell_len > widths.get(column.key, 0):
                widths[column.key] = cell.cell_len
        return cells

    def _name_cell(self, conn: Connection) -> Text:
        name = Text(clean(conn.name))
        if self.name_width is not None and name.cell_len > self.name_width:
            name.truncate(self.name_width, overflow="ellipsis")
        return name

    def _style(self, colour: str) -> Style:
        """A theme colour as a Rich style (DataTable cells are Rich Text); looked up once per redraw."""
        style = self._styles.get(colour)
        if style is None:
            value = "" if colour == "muted" else self.app.theme_variables.get(colour, "")
            style = Style(dim=True) if colour == "muted" else Style(color=value or None, bold=True)
            self._styles[colour] = style
        return style

    @property
    def selected_name(self) -> str | None:
        if self.row_count == 0:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def select(self, name: str | None) -> None:
        if name in self._shown:
            index = self._shown.index(name)
            if index >= self.row_count:
                self._add_pending(now_utc())
            self.move_cursor(row=index, animate=False)
