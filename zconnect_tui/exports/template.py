"""A saved API as an extension sends it: its parts, with every dynamic value named.

The extension-facing formats (deluge, console, sigma, posting) differ only in notation; what is dynamic
is decided here, once: the API base (the installing organisation's data centre), its context id (the
`dynamic_context` rule), and the saved API's own {placeholders}. The developer's own org id is never
kept: a literal equal to it, anywhere, becomes the dynamic value, and the context header or parameter
always carries the dynamic value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from zconnect_tui.exports.context import ContextRule, dynamic_context
from zconnect_tui.model import Connection
from zconnect_tui.saved import PLACEHOLDER_RE, SavedApi, body_from_fields, query_value


@dataclass(frozen=True)
class Var:
    """A value the caller supplies: the API base, the context id, or a saved API's {placeholder}."""

    name: str
    role: Literal["base", "context", "placeholder"]


Piece = str | Var
Text = tuple[Piece, ...]
BASE = Var("apiBase", "base")
BODY_METHODS = ("POST", "PUT", "PATCH")


@dataclass
class ApiTemplate:
    """One saved API with its dynamic parts named."""

    key: str
    method: str
    description: str
    saved: str
    """As it was saved: "GET /api/v1/tickets/{id}"."""
    path: Text
    query: list[tuple[str, Text]] = field(default_factory=list)
    headers: list[tuple[str, Text]] = field(default_factory=list)
    body: object = None
    """The JSON body (dicts, lists, scalars; strings as Text), or None."""

    def variables(self) -> list[Var]:
        """Every Var it uses, the base first, then the context id, then the placeholders in order."""
        seen: dict[Var, None] = {BASE: None}
        for text in self.texts():
            for piece in text:
                if isinstance(piece, Var):
                    seen.setdefault(piece, None)
        return sorted(seen, key=lambda v: ("base", "context", "placeholder").index(v.role))

    def texts(self) -> list[Text]:
        out = [self.path, *(t for _, t in self.query), *(t for _, t in self.headers)]
        _collect(self.body, out)
        return out


def _collect(node: object, out: list[Text]) -> None:
    if isinstance(node, tuple):
        out.append(node)
    elif isinstance(node, dict):
        for value in node.values():
            _collect(value, out)
    elif isinstance(node, list):
        for value in node:
            _collect(value, out)


class Builder:
    """Turns `conn`'s saved APIs into templates (the context rule and the developer's org id read once)."""

    def __init__(self, conn: Connection) -> None:
        self.rule: ContextRule = dynamic_context(conn)
        self.own_id = conn.org_id
        name = self.rule.variable or "orgId"  # a product without a context rule still never shows the id
        self.context = Var(name, "context") if (self.rule.kind or conn.org_id) else None

    def text(self, value: str) -> Text:
        """`value` split into literals and Vars: {placeholders}, and the developer's own id."""
        pieces: list[Piece] = []
        for i, part in enumerate(re.split(PLACEHOLDER_RE, value)):
            if i % 2:
                is_context = self.context and part.lower() in (self.rule.name.lower(), self.context.name.lower())
                pieces.append(self.context if is_context and self.context else Var(part, "placeholder"))
            else:
                pieces.extend(self._scrub(part))
        return tuple(p for p in pieces if p != "")

    def _scrub(self, literal: str) -> list[Piece]:
        # Ids are digits (or short words); only a whole one is replaced, not "1" inside "v1".
        if not self.context or len(self.own_id) < 3 or self.own_id not in literal:
            return [literal]
        out: list[Piece] = []
        for i, part in enumerate(re.split(rf"(?<![A-Za-z0-9])({re.escape(self.own_id)})(?![A-Za-z0-9])", literal)):
            out.append(self.context if i % 2 else part)
        return out

    def template(self, key: str, api: SavedApi) -> ApiTemplate:
        path, _, query_string = api.path.partition("?")
        if "://" in path:  # a full URL on the connection's host: the base is dynamic
            path = urlsplit(api.path).path or "/"
        if not path.startswith("/"):
            path = "/" + path
        saved = f"{api.method} {placeholder_text(self.text(api.path))}"  # as saved, the developer's id scrubbed
        tpl = ApiTemplate(key, api.method, api.description, saved, self.text(path))
        tpl.query = [(k, self.text(v)) for k, v in parse_qsl(query_string, keep_blank_values=True)]
        tpl.headers = [(k, self.text(v)) for k, v in api.headers.items()]
        if api.method in BODY_METHODS:
            tpl.body = self._body(body_from_fields(api.fields.items())) if api.fields else None
        else:
            tpl.query += [(k, self.text(v) if isinstance(v, str) else (query_value(v),))
                          for k, v in api.fields.items()]
        self._add_context(tpl, path)
        return tpl

    def _body(self, node: object) -> object:
        if isinstance(node, str):
            return self.text(node)
        if isinstance(node, dict):
            return {k: self._body(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._body(v) for v in node]
        return node

    def _add_context(self, tpl: ApiTemplate, path: str) -> None:
        """The context header or query parameter, always the dynamic value (never a value saved with the API)."""
        rule, var = self.rule, self.context
        if var is None or rule.kind not in ("header", "query") or not rule.applies(path):
            return
        items = tpl.headers if rule.kind == "header" else tpl.query
        items[:] = [(k, t) for k, t in items if k.lower() != rule.name.lower()]
        if rule.kind == "header":
            items.insert(0, (rule.name, (var,)))
        else:
            items.append((rule.name, (var,)))


def templates(conn: Connection) -> list[ApiTemplate]:
    """`conn`'s saved APIs, by key."""
    builder = Builder(conn)
    return [builder.template(key, api) for key, api in sorted(conn.apis.items())]


def placeholder_text(text: Text, var: str = "{{{}}}") -> str:
    """`text` with each Var written as `var` formats its name: "${}" gives ${name}."""
    return "".join(p if isinstance(p, str) else var.format(p.name) for p in text)
