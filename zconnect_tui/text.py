"""Text from outside (Zoho's JSON, the consent callback, the connections file) made safe for a terminal.

An organisation named `Acme\\x1b]52;c;…\\x07` would otherwise write the clipboard of whoever runs
`zconnect list`; U+202E would reorder what a line appears to say. `clean` is applied where such
strings enter (and so before they are stored) and again where anything is printed or shown.
"""

from __future__ import annotations

from zconnect_tui._ignorable import DEFAULT_IGNORABLE, OTHER_FORMAT, SEPARATORS

_INVISIBLE = (*DEFAULT_IGNORABLE, *OTHER_FORMAT)
"""What a terminal draws as nothing, so "Acme\\u200b" would pass for "Acme" and U+202E would reorder a line:
Unicode's Default_Ignorable_Code_Point (zero-width spaces and joiners, soft hyphen, word joiner, BOM, bidi
marks, embeddings, overrides and isolates, variation selectors, tags, the Hangul fillers, and the code points
Unicode reserves for more of them) and every other format character (Cf). Generated from Unicode's own data
(scripts/gen_ignorable.py writes _ignorable.py; tests/test_invisible_text.py regenerates it from the UCD files
the test extra installs, offline, and checks it against `unicodedata`), not typed, and not computed from
`unicodedata` (a scan of every code point costs a third of a second). Kept: the Arabic and Kaithi number marks
(Prepended_Concatenation_Mark: U+0600–U+0605, U+06DD, …), format characters that are drawn. ZWJ and the
variation selectors go too: an emoji sequence then shows as its separate emoji, in text style, a fair price."""
_SPACE_LIKE = ((0x09, 0x0A), (0x0D, 0x0D), *SEPARATORS)
"""Tab, line feed, carriage return and the line and paragraph separators (U+2028, U+2029): spaces."""
_SURROGATES = ((0xD800, 0xDFFF),)

_UNSAFE = ((0x00, 0x1F), (0x7F, 0x9F), *_INVISIBLE, *SEPARATORS, *_SURROGATES)
"""Every character that must not reach a terminal as it is (ranges, both ends included): the one definition
zconnect uses. Expanded once per `clean` variant, on its first use, not at import."""


def _points(ranges: tuple[tuple[int, int], ...]) -> list[int]:
    return [c for first, last in ranges for c in range(first, last + 1)]


def _escapes(points: list[int]) -> dict[int, str | None]:
    """Each code point as `\\uXXXX`, as JSON spells it (a surrogate pair above U+FFFF). The 4,096 tags'
    pairs are joined from their halves, each formatted once: formatting is what this table costs."""
    table: dict[int, str | None] = {c: f"\\u{c:04x}" for c in points if c <= 0xFFFF}
    astral = [c for c in points if c > 0xFFFF]
    high = {h: f"\\u{0xD7C0 + h:04x}" for h in {c >> 10 for c in astral}}  # a handful
    low = {lo: f"\\u{0xDC00 + lo:04x}" for lo in {c & 0x3FF for c in astral}}
    table.update({c: high[c >> 10] + low[c & 0x3FF] for c in astral})
    return table


def _table(keep: str, escape: bool) -> dict[int, str | None]:
    if escape:  # shown, not dropped: `\u001b` reads as what it is (and is still valid inside JSON)
        table = _escapes(_points(_UNSAFE))
    else:
        table = dict.fromkeys(_points(_UNSAFE))
        table.update(dict.fromkeys(_points(_SPACE_LIKE), " "))  # "a\nb" must not become "ab" (or a second line)
        # A lone surrogate (valid in JSON's "\ud800") cannot be encoded when printed: replace it.
        table.update(dict.fromkeys(_points(_SURROGATES), "\ufffd"))
    for ch in keep:
        table.pop(ord(ch), None)
    return table


_TABLES: dict[tuple[str, bool], dict[int, str | None]] = {}


def clean(text: str, *, keep: str = "", limit: int | None = None, escape: bool = False) -> str:
    """`text` without C0/C1 control characters, bidi overrides/isolates/marks, invisible characters
    (Unicode's default ignorables: zero-width spaces and joiners, BOM, variation selectors, tags; and
    the other format characters) and lone surrogates.

    Tabs, line breaks and U+2028/U+2029 become spaces unless listed in `keep` (`"\\n"` for multi-line text
    of our own, `"\\t"` in tables); `limit` truncates overlong text (with "…"). With `escape`
    each such character not kept is shown as a visible `\\uXXXX` instead (`zconnect api` on a
    terminal: the body reads as Zoho sent it, yet nothing in it can drive the terminal).
    """
    table = _TABLES.get((keep, escape))
    if table is None:
        table = _TABLES[(keep, escape)] = _table(keep, escape)
    out = text.translate(table)
    if limit is not None and len(out) > limit:
        out = out[: max(limit - 1, 0)] + "…"
    return out


def text_field(value: object, limit: int = 200) -> str:
    """A string from Zoho's JSON, cleaned for the terminal; anything else (a number, null, a list) is ""."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # ids and codes sometimes arrive as numbers
    return clean(value, limit=limit) if isinstance(value, str) else ""
