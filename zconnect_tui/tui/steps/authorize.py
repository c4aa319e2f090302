"""Step 6, Authorize: the consent attempt for the connection saved in step 5."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult

from zconnect_tui.tui.authorize_panel import AuthorizePanel, Phase
from zconnect_tui.tui.steps.base import Step, WizardDraft


class AuthorizeStep(Step):
    """The guide's step 6: Zoho asks the user to accept; zconnect catches the code."""

    key = "authorize"
    title = "Authorize"
    guide = ("Authorize the connector: accept on Zoho's consent page; zconnect catches the grant code on its "
             "loopback listener (or takes the pasted redirect address or code) and exchanges it for tokens.")
    focus_target = "#auth-paste"

    def compose(self) -> ComposeResult:
        yield AuthorizePanel(self.ctx.manager, step=self.ctx.step_label, id="authorize")

    @property
    def panel(self) -> AuthorizePanel:
        return self.query_one("#authorize", AuthorizePanel)

    def enter(self, draft: WizardDraft) -> None:
        saved, panel = draft.saved, self.panel
        if saved is None:
            return
        if draft.authorized is not None and panel.phase == Phase.DONE:
            return  # authorized already: Back then Next keeps it
        if panel.busy and panel.name_ == saved.name:
            return
        panel.start(saved.name)  # (saved again since a success: a changed definition needs a new consent)

    def leave(self, draft: WizardDraft) -> None:
        if self.panel.busy:
            self.panel.stop()  # leaving the step ends the attempt and frees the port
            self.panel.phase = Phase.IDLE

    @property
    def can_advance(self) -> bool:
        return self.panel.phase == Phase.DONE and self.ctx.draft.authorized is not None

    @property
    def busy(self) -> bool:
        return self.panel.busy

    def cancel(self) -> None:
        self.panel.cancel()

    @property
    def nav_hint(self) -> str:
        phase = self.panel.phase
        if phase == Phase.DONE:
            return ""
        if self.panel.busy:
            return "Next unlocks once Zoho accepted · Esc cancels"
        return "Retry, or Back to change what you entered"

    @on(AuthorizePanel.PhaseChanged)
    def _phase(self) -> None:
        self.changed()

    @on(AuthorizePanel.Succeeded)
    def _succeeded(self, event: AuthorizePanel.Succeeded) -> None:
        self.ctx.draft.authorized = event.conn
        self.ctx.draft.verification = None
        self.changed()
        self.post_message(self.Advance(self))  # the guide's next step follows at once
