"""Step 7, Organization: what the token reaches (Desk/CRM/Books orgs, or the signed-in user)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from zconnect_tui.errors import ZconnectError
from zconnect_tui.manager import Manager
from zconnect_tui.text import clean
from zconnect_tui.tui.widgets import FieldError, Guide, as_error
from zconnect_tui.verify import Organization, Verification, default_org


class OrganizationStep(VerticalScroll):
    """Run the verification call, list the organisations, let the user choose one."""

    class Verified(Message):
        """The verification call for `name` ended (the wizard updates its Next button)."""

        def __init__(self, name: str, result: Verification | None, error: ZconnectError | None) -> None:
            super().__init__()
            self.name, self.result, self.error = name, result, error

    def __init__(self, manager: Manager, *, id: str) -> None:  # noqa: A002
        super().__init__(id=id, classes="step")
        self.manager = manager
        self.name_: str | None = None
        self.result: Verification | None = None
        self.error: ZconnectError | None = None

    def compose(self) -> ComposeResult:
        yield Guide("[b]7. Choose the organization[/] to connect with the registered application. "
                    "zconnect asked Zoho which organizations this token reaches.")
        yield Static("", id="org-status", markup=False)
        yield OptionList(id="orgs")
        yield FieldError(id="org-error")
        with Horizontal(classes="buttons"):
            yield Button("Check again", id="org-retry", compact=True)

    @property
    def busy(self) -> bool:
        return self.name_ is not None and self.result is None and self.error is None

    def load(self, name: str) -> None:
        """Verify `name` in a worker (attributes down: the wizard says which connection)."""
        self.name_, self.result, self.error = name, None, None
        self.query_one("#org-status", Static).update("Checking what the token reaches…")
        self.query_one("#org-error", FieldError).clear()
        self.query_one("#orgs", OptionList).display = False
        self.query_one("#org-retry", Button).display = False
        self._verify(name)

    @work(thread=True, exclusive=True, group="verify", exit_on_error=False)
    def _verify(self, name: str) -> None:
        try:
            result = self.manager.verify(name, identify_user=True)  # the account check: who consented
        except BaseException as exc:  # noqa: BLE001 - shown inline, never a crash
            self.post_message(self.Verified(name, None, as_error(exc)))
            return
        self.post_message(self.Verified(name, result, None))

    @on(Verified)
    def _verified(self, message: Verified) -> None:
        if message.name != self.name_:
            return
        status = self.query_one("#org-status", Static)
        if message.error is not None or message.result is None:
            self.error = message.error
            status.update("The connection is authorized, but the verification call failed:")
            self.query_one("#org-error", FieldError).show(message.error or "No result.")
            self.query_one("#org-retry", Button).display = True
            return
        self.result = result = message.result
        orgs = self.query_one("#orgs", OptionList)
        if not result.organizations:
            status.update(f"✔ {result.summary}. This service has no organizations to choose: Next goes on.")
            return
        status.update(f"✔ {result.summary}. Choose one (↑/↓), then Next:")
        orgs.clear_options()
        orgs.add_options([Option(self._label(o), id=o.id) for o in result.organizations])
        default = default_org(result.organizations)
        orgs.highlighted = result.organizations.index(default) if default else 0
        orgs.display = True
        orgs.focus()

    @staticmethod
    def _label(org: Organization) -> Content:
        # Content, not str: an OptionList reads str prompts as markup, and the names come from Zoho.
        mark = " (default)" if org.is_default else ""
        return Content(clean(f"{org.name}{mark} · {org.id}"))

    @on(Button.Pressed, "#org-retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        if self.name_:
            self.load(self.name_)

    def chosen(self) -> Organization | None:
        """The highlighted organisation (None when the service has none)."""
        if self.result is None or not self.result.organizations:
            return None
        index = self.query_one("#orgs", OptionList).highlighted
        return self.result.organizations[index or 0]

    def save(self) -> ZconnectError | None:
        """Store the choice (org and user) on the connection; an error to show, or None."""
        if self.name_ is None or self.result is None:
            return None
        try:
            self.manager.set_organization(self.name_, self.chosen(), self.result.user)
        except Exception as exc:  # noqa: BLE001 - shown inline, never a crash
            error = as_error(exc)
            self.query_one("#org-error", FieldError).show(error)
            return error
        return None
