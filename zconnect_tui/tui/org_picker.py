"""The organisation picker: the organisations (Projects: portals) a token reaches, the current one
highlighted. Edit's organisation field, and the dialog a re-authorization opens when the new token no
longer reaches the stored organisation (#20: the org a user chose is never changed without a choice)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from zconnect_tui.text import clean
from zconnect_tui.tui.screens.dialog import Dialog
from zconnect_tui.tui.widgets import FieldError, as_error
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager
    from zconnect_tui.model import Connection
    from zconnect_tui.verify import Organization, Verification


def org_text(org: Organization) -> Content:
    # Content, not str: an OptionList reads str prompts as markup, and the names come from Zoho.
    mark = " (default)" if org.is_default else ""
    return Content(clean(f"{org.name}{mark} · {org.id}"))


class OrgPicker(Vertical):
    """A status line and the list; `load` asks Zoho in a worker, `show` fills it."""

    DEFAULT_CSS = """
    OrgPicker { height: auto; }
    OrgPicker #org-list { height: auto; max-height: 8; }
    """

    def __init__(self, manager: Manager, conn: Connection, result: Verification | None = None, *,
                 id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.manager, self.conn, self.result = manager, conn, result
        self.orgs: list[Organization] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="org-status", markup=False)
        listing = OptionList(id="org-list")
        listing.display = False  # until there is something to list
        yield listing
        yield FieldError(id="org-error")

    def on_mount(self) -> None:
        # Here, not in the dialog's on_mount: the list exists once this widget has composed (and not when
        # the app is already closing).
        if self.result is not None and self.query("#org-list"):
            self.show(self.result)
            self.query_one("#org-list", OptionList).focus()

    @property
    def loading_orgs(self) -> bool:
        return any(w.group == "orgs" and w.is_running for w in self.workers)

    def load(self) -> None:
        """Ask which organisations the stored token reaches, off the UI thread."""
        self.query_one("#org-status", Static).update("Checking which ones the token reaches…")
        self._load(self.conn.name)

    @work(exclusive=True, group="orgs", exit_on_error=False)
    async def _load(self, name: str) -> None:
        manager = self.manager
        try:
            result = await off_thread(lambda: manager.organizations(name))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown inline, never a crash
            self.query_one("#org-status", Static).update("The stored one is kept: the check failed.")
            self.query_one("#org-error", FieldError).show(as_error(exc))
            return
        self.show(result)

    def show(self, result: Verification) -> None:
        """List what the token reaches, the stored one highlighted (else the first)."""
        from zconnect_tui.verify import org_label

        self.orgs = list(result.organizations)
        status = self.query_one("#org-status", Static)
        listing = self.query_one("#org-list", OptionList)
        missed = result.org_missed
        if not self.orgs:
            status.update(f"The token reaches no {result.noun}; the stored one is kept.")
            return
        lead = (f"The token does not reach {org_label(missed)}: choose one it reaches (↑/↓)." if missed
                else f"The {result.noun} the calls name (↑/↓):")
        status.update(lead)
        listing.clear_options()
        listing.add_options([Option(org_text(o), id=o.id) for o in self.orgs])
        current = next((i for i, o in enumerate(self.orgs) if o.id == self.conn.org_id), 0)
        listing.highlighted = current
        listing.display = True

    def chosen(self) -> Organization | None:
        """The highlighted organisation (None before the list is shown)."""
        index = self.query_one("#org-list", OptionList).highlighted
        return self.orgs[index] if self.orgs and index is not None else None


class OrgPickerModal(Dialog[bool]):
    """After a re-authorization whose token does not reach the stored organisation: choose one it reaches
    (stored at once), or keep the stored one (the calls keep naming it; Zoho refuses them)."""

    BINDINGS = [Binding("escape", "close", "Keep", id="orgs.close", tooltip="Keep the stored one for now")]

    def __init__(self, manager: Manager, conn: Connection, result: Verification) -> None:
        super().__init__()
        self.manager, self.conn, self.result = manager, conn, result

    def compose(self) -> ComposeResult:
        noun = self.result.noun
        with Vertical(classes="dialog wide"):
            yield Static(f"Choose {self.conn.name}'s {noun}", classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield OrgPicker(self.manager, self.conn, self.result, id="org-picker")
            with Horizontal(classes="buttons"):
                yield Button("Use this one", id="org-use", variant="primary")
                yield Button("Keep the stored one (esc)", id="org-keep")

    @on(Button.Pressed, "#org-use")
    @on(OptionList.OptionSelected, "#org-list")
    def _use(self) -> None:
        org = self.query_one(OrgPicker).chosen()
        if org is not None:
            self._store(org)

    @work(exclusive=True, group="org-store", exit_on_error=False)
    async def _store(self, org: Organization) -> None:
        manager, name = self.manager, self.conn.name
        try:
            await off_thread(lambda: manager.set_organization(name, org))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown inline, never a crash
            self.query_one("#org-error", FieldError).show(as_error(exc))
            return
        self.dismiss(True)

    @on(Button.Pressed, "#org-keep")
    def action_close(self) -> None:
        self.dismiss(False)
