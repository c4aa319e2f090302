"""JSON from outside (Zoho's answers, files a user or attacker could edit), parsed with a bounded nesting depth.

`json.loads` recurses once per level: a body of 100,000 `[` reaches the interpreter's recursion limit, and
whatever finalizer the garbage collector happens to run down there fails too and prints "Exception ignored"
lines on stderr, however the RecursionError itself is caught (the fuzz test saw it on one machine in several).
So the depth is measured first, without recursion, and a document nested deeper than any Zoho answer is
refused as not JSON before `json.loads` sees it.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 200
"""Zoho's deepest answers (CRM layouts, Desk threads) nest about ten levels."""

_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_AS_SQUARE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_TOO_DEEP = b"[" * (MAX_DEPTH + 1)


def _nesting(brackets: bytes) -> int | None:
    """The depth of a string of `[` and `]` (MAX_DEPTH + 1 meaning deeper); None when they do not pair up.

    Each pass removes the innermost pairs, so the passes are the depth; every pass is one C-speed replace.
    """
    level = 0
    while brackets:
        if level > MAX_DEPTH or _TOO_DEEP in brackets:
            return MAX_DEPTH + 1
        shorter = brackets.replace(b"[]", b"")
        if len(shorter) == len(brackets):
            return None
        brackets, level = shorter, level + 1
    return level


def too_deep(data: bytes) -> bool:
    """Whether `data` nests arrays and objects more than MAX_DEPTH deep, or its brackets do not pair up."""
    if data.count(b"[") + data.count(b"{") <= MAX_DEPTH:  # the common case, in microseconds
        return False
    bound = _nesting(data.translate(_AS_SQUARE, _NOT_BRACKETS))  # brackets inside strings counted too
    if bound is not None and bound <= MAX_DEPTH:
        return False
    exact = _nesting(_STRINGS.sub(b"", data).translate(_AS_SQUARE, _NOT_BRACKETS))
    return exact is None or exact > MAX_DEPTH


def loads(data: bytes | str) -> Any:
    """`json.loads`, but ValueError, without recursing, for a document nested deeper than MAX_DEPTH."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if too_deep(raw):
        raise ValueError(f"not JSON, or JSON nested more than {MAX_DEPTH} levels deep")
    return json.loads(data)
