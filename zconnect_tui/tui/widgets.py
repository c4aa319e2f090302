"""Small shared widgets: inline field errors, guide text, copyable values."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Label, Static

from zconnect_tui.errors import ZconnectError
from zconnect_tui.text import clean


def as_error(exc: BaseException) -> ZconnectError:
    """Anything a worker meets becomes a ZconnectError with a sentence and a fix: nothing crashes."""
    if isinstance(exc, ZconnectError):
        return exc
    return ZconnectError(f"Unexpected error: {type(exc).__name__}: {clean(str(exc), limit=200)}.",
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
        text = clean(text)  # messages quote what Zoho or a paste said
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
