"""The dashboard's filter (`/`) and sort (`s`, or a click on a column's header), and what Esc does.

`FilterSort` sits between `CoreCalls` and the dashboard (this role, split from the screen's layout
and actions). While the filter box has focus the key bar shows only the keys that still work there:
the letters are typed into the box, so their actions are hidden, and Esc says what it does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual import on
from textual.binding import Binding
from textual.keys import format_key
from textual.widgets import DataTable, Input, Static

from zconnect_tui.tui.connections_table import SORT_KEYS
from zconnect_tui.tui.screens.dashboard_calls import CoreCalls

if TYPE_CHECKING:
    from zconnect_tui.model import Connection

ESCAPE = Binding("escape", "escape", "Cancel", id="dashboard.cancel",
                 tooltip="Cancel the running action, or clear the filter")
"""Shown only when it does something (check_action): "Cancel" while an action runs, else "Clear filter"."""


def typed_into_text(key: str) -> bool:
    """Whether a text field takes `key` as a character (so its binding cannot fire while one has focus)."""
    display = format_key(key)  # "n", "/", "?"; "f1", "del", "esc"
    return len(display) == 1 and display.isprintable() and key != "enter"  # enter shows as "⏎"


def title_text(width: int, filter_text: str, shown: int, total: int, sort_key: str, shared: str | None = None) -> str:
    """The dashboard's title line in the longest wording that fits `width` cells: at 60 columns with a
    filter, "Zoho connections" and "sorted" give way before the filter's count would be cut. On a store
    many machines share (`shared`: its name), "shared" goes last, since a change made here reaches them
    all; only a filter's count comes before it."""
    brands: tuple[str, ...] = ("zconnect · Zoho connections", "zconnect")
    if shared:
        brands = (f"zconnect · Zoho connections · shared store {shared}", f"zconnect · shared store {shared}",
                  "zconnect · shared", "shared")
    sorts = (f"sorted by {sort_key}", f"by {sort_key}")
    if not filter_text:
        tries = [*((brand, sorts[0]) for brand in brands), (brands[-1], sorts[1]), (sorts[1],)]
    else:
        def count(text: str, long: bool) -> str:
            return f"{'filter ' if long else ''}{text!r}: {shown} of {total}"

        full = count(filter_text, True)
        tries = [*((brand, full, sorts[0]) for brand in brands), (brands[-1], full, sorts[1]),
                 (count(filter_text, False), sorts[1])]
        # Last: the filter's text itself shortened (the box above shows it whole), then the count alone.
        room = width - cell_len(count("", False) + " · " + sorts[1])
        if room >= 4:
            tries.append((count(filter_text[: room - 1] + "…", False), sorts[1]))
        tries.append((f"{shown} of {total}",))
    titles = [" · ".join(parts) for parts in tries]
    return next((title for title in titles if cell_len(title) <= width), titles[-1])


class FilterSort(CoreCalls):
    """The filter box above the table, the sort order, and Esc; the dashboard supplies the rest."""

    conns: dict[str, Connection]
    """Set by the dashboard: every connection, before the filter."""
    shared: str | None
    """Set by the dashboard: the shared store's name (`Manager.shared_name`), None for this machine's file."""

    def filter_box(self) -> Input | None:
        """The filter box while it is shown (it is mounted on the first `/`)."""
        found = self.query("#filter")
        field = found.first(Input) if found else None
        return field if field is not None and field.display else None

    def show_title(self) -> None:
        """The title line (filter, count, sort order) in the wording that fits the screen's width."""
        table, title = self.table, self.query_one("#dashboard-title", Static)
        width = self.app.size.width - title.styles.gutter.width
        title.update(title_text(width, table.filter_text, table.row_count, len(self.conns), table.sort_key,
                                self.shared))

    def on_resize(self) -> None:
        if self.is_attached:  # (not once the app is closing)
            self.show_title()
            self.table.fit()  # the table's limit beside the details panel, long names' cut

    def escape_applies(self) -> bool:
        """Esc does something now: cancel the running action, or clear the filter."""
        return self.running is not None or self.filter_box() is not None

    def key_description(self, binding: Binding) -> str | None:
        """What the key bar calls a key now (KeyBar asks): Esc is "Cancel" or "Clear filter"."""
        if binding.action == "escape" and self.running is None:
            return "Clear filter"
        return None

    async def action_filter(self) -> None:
        """`/`: a filter box above the table (mounted on first use: the first frame does without it)."""
        found = self.query("#filter")
        if found:
            field = found.first(Input)
        else:
            field = Input(placeholder="Filter: part of a name, service, data centre or organization "
                                      "(Enter keeps it, Esc clears)", id="filter")
            await self.mount(field, before="#dash-main")
        field.display = True
        field.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.filter_text = event.value
        self._redraw()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.table.focus()

    def clear_filter(self) -> None:
        """Esc: empty and hide the filter box; every row is back and the table has the focus."""
        field = self.filter_box()
        if field is None:
            return
        field.value = ""
        field.display = False
        self.table.filter_text = ""
        self.table.focus()
        self._redraw()

    def action_escape(self) -> None:
        """Esc: cancel the running core call, else clear the filter."""
        if self.running is not None:
            self._cancel()
        else:
            self.clear_filter()

    def action_sort(self) -> None:
        table = self.table
        table.sort_key = SORT_KEYS[(SORT_KEYS.index(table.sort_key) + 1) % len(SORT_KEYS)]
        self._redraw()

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        self.table.sort_key = str(event.column_key.value)
        self._redraw()
