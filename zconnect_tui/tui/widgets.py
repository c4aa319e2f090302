"""Small shared widgets: inline field errors, guide text, copyable values."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, Footer, Label, Static
from textual.widgets._footer import FooterKey

from zconnect_tui.errors import ZconnectError

if TYPE_CHECKING:
    from textual.app import App


def load_css(app: App[object], name: str) -> None:
    """Add `name` (steps.tcss, modals.tcss) to the app's stylesheet, once, before what it styles mounts.

    The app's own zconnect.tcss holds only what the first frames need, so less CSS is parsed before
    them. Rules added here style widgets mounted from now on, which is all they are about.
    """
    path = Path(__file__).with_name(name)
    if not app.stylesheet.has_source(str(path)):
        app.stylesheet.add_source(path.read_text(encoding="utf-8"), read_from=(str(path), ""))


def as_error(exc: BaseException) -> ZconnectError:
    """Anything a worker meets becomes a ZconnectError with a sentence and a fix: nothing crashes."""
    if isinstance(exc, ZconnectError):
        return exc
    return ZconnectError(f"Unexpected error: {type(exc).__name__}: {exc}.",
                         "Try again; if it persists, run the same action with the zconnect CLI to see more.")


class FieldError(Label):
    """A one-line error shown under the field it is about; hidden while empty."""

    def __init__(self, id: str | None = None) -> None:  # noqa: A002 - Textual's own name
        super().__init__("", id=id, classes="error-text", markup=False)
        self.display = False

    def show(self, text: str | ZconnectError) -> None:
        """Show `text` (or an error's sentence and fix)."""
        if isinstance(text, ZconnectError):
            text = text.one_line()
        self.update(text)
        self.display = bool(text)

    def clear(self) -> None:
        self.show("")

    @property
    def text(self) -> str:
        """What is shown now ("" when hidden)."""
        return str(self.content) if self.display else ""


class KeysFooter(Footer):
    """Textual's Footer, with its keys in the first frame and recomposed only when they change.

    Textual's Footer composes nothing until the screen's first bindings update, so the first
    frame has an empty footer; it recomposes after every focus change, keys unchanged or not;
    and it restyles every key twice while mounting it.
    """

    def __init__(self) -> None:
        super().__init__()
        self.set_reactive(Footer._bindings_ready, True)
        self._shown: tuple[object, ...] | None = None

    def _keys(self) -> tuple[object, ...]:
        """What the footer shows: the bindings shown, and the command palette's."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple((key, binding.action, binding.description, enabled, tooltip)
                     for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
                     if binding.show or key == palette)

    def compose(self) -> ComposeResult:
        self._shown = self._keys()
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # FooterKey.compact defaults to True and is then bound to the Footer's (False), so each
                # key would be restyled twice while mounting: start it at its final value instead.
                # (The command palette's key is not bound: it keeps the default.)
                compact = True if widget.has_class("-command-palette") else self.compact
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        if screen is self.screen and self.is_attached and self._keys() == self._shown:
            return  # the same keys: a recompose would only redraw them
        super().bindings_changed(screen)


def first_resume_keeps_styles(screen: Screen, event: events.ScreenResume) -> None:
    """For a screen's `on_screen_resume`: on the first resume (just pushed) skip the restyle.

    Textual restyles the whole screen whenever it resumes; on the first one every widget has just
    been styled as it mounted, so that would style it all a second time before the first frame.
    Later resumes (back from a dialog or the wizard) restyle as usual.
    """
    if not getattr(screen, "_zc_resumed", False):
        screen._zc_resumed = True  # type: ignore[attr-defined]
        event.refresh_styles = False


class Guide(Static):
    """Explanatory text taken from (or modelled on) Zoho's registration guide."""

    DEFAULT_CLASSES = "guide"


class CopyValue(Horizontal):
    """A value the user needs elsewhere (a URL, a redirect URI), with a Copy button (OSC 52)."""

    def __init__(self, value: str = "", *, id: str, label: str = "Copy") -> None:  # noqa: A002
        super().__init__(id=id, classes="copy-value")
        self.value = value
        self._label = label

    def compose(self) -> ComposeResult:
        yield Static(self.value, classes="value", markup=False)
        yield Button(self._label, classes="copy", compact=True)

    def set_value(self, value: str) -> None:
        self.value = value
        if self.is_mounted:
            self.query_one(".value", Static).update(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.app.copy_to_clipboard(self.value)
        # OSC 52 needs terminal support; say so, and the value stays on screen to select by hand.
        self.app.notify("Copied to the clipboard (if your terminal allows OSC 52).", timeout=3)
