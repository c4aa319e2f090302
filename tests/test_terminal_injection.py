"""Issue #8 item 2: text from Zoho, from the callback or from the file never drives the terminal.

Every hostile string carries ESC, BEL, OSC 52 (write the clipboard), CSI 2J (clear the screen), the C1
CSI `\\x9b` and U+202E (right-to-left override); none of them may reach stdout, stderr or the TUI.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import Registered
from inprocess import zconnect
from reliability.lab import Lab, one_line_error
from test_tui_dashboard import note_containing
from test_tui_support import SIZE, frame_text, make_app, notices, wait_for
from textual.widgets import DataTable, Static

from zconnect_tui.cli_io import IO
from zconnect_tui.commands import _out
from zconnect_tui.store import Store
from zconnect_tui.text import clean
from zconnect_tui.tui.screens.dashboard import DashboardScreen
from zconnect_tui.tui.screens.details import DetailsScreen

OSC52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"
HOSTILE = f"Acme{OSC52}\x1b[2J\x07\x9b31m\u202eevil\u2066"
"""Shown after cleaning as "Acme]52;c;ZWNobyBwd25lZA==[2J31mevil": harmless text."""
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def assert_clean(*texts: str) -> None:
    for text in texts:
        assert not CONTROL.search(text), repr(text)


def test_clean_strips_controls_and_bidi_but_keeps_the_words() -> None:
    assert clean(HOSTILE) == "Acme]52;c;ZWNobyBwd25lZA==[2J31mevil"
    assert clean("a\tb\nc\r\n") == "a b c  " and clean("a\tb\nc", keep="\t\n") == "a\tb\nc"
    assert clean("x\ud800y") == "x\ufffdy"  # a lone surrogate from JSON cannot be printed: replaced
    assert clean("Zoho Ünïcode 日本 😀") == "Zoho Ünïcode 日本 😀"


def test_cli_output_is_cleaned_where_it_is_printed(capsys) -> None:  # noqa: ANN001
    _out(IO(), f"org {HOSTILE}\tnext\nline two")
    out = capsys.readouterr().out
    assert_clean(out)
    assert out == "org Acme]52;c;ZWNobyBwd25lZA==[2J31mevil\tnext\nline two\n"


def test_hostile_names_from_zoho_through_authorize_list_show_and_test(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", authorized=False)
        for org in lab.emu.orgs:
            org["companyName"] = f"{org['companyName']} {HOSTILE}"
            org["portalName"] = HOSTILE
        # A hostile organisation id: CRM's is stored as it comes (a Desk one must also pass Desk's orgId
        # check, which a cleaned id cannot: that connection would keep no organisation, and say so).
        lab.emu.crm_org.update(id=f"4150868000000225013{OSC52}", company_name=HOSTILE)
        lab.emu.user.update(Email=f"ada{HOSTILE}@example.com", Display_Name=HOSTILE)
        lab.emu.redirect_extra = {"location": HOSTILE}
        lab.add("crm", service="crm", authorized=False)
        runs = [zconnect("authorize", name, "--timeout", "30", env=lab.env(**lab.browser_env()))
                for name in ("desk", "crm")]
        assert runs[0].code == runs[1].code == 0, (runs[0].err, runs[1].err)
        stored, crm = Store(lab.config).load().get("desk"), Store(lab.config).load().get("crm")
        for conn in (stored, crm):  # cleaned before it was stored
            assert_clean(conn.org_name, conn.org_id, conn.location)
        assert "Difference Works Acme]52;c;" in stored.org_name
        assert crm.org_id.startswith("4150868000000225013]52;c;") and crm.org_name.startswith("Acme]52;c;")
        lab.add("people", service="custom")  # verified through /oauth/user/info: the user's name
        runs += [zconnect(*args, env=lab.env()) for args in (
            ("list",), ("list", "--json"), ("show", "desk"), ("show", "desk", "--json"), ("test", "desk"),
            ("test", "people"), ("test", "people", "--json"), ("export", "desk", "--format", "env"))]
        for run in runs:
            assert run.code == 0, (run.label, run.err)
            assert_clean(run.out, run.err)
        assert "Acme]52;c;ZWNobyBwd25lZA==" in runs[2].out and "Signed in as ada" in runs[7].out


def test_a_hostile_name_written_into_the_file_is_cleaned_on_every_read(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk")
        toml = json.dumps(HOSTILE)  # a TOML basic string: \u001b escapes survive a hand edit
        lab.config.write_text(lab.config.read_text().replace('[connections.desk]\n',
                                                             f'[connections.desk]\norg_name = {toml}\nuser = {toml}\n'))
        for args in (("list",), ("show", "desk"), ("show", "desk", "--reveal")):
            run = zconnect(*args, env=lab.env())
            assert run.code == 0, run.err
            assert_clean(run.out, run.err)
            assert "Acme]52;c;" in run.out


def test_hostile_error_texts_are_one_clean_line(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", expired=True)
        lab.emu.queue_response("/oauth/v2/token", {"error": HOSTILE, "error_description": HOSTILE})
        refresh = zconnect("refresh", "desk", env=lab.env())
        lab.emu.queue_response("/api/v1/organizations", {"errorCode": HOSTILE, "message": HOSTILE}, status=422)
        test = zconnect("test", "desk", env=lab.env())
        lab.add("other", authorized=False)
        lab.emu.redirect_extra = {"error": HOSTILE}  # the callback's own parameter
        authorize_run = zconnect("authorize", "other", "--timeout", "30", env=lab.env(**lab.browser_env()))
        for run in (refresh, test, authorize_run):
            assert run.code == 1 and one_line_error(run.err), (run.label, run.err)
            assert_clean(run.out, run.err)
            assert "Acme]52;c;" in run.err


async def test_tui_cells_details_and_notifications_show_no_control_character(
        authorized_desk_no_browser: Registered, config_path: Path, emulator) -> None:  # noqa: ANN001
    text = json.dumps(HOSTILE)
    config_path.write_text(re.sub(r'(?m)^org_name = .*$', lambda _: f"org_name = {text}\nlast_error = {text}",
                                  config_path.read_text()))
    app = make_app(config_path, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        cells = [cell.plain for cell in screen.query_one(DataTable).get_row("desk")]
        assert_clean(*cells)
        assert screen.query_one(DataTable).get_cell("desk", "org").plain.startswith("Acme]52;c;")
        # The details panel beside the table: the organisation and the last error, cleaned.
        await wait_for(pilot, lambda: any(value.startswith("Acme]52;c;") for _, value in screen.details_rows),
                       what="the details panel")
        assert_clean(*(value for _, value in screen.details_rows), frame_text(app))  # the whole screen too
        assert ("Last error", "Acme]52;c;ZWNobyBwd25lZA==[2J31mevil") in screen.details_rows
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailsScreen), what="details")
        details = app.screen.text
        assert_clean(details, str(app.screen.query_one("#details-body", Static).content), frame_text(app))
        assert "Organization: Acme]52;c;" in details
        await pilot.press("escape")
        # A refresh refused with a hostile error_description: the notification is clean too.
        emulator.queue_response("/oauth/v2/token", {"error": HOSTILE, "error_description": HOSTILE})
        await pilot.press("r")
        note = await note_containing(pilot, "Acme]52;c;")
        assert_clean(note)
        # Any notification, whoever sends it, is cleaned by the app.
        app.notify(HOSTILE, title=HOSTILE)
        await pilot.pause()
        assert_clean(*(f"{n.title} {n.message}" for n in notices(app)))
