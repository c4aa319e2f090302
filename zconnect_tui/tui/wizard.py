"""The wizard: one screen, a ContentSwitcher with a body per step of Zoho's registration guide.

A reactive step index drives everything: the visible body, the progress sidebar and the
Back/Next buttons. Step bodies keep their widgets mounted, so Back and Next keep what was typed.
The screen dismisses with the connection's name when finished (None when closed early).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, ContentSwitcher, Footer, Input, Static

from zconnect_tui.errors import UsageError, ZconnectError
from zconnect_tui.model import Connection, redirect_uri_for
from zconnect_tui.store import Store
from zconnect_tui.tui.steps.connector import ConnectorStep, ConnectorValues
from zconnect_tui.tui.widgets import FieldError, as_error

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager
    from zconnect_tui.tui.steps.authorize import AuthorizePanel
    from zconnect_tui.tui.steps.credentials import CredentialsStep
    from zconnect_tui.tui.steps.organization import OrganizationStep
    from zconnect_tui.tui.steps.redirect import RedirectStep

STEPS: tuple[tuple[str, str], ...] = (
    ("connector", "Connector"),
    ("console", "API Console"),
    ("client-type", "Client type"),
    ("redirect", "Redirect URL"),
    ("secret-tab", "Client Secret tab"),
    ("credentials", "Client credentials"),
    ("authorize", "Authorize"),
    ("organization", "Organization"),
    ("accepted", "Accepted"),
)
"""Step 0 is the connector form; 1-8 are the numbered steps of Zoho's guide."""
CONNECTOR, CONSOLE, CLIENT_TYPE, REDIRECT, SECRET_TAB, CREDENTIALS, AUTHORIZE, ORGANIZATION, ACCEPTED = range(9)
FOCUS = {CONNECTOR: "#name", CONSOLE: "#open-console", CLIENT_TYPE: "#client-kind", REDIRECT: "#port",
         CREDENTIALS: "#client-id", ORGANIZATION: "#orgs", ACCEPTED: "#next"}
PORT_HINT = "Go Back to step 3 (Redirect URL), choose another port, and register that URI in the API Console."


class StepList(Static):
    """The sidebar: the guide's steps, where the user is, and what is done."""

    def show(self, current: int) -> None:
        lines = [Content.styled("Zoho's guide", "bold"), Content("")]
        for index, (_key, title) in enumerate(STEPS):
            if index < current:
                lines.append(Content.assemble(("✔ ", "$success"), f"{index} {title}"))
            elif index == current:
                lines.append(Content.styled(f"▶ {index} {title}", "bold $accent"))
            else:
                lines.append(Content.styled(f"  {index} {title}", "dim"))
        lines += [Content(""), Content(f"Step {current} of {len(STEPS) - 1}")]
        self.update(Content("\n").join(lines))


class WizardScreen(Screen[str | None]):
    """Create a connection the way Zoho's guide registers a client, step by step."""

    BINDINGS = [
        Binding("ctrl+n", "next", "Next", id="wizard.next", tooltip="Check this step and go to the next"),
        Binding("escape", "back", "Back", id="wizard.back", tooltip="Previous step; what you typed is kept"),
        # ctrl+o, not ctrl+w: a focused Input uses ctrl+w (delete word) and would hide the binding.
        Binding("ctrl+o", "close", "Dashboard", id="wizard.close",
                tooltip="Leave the wizard for the dashboard (a saved connection stays)"),
    ]

    step: reactive[int] = reactive(CONNECTOR, init=False)

    def __init__(self, store: Store, prefill: dict[str, str] | None = None) -> None:
        super().__init__()
        self.store = store
        self.prefill = dict(prefill or {})
        self.dcs = store.load().dcs()
        self.connector: ConnectorValues | None = None
        self.port: int | None = None
        self.saved: Connection | None = None
        """The connection as this wizard run saved it (step 5); None before."""
        self._preview_pending = False

    @property
    def manager(self) -> Manager:
        """The app's Manager (created on first use: it imports the HTTP stack)."""
        return self.app.manager  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        yield Static("", id="wizard-title")
        with Horizontal(id="wizard-main"):
            yield StepList(id="steps")
            # Only step 0 now; each other body is mounted on its first visit (a faster first
            # frame) and then stays mounted, so Back and Next keep what was typed.
            with ContentSwitcher(initial="step-connector", id="body"):
                yield ConnectorStep(self.dcs, self.prefill, id="step-connector")
        with Horizontal(id="nav"):
            yield Button("← Back", id="back")
            yield Static("", id="nav-hint")
            yield Button("Next →", id="next", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self._show_step(self.step)

    def _make_body(self, step: int) -> Widget:
        """Build the body of `step` (imported here, on first visit)."""
        from zconnect_tui.tui.steps import accepted, authorize, credentials, guide, organization, redirect

        key = f"step-{STEPS[step][0]}"
        if step == CONSOLE:
            return guide.ConsoleStep(id=key)
        if step == CLIENT_TYPE:
            return guide.ClientTypeStep(id=key, classes="step")
        if step == REDIRECT:
            return redirect.RedirectStep(id=key)
        if step == SECRET_TAB:
            return guide.SecretTabStep(id=key, classes="step")
        if step == CREDENTIALS:
            return credentials.CredentialsStep(id=key, classes="step")
        if step == AUTHORIZE:
            return VerticalScroll(authorize.AuthorizePanel(self.manager, port_hint=PORT_HINT, id="authorize"),
                                  id=key, classes="step")
        if step == ORGANIZATION:
            return organization.OrganizationStep(self.manager, id=key)
        return accepted.AcceptedStep(id=key, classes="step")

    async def _ensure_body(self, step: int) -> None:
        switcher = self.query_one("#body", ContentSwitcher)
        if not switcher.query_children(f"#step-{STEPS[step][0]}"):
            await switcher.mount(self._make_body(step))

    def _find(self, selector: str) -> Widget | None:
        """A step's widget when that step was visited already, else None."""
        found = self.query(selector)
        return found.first() if found else None

    # ----- typed access to the step bodies ----------------------------------------------------------
    @property
    def connector_step(self) -> ConnectorStep:
        return self.query_one("#step-connector", ConnectorStep)

    @property
    def redirect_step(self) -> RedirectStep:
        return self.query_one("#step-redirect")  # type: ignore[return-value]

    @property
    def credentials_step(self) -> CredentialsStep:
        return self.query_one("#step-credentials")  # type: ignore[return-value]

    @property
    def panel(self) -> AuthorizePanel:
        return self.query_one("#authorize")  # type: ignore[return-value]

    @property
    def org_step(self) -> OrganizationStep:
        return self.query_one("#step-organization")  # type: ignore[return-value]

    @property
    def self_client(self) -> bool:
        radio = self._find("#type-self")
        return bool(radio is not None and radio.value)  # type: ignore[attr-defined]

    # ----- the step index --------------------------------------------------------------------------
    async def watch_step(self, old: int, new: int) -> None:
        if old == AUTHORIZE and new != AUTHORIZE and self.panel.conn is None:
            self.panel.stop()  # leaving the step ends the attempt and frees the port
        if old == CREDENTIALS:
            self.credentials_step.conceal()
        await self._ensure_body(new)
        if not (self.is_attached and self.app.is_running):
            return  # the app is closing meanwhile: the new body was never composed
        self._show_step(new)

    def _show_step(self, step: int) -> None:
        key, title = STEPS[step]
        self.query_one("#body", ContentSwitcher).current = f"step-{key}"
        self.query_one("#steps", StepList).show(step)
        label = "New connection" if self.saved is None else f"Connection {self.saved.name}"
        self.query_one("#wizard-title", Static).update(f"zconnect · {label} · step {step}: {title}")
        self._enter(step)
        self._update_nav()
        target = FOCUS.get(step)
        if target:
            widget = self.query_one(target)
            # set_focus, not focus(): that waits for the app's queue, so the first frame would show
            # the screen's automatic focus (the step's scroll container) instead of the name field.
            self.set_focus(widget if widget.display and not widget.disabled else self.query_one("#next"))

    def _enter(self, step: int) -> None:
        """Attributes down: give the step what it shows from earlier steps."""
        if step == CONNECTOR:
            self._schedule_preview()
        elif step == CONSOLE:
            self.query_one("#step-console").set_url(  # type: ignore[attr-defined]
                self.dcs.get(self.connector_step.dc).console_url)
        elif step == REDIRECT:
            self.redirect_step.set_self_client(self.self_client)
        elif step == SECRET_TAB:
            self.query_one("#step-secret-tab").set_self_client(self.self_client)  # type: ignore[attr-defined]
        elif step == AUTHORIZE and self.saved is not None:
            if self.panel.conn is None or self.panel.name_ != self.saved.name:
                self.panel.start(self.saved.name)
        elif step == ORGANIZATION and self.saved is not None and self.org_step.name_ != self.saved.name:
            self.org_step.load(self.saved.name)
        elif step == ACCEPTED and self.saved is not None:
            try:
                conn = self.store.load().get(self.saved.name)
            except Exception as exc:  # noqa: BLE001 - one line, never a crash
                self.notify(as_error(exc).one_line(), severity="error")
                return
            self.query_one("#step-accepted").show(conn, self.org_step.result)  # type: ignore[attr-defined]

    def _update_nav(self) -> None:
        step = self.step
        back, nxt = self.query_one("#back", Button), self.query_one("#next", Button)
        back.disabled = step == CONNECTOR
        nxt.label = {CREDENTIALS: "Save →", ACCEPTED: "Finish ✔"}.get(step, "Next →")
        nxt.disabled = (step == AUTHORIZE and self.panel.conn is None) or (
            step == ORGANIZATION and self.org_step.busy)
        hint = {AUTHORIZE: "Next unlocks once Zoho accepted", CREDENTIALS: "Save writes the connection"}
        self.query_one("#nav-hint", Static).update(hint.get(step, ""))

    # ----- actions ------------------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.step == CONNECTOR:
            self.action_close()
        else:
            self.step -= 1

    def action_close(self) -> None:
        panel = self._find("#authorize")
        if panel is not None:
            panel.stop()  # type: ignore[attr-defined]
        authorized = panel is not None and panel.conn is not None  # type: ignore[attr-defined]
        self.dismiss(self.saved.name if self.saved is not None and authorized else None)

    async def action_next(self) -> None:
        if self.query_one("#next", Button).disabled:
            return
        step = self.step
        if step == CONNECTOR:
            await self.connector_step.ready()  # Enter may come before the whole form is mounted
            try:
                stored = set(self.store.load().connections)
            except Exception as exc:  # noqa: BLE001 - the file broke meanwhile: say so under the name
                self.query_one("#name-error", FieldError).show(as_error(exc))
                return
            existing = stored - ({self.saved.name} if self.saved else set())
            values = self.connector_step.validate(existing)
            if values is None:
                return
            self.connector = values
        elif step == REDIRECT and not self.self_client:
            port = self.redirect_step.validate()
            if port is None:
                return
            self.port = port
        elif step == CREDENTIALS and not self._save():
            return
        elif step == ORGANIZATION and self.org_step.save() is not None:
            return
        elif step == ACCEPTED:
            self.dismiss(self.saved.name if self.saved else None)
            return
        self.step = step + 1

    def _save(self) -> bool:
        """Write the connection (no tokens yet); True when the wizard may go on."""
        creds = self.credentials_step.validate()
        if creds is None or self.connector is None:
            return False
        values = self.connector
        self_client = self.self_client
        conn = Connection(
            name=values.name, service=values.service, dc=values.dc, client_id=creds.client_id,
            scopes=values.scopes, client_secret=creds.client_secret, access_type=values.access_type,
            redirect_uri="" if self_client else redirect_uri_for(self.port or self.redirect_step.initial_port),
            self_client=self_client)
        if self.saved is not None and _definition(self.saved) == _definition(conn):
            return True  # nothing changed since the last Save: keep the tokens it may have now
        previous = self.saved
        try:
            # replace=True only for the connection this run saved: never overwrite someone else's.
            self.store.save_connection(conn, replace=previous is not None and previous.name == conn.name)
            if previous is not None and previous.name != conn.name:
                self.store.remove(previous.name)  # renamed on the way back: drop our old copy
        except UsageError as exc:
            self.step = CONNECTOR
            self.query_one("#name-error", FieldError).show(exc)
            return False
        except Exception as exc:  # noqa: BLE001 - e.g. a read-only directory: one line, never a crash
            self.credentials_step.show_save_error(as_error(exc))
            return False
        self.saved = conn
        panel, org_step = self._find("#authorize"), self._find("#step-organization")
        if panel is not None:
            panel.stop()  # type: ignore[attr-defined]
            panel.conn = None  # type: ignore[attr-defined]  # a changed definition needs a new consent
        if org_step is not None:
            org_step.name_ = None  # type: ignore[attr-defined]
        self.notify(f"Saved {conn.name} in {self.store.path.name} (no tokens yet).", timeout=4)
        return True

    # ----- events ---------------------------------------------------------------------------------------
    @on(Button.Pressed, "#next")
    async def _next_pressed(self) -> None:
        await self.action_next()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Input.Submitted)
    async def _submitted(self, event: Input.Submitted) -> None:
        """Enter in a field means Next (the paste box handles its own Enter)."""
        if event.input.id != "auth-paste":
            await self.action_next()

    @on(ConnectorStep.Changed)
    @on(Input.Changed, "#port, #client-id")
    def _schedule_preview(self) -> None:
        """Coalesce changes into one preview update after the next refresh (and after the first frame)."""
        if not self._preview_pending:
            self._preview_pending = True
            self.call_after_refresh(self._update_preview)

    def _update_preview(self) -> None:
        self._preview_pending = False
        step = self.connector_step
        if not step.query("#preview"):
            return  # mounted with the rest of step 0, after the first frame; it asks again then
        from zconnect_tui.oauth import request_token_url  # the HTTP stack: not needed for the first frame
        from zconnect_tui.tui.steps.redirect import parse_port

        port_field, client_id = self._find("#port"), self._find("#client-id")
        try:
            port = parse_port(port_field.value) if port_field is not None else None  # type: ignore[attr-defined]
        except ZconnectError:
            port = None
        client = client_id.value.strip() if client_id is not None else ""  # type: ignore[attr-defined]
        draft = Connection(name=step.name_value or "NAME", service=step.service, dc=step.dc,
                           client_id=client or "YOUR_CLIENT_ID", scopes=step.raw_scopes(),
                           access_type=step.access_type,
                           redirect_uri="" if self.self_client else redirect_uri_for(port or self._proposed_port()))
        dc = self.dcs.get(step.dc)
        step.show_preview(f"Request Token URL\n  {request_token_url(dc, draft)}\n"
                          f"Access Token URL\n  {dc.token_url}\nRefresh Token URL\n  {dc.token_url}")

    def _proposed_port(self) -> int:
        redirect = self._find("#step-redirect")
        if redirect is not None:
            return redirect.initial_port  # type: ignore[attr-defined,no-any-return]
        from zconnect_tui.model import DEFAULT_PORT

        return DEFAULT_PORT  # step 3 checks and proposes the real one

    def on_authorize_panel_succeeded(self, event: AuthorizePanel.Succeeded) -> None:
        event.stop()
        if self.step == AUTHORIZE:
            self.step = ORGANIZATION  # the guide's next step follows at once
        else:
            self._update_nav()

    def on_organization_step_verified(self) -> None:
        self.call_after_refresh(self._update_nav)


def _definition(conn: Connection) -> tuple[object, ...]:
    """The fields a user typed: when these are unchanged, a re-Save is not needed."""
    return (conn.name, conn.service, conn.dc, conn.client_id, tuple(conn.scopes), conn.client_secret,
            conn.access_type, conn.redirect_uri, conn.self_client)
