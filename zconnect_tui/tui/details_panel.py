"""What the dashboard's details panel shows for the selected row: the last outcome in full, the
formatted fields, and what does not apply now and why (split out of the dashboard screen by role).

Everything shown is cleaned (`text.clean`): outcomes quote Zoho, the rows hold names from Zoho or
the file.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.model import Connection
from zconnect_tui.text import clean
from zconnect_tui.tui.actions import ACTIONS, key_of
from zconnect_tui.tui.details import detail_rows


def key_name(key: str) -> str:
    """A binding's key as the footer shows it."""
    return {"enter": "⏎", "slash": "/", "question_mark": "?"}.get(key, key)


def panel_rows(conn: Connection, dcs: DataCenters) -> list[tuple[str, str]]:
    """(label, text) rows: the connection's fields, the next step for a new one, the actions that do not apply."""
    # The name in full first: the table cuts a long one to keep the state and expiry in view.
    rows = [("Name", clean(conn.name)), *detail_rows(conn, dcs)]
    if not conn.ever_authorized:
        rows.append(("Next", f"Never authorized: press {key_of('authorize')} to authorize it, or "
                             f"{key_of('resume')} to resume its setup in the wizard (step 6)."))
    for action in ACTIONS:
        reason = action.unavailable(conn) if action.check is not None else None
        if reason and reason != "hidden":
            rows.append((f"{key_name(action.key)} {action.label}", f"not now: {reason}"))
    return rows


def panel(rows: list[tuple[str, str]], outcome: tuple[bool, str] | None, theme: Mapping[str, str]) -> Group:
    """The panel's content: `outcome` (ok, text) of the last action first, in the theme's colours."""
    parts: list[RenderableType] = []
    if outcome is not None:  # the last action's outcome, in full (the toast is short-lived)
        ok, text = outcome
        colour = theme.get("text-success" if ok else "text-error", "")
        # Outcomes quote Zoho (error descriptions, names): cleaned like every shown string.
        parts += [Text(clean(text, keep="\n"), style=Style(color=colour or None, bold=not ok)), Text("")]
    return Group(*parts, rows_grid(rows, theme.get("text-accent", "")))


def rows_grid(rows: list[tuple[str, str]], accent: str) -> Table:
    """Label/value rows with wrapped values that keep their column (a Rich grid): the panel and Details."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style=Style(color=accent, bold=True) if accent.startswith("#") else Style(bold=True),
                    no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for label, value in rows:
        grid.add_row(label, Text(clean(value)))  # Text: names from Zoho are never read as markup
    return grid
