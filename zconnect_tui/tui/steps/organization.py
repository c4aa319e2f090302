"""Step 7, Organization: what the token reaches (the product's organisations or portals, or the
signed-in user), worded with the product's noun ("portal" for Projects)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from zconnect_tui.errors import ZconnectError
from zconnect_tui.products import product_of
from zconnect_tui.text import clean
from zconnect_tui.tui.steps.base import Commit, Step, WizardDraft
from zconnect_tui.tui.widgets import Guide, as_error
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.verify import Organization, Verification


class OrganizationStep(Step):
    """Run the verification call, list the organisations, let the user choose one."""

    DEFAULT_CSS = """
    OrganizationStep #orgs {
        height: auto;
        max-height: 10;
        margin: 1 0 0 0;
    }
    OrganizationStep #org-status {
        margin: 1 0 0 0;
    }
    """

    key = "organization"
    title = "Organization"
    guide = "Choose the organization to connect with the registered application (zconnect asks Zoho which ones "\
            "the token reaches)."
    focus_target = "#orgs"

    @property
    def noun(self) -> str:
        """"organization", or the product's own word for what a call names ("portal")."""
        context = product_of(self.ctx.draft.service).context
        return context.noun if context else "organization"

    def _guide_text(self) -> str:
        return (f"[b]7. Choose the {self.noun}[/] to connect with the registered application. "
                f"zconnect asked Zoho which {self.noun}s this token reaches.")

    def compose(self) -> ComposeResult:
        yield Guide(self._guide_text(), id="org-guide")
        yield Static("", id="org-status", markup=False)
        yield OptionList(id="orgs")
        yield self.error_widget("org-error")
        with Horizontal(classes="buttons"):
            yield Button("Check again", id="org-retry", compact=True)

    @property
    def verifying(self) -> bool:
        return any(w.group == "verify" and w.is_running for w in self.workers)

    @property
    def result(self) -> Verification | None:
        return self.ctx.draft.verification

    def enter(self, draft: WizardDraft) -> None:
        self.query_one("#org-guide", Guide).update(self._guide_text())  # step 0's service may have changed
        if draft.authorized is not None and draft.verification is None and not self.verifying:
            self.load()

    def load(self) -> None:
        """Verify the authorized connection in a worker (Esc cancels it)."""
        conn = self.ctx.draft.authorized
        if conn is None:
            return
        self.query_one("#org-status", Static).update("Checking what the token reaches… (Esc cancels)")
        self.field_error("org").clear()
        self.query_one("#orgs", OptionList).display = False
        self.query_one("#org-retry", Button).display = False
        self._verify(conn.name)
        self.changed()

    @work(exclusive=True, group="verify", exit_on_error=False)
    async def _verify(self, name: str) -> None:
        manager = self.ctx.manager
        try:
            # The account check: which Zoho account consented (shown at step 8).
            # A connection with an organisation stored (authorized again): what the token reaches, the
            # stored one marked, so that a choice replaces it, never Zoho's default (#20).
            stored = self.ctx.draft.authorized is not None and bool(self.ctx.draft.authorized.org_id)
            result = await off_thread(lambda: manager.organizations(name, identify_user=True) if stored
                                      else manager.verify(name, identify_user=True))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown inline, never a crash
            self._show_error(as_error(exc))
        else:
            self._show(result)
        finally:
            self.call_later(self.changed)  # after the worker has ended: `verifying` is False then

    @property
    def busy(self) -> bool:
        return self.verifying

    def cancel(self) -> None:
        self.workers.cancel_group(self, "verify")
        self.query_one("#org-status", Static).update(
            "Cancelled. The connection is authorized; Check again asks Zoho once more, Next goes on without it.")
        self.query_one("#org-retry", Button).display = True
        self.query_one("#org-retry", Button).focus()

    @property
    def can_advance(self) -> bool:
        return not self.verifying

    @property
    def nav_hint(self) -> str:
        return "Esc cancels the check" if self.verifying else ""

    def _show_error(self, error: ZconnectError) -> None:
        self.query_one("#org-status", Static).update("The connection is authorized, but the verification call failed:")
        self.field_error("org").show(error)
        self.query_one("#org-retry", Button).display = True

    def _show(self, result: Verification) -> None:
        from zconnect_tui.verify import default_org

        self.ctx.draft.verification = result
        status = self.query_one("#org-status", Static)
        orgs = self.query_one("#orgs", OptionList)
        if not result.organizations:
            status.update(f"✔ {clean(result.summary)}. This service has no {self.noun}s to choose: Next goes on.")
            return
        choose = ("Choose one (↑/↓), then Next:" if len(result.organizations) > 1
                  else "The only one: Next connects it.")  # nothing to choose, no ↑/↓ to press
        if result.org_missed is not None:
            from zconnect_tui.verify import org_label

            choose = f"The token no longer reaches {org_label(result.org_missed)}. {choose}"
        status.update(f"✔ {clean(result.summary)}. {choose}")
        orgs.clear_options()
        orgs.add_options([Option(self._label(o), id=o.id) for o in result.organizations])
        default = result.org_checked or default_org(result.organizations)
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
        if not self.verifying:
            self.load()

    def chosen(self) -> Organization | None:
        """The highlighted organisation (None when the service has none)."""
        result = self.result
        if result is None or not result.organizations:
            return None
        index = self.query_one("#orgs", OptionList).highlighted
        return result.organizations[index or 0]

    def commit(self, draft: WizardDraft) -> Commit | None:
        """Store the choice (org and user) on the connection, off the UI thread."""
        conn, result = draft.authorized, draft.verification
        if conn is None or result is None:
            return None
        org, user, manager = self.chosen(), result.user, self.ctx.manager
        return lambda: manager.set_organization(conn.name, org, user)

    def committed(self, draft: WizardDraft, result: object) -> None:
        from zconnect_tui.model import Connection

        if isinstance(result, Connection):
            draft.authorized = result

    def commit_failed(self, error: ZconnectError) -> None:
        self.field_error("org").show(error)
