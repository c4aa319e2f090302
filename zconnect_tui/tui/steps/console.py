"""Step 1, API Console: open the data centre's API Console and click Add Client."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button

from zconnect_tui.tui.steps.base import Step, WizardDraft
from zconnect_tui.tui.widgets import CopyValue, Guide


class ConsoleStep(Step):
    """The guide's step 1."""

    key = "console"
    title = "API Console"
    guide = "Go to Zoho's API Console of your data centre and click Add Client."
    focus_target = "#open-console"

    def compose(self) -> ComposeResult:
        yield Guide("[b]1. Go to Zoho API Console. Click Add Client.[/]\n\n"
                    "Register the application with Zoho before it can ask for access. Open the API "
                    "Console of your data centre (sign in with the Zoho account that owns the data), "
                    "then click [b]Add Client[/] (or [b]+ Add Client[/] if you have clients already).")
        yield CopyValue(id="console-url")
        with Horizontal(classes="buttons"):
            yield Button("Open API Console", id="open-console", variant="primary")
        yield self.error_widget("console-error")
        yield Guide("No browser on this machine (SSH)? Open the address above on any computer; "
                    "nothing in these steps needs to run here until step 6.", classes="muted")

    def enter(self, draft: WizardDraft) -> None:
        self.query_one("#console-url", CopyValue).set_value(self.ctx.dcs.get(draft.dc).console_url)

    @property
    def url(self) -> str:
        return self.query_one("#console-url", CopyValue).value

    @on(Button.Pressed, "#open-console")
    def _open(self) -> None:
        from zconnect_tui.browser import browser_available, open_in_background

        ok, why = browser_available()
        note = self.field_error("console")
        if not ok:
            note.show(f"Not opening a browser: {why}. Open the address above yourself.")
            return
        open_in_background(self.url)  # in a thread: a BROWSER command may take its time
        note.show("Opening your browser… (if nothing opens, use the address above)")
