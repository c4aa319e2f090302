"""The wizard as Zoho's documentation has it (#9): the client types of step 2 and where Multi-DC is set,
the connector fields of step 0 as the export prints them, another data centre's secret asked for on
step 6, invalid_client sent back to step 5; and keys typed while a step changes (#10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLIENT_ID, CLIENT_SECRET, EU_SECRET, Browser, run_cli
from test_tui_support import (
    SIZE,
    drive_to,
    frame_text,
    key_of,
    make_app,
    next_step,
    record_lock_threads,
    shows,
    type_into,
    wait_for,
    wizard,
)
from test_tui_wizard import auth_panel, port, register, shown  # noqa: F401 - fixture
from textual import events
from textual.widgets import Checkbox, Input, RadioButton, Static

from zconnect_tui.errors import MultiDCRejected
from zconnect_tui.guide_text import MULTI_DC
from zconnect_tui.lab.emulator import ZohoEmulator
from zconnect_tui.model import ClientType, redirect_uri_for
from zconnect_tui.products import PRODUCTS as SERVICES
from zconnect_tui.store import Store
from zconnect_tui.tui.steps.client_type import CHOICES

URL_LABELS = ("Request Token URL", "Access Token URL", "Refresh Token URL")


async def test_step_2_offers_each_client_type_and_says_where_multi_dc_is(config_path: Path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "client-type")
        multi = screen.query_one("#multi-dc", Static)
        for choice in CHOICES:
            assert choice.label in frame_text(app)
        # Server-based (the default): where the setting is and what it does, the README's own words.
        assert multi.display and str(multi.content) == MULTI_DC
        assert await shows(pilot, "enabled in the client's Settings tab of the API Console")
        screen.query_one("#type-self", RadioButton).value = True
        await pilot.pause()
        assert not multi.display  # a Self Client has no Multi-DC (facts §6.1)
        assert await shows(pilot, "Self Client: no redirect")
        screen.query_one("#type-non-browser", RadioButton).value = True
        await pilot.pause()
        assert multi.display and await shows(pilot, "under Non-browser Applications")


async def test_step_0_preview_has_the_connector_exports_words(config_path: Path) -> None:
    """For each client type, the preview's URL lines are `zconnect export --format connector`'s."""
    expected: dict[ClientType, list[str]] = {}
    for kind in ClientType:
        name = f"pv-{kind.value}"
        assert run_cli("add", name, "--service", "desk", "--dc", "lab", "--client-id", CLIENT_ID, "--scopes",
                       ",".join(SERVICES["desk"].defaults), "--client-type", kind.value,
                       "--client-secret-env", "S", env={"S": CLIENT_SECRET}).code == 0
        export = run_cli("export", name, "--format", "connector").out.splitlines()
        expected[kind] = [line for line in export if line.startswith(URL_LABELS)]
        assert len(expected[kind]) == 3
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "client-type", name="pv")
        for kind in ClientType:
            screen.query_one(f"#type-{kind.value}", RadioButton).value = True
            await pilot.pause()
            screen.step = screen.index_of("connector")  # the sidebar link back to step 0
            await wait_for(pilot, lambda: key_of(screen) == "connector", what="step 0")
            await pilot.pause()
            preview = str(screen.query_one("#preview", Static).content).splitlines()
            assert preview == expected[kind], kind
            screen.step = screen.index_of("client-type")
            await wait_for(pilot, lambda: key_of(screen) == "client-type", what="step 2")
    assert "none: a Self Client has no consent page" in expected[ClientType.SELF][0]
    assert "none: a Non-browser client" in expected[ClientType.NON_BROWSER][0]


async def test_keys_typed_right_after_next_land_in_the_next_step(emulator: ZohoEmulator, config_path: Path,
                                                                 port: int) -> None:  # noqa: F811
    """A fast typist (or a paste) goes on typing right after Next: nothing is lost, and nothing lands in
    the step being left, also while step 5's save runs."""
    register(emulator, port)
    app = make_app(config_path)

    def burst(text: str) -> None:  # Next and the keys at once: nothing waits for the next step in between
        app.post_message(events.Key("ctrl+n", None))
        for char in text:
            app.post_message(events.Key(char, char))

    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "secret-tab")
        burst("1000.ABC")
        client_id = lambda: screen.query("#client-id").first(Input).value if screen.query("#client-id") else ""  # noqa: E731
        await wait_for(pilot, lambda: client_id() == "1000.ABC", what="the keys in step 5's first field")
        await type_into(pilot, "#client-id", CLIENT_ID)
        await type_into(pilot, "#client-secret", CLIENT_SECRET)
        burst("typed-during-the-save")  # Save (a commit in a worker), then step 6's paste box
        paste = lambda: screen.query("#auth-paste").first(Input).value if screen.query("#auth-paste") else ""  # noqa: E731
        await wait_for(pilot, lambda: paste() == "typed-during-the-save", what="the keys in step 6's paste box")
        assert screen.query_one("#client-secret", Input).value == CLIENT_SECRET  # the saved field unchanged
        assert Store(config_path).load().get("desk").client_secret == CLIENT_SECRET


async def test_the_wizard_footer_shows_quit(config_path: Path) -> None:
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        assert await shows(pilot, "^q Quit")
        await pilot.resize_terminal(60, 20)  # narrow: the keys keep their place, "^p palette" gives way
        assert await shows(pilot, "^q Quit") and "palette" not in frame_text(app).splitlines()[-1]
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, what="the app to quit")


async def test_another_data_centres_secret_on_step_6(emulator: ZohoEmulator, two_dcs: Path,  # noqa: F811
                                                     browser: Browser, port: int,  # noqa: F811
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A Multi-DC client whose secret differs in lab-eu; the user is in lab-eu: step 6 names both fixes,
    takes lab-eu's secret (masked, reveal toggle), stores it off the UI thread and authorizes again."""
    emulator.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri_for(port)], multi_dc=True,
                             dc_secrets={"lab-eu": EU_SECRET})
    emulator.user_location = "lab-eu"
    locks = record_lock_threads(monkeypatch)
    app = make_app(two_dcs)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "authorize", client_id=CLIENT_ID, secret=CLIENT_SECRET)
        panel = auth_panel(screen)
        await wait_for(pilot, lambda: panel.error is not None, what="the refusal")
        assert isinstance(panel.error, MultiDCRejected) and panel.error.dc == "lab-eu"
        text = shown(screen, "auth-error")
        assert "enable lab-eu under Multi-DC in the client's Settings tab" in text
        assert "enter lab-eu's own Client Secret below" in text and "zconnect secret" not in text
        field = screen.query_one("#dc-secret", Input)
        await wait_for(pilot, lambda: screen.focused is field, what="the focus on lab-eu's secret")
        assert field.display and field.password
        await type_into(pilot, "#dc-secret", EU_SECRET)
        assert EU_SECRET not in frame_text(app)
        screen.query_one("#dc-secret-reveal", Checkbox).value = True
        await pilot.pause()
        field.scroll_visible(animate=False)
        assert await shows(pilot, EU_SECRET)  # revealed while the user checks it
        screen.query_one("#dc-secret-reveal", Checkbox).value = False
        await pilot.pause()
        assert EU_SECRET not in frame_text(app)
        screen.query_one("#dc-secret", Input).focus()
        await pilot.press("enter")  # saves it (not the wizard's Next) and authorizes again
        await wait_for(pilot, lambda: key_of(screen) == "organization", what="authorized with lab-eu's secret")
        assert screen.draft.client_secrets == {"lab-eu": EU_SECRET}
    conn = Store(two_dcs).load().get("desk")
    assert conn.client_secrets == {"lab-eu": EU_SECRET} and conn.client_secret == CLIENT_SECRET
    assert conn.location == "lab-eu" and conn.token.refresh_token
    exchanges = emulator.token_requests("authorization_code")
    assert [e.form["client_secret"] for e in exchanges] == [CLIENT_SECRET, EU_SECRET]
    assert locks and not any(locks)  # the secret's save took the lock off the UI thread, like the others


async def test_invalid_client_sends_the_wizard_back_to_step_5(emulator: ZohoEmulator, config_path: Path,
                                                              browser: Browser, port: int) -> None:  # noqa: F811
    """The same error, worded by each front end: the wizard names its step, the CLI its commands."""
    register(emulator, port)
    app = make_app(config_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await drive_to(pilot, "authorize", client_id=CLIENT_ID, secret="not-the-secret-0123456789")
        panel = auth_panel(screen)
        await wait_for(pilot, lambda: panel.error is not None, what="invalid_client")
        text = shown(screen, "auth-error")
        assert "(invalid_client)" in text and "Back to step 5 (Client credentials)" in text
        assert "zconnect" not in text and not screen.query_one(".dc-secret").display
        cli = run_cli("authorize", "desk", "--timeout", "20")
        assert cli.code == 1 and "`zconnect secret desk`" in cli.err and "Multi-DC" in cli.err
        await pilot.press("escape")  # not busy: back to step 5
        assert key_of(screen) == "credentials"
        await type_into(pilot, "#client-secret", CLIENT_SECRET)
        await next_step(pilot)  # Save again, then authorize
        await wait_for(pilot, lambda: key_of(wizard(pilot)) == "organization", what="authorized")
    assert Store(config_path).load().get("desk").status == "authorized"
