"""Leaving the wizard (#10): what counts as typed, asking before it is lost, and where the wizard closes to.

`WizardLeave` sits between `KeyHold` (keys held while a step changes) and the wizard screen (this role, split
from the screen's steps and navigation); the wizard supplies the draft, its first answers and its step bodies.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from textual.widgets import ContentSwitcher

from zconnect_tui.tui.screens.wizard_keys import KeyHold
from zconnect_tui.tui.steps.base import Step

if TYPE_CHECKING:
    from zconnect_tui.tui.steps.base import WizardDraft


class WizardLeave(KeyHold):
    """Leave for the dashboard (asking first when what was typed would be lost), or close with a result."""

    draft: WizardDraft
    """The answers (the wizard's)."""
    _initial: WizardDraft
    """The answers as the wizard opened with them (prefilled): what was typed is what differs."""

    def _mounted(self) -> list[Step]:
        return list(self.query_one("#body", ContentSwitcher).query_children(Step))

    def _close(self, result: str | None) -> None:
        """Leave with `result`: back to the screen that opened the wizard or, when the wizard is the
        app's first screen (nothing to list yet, `zconnect new`), to the dashboard in its place."""
        open_dashboard = getattr(self.app, "open_dashboard", None)
        if self.app.screen_stack[0] is self and callable(open_dashboard):
            open_dashboard(result)
        else:
            self.dismiss(result)

    def _read_all(self) -> WizardDraft:
        """The answers as typed now (unchecked), in a copy of the draft."""
        draft = self.draft.scratch()
        for body in self._mounted():
            body.read(draft)
        return draft

    def typed(self) -> bool:
        """Whether anything was typed or chosen that no save holds."""
        draft = self._read_all()
        if draft.saved is not None:
            return draft.unsaved
        # Step 3 proposes a free port by itself: only a port the user typed counts.
        return draft != replace(self._initial, port=draft.port) or draft.port != self._proposed_port()

    def _proposed_port(self) -> int:
        redirect = [b for b in self._mounted() if b.key == "redirect"]
        port = getattr(redirect[0], "initial_port", None) if redirect else None
        return port if isinstance(port, int) else self.draft.port

    def unsaved_text(self) -> str | None:
        """What leaving would lose, in words (None: nothing); the app's ctrl+q asks with it too."""
        if not self.typed():
            return None
        saved = self.draft.saved
        return ("What you typed in the wizard is not saved anywhere yet." if saved is None else
                f"Changes made in the wizard since the save are lost; {saved.name} stays as it was saved.")

    def action_close(self) -> None:
        """Leave for the dashboard; ask first when what was typed would be lost."""
        text = self.unsaved_text()
        if text is None:
            self._leave()
            return
        from zconnect_tui.tui.screens.confirm import ConfirmModal

        self.app.push_screen(ConfirmModal("Leave the wizard?", text, "Leave", cancel="Stay"),
                             callback=lambda ok: self._leave() if ok else None)

    def _leave(self) -> None:
        for body in self._mounted():
            if body.busy:
                body.cancel()
            body.leave(self.draft)
        saved = self.draft.authorized or self.draft.saved
        self.call_next(self._close_when_settled, saved.name if saved is not None else None)

    async def _close_when_settled(self, result: str | None) -> None:
        """Esc at once (step 0 still mounting its lower part) closes the wizard once that mount is done."""
        for body in self._mounted():
            await body.settled()
        if self.is_current:
            self._close(result)
