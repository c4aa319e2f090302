"""Step 0, Connector: name, service, scopes, data centre, access type, and the connector's URLs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalGroup, VerticalScroll
from textual.events import Mount
from textual.message import Message
from textual.widget import AwaitMount, Widget
from textual.widgets import Input, Label, Select, Static

from zconnect_tui.datacenters import DEFAULT_DC, DataCenters
from zconnect_tui.errors import ZconnectError
from zconnect_tui.model import validate_name
from zconnect_tui.services import SERVICES, parse_scopes
from zconnect_tui.tui.widgets import FieldError, Guide

if TYPE_CHECKING:
    # Imported when the rest of the form is mounted, after the first frame.
    from textual.widgets.selection_list import Selection

ACCESS_HELP = (
    "The access type can be online or offline. [b]online[/] gives only an access token, valid for "
    "one hour. [b]offline[/] also gives a refresh token, which zconnect uses to get new access "
    "tokens when the current one expires, so the connection keeps working."
)


class StepSelect(Select[str]):
    """A Select that may be mounted while the app exits (the lower part of step 0 mounts after the
    first frame, so quitting at once can meet it half-mounted): Select's own mount handler then
    fails, as its children were never composed, so it is skipped when the app is going away."""

    def on_mount(self, event: Mount) -> None:
        if not (self.is_attached and self.app.is_running):
            event.prevent_default()


@dataclass
class ConnectorValues:
    """What step 0 collected (validated)."""

    name: str
    service: str
    scopes: list[str]
    dc: str
    access_type: str


class ConnectorStep(VerticalScroll):
    """Name the connection and choose what it may do: the guide's connector form."""

    class Changed(Message):
        """Something that shows in the URL preview changed."""

    def __init__(self, dcs: DataCenters, prefill: dict[str, str], *, id: str) -> None:  # noqa: A002
        super().__init__(id=id, classes="step")
        self.dcs = dcs
        self.prefill = prefill
        dc = prefill.get("dc", DEFAULT_DC)
        self._initial_dc = dc if dc in dcs else DEFAULT_DC
        service = prefill.get("service", "desk")
        self._initial_service = service if service in SERVICES else "desk"
        self._rest: AwaitMount | None = None

    def compose(self) -> ComposeResult:
        # The first frame: the name field (focused). The rest of the form is mounted right after
        # it (`_mount_rest`); until then the readers below answer with the initial values.
        yield Guide("Create the connector: name it, pick the Zoho service and the scopes it needs. "
                    "The scopes go into the Request Token URL.")
        yield Label("Connection name", classes="field-label")
        yield Input(self.prefill.get("name", ""), placeholder="e.g. desk", id="name",
                    tooltip="Letters, digits, - and _; used as `zconnect token NAME`")
        yield FieldError(id="name-error")

    def on_mount(self) -> None:
        after_first_frame = getattr(self.app, "after_first_frame", self.call_after_refresh)
        after_first_frame(self._mount_rest)

    def _mount_rest(self) -> None:
        """Mount the service, scopes, data centre, access type and preview (once; not when closing)."""
        if self._rest is None and self.is_attached and self.app.is_running:  # not when the app is closing
            self._rest = self.mount_all(self._compose_rest())
            self.post_message(self.Changed())  # the preview has a place now

    async def ready(self) -> None:
        """Return once the whole form is mounted (mounting it now if the first refresh has not come yet)."""
        self._mount_rest()
        if self._rest is not None:
            await self._rest

    def _compose_rest(self) -> list[Widget]:
        from textual.widgets import RadioButton, RadioSet, SelectionList

        service = self._initial_service
        rest: list[Widget] = []
        if "service" in self.prefill and self.prefill["service"] not in SERVICES:
            rest.append(Static(f"Unknown service {self.prefill['service']!r}; choose one below.",
                               classes="error-text"))
        rest += [
            Label("Zoho service", classes="field-label"),
            StepSelect([(s.label, s.key) for s in SERVICES.values()], value=service, allow_blank=False,
                       id="service"),
            Label("Scopes (space toggles; the defaults are enough to verify the connection)",
                  classes="field-label"),
            SelectionList[str](*self._scope_options(service), id="scopes"),
            Input(placeholder="More scopes, comma separated (e.g. Desk.tickets.UPDATE)", id="extra-scopes"),
            FieldError(id="scopes-error"),
        ]
        more: list[Widget] = []
        if "dc" in self.prefill and self.prefill["dc"] not in self.dcs:
            more.append(Static(f"Unknown data centre {self.prefill['dc']!r}; choose one below.",
                               classes="error-text"))
        more += [
            Label("Data centre (where the Zoho account lives)", classes="field-label"),
            StepSelect([(self._dc_label(k), k) for k in self.dcs.keys()], value=self._initial_dc,
                       allow_blank=False, id="dc"),
            Label("Access type", classes="field-label"),
            RadioSet(RadioButton("offline: access + refresh token (stays connected)", value=True,
                                 id="access-offline"),
                     RadioButton("online: access token only (1 hour)", id="access-online"), id="access-type"),
            Guide(ACCESS_HELP),
            Label("Connector URLs (for a Zoho Developer Console connector)", classes="field-label"),
            Static("", id="preview", markup=False),
        ]
        rest.append(VerticalGroup(*more, id="connector-more"))
        return rest

    def _dc_label(self, key: str) -> str:
        dc = self.dcs.get(key)
        return f"{key}: {dc.label}" if dc.builtin else f"{key} (your config): {dc.accounts}"

    @staticmethod
    def _scope_options(service: str) -> list[Selection[str]]:
        from textual.widgets.selection_list import Selection

        svc = SERVICES[service]
        return [Selection(scope, scope, scope in svc.defaults) for scope in svc.scopes]

    # Handlers by name, not @on(...): the widget classes are imported with the rest of the form.
    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "service" and event.value in SERVICES:
            from textual.widgets import SelectionList

            scopes = self.query_one("#scopes", SelectionList)
            scopes.clear_options()
            scopes.add_options(self._scope_options(str(event.value)))
        self.post_message(self.Changed())

    def on_radio_set_changed(self) -> None:
        self.post_message(self.Changed())

    def on_selection_list_selected_changed(self) -> None:
        self.post_message(self.Changed())

    @on(Input.Changed, "#extra-scopes")
    def _changed(self) -> None:
        self.post_message(self.Changed())

    # ----- reading (before the rest of the form is mounted: the initial values) ------------------------
    def _selected_scopes(self) -> list[str]:
        found = self.query("#scopes")
        if found:
            from textual.widgets import SelectionList

            return list(found.first(SelectionList).selected)
        svc = SERVICES[self._initial_service]
        return [scope for scope in svc.scopes if scope in svc.defaults]

    def raw_scopes(self) -> list[str]:
        """The scopes as far as they parse (for the live preview; never raises)."""
        selected = self._selected_scopes()
        try:
            return parse_scopes(selected + self._extra())
        except ZconnectError:
            return selected

    def _extra(self) -> list[str]:
        found = self.query("#extra-scopes")
        text = found.first(Input).value if found else ""
        return [s for s in text.replace(",", " ").split() if s]

    def _select_value(self, selector: str, initial: str) -> str:
        found = self.query(selector)
        value = found.first().value if found else initial  # type: ignore[attr-defined]
        return value if isinstance(value, str) else initial  # a Select has no value until mounted

    @property
    def service(self) -> str:
        return self._select_value("#service", self._initial_service)

    @property
    def dc(self) -> str:
        return self._select_value("#dc", self._initial_dc)

    @property
    def access_type(self) -> str:
        found = self.query("#access-online")
        return "online" if found and found.first().value else "offline"  # type: ignore[attr-defined]

    @property
    def name_value(self) -> str:
        return self.query_one("#name", Input).value.strip()

    def show_preview(self, text: str) -> None:
        for preview in self.query("#preview").results(Static):
            preview.update(text)

    def validate(self, existing: set[str]) -> ConnectorValues | None:
        """Check every field; show what is wrong next to it; the values when all is well."""
        ok = True
        name_error = self.query_one("#name-error", FieldError)
        try:
            name = validate_name(self.name_value)
            if name in existing:
                raise ZconnectError(f"A connection named {name!r} exists already.",
                                    "Pick another name, or remove that one in the dashboard.")
            name_error.clear()
        except ZconnectError as exc:
            name_error.show(exc)
            name = ""
            ok = False
        scopes_error = self.query_one("#scopes-error", FieldError)
        try:
            scopes = parse_scopes(self._selected_scopes() + self._extra())
            scopes_error.clear()
        except ZconnectError as exc:
            scopes_error.show(exc)
            scopes = []
            ok = False
        if not ok:
            self.focus_first_error()
            return None
        return ConnectorValues(name, self.service, scopes, self.dc, self.access_type)

    def focus_first_error(self) -> None:
        if self.query_one("#name-error", FieldError).display:
            self.query_one("#name", Input).focus()
        else:
            self.query_one("#extra-scopes", Input).focus()
