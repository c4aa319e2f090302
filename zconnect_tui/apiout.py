"""How `zconnect api` shows a response: raw to a pipe, readable and safe on a terminal.

To a pipe or file the body goes out byte for byte as Zoho sent it (with --paginate, one
page after another, each ending in a newline: a stream of JSON documents that `jq` reads as
is, like `gh api --paginate`). On a terminal JSON is pretty-printed and coloured, and
nothing from Zoho can drive the terminal: what `text.clean` strips everywhere else (C0, C1,
DEL, bidi overrides and marks, lone surrogates) is shown here as `\\uXXXX` escapes instead, so
the body still reads as Zoho sent it. `-i` puts the status line and headers on stderr.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any

from zconnect_tui import safejson
from zconnect_tui.text import clean

RESET = "\x1b[0m"
COLOURS = {"key": "\x1b[1;34m", "string": "\x1b[32m", "number": "\x1b[36m", "literal": "\x1b[33m"}
_TOKEN = re.compile(r'("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b')
TEXT_TYPES = ("json", "text/", "xml", "javascript", "x-www-form-urlencoded")


def terminal_safe(text: str) -> str:
    """`text` with every character that could steer a terminal written as a visible escape (text.clean)."""
    return clean(text, keep="\n\t", escape=True)


def one_line(text: str, limit: int = 200) -> str:
    """A string from Zoho fit for one stderr line: cleaned (text.clean), single-spaced, bounded."""
    return clean(" ".join(clean(text).split()), limit=limit)


def pretty_json(value: Any, colour: bool) -> str:
    """Indented JSON, non-ASCII kept readable, unsafe characters escaped (json escapes only C0)."""
    text = terminal_safe(json.dumps(value, indent=2, ensure_ascii=False))
    if not colour:
        return text

    def paint(match: re.Match[str]) -> str:
        string, colon, number, literal = match.groups()
        if string is not None:
            kind = "key" if colon else "string"
            return f"{COLOURS[kind]}{string}{RESET}{colon or ''}"
        if number is not None:
            return f"{COLOURS['number']}{number}{RESET}"
        return f"{COLOURS['literal']}{literal}{RESET}"

    return _TOKEN.sub(paint, text)


def looks_textual(content_type: str, data: bytes) -> bool:
    if any(t in content_type.lower() for t in TEXT_TYPES):
        return True
    return not content_type and b"\0" not in data[:4096]


def for_terminal(data: bytes, content_type: str, colour: bool) -> str | None:
    """What to show on a terminal for a body, or None when it is binary (say so instead)."""
    if not data:
        return ""
    try:
        value = safejson.loads(data)
    except ValueError:
        if not looks_textual(content_type, data):
            return None
        return terminal_safe(data.decode("utf-8", "replace"))
    return pretty_json(value, colour)


def status_block(http_version: str, status: int, reason: str, headers: list[tuple[str, str]]) -> str:
    """`-i`: the status line and the headers, as curl -i shows them."""
    lines = [f"{http_version} {status} {terminal_safe(reason)}"]
    lines += [f"{terminal_safe(k)}: {terminal_safe(v)}" for k, v in headers]
    return "\n".join(lines) + "\n\n"


def write_text(stream: IO[bytes], text: str) -> None:
    stream.write(text.encode("utf-8"))
    if text and not text.endswith("\n"):
        stream.write(b"\n")
