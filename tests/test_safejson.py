"""Zoho's JSON parsed with a bounded depth (zconnect_tui.safejson): refused without recursing, else json.loads'."""

from __future__ import annotations

import json

import pytest

from zconnect_tui import safejson


@pytest.mark.parametrize("document", [
    {"data": [{"id": "1", "cf": {"a": [1, {"b": None}]}, "subject": "[[[{{{ not brackets ]]"}] * 300},
    [[[[]]], {"a": {"b": {"c": "}}}}}"}}}],
    ["\"[\\\"[[", "]\\\\", {"k\"[": "{"}],
    "plain", 3, None,
])
def test_what_zoho_sends_parses_as_json_loads_would(document: object) -> None:
    raw = json.dumps(document)
    assert safejson.loads(raw) == safejson.loads(raw.encode()) == json.loads(raw)


def test_the_depth_limit_is_exact() -> None:
    limit = safejson.MAX_DEPTH
    assert safejson.loads("[" * limit + "]" * limit) is not None
    assert safejson.loads('{"a":' * (limit - 1) + "[1]" + "}" * (limit - 1)) is not None
    with pytest.raises(ValueError):
        safejson.loads("[" * (limit + 1) + "]" * (limit + 1))


@pytest.mark.parametrize("raw", [
    b"[" * 100_000 + b"]" * 100_000,   # the recursion limit's worth
    b"[" * 100_000,                    # unclosed
    b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    b"[[]" * 1_000_000,                # deep, without a long run of [
    b'["' + b"]" * 500 + b'"' + b"[" * 5_000,
])
def test_deep_or_unbalanced_json_is_a_value_error_not_a_recursion_error(raw: bytes) -> None:
    with pytest.raises(ValueError):
        safejson.loads(raw)


def test_brackets_inside_strings_do_not_count() -> None:
    deep_text = "[" * 10_000 + "{" * 10_000
    assert safejson.loads(json.dumps({"subject": deep_text})) == {"subject": deep_text}
