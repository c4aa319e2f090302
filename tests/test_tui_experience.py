"""What a person notices in the first minute, each checked with Pilot: errors read in full, progress
and cancel on a server that never answers, state at a glance, small terminals, help, and safety."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import tomli_w
from conftest import CLIENT_SECRET, Browser, Registered, authorize
from factories import authorized_connection, connection
from test_tui_dashboard import note_containing
from test_tui_snapshots import fixed_config, pinned  # noqa: F401 - fixtures
from test_tui_support import (
    drive_to,
    footer_keys,
    frame_text,
    key_of,
    make_app,
    shows,
    type_into,
    wait_for,
    wizard,
)
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Static

from zconnect_tui.errors import ZconnectError
from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.manager import Manager
from zconnect_tui.model import Connection, Status
from zconnect_tui.model_table import to_table
from zconnect_tui.store import Store
from zconnect_tui.tui.keybar import KeyBar
from zconnect_tui.tui.screens.confirm import ConfirmModal
from zconnect_tui.tui.screens.dashboard import DashboardScreen
from zconnect_tui.tui.screens.help import HelpScreen
from zconnect_tui.tui.screens.wizard import WizardScreen
from zconnect_tui.tui.steps import STEPS
from zconnect_tui.tui.steps.base import WizardDraft
from zconnect_tui.tui.widgets import FieldError


async def wizard_at(pilot: Pilot, key: str, draft: WizardDraft) -> WizardScreen:
    """A wizard opened at step `key` with the answers so far in `draft` (as "resume setup" does)."""
    app = pilot.app
    manager: Manager = app.manager  # type: ignore[attr-defined]
    screen = WizardScreen(manager, manager.snapshot(), draft=draft, start_at=key)
    await app.push_screen(screen)
    await pilot.pause()
    return screen


def dashboard(pilot: Pilot) -> DashboardScreen:
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen), screen
    return screen


# ----- 5. errors are read in full ---------------------------------------------------------------------
async def test_errors_wrap_focus_revalidate_and_the_uri_follows_the_port(config_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(60, 20)) as pilot:
        screen = await wizard_at(pilot, "redirect", WizardDraft(name="desk", dc="lab"))
        uri = screen.query_one("#redirect-uri .value")
        await type_into(pilot, "#port", "99999")
        await pilot.pause()
        # Never a stale URI (99999 used to show :9999).
        assert ":9999/" not in str(uri.content) and "no URI: use a port from 1024" in str(uri.content)
        await type_into(pilot, "#port", "9700")
        await pilot.pause()
        assert str(uri.content) == "http://127.0.0.1:9700/callback"
        await type_into(pilot, "#port", "80")
        await pilot.press("ctrl+n")
        error = screen.query_one("#port-error", FieldError)
        assert "out of range" in error.text and screen.focused is screen.query_one("#port")  # focus on it
        await pilot.press("backspace", "backspace", *"9701")  # fixed while typing, before any Next
        assert error.text == "" and not error.display

        # An error longer than the screen: wrapped over as many lines as it needs, read by scrolling.
        fix = " ".join(f"word{i}" for i in range(300)) + " END-OF-THE-FIX"

        def refuse(*args: object) -> None:
            raise ZconnectError("The file cannot be written: START-OF-THE-ERROR.", fix)

        monkeypatch.setattr(Manager, "save_draft", refuse)
        screen.step = screen.index_of("credentials")
        await pilot.pause()
        await type_into(pilot, "#client-id", "1000.ABCDEFGH")
        await type_into(pilot, "#client-secret", CLIENT_SECRET)
        await pilot.press("ctrl+n")
        save_error = screen.query_one("#save-error", FieldError)
        await wait_for(pilot, lambda: save_error.display, what="the save error")
        assert key_of(screen) == "credentials" and save_error.region.height > app.size.height
        body = screen.body()
        save_error.scroll_visible(animate=False, top=True)
        await pilot.pause()
        assert "START-OF-THE-ERROR" in frame_text(app)
        body.scroll_end(animate=False)
        await pilot.pause()
        assert "END-OF-THE-FIX" in frame_text(app)


# ----- 6. progress and cancel on every network action ------------------------------------------------
async def test_a_hung_server_shows_progress_and_esc_cancels(emulator: ZohoEmulator, desk: Registered,
                                                             config_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # The hung calls must outlast what the test watches (the suite's 5 s deadline does not on a loaded machine).
    monkeypatch.setenv("ZCONNECT_HTTP_TIMEOUT", "60")
    authorize(config_path)
    emulator.queue_fault("hang", path_prefix="/api/v1/organizations")
    organizations = len([r for r in emulator.requests if r.path.startswith("/api/v1/organizations")])
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = dashboard(pilot)
        table = screen.query_one(DataTable)
        await pilot.press("t")
        def status() -> str:
            found = screen.query("#status")
            return str(found.first(Static).content) if found else ""

        await wait_for(pilot, lambda: "Esc cancels" in status(), what="progress")
        assert table.get_row("desk")[0].plain == "⟳ testing…"
        await wait_for(pilot, lambda: "1s" in status(), what="the seconds")
        await pilot.press("t", "r", "v")  # repeated and other presses are ignored meanwhile
        assert not isinstance(app.screen, ConfirmModal)
        assert len([r for r in emulator.requests if r.path.startswith("/api/v1/organizations")]) == organizations + 1
        assert not emulator.token_requests("refresh_token")
        await pilot.press("escape")
        assert screen.running is None and await shows(pilot, "Cancelled testing desk")
        await wait_for(pilot, lambda: table.get_row("desk")[0].plain == "● valid", what="the state back")
        await pilot.press("r")  # responsive at once: the next action runs
        await note_containing(pilot, "Refreshed desk: valid")

        # The wizard's verification (step 7) on the same hung server: progress, then Esc cancels it.
        emulator.queue_fault("hang", path_prefix="/api/v1/organizations")
        conn = Store(config_path).load().get("desk")
        wiz = await wizard_at(pilot, "organization", WizardDraft(name="desk", saved=conn, authorized=conn))
        org_status = wiz.query_one("#org-status")
        await wait_for(pilot, lambda: "Esc cancels" in str(org_status.content), what="progress")
        assert wiz.query_one("#next", Button).disabled and wiz.body().busy
        await pilot.press("escape")
        assert key_of(wiz) == "organization" and str(org_status.content).startswith("Cancelled.")
        assert not wiz.query_one("#next", Button).disabled  # Next goes on without the check


# ----- 7. state at a glance ---------------------------------------------------------------------------
def write_states(path: Path, extra: int = 0) -> None:
    """One connection per state (and `extra` more, valid), written directly as the CLI would have."""

    def conn(name: str, status: Status, minutes: int | None, service: str = "desk", org_name: str = "") -> Connection:
        fields = {"service": service, "dc": "lab", "client_id": "1000.X", "client_secret": "s" * 42,
                  "status": status, "org_name": org_name}
        if minutes is None:
            return connection(name, **fields)
        # Half a minute past the mark: "in 41m" or "5m ago" reads the same for 30 s.
        return authorized_connection(name, access_token="a" * 20, refresh_token="r" * 20,
                                     valid_for=timedelta(minutes=minutes, seconds=30 if minutes > 0 else -30), **fields)

    conns = [conn("valid", Status.AUTHORIZED, 41, org_name="Zylker"), conn("soon", Status.AUTHORIZED, 3),
             conn("stale", Status.AUTHORIZED, -5), conn("dead", Status.NEEDS_REAUTH, -5),
             conn("gone", Status.REVOKED, None), conn("fresh", Status.NOT_AUTHORIZED, None, service="crm")]
    conns += [conn(f"bulk-{i:04d}", Status.AUTHORIZED, 50) for i in range(extra)]
    text = path.read_text() + "\n" + tomli_w.dumps({"connections": {c.name: to_table(c) for c in conns}})
    path.write_text(text)


async def test_state_at_a_glance_sort_filter_details_and_what_applies(config_path: Path) -> None:
    write_states(config_path)
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = dashboard(pilot)
        table = screen.query_one(DataTable)
        cells = {name: [c.plain for c in table.get_row(name)] for name in screen.conns}
        assert cells["valid"][0] == "● valid" and cells["valid"][4] == "in 41m"
        assert cells["soon"][0] == "◐ expiring" and cells["soon"][4] == "in 3m"
        assert cells["stale"][0] == "○ expired" and cells["stale"][4] == "5m ago"
        assert cells["dead"][0] == "▲ re-authorize" and cells["gone"][0] == "⊘ revoked"
        assert cells["fresh"][0] == "· not authorized" and cells["fresh"][4] == "-"
        colours = {name: table.get_row(name)[0].style for name in ("valid", "soon", "dead")}
        assert len({str(c) for c in colours.values()}) == 3  # a colour per state, beside the symbol

        # Sort: `s` cycles name → state (what needs attention first) → expiry…
        await pilot.press("s")
        assert [table.get_row_at(i)[1].plain for i in range(3)] == ["dead", "stale", "soon"]
        assert await shows(pilot, "sorted by state")
        # Filter with `/`: part of a name, service, DC or organisation; Esc clears it.
        await pilot.press("slash", *"crm")
        assert table.row_count == 1 and table.get_row_at(0)[1].plain == "fresh"
        await pilot.press("enter")  # back to the table, filter kept
        assert table.has_focus and table.row_count == 1

        # Never authorized: "Authorize" (not "Re-auth"), what does not apply and why, and the offer to resume.
        def keys_now() -> dict[str, str]:
            return {key: shown.description for key, shown in footer_keys(app.screen).items()}

        await wait_for(pilot, lambda: keys_now().get("a") == "Authorize", what="the footer for a new connection")
        assert screen.check_action("refresh", ()) is None
        details = " ".join(f"{label}: {text}" for label, text in screen.details_rows)
        assert "not now: fresh was never authorized" in details and "resume its setup" in details
        await pilot.press("escape")
        assert table.row_count == 6
        table.move_cursor(row=[table.get_row_at(i)[1].plain for i in range(6)].index("valid"))
        await wait_for(pilot, lambda: keys_now().get("a") == "Re-auth", what="the footer for a valid connection")
        assert screen.check_action("refresh", ()) is True
        details = frame_text(app)
        assert "Token expires" in details and "Client Secret" in details and "Zylker" in details
        assert "client_secret" not in details and "False" not in details and "None" not in details


# ----- 8. small terminals --------------------------------------------------------------------------------
def displayed_in(widget: Widget, body: Widget) -> bool:
    """Shown, and so are all its containers up to `body` (a hidden form's fields are not on screen)."""
    node: Widget | None = widget
    while node is not None and node is not body:
        if not node.display:
            return False
        node = node.parent if isinstance(node.parent, Widget) else None
    return True


async def test_every_step_is_usable_at_60x20(fixed_config: Path) -> None:  # noqa: F811
    """At 60×20 each step's content and buttons are reachable; the sidebar is a header line; toasts stay off
    Back/Next and the footer; at 80×24 the scopes label fits; from 90 columns the sidebar is back."""
    conn = Connection("desk", "desk", "lab", "1000.ABCDEFGH", ["Desk.basic.READ"], client_secret=CLIENT_SECRET,
                      redirect_uri="http://127.0.0.1:9646/callback")
    Store(fixed_config).save_connection(conn)
    app = make_app(fixed_config, wizard=False)
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        screen = await wizard_at(pilot, "connector", WizardDraft.from_connection(conn))
        for number, cls in enumerate(STEPS[:7]):  # 7 and 8 need Zoho's answer; their snapshots cover them
            screen.step = number
            await wait_for(pilot, lambda cls=cls: screen.query(f"#step-{cls.key}") and key_of(screen) == cls.key,
                           what=cls.key)
            await screen.body().ready()
            await pilot.pause()
            assert await shows(pilot, f"Step {number} of 8 · {cls.title}")  # the header, no sidebar
            assert not screen.query_one("#steps").display
            for button in (screen.query_one("#back"), screen.query_one("#next")):
                assert screen.region.contains_region(button.region), (cls.key, button)
            # Page through the step: every field and button must be wholly on screen on some page.
            body = screen.body()
            wanted = {w for w in body.query("*") if w.focusable and w.visible and displayed_in(w, body)}
            seen = set()
            y = 0
            while True:
                body.scroll_to(y=y, animate=False)
                await pilot.pause()
                seen |= {w for w in wanted if body.region.contains_region(w.region)}
                if y >= body.max_scroll_y:
                    break
                y += max(1, body.region.height - 2)
            assert seen == wanted, (cls.key, wanted - seen)
            last = [w for w in body.children if w.display][-1]  # and the end of its text
            assert last.region.bottom <= body.region.bottom, cls.key
        # Toasts never cover Back/Next or the footer.
        app.notify("A toast with a message long enough to take two or three lines in the corner.")
        await pilot.pause()
        toast = app.screen.query_one("Toast")
        for widget in (app.screen.query_one("#nav"), app.screen.query_one(KeyBar)):
            assert not toast.region.overlaps(widget.region), widget
        # At 80×24 the scopes label fits on its line.
        screen.step = 0
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        label = screen.query_one("#scopes-label")
        assert label.region.width >= len(str(label.render()))
        # From 90 columns the sidebar is back, with the steps done.
        screen.step = 3
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert screen.query_one("#steps").display and await shows(pilot, "✔ 0 Connector")


# ----- 9. help and safety ---------------------------------------------------------------------------------
async def test_help_and_leaving_the_wizard_with_unsaved_input(config_path: Path) -> None:
    from zconnect_tui.tui.actions import ACTIONS
    from zconnect_tui.tui.states import STATES

    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")  # the wizard (no connections yet) has help on F1
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("ctrl+o")  # nothing typed: leaves at once
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("question_mark")  # the dashboard's help
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        text = help_screen.text
        assert all(cls.title in text and cls.guide in text for cls in STEPS)
        assert all(look.label in text and look.meaning in text for look in STATES.values())
        assert all(action.described()[1] in text for action in ACTIONS)  # the export formats from their registry
        assert "set-clipboard on" in text
        await pilot.press("escape")

        await pilot.press("n")
        await type_into(pilot, "#name", "half")
        await pilot.press("ctrl+o")  # something typed: it asks
        assert isinstance(app.screen, ConfirmModal) and await shows(pilot, "not saved")
        await pilot.press("n")
        assert isinstance(app.screen, WizardScreen) and app.screen.query_one("#name", Input).value == "half"
        await pilot.press("escape")  # Esc on the first step means leaving too
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        assert isinstance(app.screen, DashboardScreen)
    assert not Store(config_path).load().connections


async def test_a_connection_never_authorized_says_authorize_and_resumes_its_setup(
        desk: Registered, config_path: Path, browser: Browser) -> None:
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = dashboard(pilot)
        assert screen.query_one(DataTable).get_row("desk")[0].plain == "· not authorized"
        assert footer_keys(screen)["a"].description == "Authorize"
        await pilot.press("w")  # resume its setup: the wizard at step 6, the fake browser accepts
        resumed = wizard(pilot)
        # It opens at step 6 (the fake browser may already have moved it on to step 7).
        assert key_of(resumed) in ("authorize", "organization") and await shows(pilot, " · desk")
        assert not resumed.query("#step-connector")  # the steps before were done when it was saved
        await wait_for(pilot, lambda: key_of(resumed) == "organization", what="authorized")
        await drive_to(pilot, "accepted")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.get_row("desk")[0].plain == "● valid", what="valid")
    assert Store(config_path).load().get("desk").org_id


# ----- 10. edit and export -----------------------------------------------------------------------------------
async def test_edit_leads_to_reauthorization_and_export_offers_every_format(
        authorized_desk_no_browser: Registered, config_path: Path, browser: Browser) -> None:
    from zconnect_tui.exports import keys
    from zconnect_tui.tui.screens.edit import EditScreen
    from zconnect_tui.tui.screens.export import ExportScreen

    org = Store(config_path).load().get("desk").org_id
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x")
        export = app.screen
        assert isinstance(export, ExportScreen)
        await wait_for(pilot, lambda: export.texts, what="the export")
        assert list(export.texts) == list(keys()) and "curl" in keys()
        assert f'-H "orgId: {org}"' in export.texts["curl"] and "$(zconnect token desk)" in export.texts["curl"]
        export.query_one("#formats").active = "format-curl"
        await pilot.pause()
        await pilot.press("c")
        assert app.clipboard == export.texts["curl"]
        await pilot.press("escape")

        await pilot.press("e")
        edit = app.screen
        assert isinstance(edit, EditScreen)
        await type_into(pilot, "#extra-scopes", "Desk.tickets.UPDATE")
        assert "new consent" in str(edit.query_one("#edit-note").content)
        consents = browser.visits().count("/oauth/v2/auth?")
        await pilot.press("ctrl+s")  # the new scope needs consent: the authorize dialog opens by itself
        # "desk is authorized", then the account check's outcome replaces it in the details panel
        await note_containing(pilot, "Zoho account")
        assert isinstance(app.screen, DashboardScreen) and browser.visits().count("/oauth/v2/auth?") == consents + 1
    conn = Store(config_path).load().get("desk")
    assert "Desk.tickets.UPDATE" in conn.scopes and "Desk.tickets.UPDATE" in conn.token.scope.replace(",", " ")
