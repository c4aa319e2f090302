"""Text from outside (Zoho's JSON, the consent callback, the connections file) made safe for a terminal.

An organisation named `Acme\\x1b]52;c;…\\x07` would otherwise write the clipboard of whoever runs
`zconnect list`; U+202E would reorder what a line appears to say. `clean` is applied where such
strings enter (and so before they are stored) and again where anything is printed or shown.
"""

from __future__ import annotations

_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A))
"""Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)."""
_SPACE_LIKE = (0x09, 0x0A, 0x0D)


def _table(keep: str) -> dict[int, str | None]:
    table: dict[int, str | None] = {c: None for c in (*range(0x00, 0x20), *range(0x7F, 0xA0), *_BIDI)}
    for c in _SPACE_LIKE:
        table[c] = " "  # "a\nb" must not become "ab" (or a second line)
    # A lone surrogate (valid in JSON's "\ud800") cannot be encoded when printed: replace it.
    table.update({c: "\ufffd" for c in range(0xD800, 0xE000)})
    for ch in keep:
        table.pop(ord(ch), None)
    return table


_TABLES: dict[str, dict[int, str | None]] = {}


def clean(text: str, *, keep: str = "", limit: int | None = None) -> str:
    """`text` without C0/C1 control characters, bidi overrides/isolates and lone surrogates.

    Tabs and line breaks become spaces unless listed in `keep` (`"\\n"` for multi-line text
    of our own, `"\\t"` in tables); `limit` truncates overlong text (with "…").
    """
    table = _TABLES.get(keep)
    if table is None:
        table = _TABLES[keep] = _table(keep)
    out = text.translate(table)
    if limit is not None and len(out) > limit:
        out = out[: max(limit - 1, 0)] + "…"
    return out


def text_field(value: object, limit: int = 200) -> str:
    """A string from Zoho's JSON, cleaned for the terminal; anything else (a number, null, a list) is ""."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # ids and codes sometimes arrive as numbers
    return clean(value, limit=limit) if isinstance(value, str) else ""
