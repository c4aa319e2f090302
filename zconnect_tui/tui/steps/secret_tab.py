"""Step 4, Client Secret tab: where the Client ID and Client Secret appear."""

from __future__ import annotations

from textual.app import ComposeResult

from zconnect_tui.tui.steps.base import Step, WizardDraft
from zconnect_tui.tui.widgets import Guide


class SecretTabStep(Step):
    """The guide's step 4."""

    key = "secret-tab"
    title = "Client Secret tab"
    guide = "The Client ID and Client Secret are displayed on the client's Client Secret tab."

    def compose(self) -> ComposeResult:
        yield Guide("", id="secret-tab-text")

    def enter(self, draft: WizardDraft) -> None:
        where = ("the Self Client's [b]Client Secret[/] tab" if draft.self_client
                 else "the [b]Client Secret[/] tab of the client you just created")
        self.query_one("#secret-tab-text", Guide).update(
            "[b]4. The Client ID and Client Secret will now be displayed on the Client Secret tab.[/]\n\n"
            f"Open {where}. You will copy two values from it in the next step:\n\n"
            "  • [b]Client ID[/]: looks like 1000.ABCDEFGHIJ…\n"
            "  • [b]Client Secret[/]: a long string of letters and digits\n\n"
            "Treat the secret like a password. zconnect stores it in your connections file "
            "(readable only by you) and never shows it again in clear.")
