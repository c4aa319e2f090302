"""Step 0, Connector: name, service, scopes, data centre, access type, and the connector's URLs."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalGroup, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, RadioButton, RadioSet, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from zconnect_tui.datacenters import DEFAULT_DC, DataCenters
from zconnect_tui.errors import ZconnectError
from zconnect_tui.model import validate_name
from zconnect_tui.services import SERVICES, parse_scopes
from zconnect_tui.tui.widgets import FieldError, Guide

ACCESS_HELP = (
    "The access type can be online or offline. [b]online[/] gives only an access token, valid for "
    "one hour. [b]offline[/] also gives a refresh token, which zconnect uses to get new access "
    "tokens when the current one expires, so the connection keeps working."
)


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

    def compose(self) -> ComposeResult:
        service = self.prefill.get("service", "desk")
        service = service if service in SERVICES else "desk"
        dc = self._initial_dc
        yield Guide("Create the connector: name it, pick the Zoho service and the scopes it needs. "
                    "The scopes go into the Request Token URL.")
        yield Label("Connection name", classes="field-label")
        yield Input(self.prefill.get("name", ""), placeholder="e.g. desk", id="name",
                    tooltip="Letters, digits, - and _; used as `zconnect token NAME`")
        yield FieldError(id="name-error")
        if "service" in self.prefill and self.prefill["service"] not in SERVICES:
            yield Static(f"Unknown service {self.prefill['service']!r}; choose one below.", classes="error-text")
        yield Label("Zoho service", classes="field-label")
        yield Select([(s.label, s.key) for s in SERVICES.values()], value=service, allow_blank=False,
                     id="service")
        yield Label("Scopes (space toggles; the defaults are enough to verify the connection)",
                    classes="field-label")
        yield SelectionList[str](*self._scope_options(service), id="scopes")
        yield Input(placeholder="More scopes, comma separated (e.g. Desk.tickets.UPDATE)", id="extra-scopes")
        yield FieldError(id="scopes-error")
        with VerticalGroup(id="connector-more"):
            if "dc" in self.prefill and self.prefill["dc"] not in self.dcs:
                yield Static(f"Unknown data centre {self.prefill['dc']!r}; choose one below.",
                             classes="error-text")
            yield Label("Data centre (where the Zoho account lives)", classes="field-label")
            yield Select([(self._dc_label(k), k) for k in self.dcs.keys()], value=dc, allow_blank=False, id="dc")
            yield Label("Access type", classes="field-label")
            with RadioSet(id="access-type"):
                yield RadioButton("offline: access + refresh token (stays connected)", value=True,
                                  id="access-offline")
                yield RadioButton("online: access token only (1 hour)", id="access-online")
            yield Guide(ACCESS_HELP)
            yield Label("Connector URLs (for a Zoho Developer Console connector)", classes="field-label")
            yield Static("", id="preview", markup=False)

    def _dc_label(self, key: str) -> str:
        dc = self.dcs.get(key)
        return f"{key}: {dc.label}" if dc.builtin else f"{key} (your config): {dc.accounts}"

    @staticmethod
    def _scope_options(service: str) -> list[Selection[str]]:
        svc = SERVICES[service]
        return [Selection(scope, scope, scope in svc.defaults) for scope in svc.scopes]

    @on(Select.Changed, "#service")
    def _service_changed(self, event: Select.Changed) -> None:
        if event.value in SERVICES:
            scopes = self.query_one("#scopes", SelectionList)
            scopes.clear_options()
            scopes.add_options(self._scope_options(str(event.value)))
        self.post_message(self.Changed())

    @on(Select.Changed, "#dc")
    @on(RadioSet.Changed)
    @on(SelectionList.SelectedChanged)
    @on(Input.Changed, "#extra-scopes")
    def _changed(self) -> None:
        self.post_message(self.Changed())

    # ----- reading ---------------------------------------------------------------------------
    def raw_scopes(self) -> list[str]:
        """The scopes as far as they parse (for the live preview; never raises)."""
        selected = list(self.query_one("#scopes", SelectionList).selected)
        try:
            return parse_scopes(selected + self._extra())
        except ZconnectError:
            return selected

    def _extra(self) -> list[str]:
        text = self.query_one("#extra-scopes", Input).value
        return [s for s in text.replace(",", " ").split() if s]

    @property
    def service(self) -> str:
        return str(self.query_one("#service", Select).value)

    @property
    def dc(self) -> str:
        found = self.query("#dc")
        return str(found.first(Select).value) if found else self._initial_dc

    @property
    def access_type(self) -> str:
        found = self.query("#access-online")
        return "online" if found and found.first(RadioButton).value else "offline"

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
            scopes = parse_scopes(list(self.query_one("#scopes", SelectionList).selected) + self._extra())
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
