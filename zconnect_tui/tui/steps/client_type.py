"""Step 2, Client type: which kind of client to create in the API Console (a table of branches)."""

from __future__ import annotations

from typing import NamedTuple

from textual.app import ComposeResult
from textual.content import Content

from zconnect_tui.guide_text import CLIENT_TYPES, MULTI_DC
from zconnect_tui.model import ClientType
from zconnect_tui.tui.steps.base import Step, WizardDraft
from zconnect_tui.tui.widgets import Guide


class ClientChoice(NamedTuple):
    """One client type of the API Console, as step 2 offers it (its words: `guide_text.CLIENT_TYPES`)."""

    kind: ClientType
    label: str
    """The radio button's text."""
    fields: str
    """What the console's Create Now form asks for this type (facts §6.1)."""
    multi_dc: bool
    """Whether Multi-DC applies: every client type but the Self Client (facts §6.1)."""

    @property
    def console_name(self) -> str:
        return CLIENT_TYPES[self.kind][0]

    @property
    def explanation(self) -> str:
        return CLIENT_TYPES[self.kind][1]


CHOICES: tuple[ClientChoice, ...] = (
    ClientChoice(ClientType.SERVER, "Server-based Applications (a browser here)",
                 "a Client Name and a Homepage URL (any page of yours; Zoho only shows it)", multi_dc=True),
    ClientChoice(ClientType.SELF, "Self Client (paste a code)", "nothing more: click OK", multi_dc=False),
    ClientChoice(ClientType.NON_BROWSER, "Non-browser Applications (a code, for SSH)",
                 "a Client Name and a Homepage URL (any page of yours; Zoho only shows it)", multi_dc=True),
)
"""A new branch (another client type) is one entry here plus what its later steps show for it."""


def choice_for(kind: ClientType) -> ClientChoice:
    return next(c for c in CHOICES if c.kind == kind)


class ClientTypeStep(Step):
    """The guide's step 2."""

    key = "client-type"
    title = "Client type"
    guide = ("Choose the client type: Server-based Applications (or a Self Client, or Non-browser Applications "
             "for SSH), then Create Now.")
    focus_target = "#client-kind"

    def compose(self) -> ComposeResult:
        from textual.widgets import RadioButton, RadioSet  # imported on this step's first visit

        yield Guide("", id="client-type-text")
        chosen = self.ctx.draft.client_type
        with RadioSet(id="client-kind"):
            for choice in CHOICES:
                yield RadioButton(choice.label, value=choice.kind == chosen, id=f"type-{choice.kind.value}")
        yield Guide("", id="client-type-explanation", classes="guide muted")
        head, _, rest = MULTI_DC.partition(":")
        yield Guide(Content.assemble((head, "bold"), ":", rest), id="multi-dc", classes="guide muted")

    def on_mount(self) -> None:
        self._explain()

    def _chosen(self) -> ClientChoice:
        from textual.widgets import RadioButton

        for choice in CHOICES:
            if self.query_one(f"#type-{choice.kind.value}", RadioButton).value:
                return choice
        return choice_for(self.ctx.draft.client_type)

    def _explain(self) -> None:
        """The chosen type's words; Multi-DC where it applies (the README has the same words)."""
        choice = self._chosen()
        name = choice.console_name
        self.query_one("#client-type-text", Guide).update(Content.assemble(
            ("2. Choose the client type. ", "bold"), "Choose ", ("Create Now", "bold"), " under ", (name, "bold"),
            f" and enter {choice.fields}."))
        self.query_one("#client-type-explanation", Guide).update(
            Content.assemble((name, "bold"), f": {choice.explanation}"))
        self.query_one("#multi-dc", Guide).display = choice.multi_dc

    def read(self, draft: WizardDraft) -> None:
        draft.client_type = self._chosen().kind

    def validate(self, draft: WizardDraft) -> bool:
        self.read(draft)
        return True

    def on_radio_set_changed(self) -> None:
        self._explain()
        self.changed()
