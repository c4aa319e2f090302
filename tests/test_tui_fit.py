"""Issue 10's last leftovers in the TUI: the dashboard's title fits its width while filtering, and what
using the dialogs at 60×20, 80×24 and 120×40 turned up."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len
from test_tui_experience import dashboard, write_states
from test_tui_support import frame_text, make_app, wait_for
from textual.widgets import Static

from zconnect_tui.tui.screens.dashboard_filter import title_text


def title_row(app: object) -> str:
    return frame_text(app).splitlines()[0].strip()  # type: ignore[arg-type]


async def test_the_title_says_the_filter_count_and_the_sort_in_full_at_60_columns(config_path: Path) -> None:
    """At 60 columns a filter's count and the sort order read whole: the title words itself shorter,
    it does not lose its end; at 120 columns the long wording is back."""
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = dashboard(pilot)
        title = screen.query_one("#dashboard-title", Static)
        await pilot.press("slash", *"crm")
        await wait_for(pilot, lambda: "1 of 6" in str(title.content), what="the filter's count in the title")
        await wait_for(pilot, lambda: title_row(app) == str(title.content), what="the title drawn")
        shown = title_row(app)
        assert shown == "zconnect · filter 'crm': 1 of 6 · sorted by name", shown
        assert cell_len(shown) <= 58  # the row less its padding: nothing cut
        await pilot.press("enter", "s")  # sort by the next column: still whole
        await wait_for(pilot, lambda: "by state" in title_row(app), what="the new sort in the title")
        assert title_row(app).endswith("1 of 6 · sorted by state")
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: title_row(app).startswith("zconnect · Zoho connections · filter 'crm'"),
                       what="the long wording at 120 columns")
        assert title_row(app).endswith("· sorted by state")


@pytest.mark.parametrize("width", [20, 30, 40, 58, 78, 118])
def test_the_title_never_exceeds_its_width_and_keeps_the_count(width: int) -> None:
    for text in ("crm", "a-filter-typed-by-someone-who-likes-long-words", "日本語のフィルター"):
        title = title_text(width, text, 12, 1000, "expires")
        assert cell_len(title) <= width, (width, title)
        assert "12 of 1000" in title
    assert title_text(width, "", 6, 6, "name") in (
        "zconnect · Zoho connections · sorted by name", "zconnect · sorted by name", "zconnect · by name")
