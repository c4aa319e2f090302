"""What every wizard step is: the `Step` base class and the typed `WizardDraft` they fill in.

A step is one class: its key, title, the guide's sentence for it, the widget to focus, and how it
enters (`enter`), checks (`validate`) and, when it must, commits (`commit`, a blocking core call the
wizard runs off the UI thread before going on). `STEPS` in `steps/__init__.py` lists the classes in
order; adding a step is one class and one entry there. Rules only a step needs go in its class's
`DEFAULT_CSS` (Textual parses them when the step first shows, not for the wizard's first frame).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar

from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from zconnect_tui.datacenters import DEFAULT_DC, DataCenters
from zconnect_tui.errors import ZconnectError
from zconnect_tui.model import DEFAULT_PORT, AccessType, ClientType, Connection, redirect_uri_for
from zconnect_tui.products import DEFAULT_PRODUCT
from zconnect_tui.tui.widgets import FieldError

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager
    from zconnect_tui.verify import Verification


@dataclass
class WizardDraft:
    """Everything the wizard has collected; steps read from and write into it (attributes down)."""

    name: str = ""
    service: str = DEFAULT_PRODUCT
    scopes: list[str] = field(default_factory=list)
    dc: str = DEFAULT_DC
    access_type: AccessType = AccessType.OFFLINE
    client_type: ClientType = ClientType.SERVER
    port: int = DEFAULT_PORT
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    client_secrets: dict[str, str] = field(default_factory=dict, repr=False)
    """Multi-DC: data centres' own secrets given at step 6 (stored at once; kept by a later re-Save)."""
    saved: Connection | None = field(default=None, compare=False)
    """The connection as this wizard run saved it (step 5); None before."""
    authorized: Connection | None = field(default=None, compare=False)
    """The connection once Zoho accepted (step 6), with its organisation after step 7."""
    verification: Verification | None = field(default=None, compare=False)
    proposed_port: int | None = field(default=None, compare=False)
    """The free port step 3 proposed (None until step 3 shows): a port typed instead is a changed URI."""
    registered_uri: str = field(default="", compare=False)
    """A changed redirect URI the user said, at step 6, is registered in the API Console."""
    refused: str = field(default="", compare=False)
    """Zoho's refusal of the client's credentials at step 6 (invalid_client): step 5 marks the secret."""

    @property
    def self_client(self) -> bool:
        return self.client_type == ClientType.SELF

    @property
    def uses_redirect(self) -> bool:
        """Only a Server-based client has a loopback redirect URI (step 3)."""
        return self.client_type == ClientType.SERVER

    def connection(self) -> Connection:
        """The connection these answers define (no tokens)."""
        return Connection(
            name=self.name, service=self.service, dc=self.dc, client_id=self.client_id, scopes=list(self.scopes),
            client_secret=self.client_secret, access_type=self.access_type,
            redirect_uri=redirect_uri_for(self.port) if self.client_type == ClientType.SERVER else "",
            client_type=self.client_type, client_secrets=dict(self.client_secrets))

    def scratch(self) -> WizardDraft:
        """A copy steps may `read` into without touching this draft."""
        return replace(self, scopes=list(self.scopes), client_secrets=dict(self.client_secrets))

    @property
    def unsaved(self) -> bool:
        """True when what was typed differs from what this run saved (or nothing was saved)."""
        return self.saved is None or definition(self.saved) != definition(self.connection())

    @classmethod
    def from_connection(cls, conn: Connection) -> WizardDraft:
        """A draft for a connection saved earlier (the dashboard's "resume setup")."""
        return cls(name=conn.name, service=conn.service, scopes=list(conn.scopes), dc=conn.dc,
                   access_type=conn.access_type, client_type=conn.client_type,
                   port=conn.port or DEFAULT_PORT, client_id=conn.client_id, client_secret=conn.client_secret,
                   client_secrets=dict(conn.client_secrets), saved=conn)


def definition(conn: Connection) -> tuple[object, ...]:
    """The fields a user types: when these are unchanged, a re-Save is not needed."""
    return (conn.name, conn.service, conn.dc, conn.client_id, tuple(conn.scopes), conn.client_secret,
            conn.access_type, conn.redirect_uri, conn.client_type)


class WizardContext:
    """What steps share: the draft they fill in, the Manager, the data centres (a plain class, not a
    NamedTuple: step 0 re-reads the file's data centres for every step, `dcs`)."""

    __slots__ = ("dcs", "draft", "existing", "manager", "prefill", "step_label")

    def __init__(self, manager: Manager, dcs: DataCenters, draft: WizardDraft, prefill: dict[str, str],
                 existing: set[str], step_label: Callable[[str], str]) -> None:
        self.manager = manager
        self.dcs = dcs
        """The built-in and the file's data centres, as last read (step 0 reads them again when shown)."""
        self.draft = draft
        """The answers so far; a step composes its fields from it (Back and Next keep what was typed)."""
        self.prefill = prefill
        self.existing = existing
        """Connection names in the file when the wizard opened (the save re-checks under the lock)."""
        self.step_label = step_label
        """A step key → "step 3 (Redirect URL)", for text that sends the user to another step."""


Commit = Callable[[], object]
"""A blocking core call (a save, a lock, a call to Zoho) the wizard runs off the UI thread."""


class Step(VerticalScroll):
    """One step of the wizard (a scrollable body, so every step reaches its end on a small terminal)."""

    key: ClassVar[str] = ""
    """Stable identifier; tests, the sidebar and remedies address steps by it."""
    title: ClassVar[str] = ""
    guide: ClassVar[str] = ""
    """One sentence: what this step of Zoho's guide asks (the help screen lists them)."""
    focus_target: ClassVar[str | None] = None
    """Selector of the widget to focus when the step is shown (None: the Next button)."""
    next_label: ClassVar[str] = "Next →"
    stands_for: ClassVar[str | None] = None
    """In a branch, the key of the step this one takes the place of (the Non-browser branch's own step 6
    stands for "authorize"): text and "resume at" that name that key reach this step instead."""

    class Changed(Message):
        """Something the navigation shows (can_advance, busy, the hint) changed."""

    class Advance(Message):
        """The step finished by itself (e.g. Zoho accepted): go on as if Next was pressed."""

        def __init__(self, step: Step) -> None:
            super().__init__()
            self.step = step

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(id=f"step-{self.key}", classes="step")
        self.ctx = ctx
        self.checks: dict[str, Callable[[str], object]] = {}
        """Field id → check (raises ZconnectError); re-run as the user types once its error shows."""

    @classmethod
    def applies(cls, draft: WizardDraft) -> bool:
        """Whether this step is part of the flow for these answers (a branch); most always are."""
        return True

    # ----- the wizard calls these ----------------------------------------------------------------
    async def ready(self) -> None:
        """Return once every field is mounted (a step may mount part of itself after the first frame)."""

    async def settled(self) -> None:
        """Return once a mount already under way has finished (the screen must not close halfway through
        one: Textual would meet widgets whose children were never composed)."""

    def enter(self, draft: WizardDraft) -> None:
        """The step is shown: attributes down from the draft."""

    def leave(self, draft: WizardDraft) -> None:
        """The step is left (either way): stop what it runs, hide what must not stay on screen."""

    def read(self, draft: WizardDraft) -> None:
        """Copy what is typed into `draft`, unchecked (for "unsaved input?" and live previews)."""

    def preview(self, draft: WizardDraft) -> None:
        """Show what depends on other steps' answers (called whenever any of them changes)."""

    def validate(self, draft: WizardDraft) -> bool:
        """Check the fields, show what is wrong next to each, focus the first; write into `draft`."""
        return True

    def commit(self, draft: WizardDraft) -> Commit | None:
        """A blocking call to run before going on (None: nothing to do)."""
        return None

    def committed(self, draft: WizardDraft, result: object) -> None:
        """The commit succeeded (on the UI thread)."""

    def commit_failed(self, error: ZconnectError) -> None:
        """The commit failed: show it on the step."""
        self.notify(error.message, severity="error", markup=False)

    @property
    def can_advance(self) -> bool:
        """Whether Next may be pressed now."""
        return True

    @property
    def busy(self) -> bool:
        """A network action of this step is running (Esc cancels it instead of going back)."""
        return False

    def cancel(self) -> None:
        """Cancel the running network action."""

    def enter_is_next(self, widget: Widget) -> bool:
        """Whether Enter in `widget` (focused, in this step) means Next: in a plain field, yes."""
        return isinstance(widget, Input)

    @property
    def nav_hint(self) -> str:
        """A short line beside Back/Next: what unlocks Next, or what Next does."""
        return ""

    # ----- helpers for steps -----------------------------------------------------------------------
    def changed(self) -> None:
        self.post_message(self.Changed())

    def error_widget(self, id: str) -> FieldError:  # noqa: A002 - Textual's own name
        """A FieldError whose remedies name this wizard's steps."""
        return FieldError(id=id, step=self.ctx.step_label)

    def field_error(self, field: str) -> FieldError:
        return self.query_one(f"#{field}-error", FieldError)

    def check_field(self, field: str, *, show: bool = True) -> bool:
        """Run the check of `field` on its value; show or clear its error. True when it passes."""
        error = self.field_error(field)
        try:
            self.checks[field](self.query_one(f"#{field}", Input).value)
        except ZconnectError as exc:
            if show:
                error.show(exc)
            return False
        error.clear()
        return True

    def check_fields(self, fields: list[str]) -> bool:
        """Check each field (all of them, so every error shows); focus the first that fails."""
        failed = [f for f in fields if not self.check_field(f)]
        if failed:
            self.query_one(f"#{failed[0]}", Input).focus()
        return not failed

    def on_input_changed(self, event: Input.Changed) -> None:
        """Re-validate as the user types, once a field shows an error (never before the first Next)."""
        field = event.input.id or ""
        if field in self.checks and self.field_error(field).display:
            self.check_field(field)
