"""Long names (#22, item 5, the CLI's half): `zconnect list` fits the terminal as gh's tables do, cutting names
with "…" so the token state always shows; piped or `--json`, every value is whole. A name over the limit is
refused for its length."""

from __future__ import annotations

import json

import pytest
from api_lab import run_on_tty
from reliability.lab import Lab, one_line

from zconnect_tui.cli_list import cells
from zconnect_tui.model import validate_name

LONG = "customer-support-desk-for-the-european-subsidiary-and-partners-1"  # 64: the longest a name can be
ORG = "組織" * 20  # wide characters: two cells each


@pytest.fixture
def lab(bare_lab: Lab) -> Lab:
    """conftest's bare_lab with the longest name (its organisation's name in wide characters) and a desk not
    authorized."""
    bare_lab.add(LONG)
    bare_lab.store.update(LONG, lambda c: setattr(c, "org_name", ORG))
    bare_lab.add("desk", authorized=False)
    return bare_lab


def list_on_terminal(lab: Lab, columns: int, *args: str) -> list[str]:
    """`zconnect list` with stdout on a pseudo-terminal `columns` wide (no COLUMNS variable: the terminal's own)."""
    code, shown, err = run_on_tty(lab, "list", *args, columns=columns)
    assert code == 0, err
    return shown.splitlines()


@pytest.mark.parametrize("columns", [80, 60])
def test_list_fits_the_terminal_and_always_shows_the_token_state(lab: Lab, columns: int) -> None:
    assert lab.cli("use", LONG).code == 0  # the default's marker takes its room too
    lines = list_on_terminal(lab, columns)
    assert len(lines) == 3 and all(cells(line) <= columns for line in lines), lines
    header, long_row, desk_row = lines
    assert header.split() == ["NAME", "SERVICE", "DC", "ORGANIZATION", "TOKEN"]
    assert long_row.startswith("* customer-su") and "…" in long_row and LONG not in long_row
    assert long_row.endswith(" valid 59m") or long_row.endswith(" valid 1h00m"), long_row
    assert desk_row.startswith("  desk ") and desk_row.endswith(" not authorized"), desk_row
    # The columns still line up: TOKEN starts in the same cell on every row.
    starts = {cells(line[: line.rindex(word)]) for line, word in zip(lines, ("TOKEN", "valid", "not"), strict=True)}
    assert len(starts) == 1, lines


def test_list_piped_or_as_json_keeps_every_value_whole(lab: Lab) -> None:
    piped = lab.cli("list")
    assert piped.code == 0 and LONG in piped.out and ORG in piped.out and "…" not in piped.out
    rows = json.loads(lab.cli("list", "--json").out)
    assert [r["name"] for r in rows] == [LONG, "desk"] and rows[0]["org_name"] == ORG
    assert lab.cli("list", "--names").out == f"{LONG}\ndesk\n"


def test_a_name_over_the_limit_is_refused_for_its_length(lab: Lab) -> None:
    too_long = LONG + "x"
    for args in (("add", too_long, "--service", "desk", "--dc", "lab", "--client-id", "1000.A"),
                 ("new", "--name", too_long)):
        done = lab.cli(*args, stdin="s3cret\n")
        assert done.code == 2, done
        assert "The connection name is 65 characters long; the limit is 64." in one_line(done.err)
    with pytest.raises(Exception, match="65 characters long"):  # the rule the wizard's name field uses too
        validate_name(too_long)
    assert validate_name(LONG) == LONG
