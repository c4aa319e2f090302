"""Step 5 of the wizard, where the secret is typed: the screenshot key never writes a revealed secret and
writes the file 0600 (issue #8 item 7), in zconnect's data directory, not the current one (#22 item 11);
a Save that cannot write is one line, not a crash (#8 item 3)."""

from __future__ import annotations

import html
import re
import stat
from pathlib import Path

import pytest
from conftest import CLIENT_SECRET
from test_tui_support import SIZE, drive_to, errors, key_of, make_app, notices, type_into, wait_for
from textual.widgets import Checkbox, Input

from zconnect_tui.tui.app import screenshot_dir
from zconnect_tui.tui.widgets import FieldError


def svg_text(svg: str) -> str:
    """All text of an SVG screenshot, rows joined (Textual splits a row into one <text> per style run)."""
    return "".join(html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)).replace("\xa0", " ")


async def test_screenshot_masks_a_revealed_secret_and_a_failed_save_is_one_line(
        config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    shots = screenshot_dir()  # zconnect's data directory (under this test's XDG_DATA_HOME), never the cwd
    monkeypatch.chdir(tmp_path)
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "credentials")
        await type_into(pilot, "#client-secret", CLIENT_SECRET)
        screen.query_one("#reveal", Checkbox).value = True
        await pilot.pause()
        field = screen.query_one("#client-secret", Input)
        assert not field.password and CLIENT_SECRET[:20] in svg_text(app.export_screenshot())  # on screen now
        await pilot.press("f12")
        await wait_for(pilot, lambda: list(shots.glob("*.svg")), what="the screenshot")
        assert not field.password  # still revealed for the user: only the picture was masked
        # Not into the current directory (a git work tree picked one up, #22 item 11), and it says where.
        assert not list(tmp_path.glob("*.svg"))
        [shot] = list(shots.glob("*.svg"))
        assert any(n.message == f"Saved {shot}" for n in notices(app))
        # Save into a directory zconnect cannot write (issue #8 reproduced it with a read-only config dir;
        # here the lock path is a directory, which stops root too): one line under the form, no crash.
        config_path.with_name(config_path.name + ".lock").mkdir(parents=True)
        await type_into(pilot, "#client-id", "1000.X")
        await pilot.press("ctrl+n")
        save_error = screen.body("credentials").query_one("#save-error", FieldError)
        await wait_for(pilot, lambda: bool(save_error.text), what=f"the save error ({errors(screen)})")
        assert "lock file" in save_error.text and "is a directory" in save_error.text
        assert key_of(screen) == "credentials"
    [shot] = list(shots.glob("*.svg"))
    text = svg_text(shot.read_text())
    assert CLIENT_SECRET not in text and CLIENT_SECRET[:8] not in text and "Client Secret" in text
    assert stat.S_IMODE(shot.stat().st_mode) == 0o600
