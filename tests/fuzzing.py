"""Seeded mutators for tests/test_fuzz.py: a valid connections file and valid Zoho answers, broken in
types, sizes and encodings. Plain functions of a `random.Random`, so a failing case can be replayed."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import tomli_w

WEIRD_STRINGS = (
    "", " ", "x" * 100_000, "\x1b]52;c;ZWNobyBwd25lZA==\x07", "\x1b[2J\x9b31m", "\u202eevil\u2066", "日本語 ünï",
    "a\nb\tc", "\x00", "1e999", "[", "https://[evil", "http://evil.com\\@127.0.0.1", "https://evil.example",
    "http://127.0.0.1:99999/callback", "../../etc/passwd", "%s%n{0}", "💥", "-rf", "--help", "NaN", "null",
    "https://www.zohoapis.com", "us", "lab", "authorized", "needs_reauth", "offline", "1000.a.b",
)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What must never reach stdout or stderr (tab and newline are ours)."""


def weird_value(rng: random.Random, *, json_only: bool = False) -> Any:
    """A value of a random type, size or encoding."""
    kinds: list[Any] = [
        lambda: rng.choice(WEIRD_STRINGS),
        lambda: rng.choice([0, -1, 1, 3600, 2**63 - 1, -(2**63), 99999, 10**30]),
        lambda: rng.choice([0.0, -0.0, 1e308, float("nan"), float("inf"), float("-inf"), 1e-300, 3599.9]),
        lambda: rng.choice([True, False]),
        lambda: rng.choice([[], [1, 2], ["a", 1], [[]], ["Desk.basic.READ"] * 3, [{"a": 1}]]),
        lambda: rng.choice([{}, {"a": 1}, {"token": {}}, {"data": "x"}]),
        lambda: "\ud800" + rng.choice(WEIRD_STRINGS[:4]),  # a lone surrogate (JSON only: TOML refuses it)
    ]
    if json_only:
        kinds.append(lambda: None)
    else:
        kinds[-1] = lambda: rng.choice([datetime(2026, 1, 1), datetime(2026, 1, 1, tzinfo=UTC), date(2026, 1, 1),
                                        time(12, 0), datetime(1, 1, 1, tzinfo=UTC),
                                        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
                                        datetime.now(UTC) + timedelta(hours=2)])
    return rng.choice(kinds)()


def _paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path in a parsed TOML document (tables and leaves)."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            found += _paths(value, (*prefix, key))
    return found


def mutate_document(doc: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One structural mutation: a value replaced by another type, a key deleted, renamed or added."""
    paths = _paths(doc)
    path = rng.choice(paths)
    parent: Any = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    op = rng.random()
    if op < 0.6:
        parent[key] = weird_value(rng)
    elif op < 0.75:
        del parent[key]
    elif op < 0.9:
        parent[rng.choice(["x y", "desk2", "\u202e", "a" * 80, "-x", "Desk", "é", ""])] = parent.pop(key)
    else:
        parent[rng.choice(["unknown", "token", "version", "data_centers", "connections"])] = weird_value(rng)
    return doc


def mutate_bytes(raw: bytes, rng: random.Random) -> bytes:
    """One mutation of the file's bytes: a flipped byte, bad encoding, a cut, a duplicated line."""
    op = rng.randrange(8)
    i = rng.randrange(len(raw))
    if op == 0:
        return raw[:i] + bytes([rng.randrange(256)]) + raw[i + 1:]
    if op == 1:
        return raw[:i] + rng.choice([b"\xff", b"\x00", b"\xc3\x28", b"\xed\xa0\x80", b"\x1b]52;c;AA\x07"]) + raw[i:]
    if op == 2:
        return raw[:i]
    if op == 3:
        lines = raw.split(b"\n")
        j = rng.randrange(len(lines))
        return b"\n".join(lines[:j + 1] + [lines[j]] + lines[j + 1:])
    if op == 4:
        return raw.decode("utf-8").encode(rng.choice(["utf-16", "utf-32", "utf-8-sig"]))
    if op == 5:
        return raw + rng.choice([b"\n[connections.desk]\n", b"\n[data_centers.us]\naccounts='https://a.example'\n"
                                                            b"api='https://a.example'\n", b"\nversion = 2\n"])
    if op == 6:
        return raw.replace(b"=", b"= [" * rng.randint(1, 3), 1)
    return raw * 2


def mutated_config(base: bytes, rng: random.Random) -> bytes:
    import tomllib

    if rng.random() < 0.25:
        return mutate_bytes(base, rng)
    doc = tomllib.loads(base.decode())
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        doc = mutate_document(doc, rng)
    try:
        return tomli_w.dumps(doc).encode()
    except (TypeError, ValueError):  # e.g. an empty key
        return mutate_bytes(base, rng)


# ----- Zoho's answers -----------------------------------------------------------------------------------
STATUSES = (200, 200, 200, 200, 200, 400, 401, 403, 404, 429, 500, 502, 503)


def mutate_answer(body: dict[str, Any], rng: random.Random) -> tuple[int, bytes, str]:
    """(status, body bytes, content type): a valid answer broken in one or two ways."""
    status = 200 if rng.random() < 0.6 else rng.choice(STATUSES)
    content_type = rng.choice(["application/json;charset=UTF-8"] * 4 + ["text/html", "", "application/json"])
    op = rng.random()
    if op < 0.55:
        body = json.loads(json.dumps(body))
        for _ in range(rng.choice([1, 1, 2])):
            target = body
            nested = [v for v in body.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
            if nested and rng.random() < 0.5:
                target = rng.choice(rng.choice(nested))
            keys = list(target) or ["x"]
            key = rng.choice(keys + ["error", "error_description", "message", "expires_in_sec"])
            if rng.random() < 0.15:
                target.pop(key, None)
            else:
                target[key] = weird_value(rng, json_only=True)
        return status, json.dumps(body).encode("utf-8", "surrogatepass"), content_type
    if op < 0.65:
        return status, json.dumps(weird_value(rng, json_only=True)).encode("utf-8", "surrogatepass"), content_type
    raw = json.dumps(body).encode()
    return status, rng.choice([
        lambda: raw[: rng.randrange(len(raw))],
        lambda: raw.replace(b'"', b"\xff", 1),
        lambda: json.dumps(body).encode("utf-16"),
        lambda: b"\xef\xbb\xbf" + raw,
        lambda: b"[" * 100_000 + b"]" * 100_000,
        lambda: b'{"a": "' + b"x" * (5 * 2**20) + b'"}',
        lambda: b"",
        lambda: b"<html><body>Zoho is down</body></html>",
        lambda: b"{not json",
    ])(), content_type
