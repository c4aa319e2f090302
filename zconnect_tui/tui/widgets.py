"""Small shared widgets: inline messages (wrapped, never cut), guide text, copyable values."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Static

from zconnect_tui.errors import ZconnectError
from zconnect_tui.text import clean
from zconnect_tui.tui.remedies import StepLabel, error_text

OSC52_NOTE = "if your terminal honours OSC 52; in tmux: set-clipboard on"
"""Copying goes through the terminal (OSC 52): say what it needs, every time."""


def as_error(exc: BaseException) -> ZconnectError:
    """Anything a worker meets becomes a ZconnectError with a sentence and a fix: nothing crashes."""
    if isinstance(exc, ZconnectError):
        return exc
    return ZconnectError(f"Unexpected error: {type(exc).__name__}: {clean(str(exc), limit=200)}.",
                         "Try again; if it persists, run the same action with the zconnect CLI to see more.")


def set_text(label: Static, text: str) -> None:
    """Show `text` (a Static lays the screen out again on every update, even to the same text)."""
    if str(label.content) != text:
        label.update(text)


class FieldError(Static):
    """An error (or note) under the field it is about: wrapped over as many lines as it needs, hidden
    while empty. Errors from the core are worded with the TUI's keys and steps."""

    DEFAULT_CLASSES = "error-text"

    def __init__(self, id: str | None = None, *, step: StepLabel | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, markup=False)
        self.step = step
        """Set by the wizard, so a remedy names its steps ("Go back to step 3 (Redirect URL)")."""
        self.display = False

    def show(self, text: str | ZconnectError) -> None:
        """Show `text` (or an error's sentence and fix)."""
        if isinstance(text, ZconnectError):
            text = error_text(text, self.step)
        text = clean(text, keep="\n")  # messages quote what Zoho, the file or a paste said
        self.update(text)
        self.display = bool(text)

    def clear(self) -> None:
        self.show("")

    @property
    def text(self) -> str:
        """What is shown now ("" when hidden)."""
        return str(self.content) if self.display else ""


class Guide(Static):
    """Explanatory text taken from (or modelled on) Zoho's registration guide."""

    DEFAULT_CLASSES = "guide"


class NavButton(Button, inherit_css=False):
    """A Button (the same keys, clicks and Pressed message) with only the styles of the two variants the
    wizard's Back/Next use.

    Button's own stylesheet styles five variants in two styles and in ANSI themes (57 rules); Textual
    parses a widget's stylesheet when it is first shown, and for Back/Next that took 13 ms of the
    wizard's first frame (#10). `inherit_css=False` leaves it out; these rules are its "default" style
    for the default and primary variants. (In CSS it is `NavButton` only: a `Button` selector misses it.)
    """

    DEFAULT_CSS = """
    NavButton {
        width: auto;
        min-width: 12;
        height: auto;
        line-pad: 1;
        text-align: center;
        content-align: center middle;
        pointer: pointer;
        text-style: bold;
        color: $button-foreground;
        background: $surface;
        border: none;
        border-top: tall $surface-lighten-1;
        border-bottom: tall $surface-darken-1;
        &:disabled { text-opacity: 0.6; pointer: not-allowed; }
        &:focus { text-style: $button-focus-text-style; background-tint: $foreground 5%; }
        &:hover { border-top: tall $surface; background: $surface-darken-1; }
        &.-active {
            background: $surface;
            border-bottom: tall $surface-lighten-1;
            border-top: tall $surface-darken-1;
            tint: $background 30%;
        }
        &.-primary {
            color: $button-color-foreground;
            background: $primary;
            border-top: tall $primary-lighten-3;
            border-bottom: tall $primary-darken-3;
            &:hover { background: $primary-darken-2; border-top: tall $primary; }
            &.-active {
                background: $primary;
                border-bottom: tall $primary-lighten-3;
                border-top: tall $primary-darken-3;
            }
        }
        &:ansi {
            border: tall $border-blurred;
            background: ansi_default;
            &:hover { background: $ansi-background; border: tall $border; }
            &.-primary { color: $primary; border: tall $primary; background: ansi_default; }
            &:disabled { text-style: bold dim; border: tall $border-blurred; background: ansi_default; }
        }
    }
    """


class CopyValue(Horizontal):
    """A value the user needs elsewhere (a URL, a redirect URI), with a Copy button (OSC 52)."""

    DEFAULT_CSS = """
    CopyValue {
        height: auto;
        margin: 1 0 0 0;
    }
    CopyValue > .value {
        width: 1fr;
        padding: 0 1;
        background: $boost;
        text-style: bold;
    }
    CopyValue > Button.copy {
        margin: 0 0 0 1;
    }
    """

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
        if not self.value:
            return
        self.app.copy_to_clipboard(self.value)
        # OSC 52 needs terminal support; say so, and the value stays on screen to select by hand.
        self.app.notify(f"Copied ({OSC52_NOTE}).", timeout=4)
