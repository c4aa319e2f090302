"""Keys typed while the wizard changes step (#10): a fast typist, or a paste, goes on right after Next.

From Next until the next step has its focus, key presses wait here instead of being lost or landing
in the step being left (whose field was already checked); then they are typed, in order, into the
next step's focus target. If the step's save fails, they go back where the user was typing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.screen import Screen

from zconnect_tui.tui.screens import StyledAtMount

if TYPE_CHECKING:
    from textual.widget import Widget


class KeyHold(StyledAtMount, Screen[str | None]):
    """A screen that can hold keys between `_hold_keys` and `_release_keys`."""

    _committing: bool
    """Set by the wizard while a step's save runs (Esc then still goes through: it cancels the save)."""

    def __init__(self) -> None:
        super().__init__()
        self._held: list[events.Key | events.Paste] | None = None
        """Keys typed between Next and the next step's focus (None: not holding any)."""
        self._focus_before: Widget | None = None

    @property
    def holding(self) -> bool:
        """Keys are being held (a step change is under way)."""
        return self._held is not None

    def _hold_keys(self) -> None:
        """Start holding keys (until `_release_keys`)."""
        if self._held is None:
            self._held = []
            self._focus_before = self.focused
        self.set_focus(None)  # with nothing focused, the app hands keys to the screen (below)

    def _release_keys(self, focus: Widget | None) -> None:
        """Focus `focus`, then type what was held into it, in order, as the user typed it."""
        self.set_focus(focus)
        held, self._held, self._focus_before = self._held, None, None
        for event in held or ():
            # Posted to the app, so bindings and the focused widget see them as real key presses.
            self.app.post_message(events.Key(event.key, event.character) if isinstance(event, events.Key)
                                  else events.Paste(event.text))

    def _forward_event(self, event: events.Event) -> None:
        """The app forwards a key here only while nothing is focused: hold it while a step changes."""
        held = self._held
        if held is not None and isinstance(event, events.Key | events.Paste):
            if not (self._committing and isinstance(event, events.Key) and event.key == "escape"):
                held.append(event)
                return
        super()._forward_event(event)
