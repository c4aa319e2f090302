"""Invisible format characters (zero-width spaces and joiners, word joiner, BOM, tags: Unicode's Cf) never
reach the terminal, and a name that differs from another only by one is never shown as the same name.

Connection names are ours: the one name rule refuses them. Organisation and user names are Zoho's: they
are cleaned where they enter and where they are shown (and told apart by their ids).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

from inprocess import zconnect
from reliability.lab import Lab, one_line_error

from zconnect_tui.model import validate_name
from zconnect_tui.store import Store
from zconnect_tui.text import clean

DRAWN = {0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x110BD, 0x110CD}
"""The format characters a terminal draws (number signs that carry digits): kept."""
ZW = "\u200b\u200c\u200d\u2060\ufeff\u00ad\U000e0041"
"""Zero-width space, non-joiner, joiner, word joiner, BOM, soft hyphen, a tag letter."""


def test_every_invisible_format_character_is_stripped_or_escaped() -> None:
    cf = [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf" and c not in DRAWN]
    text = "A" + "".join(map(chr, cf)) + "cme"
    assert clean(text) == "Acme"
    escaped = clean(text, escape=True)  # `zconnect api` on a terminal: visible, still valid inside JSON
    assert escaped.isascii() and escaped.startswith("A\\u00adcme"[:7]) and json.loads(f'"{escaped}"') == text
    assert clean("\u0600\u0661 \u3164x\u115f") == "\u0600\u0661 x"  # a drawn number sign stays; fillers go
    assert clean("👩\u200d💻 Zoho Ünïcode 日本") == "👩💻 Zoho Ünïcode 日本"


def test_a_connection_name_with_an_invisible_character_is_refused(tmp_path: Path) -> None:
    env = {"ZCONNECT_CONFIG": str(tmp_path / "c.toml"), "ZOHO_SECRET": "s3cr3t"}
    args = ("--service", "desk", "--dc", "us", "--client-id", "1000.ABC", "--scopes", "Desk.basic.READ",
            "--client-secret-env", "ZOHO_SECRET")
    assert zconnect("add", "desk", *args, env=env).code == 0
    for name in ("desk\u200b", "de\u2060sk", "\ufeffdesk", "desk\n"):  # "desk\n" passed the rule's `$` before
        run = zconnect("add", name, *args, env=env)
        assert run.code == 2 and one_line_error(run.err), (name, run.err)
        assert "is not a usable connection name" in run.err
        try:
            validate_name(name)
        except Exception as exc:  # noqa: BLE001 - the rule's own error
            assert "\\u" in str(exc) or "\\n" in str(exc)  # the message shows what is there
        else:
            raise AssertionError(f"{name!r} passed the name rule")
    assert list(Store(tmp_path / "c.toml").load().connections) == ["desk"]


def test_a_hand_written_name_with_an_invisible_character_is_named_visibly(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('version = 1\n[connections."desk\\u200b"]\nservice = "desk"\n')
    config.chmod(0o600)
    run = zconnect("list", env={"ZCONNECT_CONFIG": str(config)})
    assert run.code == 1 and one_line_error(run.err)
    assert "'desk\\u200b' is not a usable connection name" in run.err  # not "'desk'", which would look fine


def test_zohos_names_with_invisible_characters_are_cleaned_stored_and_shown(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk", authorized=False)
        for org in lab.emu.orgs:
            org["companyName"] = org["companyName"].replace(" ", f"{ZW} ")
        lab.emu.user.update(Email=f"ada{ZW}@example.com", Display_Name=f"A{ZW}da")
        run = zconnect("authorize", "desk", "--timeout", "30", env=lab.env(**lab.browser_env()))
        assert run.code == 0, run.err
        stored = Store(lab.config).load().get("desk")
        assert stored.org_name == "Difference Works"
        lab.config.write_text(lab.config.read_text().replace('org_name = "Difference Works"',
                                                             'org_name = "Differ\\u200bence Works\\ufeff"'))
        runs = [run] + [zconnect(*args, env=lab.env()) for args in (("list",), ("show", "desk"), ("test", "desk"))]
        for each in runs:
            assert each.code == 0, each.err
            assert not any(ch in each.out + each.err for ch in ZW), (each.label, each.out)
        assert "Difference Works" in runs[1].out and "Difference Works" in runs[2].out
