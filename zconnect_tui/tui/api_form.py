"""The API screen's form as data: what the user typed, read into a call (or a saved API) and back.

Pure (no Textual, no httpx), so it is tested without Pilot. The three text fields are read as
shell words, the way the same call is written on the command line:

    Fields   limit=5 subject='Printer on fire' priority=true    (typed like `-F`: 5, true, null)
    Headers  'X-Custom: a b' orgId:60002000002                  (like `-H`)
    Values   id=42                                              (like `-p`, for `{id}`)

A field value written as a JSON string (`limit='"5"'`) stays text, the one thing `-f` does that
`-F` cannot; a saved API's text field that would otherwise change type is written back that way.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field, replace

from zconnect_tui.errors import UsageError
from zconnect_tui.saved import (
    Field,
    FieldValue,
    SavedApi,
    fill,
    parse_header,
    typed_value,
    validate_method,
)
from zconnect_tui.text import clean

_EXAMPLES = {"Fields": "limit=5 status=Open", "Values": "id=42"}

API_KEYS = (
    ("ctrl+r, Enter", "Run the call (Enter in any box of the form)"),
    ("Esc", "Cancel the running call; else back to the dashboard"),
    ("F1", "This help"),
    ("ctrl+s", "Save the typed call as a named API (then `zconnect api NAME @KEY` runs it too)"),
    ("Enter on a saved API", "Fill the form with it; Values asks for its {placeholders}"),
    ("space, Enter", "In the answer: fold or unfold a node; on \"… more\": show the next values"),
    ("shift+space", "In the answer: unfold or fold the node and its siblings"),
    ("Enter on a cut value", "In the answer: a value that ends in … is shown whole"),
)
"""The help screen's rows for the API screen (kept here, not in the screen: help.py imports no screen)."""


def _words(text: str, where: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as exc:  # an unclosed quote
        raise UsageError(f"{where}: {exc} in {text!r}.", "Close the quote, or quote the whole word.") from None


def _pair(word: str, where: str) -> tuple[str, str]:
    key, sep, value = word.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"{where}: {word!r} is not key=value.",
                         f"Write {where.lower()} as key=value words, e.g. {_EXAMPLES[where]}.")
    return key.strip(), value


def field_value(text: str) -> FieldValue:
    """A typed field value: as `-F` (numbers, true/false/null), or text when written as a JSON string."""
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return value if isinstance(value, str) else text
    if text.startswith("@"):
        raise UsageError(f"Fields: {text!r} would read a file, which the API screen does not do.",
                         "Give the value itself (from a shell: zconnect api NAME PATH -F key=@file).")
    return typed_value(text)


def parse_fields(text: str) -> list[Field]:
    """`key=value` words, each value typed as `-F` types it."""
    return [(key, field_value(value)) for key, value in (_pair(w, "Fields") for w in _words(text, "Fields"))]


def parse_headers(text: str) -> list[tuple[str, str]]:
    """`Name: value` words (a word ending in ':' takes the next as its value), checked as `-H` is."""
    words = _words(text, "Headers")
    out: list[tuple[str, str]] = []
    while words:
        word = words.pop(0)
        if word.endswith(":") and words and ":" not in words[0]:
            word += " " + words.pop(0)
        out.append(parse_header(word))
    return out


def parse_values(text: str) -> dict[str, str]:
    """`name=value` words for the `{placeholder}`s."""
    return dict(_pair(w, "Values") for w in _words(text, "Values"))


def _field_text(value: FieldValue) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # Text that would read back as another type, as a file or as a JSON string: a JSON string.
        return json.dumps(value, ensure_ascii=False) if value.startswith(('"', "@")) or typed_value(value) != value \
            else value
    return str(value)


def fields_text(fields: list[Field]) -> str:
    """The Fields box for `fields` (reads back to the same values)."""
    return " ".join(shlex.quote(f"{key}={_field_text(value)}") for key, value in fields)


def headers_text(headers: list[tuple[str, str]]) -> str:
    """The Headers box for `headers`."""
    return " ".join(shlex.quote(f"{name}: {value}") for name, value in headers)


def form_texts(api: SavedApi) -> tuple[str, str, str]:
    """What the form's Path, Fields and Headers boxes show for a saved API. The file's rule refused control
    characters already (`saved.saved_api_problem`); cleaned again here, the second layer, as the strings
    come from the file (an OSC 52 in a field value would otherwise write the clipboard)."""
    form = CallForm.from_saved(api)
    return clean(form.path), clean(fields_text(form.fields)), clean(headers_text(form.headers))


@dataclass
class CallForm:
    """A call as typed: method, path (with any `{placeholder}`s), fields and headers."""

    method: str = "GET"
    path: str = ""
    fields: list[Field] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def read(cls, method: str, path: str, fields: str, headers: str) -> CallForm:
        """The form's texts, checked (a UsageError says which box and how to fix it)."""
        path = path.strip()
        if not path:
            raise UsageError("Path: type the API's path.", "For example /api/v1/tickets (Desk) or /crm/v8/Leads (CRM).")
        return cls(validate_method(method), path, parse_fields(fields), parse_headers(headers))

    @classmethod
    def from_saved(cls, api: SavedApi) -> CallForm:
        return cls(api.method, api.path, list(api.fields.items()), list(api.headers.items()))

    def placeholders(self) -> list[str]:
        """The `{names}` this call needs, in order of first use."""
        return self.saved().placeholders()

    def saved(self, description: str = "") -> SavedApi:
        """The call as a saved API (placeholders unfilled)."""
        return SavedApi(self.method, self.path, dict(self.fields), dict(self.headers), description)

    def checked_for_saving(self, description: str = "") -> SavedApi:
        """As `saved`, refusing what the TOML file cannot keep."""
        if any(value is None for _, value in self.fields):
            raise UsageError("A saved API cannot hold a null field (the config file is TOML).", "Leave it out.")
        names = [key for key, _ in self.fields]
        if len(set(names)) != len(names):
            raise UsageError("A saved API keeps one value per field; some field is given twice.",
                             "Give each field once.")
        return self.saved(description)

    def filled(self, values: dict[str, str]) -> CallForm:
        """The call with its `{placeholders}` replaced (the path's percent-encoded), all of them given."""
        needed = self.placeholders()
        missing = [name for name in needed if not values.get(name)]  # an empty value would leave a hole
        if missing:
            raise UsageError(f"Values: this call needs {', '.join('{' + n + '}' for n in missing)}.",
                             f"Type {' '.join(n + '=…' for n in missing)} in Values.")
        unused = sorted(set(values) - set(needed))
        if unused:
            raise UsageError(f"Values: this call has no {', '.join('{' + n + '}' for n in unused)}.",
                             "Remove it from Values.")
        return replace(self, path=fill(self.path, values, in_url=True),
                       fields=[(k, fill(v, values) if isinstance(v, str) else v) for k, v in self.fields],
                       headers=[(k, fill(v, values)) for k, v in self.headers])

    @property
    def line(self) -> str:
        """`GET /api/v1/tickets`, as the progress line names the call."""
        return f"{self.method} {self.path}"
