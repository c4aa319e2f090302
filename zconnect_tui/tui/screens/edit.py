"""Edit a connection: scopes, port, access type, a new Client Secret, or the organisation (one the stored token
reaches); says what needs a new consent."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, OptionList, RadioButton, RadioSet, SelectionList, Static
from textual.widgets.selection_list import Selection

from zconnect_tui.errors import ZconnectError
from zconnect_tui.manager import EditResult
from zconnect_tui.model import AccessType, Connection, redirect_uri_for, validate_port, validate_secret
from zconnect_tui.products import PRODUCTS, product_of
from zconnect_tui.services import parse_scopes
from zconnect_tui.text import clean
from zconnect_tui.tui.org_picker import OrgPicker
from zconnect_tui.tui.screens.dialog import Dialog
from zconnect_tui.tui.widgets import FieldError, as_error
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager
    from zconnect_tui.verify import Organization


class EditScreen(Dialog[EditResult | None]):
    """Dismisses with what changed (the dashboard then leads to authorization when it is needed)."""

    DEFAULT_CSS = """
    EditScreen #edit-note {
        margin: 1 0 0 0;
        color: $text-warning;
    }
    """

    BINDINGS = [
        Binding("escape", "close", "Cancel", id="edit.close", tooltip="Cancel a running save, else close unsaved"),
        Binding("ctrl+s", "save", "Save", id="edit.save", tooltip="Save the changes"),
    ]

    def __init__(self, manager: Manager, conn: Connection) -> None:
        super().__init__()
        self.manager, self.conn = manager, conn
        service = PRODUCTS.get(conn.service)
        self.catalogue = list(service.scopes) if service else []
        self.saving = False
        context = product_of(conn.service).context
        # A product whose calls name an organisation, and a token to ask which ones it reaches.
        self.org_noun = context.noun if context is not None and conn.token.access_token else ""

    def compose(self) -> ComposeResult:
        conn = self.conn
        extra = [s for s in conn.scopes if s not in self.catalogue]
        offline = conn.access_type == AccessType.OFFLINE
        with Vertical(classes="dialog wide tall"):
            yield Static(f"Edit {conn.name}", classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield Static("Scopes (space toggles)", classes="field-label")
                yield SelectionList[str](*(Selection(s, s, s in conn.scopes) for s in self.catalogue), id="scopes")
                yield Input(", ".join(extra), placeholder="More scopes, comma separated", id="extra-scopes")
                yield FieldError(id="scopes-error")
                yield Static("Access type", classes="field-label")
                yield RadioSet(RadioButton("offline: access + refresh token", value=offline, id="access-offline"),
                               RadioButton("online: access token only (1 hour)", value=not offline,
                                           id="access-online"), id="access-type")
                yield Static("Loopback port of the redirect URI", classes="field-label", id="port-label")
                yield Input(str(conn.port or ""), id="port", type="integer", max_length=5)
                yield FieldError(id="port-error")
                yield Static("New Client Secret (leave empty to keep the stored one)", classes="field-label")
                with Horizontal(classes="secret-row"):
                    # class "secret": the app's screenshot key masks it even while revealed.
                    yield Input(placeholder="paste the regenerated Client Secret", password=True, id="secret",
                                classes="secret")
                    yield Checkbox("Reveal", id="reveal")
                yield FieldError(id="secret-error")
                if self.org_noun:
                    yield Static(self.org_noun.capitalize(), classes="field-label")
                    yield OrgPicker(self.manager, conn, id="org-picker")
            # Under the form, not at its end: what Save will mean (and why it failed) stays in view at
            # 60×20, where the form scrolls.
            yield Static("", id="edit-note", markup=False)
            yield FieldError(id="save-error")
            with Horizontal(classes="buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        for widget in self.query("#port-label, #port"):
            widget.display = self.conn.uses_redirect
        self.query_one("#scopes").focus()
        if self.org_noun:
            self.query_one(OrgPicker).load()  # off the UI thread: the list comes from Zoho
        self._note()

    def _org(self) -> Organization | None:
        """The organisation to store: the picked one when it is not the stored one."""
        found = self.query(OrgPicker)
        org = found.first(OrgPicker).chosen() if found else None
        return org if org is not None and org.id != self.conn.org_id else None

    # ----- reading ------------------------------------------------------------------------------------
    def _scopes(self) -> list[str]:
        chosen = list(self.query_one("#scopes", SelectionList).selected)
        extra = self.query_one("#extra-scopes", Input).value.replace(",", " ").split()
        # In the stored order, new ones after (the list shows the catalogue's order): untouched is unchanged.
        wanted = {*chosen, *extra}
        kept = [scope for scope in self.conn.scopes if scope in wanted]
        return parse_scopes(kept + [scope for scope in chosen + extra if scope not in kept])

    def _access(self) -> AccessType:
        return AccessType.ONLINE if self.query_one("#access-online", RadioButton).value else AccessType.OFFLINE

    def _port(self) -> int | None:
        return None if not self.conn.uses_redirect else validate_port(self.query_one("#port", Input).value)

    def _note(self) -> None:
        """Say, as the user changes things, what Save will mean; a field that Save would refuse says so now."""
        conn, lines = self.conn, []
        values = self._check()
        if values is None:
            # Not "Nothing changed yet" under a port of 80: the field's own error says what is wrong.
            self.query_one("#edit-note", Static).update("Fix the field marked above, then Save.")
            return
        if values["scopes"] != conn.scopes:
            lines.append("New scopes reach the token only through a new consent: after Save you go on to "
                         "authorize it.")
        if self._access() != conn.access_type:
            lines.append(f"A new access type ({self._access()}) also needs a new consent.")
        port = values["port"]
        if isinstance(port, int) and port != conn.port:
            lines.append(f"New redirect URI: register {redirect_uri_for(port)} in the API Console (the current "
                         "tokens keep working).")
        if values["client_secret"] is not None:
            lines.append("The new secret replaces the stored one for refreshes from now on.")
        if (org := self._org()) is not None:
            lines.append(f"Calls will name the {self.org_noun} {clean(org.name or org.id)} ({org.id}).")
        self.query_one("#edit-note", Static).update("\n".join(lines) or "Nothing changed yet.")

    @on(Input.Changed)
    @on(RadioSet.Changed)
    @on(SelectionList.SelectedChanged)
    @on(OptionList.OptionHighlighted, "#org-list")
    def _changed(self) -> None:
        self._note()

    @on(Checkbox.Changed, "#reveal")
    def _reveal(self, event: Checkbox.Changed) -> None:
        self.query_one("#secret", Input).password = not event.value

    # ----- saving -------------------------------------------------------------------------------------
    def _check(self) -> dict[str, object] | None:
        values: dict[str, object] = {}
        ok = True
        for field, read in (("scopes", self._scopes), ("port", self._port)):
            error = self.query_one(f"#{field}-error", FieldError)
            try:
                values[field] = read()
                error.clear()
            except ZconnectError as exc:
                error.show(exc)
                ok = False
        secret = self.query_one("#secret", Input).value
        error = self.query_one("#secret-error", FieldError)
        try:
            values["client_secret"] = validate_secret(secret) if secret.strip() else None
            error.clear()
        except ZconnectError as exc:
            error.show(exc)
            ok = False
        return values if ok else None

    def action_save(self) -> None:
        if self.saving:
            return  # repeated presses are ignored while the save runs
        values = self._check()
        if values is not None:
            self._save(values)
            return
        # The first field Save refused, focused (and so scrolled into view) with its error under it.
        wrong = next(field for field, error in (("#scopes", "#scopes-error"), ("#port", "#port-error"),
                                                ("#secret", "#secret-error"))
                     if self.query_one(error, FieldError).text)
        self.query_one(wrong).focus()
        self.query_one(f"{wrong}-error").scroll_visible(animate=False)

    @work(exclusive=True, group="edit", exit_on_error=False)
    async def _save(self, values: dict[str, object]) -> None:
        manager, name, access, org = self.manager, self.conn.name, self._access(), self._org()
        scopes, port, secret = values["scopes"], values["port"], values["client_secret"]
        assert isinstance(scopes, list) and (port is None or isinstance(port, int))
        assert secret is None or isinstance(secret, str)
        self.saving = True
        self.query_one("#save", Button).disabled = True
        try:
            result = await off_thread(lambda: manager.edit(name, scopes=scopes, port=port, access_type=access,
                                                           client_secret=secret, org=org))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown inline, never a crash
            self.query_one("#save-error", FieldError).show(as_error(exc))
            return
        finally:
            self.saving = False
            self.query_one("#save", Button).disabled = False
        self.dismiss(result)

    def action_close(self) -> None:
        if self.saving:
            self.workers.cancel_group(self, "edit")
            self.query_one("#save-error", FieldError).show(
                "Cancelled. If the save had already reached the file, the change is stored.")
            return
        self.dismiss(None)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_close()
