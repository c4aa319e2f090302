"""The Export dialog's tabs come from the format registry; a format that fails shows its own error in its
own tab, and every other tab still shows, scrolls and copies (#19)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_export_formats import fixed
from test_tui_support import make_app, notices, open_dialog, wait_for

from zconnect_tui import exports
from zconnect_tui.datacenters import DataCenters
from zconnect_tui.exports import ExportFormat, ExportOptions
from zconnect_tui.model import Connection
from zconnect_tui.store import Store
from zconnect_tui.tui.screens.export import ExportScreen


def explode(conn: Connection, dcs: DataCenters, options: ExportOptions) -> str:
    raise RuntimeError("this renderer has a bug")


async def test_a_failing_renderer_shows_its_error_in_its_tab_and_the_others_work(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    boom = ExportFormat("boom", "a broken format", "registered by this test", False, explode)
    monkeypatch.setattr(exports, "FORMATS", (exports.FORMATS[0], boom, *exports.FORMATS[1:]))
    config = tmp_path / "connections.toml"
    Store(config).save_connection(fixed("desk"))
    app = make_app(config, wizard=False)
    async with app.run_test(size=(80, 24)) as pilot:
        export = await open_dialog(pilot, "x", ExportScreen, "the export dialog")
        assert isinstance(export, ExportScreen)
        await wait_for(pilot, lambda: export.formats, what="the tabs")
        assert export.formats == list(exports.keys())  # every tab, the broken one in its place
        assert list(export.failed) == ["boom"] and "boom" not in export.texts
        assert "this renderer has a bug" in export.failed["boom"]
        assert "invokeurl" in export.texts["deluge"] and "Add API" in export.texts["console"]

        await pilot.press("right")  # connector → boom: its tab says why
        assert export.shown == "boom"
        shown = str(export.query_one("#format-boom .export-text").content)
        assert shown.startswith("This format could not be made: Unexpected error: RuntimeError: this renderer")
        await pilot.press("c")
        assert app.clipboard == "" and any("Nothing to copy" in str(n.message) for n in notices(app))

        await pilot.press("right", "right", "right", "right")  # env, json, curl, deluge: still there
        assert export.shown == "deluge"
        await pilot.press("c")
        assert app.clipboard == export.texts["deluge"]
