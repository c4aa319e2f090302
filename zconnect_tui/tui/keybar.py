"""The key bar: the screen's keys, on as many lines as the width needs, drawn by one widget.

Textual's `Footer` makes a widget per key and rebuilds all of them whenever the focus moves (each
rebuild restyles every key): that was a sixth of the wizard's time to its first frame, and the
dashboard's footer rebuilt itself on every cursor move. Here a change of keys redraws one line of
text. A key is clicked as in the Footer (a disabled one rings the bell); `keys` says what is shown.

The bar also keeps the screen's toasts above it. Textual docks its ToastRack to the bottom in a layer
of its own (`_toastrack`), and docking is arranged layer by layer (`_arrange.arrange`), so a bar
docked in the default layer never pushes the rack up: only the rack's own margin does. That margin
is set here from the number of lines just laid out, not from the bar's size, which is the previous
layout's until the next refresh (and an `on_resize` after it finds nothing changed to redraw).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Spacing
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.screen import Screen

KEY_STYLE = "bold $footer-key-foreground on $footer-key-background"
DESCRIPTION_STYLE = "$footer-description-foreground on $footer-description-background"
TOAST_RACK_ID = "textual-toastrack"
"""The id Textual gives every screen's ToastRack (`Screen._extend_compose`)."""


@dataclass(frozen=True)
class ShownKey:
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
        self.keys: dict[str, ShownKey] = {}
        """What the bar shows now, by key (Textual's key name, e.g. "ctrl+n")."""
        self._drawn: tuple[object, ...] | None = None

    @property
    def show_command_palette(self) -> bool:
        """Whether the command palette's key is shown (narrow wizards leave it out)."""
        return self._palette

    @show_command_palette.setter
    def show_command_palette(self, value: bool) -> None:
        self._palette = value
        self.refresh_keys()

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.refresh_keys()

    def on_resize(self) -> None:
        self.refresh_keys()

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh_keys()

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

    def refresh_keys(self) -> None:
        """Draw the keys that apply now (nothing happens when they and the width did not change)."""
        if not self.is_attached:
            return
        shown = self._collect()
        width = self.size.width or self.app.size.width
        state = (tuple(shown), width)
        if state == self._drawn:
            return
        self._drawn = state
        self.keys = {key.key: key for key in shown}
        lines = self._lay_out([self._item(key) for key in shown], width)
        self.styles.height = max(1, len(lines))
        self.update(Content("\n").join(lines))
        self._lift_toasts(max(1, len(lines)))

    def _lift_toasts(self, lines: int) -> None:
        """Toasts sit above the bar: the rack's bottom margin is the stylesheet's (the rows a screen keeps
        clear above the bar: the wizard's Back/Next, the dashboard's progress line) plus the bar's lines."""
        try:
            rack = self.screen.get_child_by_id(TOAST_RACK_ID)
        except NoMatches:  # notifications disabled: no rack
            return
        base = rack.styles.base.margin
        if rack.styles.margin.bottom != base.bottom + lines:
            rack.styles.margin = Spacing(base.top, base.right, base.bottom + lines, base.left)

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
