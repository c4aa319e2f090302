"""Step 6, Authorize: the consent attempt for the connection saved in step 5.

Two branches share the step's logic (`ConsentStep`): the browser flow (Server-based, Self Client)
and Zoho's device flow (Non-browser Applications, `steps/device.py`); each composes its own panel.
The panels (and the HTTP stack behind them) are imported when the step is first shown, not with the
wizard: handlers go by name (`on_consent_panel_…`) so that this module does not need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widget import Widget

from zconnect_tui.model import ClientType
from zconnect_tui.tui.steps.base import Step, WizardDraft

if TYPE_CHECKING:
    from zconnect_tui.tui.authorize_panel import AuthorizePanel
    from zconnect_tui.tui.consent import ConsentPanel, DcSecretForm


CLIENT_REFUSALS = ("invalid_client", "invalid_client_secret")
"""Zoho's answers to a code exchange whose Client ID or Client Secret it does not accept."""


class ConsentStep(Step):
    """A step that runs one consent panel for the saved connection and goes on once Zoho accepted."""

    panel_id = "authorize"

    @property
    def panel(self) -> ConsentPanel:
        from zconnect_tui.tui.consent import ConsentPanel

        return self.query_one(f"#{self.panel_id}", ConsentPanel)

    def enter(self, draft: WizardDraft) -> None:
        from zconnect_tui.tui.consent import Phase

        saved, panel = draft.saved, self.panel
        if saved is None:
            return
        if draft.authorized is not None and panel.phase == Phase.DONE:
            return  # authorized already: Back then Next keeps it
        if panel.busy and panel.name_ == saved.name:
            return
        # A port typed at step 3 instead of the one proposed there: the URI registered may be the old one.
        changed = draft.uses_redirect and draft.proposed_port not in (None, draft.port)
        register = saved.redirect_uri if changed and draft.registered_uri != saved.redirect_uri else None
        panel.start(saved.name, register=register)  # (saved again since a success: a new consent is needed)

    def leave(self, draft: WizardDraft) -> None:
        from zconnect_tui.tui.consent import Phase

        panel = self.panel
        panel.secret_form().hide()  # a secret typed and not saved does not stay on screen
        if panel.busy:
            panel.stop()  # leaving the step ends the attempt (and frees the port)
            panel.phase = Phase.IDLE

    def enter_is_next(self, widget: Widget) -> bool:
        """The panel's fields (the paste box, another data centre's secret) handle their own Enter."""
        return False

    @property
    def can_advance(self) -> bool:
        from zconnect_tui.tui.consent import Phase

        return self.panel.phase == Phase.DONE and self.ctx.draft.authorized is not None

    @property
    def busy(self) -> bool:
        return self.panel.busy

    def cancel(self) -> None:
        self.panel.cancel()

    @property
    def nav_hint(self) -> str:
        from zconnect_tui.tui.consent import Phase

        phase = self.panel.phase
        if phase == Phase.DONE:
            return ""
        if self.panel.busy:
            return "Next unlocks once Zoho accepted · Esc cancels"
        if phase == Phase.REGISTER:
            return "Register the new URI, then press Registered"
        return "Retry, or Back to change what you entered"

    def on_consent_panel_phase_changed(self) -> None:
        from zconnect_tui.errors import MultiDCRejected, ZohoError
        from zconnect_tui.tui.consent import Phase

        error = self.panel.error
        # Zoho refused the client itself (not another data centre's Multi-DC: the panel asks for that
        # secret): Back at step 5 goes to the Client Secret, the usual culprit, and says why.
        if (self.panel.phase == Phase.FAILED and isinstance(error, ZohoError) and not isinstance(error, MultiDCRejected)
                and error.code in CLIENT_REFUSALS):
            self.ctx.draft.refused = error.message
        self.changed()

    def on_authorize_panel_registered(self, event: AuthorizePanel.Registered) -> None:
        """The user registered the changed redirect URI: step 6 does not ask again for it."""
        self.ctx.draft.registered_uri = event.uri

    def on_consent_panel_succeeded(self, event: ConsentPanel.Succeeded) -> None:
        self.ctx.draft.authorized = event.conn
        self.ctx.draft.verification = None
        self.ctx.draft.refused = ""
        self.changed()
        self.post_message(self.Advance(self))  # the guide's next step follows at once

    def on_dc_secret_form_saved(self, event: DcSecretForm.Saved) -> None:
        """Keep the data centre's own secret in the draft, so a later re-Save at step 5 keeps it too."""
        self.ctx.draft.client_secrets = dict(event.conn.client_secrets)
        if self.ctx.draft.saved is not None:
            self.ctx.draft.saved.client_secrets = dict(event.conn.client_secrets)


class AuthorizeStep(ConsentStep):
    """The guide's step 6: Zoho asks the user to accept; zconnect catches the code."""

    key = "authorize"
    title = "Authorize"
    guide = ("Authorize the connector: accept on Zoho's consent page; zconnect catches the grant code on its "
             "loopback listener (or takes the pasted redirect address or code) and exchanges it for tokens.")
    focus_target = "#auth-paste"

    @classmethod
    def applies(cls, draft: WizardDraft) -> bool:
        return draft.client_type != ClientType.NON_BROWSER

    def compose(self) -> ComposeResult:
        from zconnect_tui.tui.authorize_panel import AuthorizePanel

        yield AuthorizePanel(self.ctx.manager, step=self.ctx.step_label, id=self.panel_id)
