"""How `zconnect api` shows a response: raw to a pipe, readable and safe on a terminal.

To a pipe or file the body goes out byte for byte as Zoho sent it (with --paginate, one
page after another, each ending in a newline: a stream of JSON documents that `jq` reads as
is, like `gh api --paginate`). On a terminal JSON is pretty-printed and coloured, and
nothing from Zoho can drive the terminal: what `text.clean` strips everywhere else (C0, C1,
DEL, bidi overrides and marks, lone surrogates) is shown here as `\\uXXXX` escapes instead, so
the body still reads as Zoho sent it. `-i` puts the status line and headers on stdout, before the
body, as `gh api -i` does. `--jq EXPR` runs the jq library (the optional `jq` extra) on a JSON answer.
"""

from __future__ import annotations

import json
import re
from typing import IO, Any, Protocol

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


JQ_EXTRA = "pip install 'zconnect-tui[jq]'"


class JqProgram(Protocol):
    """A compiled jq expression (the `jq` package's `_Program`)."""

    def input_text(self, text: str) -> Any: ...


def jq_program(expr: str) -> JqProgram:
    """`expr` compiled, or a usage error (one line) for a bad expression or a missing jq extra."""
    from zconnect_tui.errors import UsageError

    try:
        import jq  # type: ignore[import-not-found]  # the jq package ships no type information
    except ImportError:
        raise UsageError("--jq needs the jq library, which is not installed.",
                         f"Install it: {JQ_EXTRA} (in a checkout: pip install '.[jq]'), or pipe the output to jq.") \
            from None
    try:
        program: JqProgram = jq.compile(expr)
        return program
    except ValueError as exc:
        raise UsageError(f"--jq: {one_line(str(exc).replace('jq: error: ', '').split(chr(10))[0])}.",
                         "Check the expression (jq's syntax, as for `gh api --jq`).") from None


def jq_output(program: JqProgram, data: bytes, content_type: str, tty: bool) -> bytes:
    """What `program` selects from a JSON body, one value per line: strings raw, other values as JSON
    (compact to a pipe, as gh writes them; pretty and coloured on a terminal, with unsafe text escaped)."""
    from zconnect_tui.errors import ZconnectError

    try:
        values = program.input_text(data.decode("utf-8")).all()
    except (UnicodeDecodeError, ValueError) as exc:
        kind = clean(content_type, limit=80) or "no content type"
        why = one_line(str(exc)) if "parse error" not in str(exc) else f"the answer is not JSON ({kind})"
        raise ZconnectError(f"--jq: {why}.", "Run it without --jq to see the answer.") from None
    lines = []
    for value in values:
        if isinstance(value, str):
            lines.append(terminal_safe(value) if tty else value)
        else:
            compact = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            lines.append(pretty_json(value, colour=True) if tty else compact)
    return "".join(line + "\n" for line in lines).encode("utf-8")
