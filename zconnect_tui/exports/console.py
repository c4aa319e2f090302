"""`console`: each saved API as the Developer Console's "Add API" rows, for a connector an extension invokes.

The rows follow the form's fields (API name, method, URL, parameters, headers, body). Every dynamic value
is written ${name}, the key invokeConnector's map fills it with (`--format deluge`): the Console's own
notation for a dynamic value is UNCONFIRMED (docs/zoho-fidelity.md), so the header says so.
"""

from __future__ import annotations

import json

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.exports.base import ExportFormat, ExportOptions, link_name
from zconnect_tui.exports.context import dynamic_context
from zconnect_tui.exports.template import BASE, ApiTemplate, Text, placeholder_text, templates
from zconnect_tui.model import Connection
from zconnect_tui.products import product_of

DYNAMIC = "${{{}}}"
LABEL_WIDTH = 11


def dynamic(text: Text) -> str:
    """`text` with its Vars as ${name}."""
    return placeholder_text(text, DYNAMIC)


def _body(node: object) -> object:
    if isinstance(node, tuple):
        return dynamic(node)
    if isinstance(node, dict):
        return {k: _body(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_body(v) for v in node]
    return node


def rows(tpl: ApiTemplate) -> list[tuple[str, str]]:
    """The form's rows for one saved API, in its order."""
    out = [("API Name", tpl.key), ("Method", tpl.method), ("URL", DYNAMIC.format(BASE.name) + dynamic(tpl.path))]
    out += [("Parameters" if i == 0 else "", f"{k}: {dynamic(t)}") for i, (k, t) in enumerate(tpl.query)] or \
        [("Parameters", "(none)")]
    out += [("Headers" if i == 0 else "", f"{k}: {dynamic(t)}") for i, (k, t) in enumerate(tpl.headers)] or \
        [("Headers", "(none)")]
    if tpl.body is not None:
        body = json.dumps(_body(tpl.body), ensure_ascii=False)
        out += [("Body (JSON)", body), ("", "Content-Type: application/json")]
    return out


def render(conn: Connection, dcs: DataCenters, options: ExportOptions) -> str:
    rule, link = dynamic_context(conn), link_name(conn, options)
    product = product_of(conn.service).label
    lines = [f"Developer Console → Connectors → {link} → Add API, once per saved API of {conn.name} ({product}).",
             "${name} is a dynamic value, given per installation by invokeConnector's map (the form's own "
             "notation is unconfirmed):",
             f"  ${{{BASE.name}}}  the installing organisation's {product} API base ({rule.example_bases()})"]
    apis = templates(conn)
    context = next((v for tpl in apis for v in tpl.variables() if v.role == "context"), None)
    if context:
        lines.append(f"  ${{{context.name}}}  its {product} {rule.label or 'organisation'} id")
    if not apis:
        lines += ["", f"No saved API yet: zconnect api {conn.name} PATH [-f k=v] --save KEY"]
    for tpl in apis:
        lines.append("")
        if tpl.description:
            lines.append(f"# {tpl.description}")
        lines += [f"{label.ljust(LABEL_WIDTH)}  {value}".rstrip() for label, value in rows(tpl)]
    return "\n".join(lines)


FORMAT = ExportFormat(
    "console", "Developer Console rows",
    "each saved API as the Developer Console's Add API rows, dynamic values as ${name}", True, render)
