"""Helpers shared by the TUI tests and scripts/screenshots.py (no tests in here).

Drive the wizard with Pilot: type into fields, press Next, and poll until a condition holds
(bounded by a deadline; never a sleep-based timing assertion). Steps are addressed by key.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from textual import events
from textual.app import App
from textual.notifications import Notification
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Input, RadioButton, Select

from zconnect_tui.manager import Manager
from zconnect_tui.model import ClientType
from zconnect_tui.store import Store
from zconnect_tui.tui.app import ZconnectApp
from zconnect_tui.tui.keybar import KeyBar, ShownKey
from zconnect_tui.tui.screens.dashboard import DashboardScreen
from zconnect_tui.tui.screens.wizard import WizardScreen

SIZE = (80, 24)


def record_lock_threads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """From now on, record for every file lock taken whether it was on the main (UI) thread."""
    seen: list[bool] = []
    original = Store.lock

    def lock(self: Store) -> AbstractContextManager[None]:
        seen.append(threading.current_thread() is threading.main_thread())
        return original(self)

    monkeypatch.setattr(Store, "lock", lock)
    return seen


def make_app(config: Path, *, wizard: bool = True, prefill: dict[str, str] | None = None) -> ZconnectApp:
    return ZconnectApp(Manager(Store(config)), wizard=wizard, prefill=prefill or {})


async def wait_for(pilot: Pilot, predicate: Callable[[], object], timeout: float = 15.0, what: str = "") -> None:
    """Let the app run until `predicate()` is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.02)


_SVG_TEXT = re.compile(r'<text[^>]*\by="([\d.]+)"[^>]*>(.*?)</text>', re.S)


async def open_dialog(pilot: Pilot, key: str, screen_type: type[Screen], what: str) -> Screen:
    """Press `key` and wait until a `screen_type` screen is on top; return it."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), what=what)
    return pilot.app.screen


def notices(app: App[object]) -> list[Notification]:
    """The notifications on screen now: the one place the tests read Textual's private `_notifications`."""
    return list(app._notifications)


def frame_text(app: ZconnectApp) -> str:
    """The current frame as plain text, one line per terminal row (rebuilt from the SVG export)."""
    rows: dict[float, str] = {}
    for y, text in _SVG_TEXT.findall(app.export_screenshot()):
        rows[float(y)] = rows.get(float(y), "") + html.unescape(text).replace("\xa0", " ")
    return "\n".join(rows[y] for y in sorted(rows))


async def shows(pilot: Pilot, text: str, timeout: float = 10.0) -> bool:
    """Wait (bounded) until `text` is in the frame; a screen just pushed may need a refresh to show."""
    app = pilot.app
    assert isinstance(app, ZconnectApp)
    await wait_for(pilot, lambda: text in frame_text(app), timeout, what=f"{text!r} on screen")
    return True


def footer_keys(screen: Screen) -> dict[str, ShownKey]:
    """The keys the screen's key bar shows now, by key name ("ctrl+n", "a", …)."""
    return dict(screen.query_one(KeyBar).keys)


def keys_on_screen(app: ZconnectApp) -> set[str]:
    """The keys of the key bar that are on screen: the bar lies inside the screen and the key's
    "key Description" text is in the frame (so it was neither cut nor wrapped apart)."""
    bar = app.screen.query_one(KeyBar)
    if not (bar.region.height and app.screen.region.contains_region(bar.region)):
        return set()
    frame = frame_text(app)
    return {key for key, shown in bar.keys.items() if shown.text in frame}


def wizard(pilot: Pilot) -> WizardScreen:
    screen = pilot.app.screen
    assert isinstance(screen, WizardScreen), screen
    return screen


def key_of(screen: WizardScreen) -> str:
    """The key of the step the wizard shows."""
    return screen.steps[screen.step].key


def no_button_delay(pilot: Pilot) -> None:
    """Buttons ignore clicks for 0.2 s after one (the -active effect): remove it for tests."""
    # NavButton (the wizard's Back/Next) is a Button that CSS knows by its own name only.
    for button in pilot.app.screen.query("Button, NavButton").results(Button):
        button.active_effect_duration = 0


async def type_into(pilot: Pilot, selector: str, text: str) -> None:
    """Focus a field, clear it and type `text` as a user would: short text key by key, long text
    as a terminal paste (bracketed paste arrives as one Paste event, and is much faster to drive)."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = ""
    await pilot.pause()
    if len(text) > 16:
        field.post_message(events.Paste(text))
        await pilot.pause()
    elif text:
        await pilot.press(*text)


async def next_step(pilot: Pilot) -> None:
    """Press Next, and let a commit (the save) finish."""
    await pilot.press("ctrl+n")
    await pilot.pause()
    screen = pilot.app.screen
    if isinstance(screen, WizardScreen):
        # Keys are held from Next until the next step has its focus (or the commit failed): on a loaded
        # machine the commit's worker may not have started by the first pause.
        await wait_for(pilot, lambda: not (screen._committing or screen.holding), what="the step's commit")
        await pilot.pause()


async def drive_to(pilot: Pilot, target: str, *, name: str = "desk", dc: str = "lab", service: str = "desk",
                   client_id: str = "", secret: str = "", self_client: bool = False,
                   client_type: ClientType | None = None,
                   on_step: Callable[[str], Awaitable[None]] | None = None) -> WizardScreen:
    """From the current step, fill every step up to the step `target` and stop there; returns the wizard.

    `on_step(key)` runs once each step is filled in, before Next (step 6: before the wait; the
    Non-browser branch's step 6 is "device", where the test approves the code).
    """
    kind = client_type or (ClientType.SELF if self_client else None)
    screen = wizard(pilot)
    no_button_delay(pilot)
    goal = screen.index_of(target)
    while screen.step < goal:
        # The step is shown (its body mounted, entered, focused): until then Next is ignored. A step the
        # wizard reached by itself (Zoho accepted at step 6) may still be on its way.
        await wait_for(pilot, lambda: not screen.holding, what="the step shown")
        key = key_of(screen)
        if key == "connector":
            await screen.body().ready()
            await type_into(pilot, "#name", name)
            screen.query_one("#service", Select).value = service
            screen.query_one("#dc", Select).value = dc
            await pilot.pause()
        elif key == "client-type" and kind is not None:
            screen.query_one(f"#type-{kind.value}", RadioButton).value = True
        elif key == "credentials":
            await type_into(pilot, "#client-id", client_id)
            await type_into(pilot, "#client-secret", secret)
        elif key == "organization":
            await wait_for(pilot, lambda: not screen.body("organization").busy, what="verification")
        await pilot.pause()
        if on_step is not None:
            await on_step(key)
        if key in ("authorize", "device"):
            index = screen.index_of(key)
            await wait_for(pilot, lambda index=index: screen.step > index, what="authorization")
            continue
        before = screen.step
        await next_step(pilot)
        assert screen.step > before, f"stuck on step {key}: {errors(screen)}"
    if on_step is not None and target == "accepted":
        await on_step("accepted")
    return screen


def errors(screen: WizardScreen) -> list[str]:
    """Every inline error currently shown (for assertion messages)."""
    return [str(w.content) for w in screen.query(".error-text") if w.display and str(w.content)]


__all__ = ["SIZE", "drive_to", "errors", "frame_text", "key_of", "make_app", "next_step", "shows", "type_into",
           "wait_for", "wizard"]


async def dashboard_ready(pilot: Pilot) -> DashboardScreen:
    """The dashboard on top with its rows shown; returns it."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen), what="the dashboard")
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    await wait_for(pilot, lambda: screen.table.row_count > 0, what="the rows")
    return screen
