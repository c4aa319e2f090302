"""The API screen's form and answer as pure code (no app): the form reads like the command line
and writes back what it read; the screen holds no more of an answer than `zconnect api` does."""

from __future__ import annotations

import pytest

from zconnect_tui.saved import SavedApi
from zconnect_tui.tui import api_answer


def test_the_screen_holds_as_much_of_an_answer_as_the_cli() -> None:
    from zconnect_tui.wire import MAX_RESPONSE_BYTES

    assert api_answer.MAX_BODY == MAX_RESPONSE_BYTES


def test_the_form_reads_like_the_command_line_and_writes_back_what_it_read() -> None:
    from zconnect_tui.errors import UsageError
    from zconnect_tui.tui.api_form import CallForm, fields_text, headers_text, parse_headers

    form = CallForm.read("post", " /api/v1/tickets/{id} ", "a=5 b=true c=null d='two words' e='\"5\"' f=1.5",
                         "'X-A: one two' X-B: three orgId:1")
    assert form.method == "POST" and form.path == "/api/v1/tickets/{id}"
    assert form.fields == [("a", 5), ("b", True), ("c", None), ("d", "two words"), ("e", "5"), ("f", 1.5)]
    assert form.headers == [("X-A", "one two"), ("X-B", "three"), ("orgId", "1")]
    again = CallForm.read("POST", form.path, fields_text(form.fields), headers_text(form.headers))
    assert again == form  # "5" stays text, 5 stays a number
    saved = CallForm.from_saved(SavedApi("GET", "/x", {"q": "@me", "n": "007", "s": '"quoted"'}))
    assert CallForm.read("GET", "/x", fields_text(saved.fields), "").fields == saved.fields
    assert form.filled({"id": "a/b c"}).path == "/api/v1/tickets/a%2Fb%20c"  # one path segment
    for bad, says in ((lambda: CallForm.read("GET", "", "", ""), "Path: type the API's path"),
                      (lambda: CallForm.read("GET", "/x", "a=@secret.txt", ""), "would read a file"),
                      (lambda: CallForm.read("GET", "/x", "a='open", ""), "No closing quotation"),
                      (lambda: CallForm.read("FETCH", "/x", "", ""), "not an HTTP method"),
                      (lambda: parse_headers("Host: evil.example"), "sets the Host header itself"),
                      (lambda: form.filled({"id": "1", "other": "2"}), "this call has no {other}"),
                      (lambda: CallForm.read("GET", "/x", "a=null", "").checked_for_saving(), "null field"),
                      (lambda: CallForm.read("GET", "/x", "a=1 a=2", "").checked_for_saving(), "given twice")):
        with pytest.raises(UsageError, match=r"(?s).*" + says.replace("{", r"\{")):
            bad()
