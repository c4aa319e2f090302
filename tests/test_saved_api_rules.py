"""Saved APIs from the file obey `--save`'s rules, and placeholders stay one segment (#18, items 3, 5, 6).

The attacks: a hand-edited (or planted) `[connections.X.apis.K]` whose field value carries an OSC 52
clipboard write and a title change (they reached the terminal through the TUI's API form), whose headers
name `Host`, a second `authorization` (two were sent), framing and hop-by-hop headers or names that are
not RFC 9110 tokens; and `-p id=..`, which turned `/api/v1/tickets/{id}/threads` into `/api/v1/threads`.
Each is refused with one line naming the key (exit 1 for the file, 2 for arguments); nothing is sent and
the file is left as it was. The TUI's form cleans what it shows again (the second layer).
"""

from __future__ import annotations

import io
import os
import re
import traceback
from contextlib import redirect_stderr, redirect_stdout

import pytest
from reliability.lab import CliRun, Lab, one_line
from test_tui_api import SIZE, open_api
from test_tui_support import make_app, wait_for
from textual.widgets import Input, OptionList

from zconnect_tui.api import ApiCall, ApiRequest
from zconnect_tui.cli import main
from zconnect_tui.errors import UsageError
from zconnect_tui.manager import Manager
from zconnect_tui.saved import SavedApi, fill, parse_apis
from zconnect_tui.tui.api_form import CallForm, form_texts

OSC52 = "\x1b]52;c;cHduZWQ=\x07"  # writes the clipboard
TITLE = "\x1b]0;owned\x07"  # renames the terminal
UNSAFE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]")  # a final line break is fine


def toml(text: str) -> str:
    """`text` as a TOML basic string's body (control characters as \\uXXXX escapes)."""
    return "".join(f"\\u{ord(c):04x}" if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 else c for c in text)


def cli(lab: Lab, *args: str) -> CliRun:
    """`zconnect ARGS` in this process, as tests/inprocess.py runs it, but with a binary stdout under the
    text one, as `zconnect api` writes Zoho's bytes there: a call that is not refused is really sent."""
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.StringIO()
    saved = os.environ.get("ZCONNECT_CONFIG")
    os.environ["ZCONNECT_CONFIG"] = str(lab.config)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except Exception:  # what the interpreter would do: a traceback on stderr
                traceback.print_exc()
                code = 1
    finally:
        if saved is None:
            os.environ.pop("ZCONNECT_CONFIG", None)
        else:
            os.environ["ZCONNECT_CONFIG"] = saved
    out.flush()
    return CliRun(args, code, out.buffer.getvalue().decode("utf-8", "replace"), err.getvalue())


def plant(lab: Lab, table: str) -> bytes:
    """Append `[connections.desk.apis.k]` lines to the file; the bytes it then holds."""
    lab.config.write_text(lab.config.read_text() + "\n[connections.desk.apis.k]\n" + table)
    return lab.config.read_bytes()


def sent(lab: Lab) -> int:
    return len([r for r in lab.emu.requests if r.path.startswith(("/api/", "/threads"))])


# ----- item 3: every string of a saved API from the file, clean ------------------------------------
HOSTILE_VALUES = [
    ('path = "/api/v1/tickets"\n[connections.desk.apis.k.fields]\nstatus = "Open{x}"\n', "fields.status"),
    ('path = "/api/v1/tickets"\n[connections.desk.apis.k.fields]\n"st{x}" = "Open"\n', "fields.'st"),
    ('path = "/api/v1/tickets"\n[connections.desk.apis.k.headers]\nX-Note = "a{x}"\n', "headers.X-Note"),
    ('path = "/api/v1/tickets{x}"\n', "path"),
    ('path = "/api/v1/tickets"\ndescription = "Open{x}"\n', "description"),
    ('path = "/api/v1/tickets"\n[connections.desk.apis.k.fields]\nnote = "two\\nlines"\n', "fields.note"),
]


@pytest.mark.parametrize(("table", "key"), HOSTILE_VALUES)
def test_a_control_character_in_a_saved_api_is_refused_when_the_file_is_read(lab: Lab, table: str,
                                                                              key: str) -> None:
    before = plant(lab, table.replace("{x}", toml(OSC52 + TITLE)))
    for args in (("apis", "desk"), ("api", "desk", "@k"), ("export", "desk", "--format", "connector"), ("list",)):
        run = cli(lab, *args)
        line = one_line(run.err)
        assert run.code == 1 and f"connections.desk.apis.k.{key}" in line and "control characters" in line, run
        assert not UNSAFE.search(run.out + run.err), run
    assert lab.config.read_bytes() == before and sent(lab) == 0


def test_the_same_values_are_refused_by_save_and_by_the_api_screens_save(lab: Lab) -> None:
    before = lab.config.read_bytes()
    for field in (f"status=Open{OSC52}", "note=two\nlines"):
        run = cli(lab, "api", "desk", "/api/v1/tickets", "-f", field, "--save", "k")
        assert run.code == 2 and "@k cannot be saved: its fields." in one_line(run.err), run
        assert not UNSAFE.search(run.err)
    with pytest.raises(UsageError, match=r"its description contains control characters \(\\u0007\\u001b\)"):
        Manager(lab.store).save_api("desk", "k", SavedApi("GET", "/api/v1/tickets", description="x" + OSC52))
    assert lab.config.read_bytes() == before


def test_the_api_form_cleans_a_saved_apis_strings_again() -> None:
    """The second layer: a SavedApi in memory that never passed the file's rule."""
    api = SavedApi("GET", f"/api/v1/{TITLE}x", {"status": f"Open{OSC52}"}, {"X-Note": f"a{OSC52}"})
    texts = form_texts(api)
    assert not any(UNSAFE.search(t) for t in texts), texts
    assert "Open]52;c;cHduZWQ=" in texts[1] and "/api/v1/]0;ownedx" == texts[0]


async def test_the_api_screen_shows_no_control_character_of_a_saved_api(lab: Lab) -> None:
    app = make_app(lab.config, wizard=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_api(pilot)
        # Put in memory, past the file's rule, as the screen shows what the file had.
        screen.conn.apis["evil"] = SavedApi("GET", f"/api/v1/tickets{TITLE}", {"status": f"Open{OSC52}"},
                                            {"X-Note": f"a{TITLE}"}, description=f"d{OSC52}")
        screen._list_saved()
        screen.query_one("#saved", OptionList).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.picked == "evil", what="the saved API in the form")
        values = [screen.query_one(f"#{box}", Input).value for box in ("path", "fields", "headers")]
        assert "Open]52;c;cHduZWQ=" in values[1], values
        assert not any(UNSAFE.search(v) for v in values), values
        row = str(screen.query_one("#saved", OptionList).get_option("evil").prompt)
        assert not UNSAFE.search(row), row


# ----- item 5: the header rules of --save, for the file too ----------------------------------------
FORBIDDEN = ["Host", "host", "Authorization", "authorization", "AUTHORIZATION", "Transfer-Encoding",
             "content-length", "Connection", '"X Y"', '"X:Y"', '"Na\u00efve"', '"X(1)"', '""']


@pytest.mark.parametrize("name", FORBIDDEN)
def test_a_header_the_save_rule_refuses_is_refused_in_the_file(lab: Lab, name: str) -> None:
    # From -H with --save: refused by the rule (a usage error). `X:Y` cannot be written with -H (its name
    # ends at the first colon).
    bare, clean_file = name.strip('"'), lab.config.read_bytes()
    if ":" not in bare:
        refused = cli(lab, "api", "desk", "/api/v1/tickets", "-H", f"{bare}: v", "--save", "k")
        assert refused.code == 2 and lab.config.read_bytes() == clean_file, refused
    # The same header in the file: refused by the same rule, naming the key.
    before = plant(lab, f'path = "/api/v1/tickets"\n[connections.desk.apis.k.headers]\n{name} = "v"\n')
    run = cli(lab, "api", "desk", "@k")
    line = one_line(run.err)
    assert run.code == 1 and "connections.desk.apis.k.headers." in line, run
    assert "is a header zconnect sets itself" in line or "is not a valid header name" in line, line
    assert lab.config.read_bytes() == before and sent(lab) == 0


def test_a_lowercase_authorization_in_the_file_never_makes_two(lab: Lab) -> None:
    """Before: `authorization` from the file and zconnect's own `Authorization` both went out."""
    plant(lab, 'path = "/api/v1/tickets"\n[connections.desk.apis.k.headers]\nauthorization = "Zoho-oauthtoken x"\n')
    run = cli(lab, "api", "desk", "@k")
    assert run.code == 1 and "headers.authorization is a header zconnect sets itself" in one_line(run.err), run
    assert sent(lab) == 0


def test_the_core_call_refuses_an_authorization_header_however_it_was_built(lab: Lab) -> None:
    """The third layer (`zconnect_tui.api`, which the TUI and scripts call): one Authorization, zconnect's."""
    for name in ("authorization", "HOST", "Transfer-Encoding"):
        call = ApiCall(Manager(lab.store), "desk", ApiRequest("GET", "/api/v1/tickets", headers=[(name, "x")]))
        with pytest.raises(UsageError, match="header itself"):
            call.run()
    assert sent(lab) == 0


def test_parse_apis_and_save_apply_one_rule() -> None:
    """The same SavedApi: refused by the file's reader exactly when saving refuses it."""
    cases = [SavedApi(headers={"Host": "x"}), SavedApi(headers={"X Y": "x"}), SavedApi(fields={"a": "b\tc"}),
             SavedApi(headers={"X-Ok": "fine"}, fields={"a": "b"}), SavedApi(path="/a\u202eb")]
    from zconnect_tui.saved import apis_to_table, check_saving

    for api in cases:
        try:
            check_saving("k", api)
            saving = None
        except UsageError as exc:
            saving = exc
        try:
            parse_apis("desk", apis_to_table({"k": api}))
            reading = None
        except Exception as exc:  # noqa: BLE001 - compared below
            reading = exc
        assert (saving is None) == (reading is None), (api, saving, reading)


# ----- item 6: a placeholder stays one segment -----------------------------------------------------
DOTS = [".", "..", "%2e", "%2e%2E", "%2E.", " .. ", "..\t", "%252e%252e", "%20..", "..%20"]


@pytest.mark.parametrize("value", DOTS)
def test_a_dot_segment_placeholder_is_a_usage_error(lab: Lab, value: str) -> None:
    for args in (("api", "desk", "/api/v1/tickets/{id}/threads", "-p", f"id={value}"),):
        run = cli(lab, *args)
        line = one_line(run.err)
        assert run.code == 2 and "{id}" in line and "another path" in line, run
    plant(lab, 'path = "/api/v1/tickets/{id}/threads"\n')
    run = cli(lab, "api", "desk", "@k", "-p", f"id={value}")
    assert run.code == 2 and "another path" in one_line(run.err), run
    with pytest.raises(UsageError, match="another path"):
        CallForm("GET", "/api/v1/tickets/{id}/threads").filled({"id": value})  # the API screen's Values
    assert sent(lab) == 0


def test_values_with_dots_that_are_ids_still_fill() -> None:
    for value, shown in (("7000000004", "7000000004"), ("a..b", "a..b"), ("...", "..."), ("../x", "..%2Fx"),
                         ("%2e%2e%2fx", "%252e%252e%252fx")):
        assert fill("/api/v1/tickets/{id}/threads", {"id": value}, in_url=True) == f"/api/v1/tickets/{shown}/threads"
    assert fill("{id}", {"id": ".."}) == ".."  # a field or header value is no path segment
