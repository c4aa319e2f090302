"""The dashboard's core calls: one at a time, off the UI thread, shown on its row and in a progress
line with the seconds it has taken, cancelled by Esc, repeated presses ignored meanwhile.

`CoreCalls` is the dashboard's base class (this role, split from the screen's layout and keys). What
happens to a call that completes after its cancel: see `tui/work.py` (stored safely, answer dropped).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from zconnect_tui.errors import ZconnectError
from zconnect_tui.model import Connection
from zconnect_tui.tui.actions import key_of
from zconnect_tui.tui.keybar import KeyBar
from zconnect_tui.tui.remedies import fix_text
from zconnect_tui.tui.screens import StyledAtMount
from zconnect_tui.tui.widgets import OSC52_NOTE, as_error
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager
    from zconnect_tui.tui.connections_table import ConnectionsTable
    from zconnect_tui.verify import Verification

RUNNING = {"refresh": "refreshing", "test": "testing", "revoke": "revoking", "remove": "removing",
           "copy_token": "getting a token", "account": "checking the account of"}
"""The actions that run a core call in the worker, and how their row says so ("account": the account
check after a consent, started by the dashboard itself)."""


class CoreCalls(StyledAtMount, Screen[None]):
    """Runs the dashboard's core calls; the dashboard supplies the table, the redraw and the refusals."""

    manager: Manager
    outcomes: dict[str, tuple[bool, str]]
    """Connection name → (ok, text) of its last action, shown in full in the details panel."""

    def __init__(self) -> None:
        super().__init__()
        self.running: tuple[str, str] | None = None
        """(action, connection name) while a core call runs."""
        self._started = 0.0
        self._ticker: Timer | None = None

    # What the dashboard provides.
    @property
    def table(self) -> ConnectionsTable:
        raise NotImplementedError

    @property
    def selected(self) -> Connection | None:
        raise NotImplementedError

    def _refuse(self, name: str) -> bool:
        raise NotImplementedError

    def _redraw(self, select: str | None = None, *, details: bool = True) -> None:
        raise NotImplementedError

    def _refresh_keys(self) -> None:
        raise NotImplementedError

    def reload(self, select: str | None = None, then: Callable[[], object] | None = None) -> None:
        raise NotImplementedError

    # ----- the worker ----------------------------------------------------------------------------------
    def _start(self, action: str, name: str | None = None, *, before: Connection | None = None) -> None:
        """Run `action` on `name` (the selected row when None); `before`: the connection as it was
        before a consent, for the account check."""
        if name is None:
            if self._refuse(action) or (conn := self.selected) is None:
                return
            name = conn.name
        if self.running is not None:
            self._refuse(action)
            return
        self.running = (action, name)
        self._started = time.monotonic()
        self.table.busy = {name: RUNNING[action]}
        self._redraw()
        self._ticker = self.set_interval(1, self._tick)
        self._tick()
        self._run(action, name, before)

    def _status(self, text: str, kind: str = "") -> None:
        """The line above the footer: a running call's progress, or a note (`kind` "-ok", "-warning",
        "-error"); mounted on first use: the first frame does without it."""
        found = self.query("#status")
        if found:
            line = found.first(Static)
            line.update(text)
            line.set_classes(kind)
            line.display = bool(text)  # an empty Static still takes a row: a blank line above the keys
        elif text:
            self.mount(Static(text, id="status", markup=False, classes=kind), before=self.query_one(KeyBar))

    def note(self, text: str, kind: str = "-warning") -> None:
        """A short note above the keys (why a key does nothing now, an outcome the details panel cannot
        show): one line that the next note or action replaces, never a pile of toasts over the list."""
        if self.running is None:  # the progress line of a running call stays
            self._status(text, kind)

    def _result(self, name: str, ok: bool, text: str) -> None:
        """An action's outcome, shown once, where the user looks: at the top of the details panel when
        `name` is selected (after the re-read, so the fields below it are as true as the outcome), else on
        the line above the keys (another row is selected, or `name` is gone)."""
        self.outcomes[name] = (ok, text)
        self.reload(then=lambda: self._place_result(name, ok, text))

    def _place_result(self, name: str, ok: bool, text: str) -> None:
        selected = self.selected
        if selected is not None and selected.name == name:
            self._scroll_details_home()
        else:
            self.note(text, "-ok" if ok else "-error")

    def _scroll_details_home(self) -> None:
        """The details panel at its top, where an outcome shows."""
        for panel in self.query("#details-panel"):
            panel.scroll_home(animate=False)

    def _tick(self) -> None:
        if self.running is None:
            return
        action, name = self.running
        seconds = int(time.monotonic() - self._started)
        self._status(f"⟳ {RUNNING[action].capitalize()} {name}… {seconds}s · Esc cancels")

    def _end(self) -> None:
        self.running = None
        self.call_later(self._refresh_keys)
        self.table.busy = {}
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self._status("")

    def _cancel(self) -> None:
        assert self.running is not None
        action, name = self.running
        self.workers.cancel_group(self, "dashboard-action")
        self._end()
        text = (f"Cancelled {RUNNING[action]} {name}. A call Zoho had already received may still complete; "
                "its outcome is stored safely and shows here on the next re-read.")
        self.outcomes[name] = (False, text)
        self.reload()
        self._status(f"Cancelled {RUNNING[action]} {name}.", "-warning")

    @work(exclusive=True, group="dashboard-action", exit_on_error=False)
    async def _run(self, action: str, name: str, before: Connection | None = None) -> None:
        """The blocking core call, off the UI thread; the outcome lands on the row and in the details."""
        manager = self.manager
        calls: dict[str, Callable[[], object]] = {
            "refresh": lambda: manager.refresh(name),
            "test": lambda: manager.verify(name),
            "revoke": lambda: manager.revoke(name),
            "remove": lambda: manager.remove(name),
            "copy_token": lambda: manager.access_token(name),
            "account": lambda: (manager.verify_and_pick(name)[0], manager.get(name)),
        }
        try:
            result = await off_thread(calls[action])
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is shown, none may crash the app
            self._end()
            self._failed(name, as_error(exc))
        else:
            self._end()
            self._done(action, name, result, before)

    def _done(self, action: str, name: str, result: object, before: Connection | None = None) -> None:
        from zconnect_tui.verify import Verification, account_check

        if action == "account" and isinstance(result, tuple):
            verification, after = result
            summary, warning = account_check(before, after, verification.org_checked,
                                             revoke=f"select it and press {key_of('revoke')} to revoke it")
            done = f"{name} is authorized ({after.token_state()})."  # what the consent did, then whose it was
            if warning:  # loud (the bell), and kept in the details panel: a code for another account slipped in
                self.app.bell()
                self._result(name, False, f"✘ {done} {summary}\n{warning}")
            else:
                self._result(name, True, f"✔ {done} {summary}")
            if verification.org_missed is not None:
                self._ask_org(after, verification)
            return
        if action == "copy_token" and isinstance(result, str):
            self.app.copy_to_clipboard(result)  # never displayed
            text = f"Copied {name}'s access token to the clipboard ({OSC52_NOTE})."
        elif action == "refresh" and isinstance(result, Connection):
            text = f"Refreshed {name}: {result.token_state()}."
        elif action == "test" and isinstance(result, Verification):
            text = f"{name}: OK. {result.summary}."
        elif action == "revoke":
            first = "Revoked at Zoho" if result else "Zoho already considered the token invalid"
            text = f"{first}; tokens cleared. Press {key_of('reauthorize')} to authorize {name} again."
        else:
            text = f"Removed {name}."
        self._result(name, True, f"✔ {text}")

    def _ask_org(self, conn: Connection, verification: Verification) -> None:
        """The new token does not reach the stored organisation: it stays until the user picks one."""
        from zconnect_tui.tui.org_picker import OrgPickerModal
        from zconnect_tui.verify import org_label

        missed = verification.org_missed
        assert missed is not None
        kept = (f"✘ {conn.name}'s new token no longer reaches {org_label(missed)}; it is kept until you choose "
                f"one the token reaches (Edit, {key_of('edit')}).")
        self._result(conn.name, False, f"{self.outcomes.get(conn.name, (True, ''))[1]}\n{kept}".strip())

        def picked(chosen: bool | None) -> None:
            if chosen:
                self._result(conn.name, True, f"✔ {conn.name}'s {verification.noun} is chosen.")

        self.app.push_screen(OrgPickerModal(self.manager, conn, verification), callback=picked)

    def _failed(self, name: str, error: ZconnectError) -> None:
        self._result(name, False, f"✘ {error.message} {fix_text(error)}".strip())

