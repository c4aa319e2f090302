"""Invisible characters (Unicode's default ignorables: zero-width spaces and joiners, word joiner, BOM, variation
selectors, tags; and the other format characters, Cf) never reach the terminal, and a name that differs from
another only by one is never shown as the same name.

Connection names are ours: the one name rule refuses them. Organisation and user names are Zoho's: they
are cleaned where they enter and where they are shown (and told apart by their ids).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import unicodedata
from pathlib import Path
from types import ModuleType

from inprocess import zconnect
from reliability.lab import Lab, one_line_error

from zconnect_tui import _ignorable
from zconnect_tui.model import validate_name
from zconnect_tui.store import Store
from zconnect_tui.text import clean

ROOT = Path(__file__).resolve().parent.parent
ZW = "\u200b\u200c\u200d\u2060\ufeff\u00ad\U000e0041"
"""Zero-width space, non-joiner, joiner, word joiner, BOM, soft hyphen, a tag letter."""
MISSED_BEFORE = "\u034f\ufe00\ufe0f\u17b4\u17b5\u180b\u180f\U000e0100\U000e01ef\U000e0fff\ufff0"
"""What the hand-typed list let through (#18): combining grapheme joiner, variation selectors, Khmer inherent
vowels, Mongolian free variation selectors, a reserved default ignorable."""


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_ignorable", ROOT / "scripts" / "gen_ignorable.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ucd_property(path: Path, name: str) -> set[int]:
    """The code points a UCD property file gives `name`, read here without the generator's code."""
    points: set[int] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = [f.strip() for f in line.split("#")[0].split(";")]
        if len(fields) >= 2 and fields[1] == name:
            first, _, last = fields[0].partition("..")
            points.update(range(int(first, 16), int(last or first, 16) + 1))
    return points


def _points(ranges: tuple[tuple[int, int], ...]) -> set[int]:
    return {c for first, last in ranges for c in range(first, last + 1)}


def test_the_invisible_set_is_generated_from_unicodes_own_data() -> None:
    """_ignorable.py is exactly what scripts/gen_ignorable.py makes from the UCD files the test extra installs
    (a hand edit, or a module made from other data, fails), and its Default_Ignorable_Code_Point is the one in
    DerivedCoreProperties.txt, read here by a parser of the test's own."""
    gen = _generator()
    ucd = gen.default_ucd_dir(_ignorable.UNICODE_VERSION)
    assert (ROOT / "zconnect_tui" / "_ignorable.py").read_text(encoding="utf-8") == gen.render(ucd), \
        "run scripts/gen_ignorable.py"
    ignorable = _ucd_property(ucd / "DerivedCoreProperties.txt", "Default_Ignorable_Code_Point")
    assert _points(_ignorable.DEFAULT_IGNORABLE) == ignorable and len(ignorable) == 4174
    drawn = _ucd_property(ucd / "PropList.txt", "Prepended_Concatenation_Mark")
    assert not drawn & _points(_ignorable.OTHER_FORMAT) and 0x0600 in drawn and 0x110CD in drawn
    if unicodedata.unidata_version == _ignorable.UNICODE_VERSION:  # the data files agree with Python's own
        for line in (ucd / "UnicodeData.txt").read_text(encoding="utf-8").splitlines():
            code, name, category = line.split(";")[:3]
            assert unicodedata.category(chr(int(code, 16))) == category, (code, name)


def test_every_invisible_character_is_stripped_or_escaped() -> None:
    """Every default ignorable (the UCD's list), every format character (Cf, from this Python's `unicodedata`)
    but the drawn number marks, and every variation selector goes; line and paragraph separators become
    spaces; no other space does."""
    ucd = _generator().default_ucd_dir(_ignorable.UNICODE_VERSION)
    drawn = _ucd_property(ucd / "PropList.txt", "Prepended_Concatenation_Mark")
    ignorable = _ucd_property(ucd / "DerivedCoreProperties.txt", "Default_Ignorable_Code_Point")
    cf = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    selectors = {c for c in range(sys.maxunicode + 1) if "VARIATION SELECTOR" in unicodedata.name(chr(c), "")}
    assert len(selectors) == 16 + 240 + 4 and ord(MISSED_BEFORE[0]) in ignorable
    invisible = sorted(ignorable | selectors | (cf - drawn) | set(map(ord, MISSED_BEFORE)))
    text = "A" + "".join(map(chr, invisible)) + "cme"
    assert clean(text) == "Acme"
    escaped = clean(text, escape=True)  # `zconnect api` on a terminal: visible, still valid inside JSON
    assert escaped.isascii() and escaped.startswith("A\\u00adcme"[:7]) and json.loads(f'"{escaped}"') == text
    assert clean("".join(map(chr, drawn))) == "".join(map(chr, drawn))  # the number signs are drawn: kept
    assert clean("a\u2028b\u2029c") == "a b c" and clean("a\u2028b", escape=True) == "a\\u2028b"
    spaces = "".join(chr(c) for c in range(0xA0, sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Zs")
    assert clean(spaces) == spaces  # no-break, ideographic, … spaces are seen, so White_Space is never stripped
    assert clean("\u0600\u0661 \u3164x\u115f") == "\u0600\u0661 x"  # a drawn number sign stays; fillers go
    assert clean("👩\u200d💻 Zoho Ünïcode 日本 ❤\ufe0f") == "👩💻 Zoho Ünïcode 日本 ❤"


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
