"""The TUI's screens, one per file: wizard, dashboard, help, edit, export, and the dialogs."""

from __future__ import annotations

from textual import events


class StyledAtMount:
    """Mixed into every zconnect screen, before Textual's `Screen`: its first resume keeps its styles.

    Textual restyles a screen and all its widgets each time the screen resumes, so that one coming
    back from the background catches up. On a screen's first resume every widget was styled a moment
    before, as it mounted, and any class or focus that changed since restyled its own widgets: the
    second pass changed nothing, and cost 24 M of the 1,151 M instructions to the wizard's first frame
    (#10). Later resumes (back from a dialog) restyle as Textual does. Textual calls this handler
    before `Screen`'s own, which reads `refresh_styles`.
    """

    _resumed_before = False

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if not self._resumed_before:
            self._resumed_before = True
            event.refresh_styles = False
