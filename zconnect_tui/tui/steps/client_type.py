"""Step 2, Client type: which kind of client to create in the API Console (a table of branches)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import RadioButton, RadioSet

from zconnect_tui.model import ClientType
from zconnect_tui.tui.steps.base import Step, WizardDraft
from zconnect_tui.tui.widgets import Guide


@dataclass(frozen=True)
class ClientChoice:
    """One client type of the API Console, as step 2 offers it."""

    kind: ClientType
    label: str
    explanation: str


CHOICES: tuple[ClientChoice, ...] = (
    ClientChoice(ClientType.SERVER, "Server-based Applications",
               "[i]Note:[/] Server-based Application is the client type for web-based applications built to run "
               "with a dedicated HTTP server. zconnect is that server: during step 6 it listens on this computer "
               "for Zoho's redirect."),
    ClientChoice(ClientType.SELF, "Self Client (paste a code)",
               "Choose [b]Self Client[/] when no browser can reach this machine's redirect, or for a one-off "
               "script: the console generates a short-lived code (Self Client → Generate Code) that you paste "
               "in step 6."),
)
"""A new branch (another client type) is one entry here plus what its later steps show for it."""


class ClientTypeStep(Step):
    """The guide's step 2."""

    key = "client-type"
    title = "Client type"
    guide = "Choose the client type: Server-based Applications (or a Self Client), then Create Now."
    focus_target = "#client-kind"

    def compose(self) -> ComposeResult:
        yield Guide("[b]2. Choose the client type.[/] Choose [b]Create Now[/] under "
                    "[b]Server-based Applications[/] and enter a Client Name and Homepage URL "
                    "(any page of yours; Zoho only shows it).")
        chosen = self.ctx.draft.client_type
        with RadioSet(id="client-kind"):
            for choice in CHOICES:
                yield RadioButton(choice.label, value=choice.kind == chosen, id=f"type-{choice.kind.value}")
        for choice in CHOICES:
            yield Guide(choice.explanation, classes="muted")

    def read(self, draft: WizardDraft) -> None:
        for choice in CHOICES:
            if self.query_one(f"#type-{choice.kind.value}", RadioButton).value:
                draft.client_type = choice.kind

    def validate(self, draft: WizardDraft) -> bool:
        self.read(draft)
        return True

    def on_radio_set_changed(self) -> None:
        self.changed()
