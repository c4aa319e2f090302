"""The key bar: the screen's keys, on as many lines as the width needs, drawn by one widget.

Textual's `Footer` makes a widget per key and rebuilds all of them whenever the focus moves (each
rebuild restyles every key): that was a sixth of the wizard's time to its first frame, and the
dashboard's footer rebuilt itself on every cursor move. Here a change of keys redraws one line of
text. A key is clicked as in the Footer (a disabled one rings the bell); `keys` says what is shown.
The keys are collected when the bar is laid out, so the changes a screen makes as it starts (focus,
bindings) cost one collection for the frame drawn, not one each.

The bar also keeps the screen's toasts above it. Textual docks its ToastRack to the bottom in a layer
of its own (`_toastrack`), and docking is arranged layer by layer (`_arrange.arrange`), so a bar
docked in the default layer never pushes the rack up: only the rack's own margin does. That margin
is set here from the number of lines the keys were just laid out on (right after that frame).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Spacing
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.geometry import Size
    from textual.screen import Screen

KEY_STYLE = "bold $footer-key-foreground on $footer-key-background"
DESCRIPTION_STYLE = "$footer-description-foreground on $footer-description-background"
TOAST_RACK_ID = "textual-toastrack"
"""The id Textual gives every screen's ToastRack (`Screen._extend_compose`)."""


class ShownKey(NamedTuple):
    """One key in the bar: what it shows and whether it applies now."""

    key: str
    display: str
    description: str
    enabled: bool

    @property
    def text(self) -> str:
        """What the bar shows for it: "^n Next"."""
        return f"{self.display} {self.description}"


class KeyBar(Static):
    """The keys of the screen it is on, like Textual's Footer (bindings with `show=True`, one per action,
    greyed out when `check_action` says None, the command palette's key last).

    A screen may name a key by what it does now with `key_description(binding) -> str | None` (the
    wizard's ^n is "Save" at step 5 and "Finish" at the last step, as its button says)."""

    def __init__(self, *, show_command_palette: bool = True, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, markup=False)
        self._palette = show_command_palette
        self._shown: tuple[ShownKey, ...] | None = None
        """The keys that apply now; None: to be collected when next needed (see `refresh_keys`)."""
        self._laid_out: tuple[tuple[ShownKey, ...], int, list[Content]] | None = None

    @property
    def keys(self) -> dict[str, ShownKey]:
        """What the bar shows now, by key (Textual's key name, e.g. "ctrl+n")."""
        return {key.key: key for key in self._current()}

    @property
    def show_command_palette(self) -> bool:
        """Whether the command palette's key is shown (narrow wizards leave it out)."""
        return self._palette

    @show_command_palette.setter
    def show_command_palette(self, value: bool) -> None:
        if value != self._palette:
            self._palette = value
            self.refresh_keys()

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: Screen[Any]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh_keys()

    def refresh_keys(self) -> None:
        """The keys may have changed: they are collected again when the bar is next laid out.

        A screen's start moves the focus and changes bindings several times before its first frame;
        each change only marks the bar, and the keys are collected once, for the frame drawn."""
        self._shown = None
        self.refresh(layout=True)

    def _current(self) -> tuple[ShownKey, ...]:
        if self._shown is None:
            self._shown = tuple(self._collect()) if self.is_attached else ()
        return self._shown

    def _collect(self) -> list[ShownKey]:
        app = self.app
        active = self.screen.active_bindings
        describe = getattr(self.screen, "key_description", None)
        shown: list[ShownKey] = []
        actions: set[str] = set()
        for _namespace, binding, enabled, _tooltip in active.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)  # one key per action, as the Footer does
                description = (describe(binding) if callable(describe) else None) or binding.description
                shown.append(ShownKey(binding.key, app.get_key_display(binding), description, enabled))
        palette = active.get(app.COMMAND_PALETTE_BINDING)
        if self._palette and app.ENABLE_COMMAND_PALETTE and palette is not None:
            binding = palette.binding
            shown.append(ShownKey(binding.key, app.get_key_display(binding), binding.description, palette.enabled))
        return shown

    def _lines(self, width: int) -> list[Content]:
        """The keys laid out on lines of `width` cells (kept until the keys or the width change)."""
        shown = self._current()
        if self._laid_out is None or self._laid_out[:2] != (shown, width):
            before = self._line_count()
            lines = self._lay_out([self._item(key) for key in shown], width)
            self._laid_out = (shown, width, lines)
            if len(lines) != before:
                # Once the frame is on screen: the first frame does not wait for a toast's place.
                getattr(self.app, "after_first_frame", self.call_after_refresh)(self._lift_toasts)
        return self._laid_out[2]

    def _line_count(self) -> int:
        """How many lines the keys were last laid out on (0: not yet)."""
        return len(self._laid_out[2]) if self._laid_out is not None else 0

    def _lift_toasts(self) -> None:
        """Toasts sit above the bar: the rack's bottom margin is the stylesheet's (the rows a screen keeps
        clear above the bar: the wizard's Back/Next, the dashboard's progress line) plus the bar's lines."""
        if not self.is_attached:
            return
        try:
            rack = self.screen.get_child_by_id(TOAST_RACK_ID)
        except NoMatches:  # notifications disabled: no rack
            return
        base, lines = rack.styles.base.margin, max(1, self._line_count())
        if rack.styles.margin.bottom != base.bottom + lines:
            rack.styles.margin = Spacing(base.top, base.right, base.bottom + lines, base.left)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many lines as the keys need at this width (the bar's height is `auto`)."""
        return max(1, len(self._lines(width)))

    def render(self) -> Content:
        return Content("\n").join(self._lines(self.content_region.width or self.app.size.width))

    @staticmethod
    def _item(key: ShownKey) -> Content:
        click = f"@click=app.simulate_key({key.key!r})" if key.enabled else "@click=app.bell()"
        dim = "" if key.enabled else " dim"
        return Content.assemble((f" {key.display} ", f"{KEY_STYLE}{dim} {click}"),
                                (f"{key.description} ", f"{DESCRIPTION_STYLE}{dim} {click}"))

    @staticmethod
    def _lay_out(items: list[Content], width: int) -> list[Content]:
        """Items left to right, a new line when the next one would not fit (an item is never split)."""
        lines: list[list[Content]] = [[]]
        used = 0
        for item in items:
            if lines[-1] and used + 1 + item.cell_length > width:
                lines.append([])
                used = 0
            used += (1 if lines[-1] else 0) + item.cell_length
            lines[-1].append(item)
        return [Content(" ").join(line) for line in lines]
