"""Step 0, Connector: name, service, scopes, data centre, access type, and the connector's URLs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalGroup
from textual.events import Mount
from textual.widget import AwaitMount, Widget
from textual.widgets import Input, Select, Static

from zconnect_tui.datacenters import DEFAULT_DC
from zconnect_tui.errors import UsageError, ZconnectError
from zconnect_tui.model import AccessType, validate_name
from zconnect_tui.products import DEFAULT_PRODUCT, PRODUCTS
from zconnect_tui.services import parse_scopes
from zconnect_tui.text import clean
from zconnect_tui.tui.steps.base import Step, WizardContext, WizardDraft
from zconnect_tui.tui.widgets import Guide
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    # Imported when the rest of the form is mounted, after the first frame.
    from textual.widgets.selection_list import Selection

ACCESS_HELP = (
    "The access type can be online or offline. [b]online[/] gives only an access token, valid for "
    "one hour. [b]offline[/] also gives a refresh token, which zconnect uses to get new access "
    "tokens when the current one expires, so the connection keeps working."
)


class StepSelect(Select[str]):
    """A Select that may be mounted while its screen closes (the lower part of step 0 mounts after the
    first frame, so quitting, or Esc to the dashboard, at once can meet it half-mounted): Select's own
    mount handler then fails, as its children were never composed, so it is skipped then."""

    def on_mount(self, event: Mount) -> None:
        if not (self.is_attached and self.app.is_running and self.query("SelectOverlay")):
            event.prevent_default()


class ConnectorStep(Step):
    """Name the connection and choose what it may do: the guide's connector form."""

    key = "connector"
    title = "Connector"
    guide = ("Name the connector and choose the Zoho service, its scopes, the data centre and the access type; "
             "the scopes go into the connector's Request Token URL.")
    focus_target = "#name"

    def __init__(self, ctx: WizardContext) -> None:
        super().__init__(ctx)
        draft, prefill = ctx.draft, ctx.prefill
        dc = prefill.get("dc", draft.dc)
        self._initial_dc = dc if dc in ctx.dcs else DEFAULT_DC
        service = prefill.get("service", draft.service)
        self._initial_service = service if service in PRODUCTS else DEFAULT_PRODUCT
        self._rest: AwaitMount | None = None
        self.checks = {"name": self._check_name}

    def compose(self) -> ComposeResult:
        # The first frame: the name field (focused). The rest of the form is mounted right after
        # it (`_mount_rest`); until then the readers below answer with the initial values.
        yield Guide("Create the connector: name it, pick the Zoho service and the scopes it needs. "
                    "The scopes go into the Request Token URL.")
        yield Static("Connection name", classes="field-label")
        yield Input(self.ctx.prefill.get("name", self.ctx.draft.name), placeholder="e.g. desk", id="name",
                    tooltip="Letters, digits, - and _; used as `zconnect token NAME`")
        yield self.error_widget("name-error")

    def on_mount(self) -> None:
        after_first_frame = getattr(self.app, "after_first_frame", self.call_after_refresh)
        after_first_frame(self._mount_rest)

    def _mount_rest(self) -> None:
        """Mount the service, scopes, data centre, access type and preview (once; not when closing: the
        wizard is then no longer the app's current screen, and Esc at once may have closed it)."""
        if self._rest is None and self.is_attached and self.app.is_running and self.screen.is_current:
            self._rest = self.mount_all(self._compose_rest())
            self.changed()  # the preview has a place now

    async def ready(self) -> None:
        """Return once the whole form is mounted (mounting it now if the first refresh has not come yet)."""
        self._mount_rest()
        if self._rest is not None:
            await self._rest

    async def settled(self) -> None:
        if self._rest is not None:
            await self._rest

    def _compose_rest(self) -> list[Widget]:
        from textual.widgets import RadioButton, RadioSet, SelectionList

        draft, prefill = self.ctx.draft, self.ctx.prefill
        service = self._initial_service
        rest: list[Widget] = []
        if "service" in prefill and prefill["service"] not in PRODUCTS:
            rest.append(Static(f"Unknown service {clean(prefill['service'], limit=40)!r}; choose one below.",
                               classes="error-text", markup=False))
        chosen = set(draft.scopes) if draft.scopes else None
        extra = [s for s in draft.scopes if s not in PRODUCTS[service].scopes]
        rest += [
            Static("Zoho service", classes="field-label"),
            StepSelect([(s.label, s.key) for s in PRODUCTS.values()], value=service, allow_blank=False, id="service"),
            Static("Scopes (space toggles; defaults verify the connection)", classes="field-label",
                   id="scopes-label"),
            SelectionList[str](*self._scope_options(service, chosen), id="scopes"),
            Input(", ".join(extra), placeholder="More scopes, comma separated",
                  id="extra-scopes"),
            self.error_widget("extra-scopes-error"),
        ]
        more: list[Widget] = []
        if "dc" in prefill and prefill["dc"] not in self.ctx.dcs:
            more.append(Static(f"Unknown data centre {clean(prefill['dc'], limit=40)!r}; choose one below.",
                               classes="error-text", markup=False))
        offline = draft.access_type == AccessType.OFFLINE
        more += [
            Static("Data centre (where the Zoho account lives)", classes="field-label"),
            StepSelect([(self._dc_label(k), k) for k in self.ctx.dcs.keys()], value=self._initial_dc,
                       allow_blank=False, id="dc"),
            Static("Access type", classes="field-label"),
            RadioSet(RadioButton("offline: access + refresh token", value=offline,
                                 id="access-offline"),
                     RadioButton("online: access token only (1 hour)", value=not offline, id="access-online"),
                     id="access-type"),
            Guide(ACCESS_HELP),
            Static("Connector URLs (for a Zoho Developer Console connector)", classes="field-label"),
            Static("", id="preview", markup=False),
        ]
        rest.append(VerticalGroup(*more, id="connector-more"))
        self.checks["extra-scopes"] = lambda _text: self._scopes()
        return rest

    def enter(self, draft: WizardDraft) -> None:
        """Read the file's data centres again (one added while the app runs is offered at once); after the
        first frame, and off the UI thread: it reads the file."""
        getattr(self.app, "after_first_frame", self.call_after_refresh)(self._reread_data_centres)

    @work(exclusive=True, group="data-centres", exit_on_error=False)
    async def _reread_data_centres(self) -> None:
        try:
            dcs = await off_thread(self.ctx.manager.dcs, name="zconnect-data-centres")
        except Exception:  # noqa: BLE001 - the file broke meanwhile: keep the list; the save says what is wrong
            return
        if list(dcs) == list(self.ctx.dcs):
            return
        self.ctx.dcs = dcs
        found = self.query("#dc")
        if found:  # the lower part of the form is mounted (else it is composed from `ctx.dcs`)
            select = found.first(Select)
            chosen = select.value if select.value in dcs else DEFAULT_DC
            select.set_options([(self._dc_label(k), k) for k in dcs.keys()])
            select.value = chosen
        self.changed()

    def _dc_label(self, key: str) -> str:
        dc = self.ctx.dcs.get(key)
        return f"{key}: {dc.label}" if dc.builtin else f"{key} (your config): {dc.accounts}"

    @staticmethod
    def _scope_options(service: str, chosen: set[str] | None = None) -> list[Selection[str]]:
        from textual.widgets.selection_list import Selection

        svc = PRODUCTS[service]
        picked = chosen if chosen is not None else set(svc.defaults)
        return [Selection(scope, scope, scope in picked) for scope in svc.scopes]

    # Handlers by name, not @on(...): the widget classes are imported with the rest of the form.
    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "service" and event.value in PRODUCTS:
            from textual.widgets import SelectionList

            scopes = self.query_one("#scopes", SelectionList)
            scopes.clear_options()
            scopes.add_options(self._scope_options(str(event.value)))
        self.changed()

    def on_radio_set_changed(self) -> None:
        self.changed()

    def on_selection_list_selected_changed(self) -> None:
        if self.field_error("extra-scopes").display:
            self.check_field("extra-scopes")
        self.changed()

    @on(Input.Changed, "#extra-scopes, #name")
    def _changed(self) -> None:
        self.changed()

    # ----- reading (before the rest of the form is mounted: the initial values) ------------------------
    def _selected_scopes(self) -> list[str]:
        found = self.query("#scopes")
        if found:
            from textual.widgets import SelectionList

            return list(found.first(SelectionList).selected)
        draft = self.ctx.draft
        if draft.scopes:
            return list(draft.scopes)
        svc = PRODUCTS[self._initial_service]
        return [scope for scope in svc.scopes if scope in svc.defaults]

    def _extra(self) -> list[str]:
        found = self.query("#extra-scopes")
        text = found.first(Input).value if found else ""
        return [s for s in text.replace(",", " ").split() if s]

    def _scopes(self) -> list[str]:
        return parse_scopes(self._selected_scopes() + self._extra())

    def _select_value(self, selector: str, initial: str) -> str:
        found = self.query(selector)
        value = found.first(Select).value if found else initial
        return value if isinstance(value, str) else initial  # a Select has no value until mounted

    @property
    def service(self) -> str:
        return self._select_value("#service", self._initial_service)

    @property
    def dc(self) -> str:
        return self._select_value("#dc", self._initial_dc)

    @property
    def access_type(self) -> AccessType:
        found = self.query("#access-online")
        if not found:
            return self.ctx.draft.access_type
        from textual.widgets import RadioButton

        return AccessType.ONLINE if found.first(RadioButton).value else AccessType.OFFLINE

    @property
    def name_value(self) -> str:
        return self.query_one("#name", Input).value.strip()

    def _check_name(self, text: str) -> str:
        name = validate_name(text.strip())
        saved = self.ctx.draft.saved
        if name in self.ctx.existing and (saved is None or saved.name != name):
            raise UsageError(f"A connection named {name!r} exists already.",
                             "Choose another name, or remove that connection in the dashboard.")
        return name

    # ----- the step interface ---------------------------------------------------------------------------
    def read(self, draft: WizardDraft) -> None:
        draft.name = self.name_value
        draft.service, draft.dc, draft.access_type = self.service, self.dc, self.access_type
        try:
            draft.scopes = self._scopes()
        except ZconnectError:
            draft.scopes = self._selected_scopes()

    def preview(self, draft: WizardDraft) -> None:
        previews = list(self.query("#preview").results(Static))
        if not previews:
            return  # mounted with the rest of step 0, after the first frame; it asks again then
        from zconnect_tui.connector import URL_KEYS, connector_fields, render_fields

        conn = draft.connection()
        conn.name = conn.name or "NAME"
        # The same fields and words as `zconnect export --format connector` (and the export screen).
        fields = [f for f in connector_fields(conn, self.ctx.dcs) if f.key in URL_KEYS]
        previews[0].update(render_fields(fields))

    def validate(self, draft: WizardDraft) -> bool:
        fields = ["name", "extra-scopes"] if self.query("#extra-scopes") else ["name"]
        if not self.check_fields(fields):
            return False
        self.read(draft)
        return True
