"""`zconnect list`: one row per connection, fitted to the terminal as gh fits its tables.

On a terminal the table is cut to its width: the free-text columns (name, organisation, then
data centre and service) lose their ends to "…", widest first, so the token state and its
expiry always show whole. Piped, or with `--json` or `--names`, every value is whole.
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from typing import TYPE_CHECKING

from zconnect_tui.text import clean

if TYPE_CHECKING:
    from zconnect_tui.cli_io import IO
    from zconnect_tui.manager import Manager

HEADER = ("NAME", "SERVICE", "DC", "ORGANIZATION", "TOKEN")
CUT_ORDER = (0, 3, 2, 1)
"""Columns that may be cut (by index), in the order they give way when equally wide; TOKEN never is."""
MIN_WIDTH = 4
"""A cut column keeps at least this many cells ("de…" still tells names apart better than nothing)."""
GAP = "  "


def cells(text: str) -> int:
    """Terminal cells `text` takes: wide East Asian characters two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def cut(text: str, width: int) -> str:
    """`text` in at most `width` cells, its end replaced by "…" when it does not fit."""
    if cells(text) <= width:
        return text
    out, used = "", 0
    for ch in text:
        used += cells(ch)
        if used > width - 1:
            break
        out += ch
    return out + "…"


def fit(widths: list[int], room: int) -> list[int]:
    """Column widths whose table (with its gaps) fits `room` cells, cutting only CUT_ORDER's columns."""
    widths = list(widths)
    total = sum(widths) + len(GAP) * (len(widths) - 1)
    while total > room:
        shrinkable = [i for i in CUT_ORDER if widths[i] > MIN_WIDTH]
        if not shrinkable:
            break  # a terminal too narrow for even that: the rows wrap
        widths[max(shrinkable, key=lambda i: widths[i])] -= 1  # the widest; among equals, the first of CUT_ORDER
        total -= 1
    return widths


def table(rows: list[tuple[str, ...]], room: int | None) -> list[str]:
    """The rows as aligned lines, fitted to `room` cells when given."""
    widths = [max(cells(row[i]) for row in rows) for i in range(len(rows[0]))]
    if room is not None:
        widths = fit(widths, room)
    lines = []
    for row in rows:
        shown = [cut(cell, w) for cell, w in zip(row, widths, strict=True)]
        lines.append(GAP.join(c + " " * (w - cells(c)) for c, w in zip(shown, widths, strict=True)).rstrip())
    return lines


def cmd_list(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    from zconnect_tui.cli_default import current

    conns = sorted(manager.listing(), key=lambda c: c.name)
    if args.names:
        for conn in conns:
            io.out(conn.name)
        return 0
    found = current(manager)
    default = found[0] if found else None
    if args.json:
        keys = ("name", "service", "dc", "location", "org_id", "org_name", "user", "state", "state_text")
        rows = []
        for conn in conns:
            data = conn.public_dict()
            rows.append({**{k: data[k] for k in keys}, "expires_at": data["token"]["expires_at"],
                         "default": conn.name == default})
        io.out(clean(json.dumps(rows, indent=2), keep="\n"))
        return 0
    if not conns:
        io.out("No connections yet. Create one with `zconnect new` (wizard) or `zconnect add`.")
        return 0
    cleaned = [tuple(clean(cell) for cell in (c.name, c.service, c.location or c.dc, c.org_name or c.user or "-",
                                              c.token_state())) for c in conns]
    marked = any(c.name == default for c in conns)
    lines = table([HEADER, *cleaned], None if (room := io.width()) is None else room - (2 if marked else 0))
    for line, name in zip(lines, [None, *(c.name for c in conns)], strict=True):
        if marked:
            line = ("* " if name == default else "  ") + line
        io.out(line)
    return 0
