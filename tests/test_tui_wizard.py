"""The wizard, driven with Pilot at 80×24 against the in-repo Zoho emulator through real sockets."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, Browser, free_port
from test_tui_support import (
    SIZE,
    drive_to,
    errors,
    frame_text,
    key_of,
    make_app,
    next_step,
    notices,
    record_lock_threads,
    shows,
    type_into,
    wait_for,
    wizard,
)
from textual.widgets import Button, Input, Select, SelectionList

from zconnect_tui import listener
from zconnect_tui.errors import AccessDenied, PortInUse
from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.listener import port_is_free
from zconnect_tui.store import Store
from zconnect_tui.tui.authorize_panel import AuthorizePanel
from zconnect_tui.tui.screens.dashboard import DashboardScreen
from zconnect_tui.tui.screens.wizard import WizardScreen
from zconnect_tui.tui.widgets import CopyValue, FieldError
from zconnect_tui.verify import Organization


def shown(screen: WizardScreen, error_id: str) -> str:
    """The text of the inline error `error_id` ("" when hidden)."""
    return screen.query_one(f"#{error_id}", FieldError).text


def auth_panel(screen: WizardScreen) -> AuthorizePanel:
    return screen.query_one("#authorize", AuthorizePanel)


@pytest.fixture
def port(monkeypatch: pytest.MonkeyPatch) -> int:
    """The port the wizard proposes in step 3 (fixed per test so the emulator can know the URI)."""
    chosen = free_port()
    monkeypatch.setattr(listener, "find_free_port", lambda preferred, tries=50: chosen)
    return chosen


def register(emulator: ZohoEmulator, port: int, *, self_client: bool = False) -> None:
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [] if self_client else [f"http://127.0.0.1:{port}/callback"],
                             self_client=self_client)


def default_desk_org(emulator: ZohoEmulator) -> Organization:
    org = next(o for o in emulator.orgs if o["isDefault"])
    return Organization(str(org["id"]), org["companyName"])


async def test_whole_wizard_through_the_real_listener(emulator: ZohoEmulator, config_path: Path,
                                                      browser: Browser, port: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    register(emulator, port)
    locks = record_lock_threads(monkeypatch)
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        await drive_to(pilot, "accepted", client_id=CLIENT_ID, secret=CLIENT_SECRET)
        # No secret anywhere on screen, even after typing it.
        frame = frame_text(app)
        assert CLIENT_SECRET not in frame
        conn = Store(config_path).load().get("desk")
        assert conn.token.access_token not in frame and conn.token.refresh_token not in frame
        assert default_desk_org(emulator).name in frame
        # No stale message: Back to step 6 shows it authorized, with no "Next unlocks…" hint left over.
        await pilot.press("escape", "escape")
        screen = wizard(pilot)
        assert key_of(screen) == "authorize" and await shows(pilot, "✔ Authorized")
        assert str(screen.query_one("#nav-hint").content) == "" and not screen.query_one("#next", Button).disabled
        assert not any("no tokens yet" in n.message for n in notices(app))
        await next_step(pilot)
        await next_step(pilot)
        await next_step(pilot)  # Finish
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="dashboard")
    conn = Store(config_path).load().get("desk")
    assert conn.status == "authorized" and conn.token.refresh_token and conn.token.access_token
    assert conn.redirect_uri == f"http://127.0.0.1:{port}/callback"
    assert conn.location == "lab" and conn.client_secret == CLIENT_SECRET
    assert conn.org_id == default_desk_org(emulator).id
    assert "VISIT" in browser.visits()
    assert port_is_free(port)
    # The save, the token exchange and the organisation save each took the file lock, never on the UI thread.
    assert len(locks) >= 3 and not any(locks)


async def test_self_client_ends_authorized(emulator: ZohoEmulator, config_path: Path, port: int) -> None:
    register(emulator, port, self_client=True)
    app = make_app(config_path, prefill={"service": "desk", "dc": "lab", "name": "selfie"})
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "authorize", name="selfie", client_id=CLIENT_ID, secret=CLIENT_SECRET,
                                self_client=True)
        panel = auth_panel(screen)
        assert panel.flow is not None and not panel.flow.needs_listener
        assert not screen.query_one("#auth-url").display  # no consent URL for a Self Client
        code = emulator.issue_self_client_code(CLIENT_ID, panel.flow.conn.scopes)
        await type_into(pilot, "#auth-paste", code)
        await pilot.press("enter")
        await wait_for(pilot, lambda: key_of(screen) == "organization", what="authorized")
        await drive_to(pilot, "accepted")
    conn = Store(config_path).load().get("selfie")
    assert conn.self_client and conn.redirect_uri == ""
    assert conn.status == "authorized" and conn.token.refresh_token
    assert conn.org_id == default_desk_org(emulator).id


async def test_paste_the_redirect_url_without_a_browser(emulator: ZohoEmulator, config_path: Path,
                                                        port: int) -> None:
    """BROWSER does nothing (the autouse fixture); the user opens the URL elsewhere and pastes."""
    register(emulator, port)
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "authorize", client_id=CLIENT_ID, secret=CLIENT_SECRET)
        flow = auth_panel(screen).flow
        assert flow is not None and flow.url is not None
        assert auth_panel(screen).url == flow.url
        screen.query_one("#auth-url").scroll_visible(animate=False)
        await pilot.pause()
        assert flow.url[:40] in frame_text(app)  # the URL is on screen, to select or copy
        # A wrong paste shows inline and the wait goes on.
        await type_into(pilot, "#auth-paste", "not-a-code!")
        await pilot.press("enter")
        assert "does not look like" in shown(screen, "auth-paste-error")
        assert key_of(screen) == "authorize" and auth_panel(screen).flow is flow
        # "Another machine's browser": GET the consent URL and read the redirect's Location.
        response = httpx.get(flow.url, follow_redirects=False)
        assert response.status_code in (302, 303)
        await type_into(pilot, "#auth-paste", response.headers["location"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: key_of(screen) == "organization", what="authorized")
    conn = Store(config_path).load().get("desk")
    assert conn.status == "authorized" and conn.token.refresh_token


async def test_cancel_then_retry(emulator: ZohoEmulator, config_path: Path, port: int) -> None:
    register(emulator, port)
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "authorize", client_id=CLIENT_ID, secret=CLIENT_SECRET)
        panel = auth_panel(screen)
        await wait_for(pilot, lambda: "left" in str(screen.query_one("#auth-status").content), what="the countdown")
        assert not port_is_free(port)  # the listener is bound while waiting
        await pilot.click("#auth-cancel")
        await wait_for(pilot, lambda: panel.error is not None, what="cancelled")
        assert str(screen.query_one("#auth-status").content).startswith("Cancelled.")
        assert screen.query_one("#auth-retry", Button).display
        assert screen.query_one("#next", Button).disabled
        await wait_for(pilot, lambda: port_is_free(port), what="port released")
        await pilot.click("#auth-retry")
        await wait_for(pilot, lambda: panel.flow is not None and panel.error is None, what="new attempt")
        assert not port_is_free(port)
        # Esc cancels the wait first; the next Esc leaves the step, which frees the port.
        await pilot.press("escape")
        assert key_of(screen) == "authorize" and panel.error is not None
        await pilot.press("escape")
        assert key_of(screen) == "credentials"
        await wait_for(pilot, lambda: port_is_free(port), what="port released on Back")


async def test_access_denied_then_retry(emulator: ZohoEmulator, config_path: Path, browser: Browser,
                                        port: int) -> None:
    register(emulator, port)
    emulator.consent = "deny"
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "authorize", client_id=CLIENT_ID, secret=CLIENT_SECRET)
        panel = auth_panel(screen)
        await wait_for(pilot, lambda: panel.error is not None, what="denied")
        assert isinstance(panel.error, AccessDenied)
        text = shown(screen, "auth-error")
        assert "denied" in text and "Accept" in text  # the sentence and the fix
        emulator.consent = "approve"
        await pilot.click("#auth-retry")
        await wait_for(pilot, lambda: key_of(screen) == "organization", what="authorized after retry")
    assert Store(config_path).load().get("desk").status == "authorized"


async def test_port_taken_then_back_to_step_3(emulator: ZohoEmulator, config_path: Path, browser: Browser,
                                              port: int) -> None:
    """PortInUse shows inline; going Back to change the port re-saves the redirect URI."""
    other = free_port()
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [f"http://127.0.0.1:{port}/callback",
                                                        f"http://127.0.0.1:{other}/callback"])
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "credentials", client_id=CLIENT_ID, secret=CLIENT_SECRET)
        await type_into(pilot, "#client-id", CLIENT_ID)
        await type_into(pilot, "#client-secret", CLIENT_SECRET)
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", port))
            squatter.listen()
            await next_step(pilot)
            assert key_of(screen) == "authorize"
            assert isinstance(auth_panel(screen).error, PortInUse)
            assert "step 3" in shown(screen, "auth-error")
            for _ in range(3):
                await pilot.press("escape")
            assert key_of(screen) == "redirect"
            await type_into(pilot, "#port", str(port))
            await next_step(pilot)
            assert key_of(screen) == "redirect" and "in use" in " ".join(errors(screen))
            await type_into(pilot, "#port", str(other))
            await next_step(pilot)
            await next_step(pilot)
            await next_step(pilot)  # Save again: the new redirect URI
            # A port other than the one step 3 proposed: the new URI is registered first (#22 item 3).
            assert auth_panel(screen).phase == "register" and not auth_panel(screen).busy
            assert screen.query_one("#auth-register-uri", CopyValue).value == f"http://127.0.0.1:{other}/callback"
            await pilot.click("#auth-registered")
            await wait_for(pilot, lambda: key_of(screen) == "organization", what="authorized on the new port")
    conn = Store(config_path).load().get("desk")
    assert conn.redirect_uri == f"http://127.0.0.1:{other}/callback" and conn.status == "authorized"


async def test_back_and_next_keep_what_was_typed(config_path: Path, port: int) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = wizard(pilot)
        await type_into(pilot, "#name", "keepme")
        screen.query_one("#service", Select).value = "crm"
        await pilot.pause()
        await type_into(pilot, "#extra-scopes", "ZohoCRM.bulk.READ")
        await next_step(pilot)
        await next_step(pilot)
        await next_step(pilot)
        assert key_of(screen) == "redirect"
        await type_into(pilot, "#port", str(port))
        await next_step(pilot)
        await next_step(pilot)
        await type_into(pilot, "#client-id", "1000.KEEP")
        for _ in range(5):
            await pilot.press("escape")
        assert key_of(screen) == "connector"
        assert screen.query_one("#name", Input).value == "keepme"
        assert screen.query_one("#service", Select).value == "crm"
        assert screen.query_one("#extra-scopes", Input).value == "ZohoCRM.bulk.READ"
        assert "ZohoCRM.modules.READ" in screen.query_one("#scopes", SelectionList).selected  # read-only defaults
        # The live preview shows the connector's URLs as the guide has them, with what was typed so far.
        preview = str(screen.query_one("#preview").content)
        assert "/oauth/v2/auth?scope=ZohoCRM.modules.READ," in preview
        assert ",ZohoCRM.bulk.READ&access_type=offline" in preview
        assert "client_id" not in preview and "redirect_uri" not in preview
        assert "/oauth/v2/token" in preview
        for _ in range(5):
            await next_step(pilot)
        assert key_of(screen) == "credentials"
        assert screen.query_one("#client-id", Input).value == "1000.KEEP"
        assert screen.query_one("#port", Input).value == str(port)


async def test_validation_messages_next_to_fields(config_path: Path, port: int, cli: object) -> None:
    from conftest import run_cli

    assert run_cli("add", "taken", "--service", "desk", "--dc", "lab", "--client-id", CLIENT_ID,
                   "--client-secret-env", "S", env={"S": CLIENT_SECRET}).code == 0
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = wizard(pilot)
        await next_step(pilot)  # empty name
        assert key_of(screen) == "connector"
        assert "needs a name" in shown(screen, "name-error")
        await type_into(pilot, "#name", "taken")
        await type_into(pilot, "#extra-scopes", "not a scope!")
        await next_step(pilot)
        assert "exists already" in shown(screen, "name-error")
        assert "does not look like a Zoho scope" in shown(screen, "extra-scopes-error")
        scopes = screen.query_one("#scopes", SelectionList)
        scopes.deselect_all()
        await type_into(pilot, "#extra-scopes", "")
        await type_into(pilot, "#name", "fresh")
        await next_step(pilot)
        assert "No scopes given" in shown(screen, "extra-scopes-error")
        scopes.select_all()
        await next_step(pilot)
        assert key_of(screen) == "console" and not errors(screen)
        await next_step(pilot)
        await next_step(pilot)
        await type_into(pilot, "#port", "80")
        await next_step(pilot)
        assert key_of(screen) == "redirect" and "out of range" in shown(screen, "port-error")
        await type_into(pilot, "#port", str(port))
        await next_step(pilot)
        await next_step(pilot)
        assert key_of(screen) == "credentials"
        await type_into(pilot, "#client-id", "nodot")
        await next_step(pilot)
        assert key_of(screen) == "credentials"
        assert "does not look like a Zoho Client ID" in shown(screen, "client-id-error")
        assert "Secret is empty" in shown(screen, "client-secret-error")
        assert Store(config_path).load().connections.keys() == {"taken"}  # nothing saved


async def test_prefill_and_reveal_toggle(config_path: Path) -> None:
    app = make_app(config_path, prefill={"service": "books", "dc": "eu", "name": "acct"})
    async with app.run_test(size=SIZE) as pilot:
        screen = wizard(pilot)
        assert screen.query_one("#name", Input).value == "acct"  # the first frame: the name field
        # The rest of step 0 (service, scopes, data centre, URL preview) mounts right after it.
        await wait_for(pilot, lambda: screen.query("#preview") and str(screen.query_one("#preview").content),
                       what="the rest of step 0")
        assert screen.query_one("#service", Select).value == "books"
        assert screen.query_one("#dc", Select).value == "eu"
        assert "accounts.zoho.eu/oauth/v2/auth?scope=ZohoBooks" in str(screen.query_one("#preview").content)
        for _ in range(5):
            await next_step(pilot)
        assert key_of(screen) == "credentials"
        await type_into(pilot, "#client-secret", "s3cr3tvalue123")
        assert "s3cr3tvalue123" not in frame_text(app)
        await pilot.click("#reveal")
        assert "s3cr3tvalue123" in frame_text(app)
        await pilot.press("escape")  # leaving the step hides it again
        assert screen.query_one("#client-secret", Input).password
