"""Text from outside (Zoho's JSON, the consent callback, the connections file) made safe for a terminal.

An organisation named `Acme\\x1b]52;c;…\\x07` would otherwise write the clipboard of whoever runs
`zconnect list`; U+202E would reorder what a line appears to say. `clean` is applied where such
strings enter (and so before they are stored) and again where anything is printed or shown.
"""

from __future__ import annotations

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
"""Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the invisible
direction marks (LRM, RLM, ALM), which can also make a line read differently than it is."""
_INVISIBLE = (0xAD, 0x180E, *range(0x200B, 0x200E), *range(0x2060, 0x2066), *range(0x206A, 0x2070), 0xFEFF,
              *range(0xFFF9, 0xFFFC), *range(0x13430, 0x13440), *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B),
              0xE0001, *range(0xE0020, 0xE0080), 0x115F, 0x1160, 0x3164, 0xFFA0)
"""The rest of Unicode's format characters (category Cf: zero-width space, joiners, word joiner, BOM, soft
hyphen, invisible operators, tags, …) and the Hangul fillers: invisible, so "Acme\u200b" would pass for
"Acme". Spelled out rather than computed from `unicodedata` at import (a scan of every code point costs
a third of a second); a test checks the list against `unicodedata`. Kept: the Arabic and Kaithi number
marks (U+0600–U+0605, U+06DD, U+070F, U+0890–U+0891, U+08E2, U+110BD, U+110CD), format characters
that are drawn. ZWJ goes too: an emoji sequence then shows as its separate emoji, a fair price."""
_SPACE_LIKE = (0x09, 0x0A, 0x0D)


_UNSAFE = (*range(0x00, 0x20), *range(0x7F, 0xA0), *_BIDI, *_INVISIBLE, *range(0xD800, 0xE000))
"""Every character that must not reach a terminal as it is: the one definition zconnect uses."""


def _escaped(c: int) -> str:
    """`\\uXXXX`, as JSON spells it (a surrogate pair above U+FFFF)."""
    if c <= 0xFFFF:
        return f"\\u{c:04x}"
    c -= 0x10000
    return f"\\u{0xD800 + (c >> 10):04x}\\u{0xDC00 + (c & 0x3FF):04x}"


def _table(keep: str, escape: bool) -> dict[int, str | None]:
    if escape:  # shown, not dropped: `\u001b` reads as what it is (and is still valid inside JSON)
        table: dict[int, str | None] = {c: _escaped(c) for c in _UNSAFE}
    else:
        table = {c: None for c in _UNSAFE}
        for c in _SPACE_LIKE:
            table[c] = " "  # "a\nb" must not become "ab" (or a second line)
        # A lone surrogate (valid in JSON's "\ud800") cannot be encoded when printed: replace it.
        table.update({c: "\ufffd" for c in range(0xD800, 0xE000)})
    for ch in keep:
        table.pop(ord(ch), None)
    return table


_TABLES: dict[tuple[str, bool], dict[int, str | None]] = {}


def clean(text: str, *, keep: str = "", limit: int | None = None, escape: bool = False) -> str:
    """`text` without C0/C1 control characters, bidi overrides/isolates/marks, invisible format characters
    (zero-width spaces and joiners, BOM, tags) and lone surrogates.

    Tabs and line breaks become spaces unless listed in `keep` (`"\\n"` for multi-line text
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
