"""The TUI's structure, as a newcomer meets it: a step is one class and one list entry; front ends
reach the store only through the Manager (that no lock is taken on the UI thread is checked by the
end-to-end tests, with `test_tui_support.record_lock_threads`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from test_tui_support import frame_text, key_of, make_app, next_step, shows, type_into, wait_for
from textual.app import ComposeResult
from textual.widgets import Checkbox

from zconnect_tui import listener
from zconnect_tui.errors import PortInUse
from zconnect_tui.tui.remedies import error_text
from zconnect_tui.tui.screens.dialog import Dialog
from zconnect_tui.tui.screens.wizard import WizardScreen
from zconnect_tui.tui.steps import STEPS
from zconnect_tui.tui.steps.base import Step, WizardDraft
from zconnect_tui.tui.steps.client_type import ClientTypeStep
from zconnect_tui.tui.widgets import Guide

PACKAGE = Path(__file__).resolve().parent.parent / "zconnect_tui"


class LicenceStep(Step):
    """A step a newcomer adds: one class..."""

    key = "licence"
    title = "Licence"
    guide = "Accept the licence of the API you connect to."
    focus_target = "#licence-ok"

    def compose(self) -> ComposeResult:
        yield Guide("Read the API's licence, then accept it.")
        yield Checkbox("I accept the licence", id="licence-ok")
        yield self.error_widget("licence-error")

    @classmethod
    def applies(cls, draft: WizardDraft) -> bool:
        """A branch: only some connections need it."""
        return draft.service != "custom"

    def validate(self, draft: WizardDraft) -> bool:
        if not self.query_one("#licence-ok", Checkbox).value:
            self.field_error("licence").show("Accept the licence to go on.")
            return False
        return True


async def test_a_step_added_by_one_class_and_one_list_entry(config_path: Path) -> None:
    steps = list(STEPS)
    steps.insert(steps.index(ClientTypeStep) + 1, LicenceStep)  # ...and one list entry
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = WizardScreen(app.manager, app.manager.snapshot(), steps=steps)
        await app.push_screen(screen)
        await type_into(pilot, "#name", "lic")
        for _ in range(3):
            await next_step(pilot)
        assert key_of(screen) == "licence"
        text = frame_text(app)
        assert "Step 3 of 9: Licence" in text and "▶ 3 Licence" in text and "4 Redirect URL" in text
        await next_step(pilot)  # not accepted yet: the step's own check holds it
        assert key_of(screen) == "licence" and await shows(pilot, "Accept the licence")
        screen.query_one("#licence-ok", Checkbox).value = True
        await next_step(pilot)
        assert key_of(screen) == "redirect"
        # A finished step in the sidebar is a link back to it.
        await pilot.click("#steps", offset=(4, 3))  # "✔ 0 Connector"
        assert key_of(screen) == "connector"
        await pilot.click("#steps", offset=(4, 10))  # "  7 Organization": not done, not a link
        assert key_of(screen) == "connector"
        for _ in range(4):
            await next_step(pilot)
        assert key_of(screen) == "redirect"
        # Text that sends the user to another step follows the new numbering.
        assert screen.step_label("redirect") == "step 4 (Redirect URL)"
        error = PortInUse("Port 9646 on 127.0.0.1 is already in use.", remedy=listener._bind_error(9646, OSError(
            98, "in use")).remedy)
        assert "Go back to step 4 (Redirect URL)" in error_text(error, screen.step_label)
        # A branch: a step whose `applies` is False for these answers drops out of the flow.
        screen.draft.service = "custom"
        screen.step = screen.index_of("console")
        await pilot.pause()
        assert await shows(pilot, "Step 1 of 8") and screen.step_label("redirect") == "step 3 (Redirect URL)"


def imports_of(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_front_ends_reach_the_store_only_through_the_manager() -> None:
    """No TUI module imports the store (types aside), and the CLI builds it only to hand it to the Manager."""
    for path in (PACKAGE / "tui").rglob("*.py"):
        source = path.read_text()
        assert "Store(" not in source and ".store." not in source, path
        runtime = source.split("if TYPE_CHECKING:")[0]
        assert "zconnect_tui.store" not in runtime, path
    dispatch = (PACKAGE / "cli.py").read_text()
    assert dispatch.count("open_store(") == 1 and "Manager(open_store(args.config))" in dispatch
    assert ".store." not in dispatch and "Store(" not in (PACKAGE / "commands.py").read_text()


def test_no_textual_in_the_core() -> None:
    for path in PACKAGE.glob("*.py"):
        assert not any(m.startswith("textual") for m in imports_of(path)), path


def _stylesheets_parsed(app: object) -> set[str]:
    """Which of the package's .tcss files the app's stylesheet holds now (by path or as a DEFAULT_CSS)."""
    held = [source.content for source in app.stylesheet.source.values()]  # type: ignore[attr-defined]
    return {path.name for path in (PACKAGE / "tui").glob("*.tcss")
            if path.read_text(encoding="utf-8") in held}


async def test_the_first_screen_parses_only_its_own_stylesheet(tmp_path: Path) -> None:
    """Each screen's stylesheet is parsed when the screen first opens (#10): the first-run wizard's start
    parses neither the dashboard's, the dialogs', the API screen's nor the device panel's; the first
    dialog brings the dialogs' in. Every .tcss file of the package is some class's stylesheet."""
    tcss = {path.name for path in (PACKAGE / "tui").glob("*.tcss")}
    read = {name for source in (PACKAGE / "tui").rglob("*.py")
            for name in tcss if f'stylesheet("{name}")' in source.read_text(encoding="utf-8")}
    assert tcss - read == {"zconnect.tcss"}  # the app's own CSS_PATH; every other file is read by a class
    app = make_app(tmp_path / "connections.toml")
    async with app.run_test(size=(100, 30)) as pilot:
        await shows(pilot, "Connection name")
        parsed = _stylesheets_parsed(app)
        assert parsed == {"zconnect.tcss", "wizard.tcss"}
        await pilot.press("f1")  # help: a dialog
        await wait_for(pilot, lambda: isinstance(app.screen, Dialog), what="the help dialog")
        assert _stylesheets_parsed(app) == {"zconnect.tcss", "wizard.tcss", "dialogs.tcss"}
