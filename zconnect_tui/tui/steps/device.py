"""Step 6 for Non-browser Applications: Zoho's device flow, a code entered from any device."""

from __future__ import annotations

from textual.app import ComposeResult

from zconnect_tui.model import ClientType
from zconnect_tui.tui.steps.authorize import ConsentStep
from zconnect_tui.tui.steps.base import WizardDraft


class DeviceStep(ConsentStep):
    """The guide's step 6 on a machine without a browser: the user code, large, and a live wait."""

    key = "device"
    title = "Authorize"
    stands_for = "authorize"
    guide = ("Non-browser Applications: on any device with a browser, open Zoho's verification page and enter "
             "the code zconnect shows; zconnect polls Zoho until you approve.")
    focus_target = "#device-copy-code"
    panel_id = "device"

    @classmethod
    def applies(cls, draft: WizardDraft) -> bool:
        return draft.client_type == ClientType.NON_BROWSER

    def compose(self) -> ComposeResult:
        from zconnect_tui.tui.device_panel import DevicePanel  # on the step's first visit

        yield DevicePanel(self.ctx.manager, step=self.ctx.step_label, id=self.panel_id)

    @property
    def nav_hint(self) -> str:
        from zconnect_tui.tui.consent import Phase

        if self.panel.busy:
            return "Approve at Zoho · Esc cancels"  # short: one line beside Back/Next at 60 columns
        if self.panel.phase == Phase.DONE:
            return ""
        return "New code, or Back to change what you entered"
