"""What every dialog is: a modal screen with a box in the middle (styled by dialogs.tcss).

After every layout the box is fitted to the screen: a scrolling body gives up rows so the buttons stay on
screen (a box of `height: auto` would push them off at 60×20), and toasts keep clear of the box.
"""

from __future__ import annotations

from textual import events, on
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.geometry import Spacing
from textual.screen import ModalScreen, Screen, ScreenResultType
from textual.widget import Widget

from zconnect_tui.tui import stylesheet
from zconnect_tui.tui.keybar import TOAST_RACK_ID
from zconnect_tui.tui.screens import StyledAtMount

SCROLL_KEYS = {"up": "scroll_up", "down": "scroll_down", "pageup": "page_up", "pagedown": "page_down",
               "home": "scroll_home", "end": "scroll_end"}


class Dialog(StyledAtMount, ModalScreen[ScreenResultType]):
    """A modal screen whose content is a `.dialog` box: title, body (`.dialog-scroll`), `.buttons`."""

    DEFAULT_CSS = stylesheet("dialogs.tcss")
    BINDINGS = [
        # A modal screen ends the binding chain before the app's: its F12 would do nothing here.
        Binding("f12", "app.screenshot", "Screenshot", show=False, id="dialog.screenshot",
                tooltip="Save an SVG screenshot in the current directory"),
        # The focus starts on a button: the body scrolls from there too (a focused list or field keeps its keys).
        *(Binding(key, f"scroll_body('{action}')", show=False, id=f"dialog.{action}")
          for key, action in SCROLL_KEYS.items()),
    ]
    _toasts_at: tuple[int, int, int, int | None] | None = None
    """Where the toasts were last put: (bottom margin, height at most, left margin, width)."""

    def body_scroll(self) -> Widget | None:
        """What the scroll keys move: the box's scrolling body."""
        found = self.query(".dialog-scroll")
        return found.first() if found else None

    def action_scroll_body(self, action: str) -> None:
        if action in SCROLL_KEYS.values() and (body := self.body_scroll()) is not None:
            getattr(body, f"action_{action}")()

    @on(events.Mount)
    def _follow_layout(self) -> None:
        self.screen_layout_refresh_signal.subscribe(self, self._fit)

    def _fit(self, _screen: Screen[object]) -> None:
        box = self.query(".dialog")
        if not box or not self.is_attached:
            return
        self._fit_body(box.first())
        self._place_toasts(box.first())

    def _fit_body(self, box: Widget) -> None:
        """A box sized by its content: its scrolling body at most what the screen leaves it (a `tall` box
        gives its body the rest by its stylesheet)."""
        if box.has_class("tall"):
            return
        body = next((child for child in box.children if child.has_class("dialog-scroll")), None)
        if body is None:
            return
        others = sum(child.outer_size.height + child.styles.margin.height
                     for child in box.children if child is not body and child.display)
        room = self.size.height - box.styles.gutter.height - others - body.styles.margin.height
        limit = max(room, 3)
        if body.styles.max_height is None or body.styles.max_height.value != limit:
            body.styles.max_height = limit

    def _place_toasts(self, box: Widget) -> None:
        """Toasts never cover the box: below it where there is room, else inside it, above its buttons and
        within its border (where the box fills the screen a toast covers some of the body for its seconds,
        never what the user acts with)."""
        try:
            rack = self.get_child_by_id(TOAST_RACK_ID)
        except NoMatches:  # notifications disabled: no rack
            return
        height = self.size.height
        below = height - box.region.bottom
        # Measured on the toasts laid out (a toast's height depends on where it is, but never grows outside
        # the box, so this settles).
        needed = sum(toast.outer_size.height + toast.styles.margin.top for toast in rack.query("Toast"))
        if below >= needed:  # down to the screen's last row: a dialog has no key bar
            bottom, most, left, width = 0, below, 0, None
        else:
            inner = box.content_region
            buttons = [child for child in box.children if child.has_class("buttons") and child.display]
            floor = buttons[-1].region.y if buttons else inner.bottom
            # A width as well as the margin: a docked `1fr` width does not give up its margins.
            bottom, most, left, width = height - floor, floor - inner.y, inner.x, inner.width
        place = (bottom, max(most, 1), left, width)
        if place != self._toasts_at:  # each change lays the screen out again: only on a change
            self._toasts_at = place
            rack.styles.margin = Spacing(0, 0, bottom, left)
            rack.styles.max_height = place[1]
            rack.styles.width = width  # None: the stylesheet's (the screen's width)
            rack.call_after_refresh(rack.scroll_end, animate=False, force=True)  # the newest toast in view
