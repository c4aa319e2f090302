"""The API screen (p on the dashboard) against the emulator, through Pilot at 80×24.

A saved API with its placeholder asked for, a typed call with typed fields, a 4xx with Zoho's
message and what to do, Esc cancelling a hung call (repeated presses ignored meanwhile), saving a
call that the CLI then lists and runs, control characters from Zoho shown as escapes, and no
secret on screen or in a screenshot even when a body echoes one. Snapshots at 80×24 and 120×40.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from api_lab import DESK_ORG
from pytest_textual_snapshot import SVGImageExtension
from reliability.lab import Lab
from syrupy.assertion import SnapshotAssertion
from test_tui_support import frame_text, keys_on_screen, make_app, notices, shows, type_into, wait_for
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Select, Static, TextArea

from zconnect_tui.lab import support as sup
from zconnect_tui.manager import Manager
from zconnect_tui.model import mask
from zconnect_tui.saved import SavedApi
from zconnect_tui.tui import api_answer
from zconnect_tui.tui.app import ZconnectApp
from zconnect_tui.tui.json_tree import JsonTree
from zconnect_tui.tui.screens.api import ApiScreen
from zconnect_tui.tui.screens.api_save import SaveApiModal
from zconnect_tui.tui.screens.confirm import ConfirmModal
from zconnect_tui.tui.screens.dashboard import DashboardScreen
from zconnect_tui.tui.screens.help import HelpScreen

SIZE = (80, 24)


def save(lab: Lab, name: str, key: str, api: SavedApi) -> None:
    Manager(lab.store).save_api(name, key, api)


async def open_api(pilot: Pilot, name: str = "desk") -> ApiScreen:
    """Select `name` on the dashboard and press p."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
    dashboard = app.screen
    assert isinstance(dashboard, DashboardScreen)
    await wait_for(pilot, lambda: dashboard.table.row_count > 0, what="the rows")
    dashboard.table.select(name)
    await wait_for(pilot, lambda: dashboard.selected is not None and dashboard.selected.name == name)
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(app.screen, ApiScreen), what="the API screen")
    screen = app.screen
    assert isinstance(screen, ApiScreen)
    await pilot.pause()
    return screen


async def run(pilot: Pilot, screen: ApiScreen, key: str = "ctrl+r") -> api_answer.Answer:
    """Run the call in the form and wait (bounded) for its answer."""
    before = screen.answer
    await pilot.press(key)
    await wait_for(pilot, lambda: screen.runner is None and screen.answer is not before, what="the answer")
    await pilot.pause()
    assert screen.answer is not None
    return screen.answer


async def typed(pilot: Pilot, method: str, path: str, fields: str = "", headers: str = "") -> None:
    """Fill the form (as a paste would: typing key by key is tested on the save dialog)."""
    screen = pilot.app.screen
    screen.query_one("#method", Select).value = method
    for name, text in (("path", path), ("fields", fields), ("headers", headers)):
        screen.query_one(f"#{name}", Input).value = text
    screen.query_one("#path", Input).focus()
    await pilot.pause()


def status(screen: ApiScreen) -> str:
    return str(screen.query_one("#api-status", Static).content)


def labels(tree: JsonTree) -> list[str]:
    """Every row the tree has made, as plain text."""
    out: list[str] = []
    stack = list(reversed(tree.root.children))
    while stack:
        node = stack.pop()
        out.append(node.label.plain)
        stack.extend(reversed(node.children))
    return out


def secrets(lab: Lab, name: str = "desk") -> list[str]:
    conn = lab.store.load().get(name)
    return [conn.client_secret, conn.token.access_token, conn.token.refresh_token]


# ----- running calls ------------------------------------------------------------------------------
async def test_a_saved_api_asks_for_its_placeholder_and_runs(lab: Lab) -> None:
    save(lab, "desk", "ticket", SavedApi("GET", "/api/v1/tickets/{id}", description="One ticket"))
    save(lab, "desk", "tickets", SavedApi("GET", "/api/v1/tickets", {"limit": 3}, description="Open tickets"))
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        rows = [str(o.prompt) for o in screen.query_one("#saved", OptionList).options]
        assert rows[0].split() == ["@ticket", "GET", "/api/v1/tickets/{id}", "One", "ticket"]
        assert not screen.query_one("#values-row").display  # nothing to ask for yet
        await pilot.press("enter")  # the first saved API fills the form
        assert screen.query_one("#path", Input).value == "/api/v1/tickets/{id}"
        assert screen.query_one("#values-row").display and screen.focused is screen.query_one("#values")
        assert screen.query_one("#values", Input).value == "id="
        await pilot.press("enter")  # Enter in Values, but id has no value yet: refused, nothing sent
        assert status(screen) == "✘ Values: this call needs {id}. Type id=… in Values."
        assert screen.runner is None and not [r for r in lab.emu.requests if r.path.startswith("/api/v1/tickets")]
        await pilot.press(*"7000000004")  # typed after the `id=` already there
        assert screen.query_one("#values", Input).value == "id=7000000004"
        answer = await run(pilot, screen, "enter")
        assert answer.status == 200 and answer.value["subject"] == "Printer on fire #5"
        sent = lab.emu.requests_to("/api/v1/tickets/7000000004")[-1]
        assert sent.headers["orgid"] == DESK_ORG
        assert status(screen).startswith("✔ 200 OK ·") and "JSON" in status(screen)
        assert 'subject: "Printer on fire #5"' in labels(screen.query_one(JsonTree))


async def test_a_typed_call_sends_typed_fields_and_headers(lab: Lab) -> None:
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        await typed(pilot, "POST", "/api/v1/tickets", "subject='Printer on fire' departmentId=1 priority=true "
                    "ref='\"42\"'", "'X-Note: from the TUI'")
        answer = await run(pilot, screen)
        assert answer.status == 200
        created = lab.emu.products.created[-1]
        assert {k: created[k] for k in ("subject", "departmentId", "priority", "ref")} == \
            {"subject": "Printer on fire", "departmentId": 1, "priority": True, "ref": "42"}  # typed like -F
        assert lab.emu.requests_to("/api/v1/tickets", "POST")[-1].headers["x-note"] == "from the TUI"
        # A CRM list on its own host: the tree starts unfolded at `data`, each record folded with a preview.
        await app.screen.dismiss(None)
        screen = await open_api(pilot, "crm")
        await typed(pilot, "GET", "/crm/v8/Leads", "per_page=2 fields=Last_Name,Company")
        answer = await run(pilot, screen)
        assert answer.status == 200 and lab.emu.requests_to("/crm/v8/Leads")[-1].query["per_page"] == "2"
        rows = labels(screen.query_one(JsonTree))
        assert rows[0] == "data [2 items]" and rows[1].startswith('0 {7 keys} id: "4150868000000000"')
        assert any(row.startswith("info {") for row in rows)


async def test_an_error_answer_shows_zohos_message_and_the_fix(lab: Lab) -> None:
    lab.store.update("desk", lambda c: setattr(c, "org_id", ""))
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        await typed(pilot, "GET", "/api/v1/tickets")
        answer = await run(pilot, screen)
        assert answer.status == 422
        shown = status(screen)
        assert shown.startswith("✘ 422 ") and "UNPROCESSABLE_ENTITY: orgId is required" in shown
        assert "Test (t) on the dashboard stores it" in shown
        assert screen.query_one("#api-status").has_class("-error")
        # Bad input in the form is one clear line, and nothing is sent.
        sent = len(lab.emu.requests)
        await typed(pilot, "GET", "/api/v1/tickets", "limit")
        await pilot.press("ctrl+r")
        assert "Fields: 'limit' is not key=value" in status(screen) and screen.runner is None
        await typed(pilot, "GET", "/api/v1/tickets", "", "'Authorization: Zoho-oauthtoken x'")
        await pilot.press("ctrl+r")
        assert "zconnect sets the Authorization header itself" in status(screen)
        assert len(lab.emu.requests) == sent


async def test_esc_cancels_a_hung_call_and_repeated_runs_are_ignored(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZCONNECT_HTTP_TIMEOUT", "60")  # only Esc can end the wait early
    lab.emu.hang_seconds = 60
    lab.emu.queue_fault("hang", path_prefix="/api/v1/tickets")
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        await typed(pilot, "GET", "/api/v1/contacts", "limit=1")
        await run(pilot, screen)
        assert screen.query_one(JsonTree).display  # an answer on screen, then a call that hangs
        await typed(pilot, "GET", "/api/v1/tickets")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: lab.emu.requests_to("/api/v1/tickets"), what="the call to reach Zoho")
        assert not screen.query_one(JsonTree).display  # the last answer is not this call's
        assert status(screen).startswith("⟳ GET /api/v1/tickets… ") and status(screen).endswith("s · Esc cancels")
        await pilot.press("ctrl+r", "enter")  # ignored while it runs
        threads = [t for t in threading.enumerate() if t.name == "zconnect-api"]
        assert len(threads) == 1 and screen.runner is not None
        await pilot.press("escape")
        await wait_for(pilot, lambda: status(screen).startswith("Cancelled GET /api/v1/tickets."), timeout=5)
        assert isinstance(app.screen, ApiScreen) and screen.runner is None and not screen.query_one(JsonTree).display
        # The blocked read was woken: the thread ends long before the server's 60 s hang.
        await wait_for(pilot, lambda: not threads[0].is_alive(), timeout=5, what="the call's thread to end")
        assert len(lab.emu.requests_to("/api/v1/tickets")) == 1
        await pilot.press("escape")  # idle, with a typed call not saved: asks first (#22 item 11)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal), what="the question")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


async def test_a_typed_call_saved_by_name_is_listed_by_the_cli(lab: Lab) -> None:
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        await typed(pilot, "GET", "/api/v1/tickets/{id}", "include=contacts", "'X-Note: saved'")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, SaveApiModal))
        await type_into(pilot, "#key", "bad name")
        await pilot.press("enter")
        assert "not a usable name" in str(app.screen.query_one("#key-error", Static).content)
        await type_into(pilot, "#key", "ticket")
        await type_into(pilot, "#description", "One ticket")
        await pilot.press("enter")
        await wait_for(pilot, lambda: status(screen).startswith("✔ Saved @ticket on desk"), what="the save")
        assert "From a shell: zconnect api desk @ticket -p id=…" in status(screen)
        assert "@ticket" in str(screen.query_one("#saved", OptionList).options[0].prompt)
    listed = lab.cli("apis", "desk")
    assert listed.code == 0 and listed.out.split("\n")[1].split() == \
        ["@ticket", "GET", "/api/v1/tickets/{id}", "include=contacts", "-p", "id"]
    stored = lab.store.load().get("desk").apis["ticket"]
    assert stored.headers == {"X-Note": "saved"} and stored.description == "One ticket"
    ran = lab.cli("api", "desk", "@ticket", "-p", "id=7000000002")
    assert ran.code == 0 and '"Printer on fire #3"' in ran.out


# ----- what reaches the screen -------------------------------------------------------------------
async def test_control_characters_from_zoho_are_shown_as_escapes(lab: Lab) -> None:
    lab.emu.products.subject = lambda i: "evil \x1b]0;owned\x07 \x9b31m \u202e txt \u00e9\nline"
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        await typed(pilot, "GET", "/api/v1/tickets/7000000000")
        await run(pilot, screen)
        rows = labels(screen.query_one(JsonTree))
        subject = next(row for row in rows if row.startswith("subject: "))
        assert subject == 'subject: "evil \\u001b]0;owned\\u0007 \\u009b31m \\u202e txt \u00e9\\nline"'
        svg = app.export_screenshot()
        assert not any(ch in svg for ch in "\x1b\x07\x9b\u202e")
        assert "\\u001b]0;owned" in frame_text(app)


async def test_no_secret_on_screen_even_when_a_body_echoes_one(lab: Lab, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    client_secret, access, refresh = secrets(lab)
    lab.emu.products.subject = lambda i: f"token {access} refresh {refresh} secret {client_secret}"
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_api(pilot)
        await typed(pilot, "GET", "/api/v1/tickets", "limit=2")
        await run(pilot, screen)
        tree = screen.query_one(JsonTree)
        tree.root.expand_all()
        await pilot.pause()
        shown = "\n".join(labels(tree))
        assert f"token {mask(access)} refresh {mask(refresh)} secret {mask(client_secret)}" in shown
        app.save_screenshot(filename="api.svg", path=str(tmp_path))  # what F12 writes
        svg = (tmp_path / "api.svg").read_text()
        for value in secrets(lab):
            assert value not in svg and value not in shown and value not in frame_text(app)
        # A text body that echoes them is masked too.
        body = f"<p>echo {access}\n{refresh}</p>".encode()
        monkeypatch.setattr(lab.emu.products, "_desk_ticket", lambda req: sup.Resp(200, "text/html", body))
        await typed(pilot, "GET", "/api/v1/tickets/7000000001")
        answer = await run(pilot, screen)
        text = screen.query_one("#api-text", TextArea)
        assert not answer.is_json and text.display and text.text == f"<p>echo {mask(access)}\n{mask(refresh)}</p>"
        assert all(value not in frame_text(app) for value in secrets(lab))


async def test_the_action_is_disabled_with_a_reason_until_authorized(lab: Lab) -> None:
    lab.add("fresh", authorized=False)
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        await wait_for(pilot, lambda: dashboard.table.row_count == 4)
        await wait_for(pilot, lambda: "p" in keys_on_screen(app), what="p in the key bar at 80×24")
        dashboard.table.select("fresh")
        await wait_for(pilot, lambda: dashboard.check_action("api", ()) is None, what="p greyed out")
        await pilot.press("p")
        assert isinstance(app.screen, DashboardScreen)
        await wait_for(pilot, lambda: "p API" in dict(dashboard.details_rows), what="the reason in the details")
        assert dict(dashboard.details_rows)["p API"] == "not now: fresh was never authorized: authorize it first (a)."
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"API calls")
        commands = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: commands.option_count > 0, what="the palette's match")
        assert "not now: fresh was never authorized" in str(commands.get_option_at_index(0).prompt)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        dashboard.table.select("desk")
        await wait_for(pilot, lambda: dashboard.check_action("api", ()) is True, what="p available")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_text = app.screen.text
        assert "p: API calls: Run a saved or typed API call" in help_text and "zconnect api NAME PATH" in help_text
        assert "API screen keys" in help_text and "Cancel the running call" in help_text


# ----- the tree stays light -------------------------------------------------------------------------
async def test_a_large_body_makes_only_what_is_unfolded(lab: Lab) -> None:
    """50,000 records: the first frame holds one batch; "… more" makes the next."""
    app = make_app(lab.config, wizard=False)
    body = {"data": [{"id": str(i), "name": f"record {i}", "tags": ["a", "b"]} for i in range(50_000)],
            "info": {"count": 50_000}}
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        tree = screen.query_one(JsonTree)
        tree.display = True
        tree.show(body)
        await pilot.pause()
        assert tree.nodes_made() <= 110  # data, its first 100 records, "… more", info and its count
        rows = labels(tree)
        assert rows[101] == "… 49,900 more not shown yet: Enter shows 100 more"
        more = tree.root.children[0].children[-1]
        tree.move_cursor(more)
        tree.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(tree.root.children[0].children) == 201, what="the next batch")
        assert labels(tree)[201] == "… 49,800 more not shown yet: Enter shows 100 more"
        long = "x" * 5000
        tree.show([long])
        assert len(labels(tree)[0]) < 220  # a value shows at most 200 characters


async def test_a_deep_body_is_text_a_long_one_cut_and_a_huge_one_refused(
        lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api_answer, "MAX_BODY", 1024 * 1024)
    bodies = iter([("application/json", b"[" * 100_000),  # deeper than any parser should recurse
                   ("text/plain", b"line\n" * 60_000), ("text/plain", b"x" * (1024 * 1024 + 1))])
    monkeypatch.setattr(lab.emu.products, "_desk_ticket", lambda req: sup.Resp(200, *next(bodies)))
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        await typed(pilot, "GET", "/api/v1/tickets/7000000001")
        answer = await run(pilot, screen)
        assert status(screen).startswith("✔ 200 OK") and not answer.is_json  # shown as the text it is
        assert screen.query_one("#api-text", TextArea).text == "[" * 100_000
        answer = await run(pilot, screen)
        text = screen.query_one("#api-text", TextArea)
        assert answer.text_cut and len(text.text) == api_answer.MAX_TEXT
        assert status(screen).endswith("293.0 KiB; showing the first 256 KiB")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: status(screen).startswith("✘ GET /api/v1/tickets/7000000001: The response "
                                                                "is larger than 1 MiB"), what="the refusal")
        assert "send the output to a file" in status(screen) and screen.runner is None


async def test_answer_rows_fit_the_width_with_no_horizontal_scrollbar(lab: Lab) -> None:
    """At 80x24 and 60x20 a record's preview and a long value end in "…" within the tree's width; Enter
    on a cut value shows it whole."""
    app = make_app(lab.config, wizard=False)
    long = "a long subject that goes on " * 6
    body = {"data": [{"id": "7000000001", "subject": long, "status": "Open", "email": "someone@example.com",
                      "contact": {"name": "x"}}], "info": {"count": 1}}
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        tree = screen.query_one(JsonTree)
        tree.display = True
        tree.show(body)
        tree.root.children[0].children[0].expand()
        tree.focus()
        for width, height in ((80, 24), (60, 20), (120, 40)):
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            await wait_for(pilot, lambda: tree.size.width > 0 and tree.virtual_size.height > 0)
            assert not tree.show_horizontal_scrollbar, (width, tree.virtual_size)
            assert tree.virtual_size.width <= tree.scrollable_content_region.width
            frame = frame_text(app)
            assert "0 {5 keys} id: \"7000000001\", subject:" in frame  # the preview, cut to the width
            assert "subject: \"a long subject" in frame and "…" in frame
        await pilot.resize_terminal(*SIZE)
        subject = tree.root.children[0].children[0].children[1]
        tree.move_cursor(subject)
        await pilot.press("enter")
        await wait_for(pilot, lambda: long.strip() in " ".join(
            str(n.message) for n in notices(app)), what="the whole value")


# ----- snapshots ---------------------------------------------------------------------------------------
async def test_api_screen_snapshots(lab: Lab, snapshot: SnapshotAssertion, monkeypatch: pytest.MonkeyPatch) -> None:
    from test_tui_snapshots import SIZES, settle

    monkeypatch.setattr(api_answer, "elapsed_text", lambda seconds: "42 ms")  # the one thing that varies
    save(lab, "desk", "ticket", SavedApi("GET", "/api/v1/tickets/{id}", description="One ticket"))
    save(lab, "desk", "tickets", SavedApi("GET", "/api/v1/tickets", {"limit": 3}, description="Open tickets"))
    app = make_app(lab.config, wizard=False)
    failed: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        await pilot.press("down", "enter")
        await run(pilot, screen)
        assert await shows(pilot, "data [3 items]")
        tree = screen.query_one(JsonTree)
        tree.root.children[0].children[0].expand()
        tree.focus()
        await pilot.pause()
        for width, height in SIZES:
            await pilot.resize_terminal(width, height)
            await settle(pilot)
            svg = app.export_screenshot(title="zconnect")
            if not snapshot(name=f"api-{width}x{height}", extension_class=SVGImageExtension) == svg:
                failed.append(f"api-{width}x{height}")
    assert isinstance(app, ZconnectApp)
    assert not failed, f"snapshots differ: {failed}"
