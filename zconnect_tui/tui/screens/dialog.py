"""What every dialog is: a modal screen with a box in the middle (styled by dialogs.tcss)."""

from __future__ import annotations

from textual.screen import ModalScreen, ScreenResultType

from zconnect_tui.tui import stylesheet
from zconnect_tui.tui.screens import StyledAtMount


class Dialog(StyledAtMount, ModalScreen[ScreenResultType]):
    """A modal screen whose content is a `.dialog` box: title, body, buttons."""

    DEFAULT_CSS = stylesheet("dialogs.tcss")
