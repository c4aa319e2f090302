"""`deluge`: each saved API as the Deluge an extension runs: invokeurl with a Zoho connection,
invokeConnector through a Developer Console connector, and invokeapi where Zoho names the service.

Syntax from Zoho's pages (facts §14.2; docs/zoho-fidelity.md): invokeurl [url type parameters headers body
connection detailed] with `detailed: true` giving responseCode and responseText; invokeConnector's
answer read as `status_code` and `response`.toMap(); invokeapi's [service path type parameters headers
connection], whose host Zoho takes from the data centre.
"""

from __future__ import annotations

import json

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.exports.base import ExportFormat, ExportOptions, link_name
from zconnect_tui.exports.context import ContextRule, dynamic_context
from zconnect_tui.exports.template import BASE, ApiTemplate, Text, Var, templates
from zconnect_tui.model import Connection
from zconnect_tui.products import product_of

# Deluge's own words, which a {placeholder} may not be as a variable.
_RESERVED = frozenset({"if", "else", "for", "each", "in", "return", "info", "true", "false", "null", "input",
                       "void", "map", "list", "string", "int", "bool", "break", "continue", "while", "try",
                       "catch", "response", "result", "urlParams", "urlHeaders", "connectorValues", "payload"})


def variable(var: Var) -> str:
    """A Var as a Deluge variable (a placeholder clashing with a Deluge word gets "Value" appended)."""
    name = var.name
    if var.role == "placeholder" and (name in _RESERVED or not name.isidentifier() or name == BASE.name):
        return f"{name}Value"
    return name


def string(text: str) -> str:
    """A Deluge string literal (JSON's escapes: \\" and \\\\ as Deluge reads them)."""
    return json.dumps(text, ensure_ascii=False)


def expression(text: Text) -> str:
    """`text` as a Deluge expression: literals and variables joined with +."""
    parts = [string(p) if isinstance(p, str) else variable(p) for p in text]
    return " + ".join(parts) if parts else '""'


def collection(node: object) -> str:
    """A JSON body as a Deluge map/list literal, its dynamic strings as expressions."""
    if isinstance(node, tuple):
        return expression(node)
    if isinstance(node, dict):
        return "{" + ", ".join(f"{string(k)}: {collection(v)}" for k, v in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(collection(v) for v in node) + "]"
    return json.dumps(node)


def _context_line(rule: ContextRule, product: str) -> str:
    where = {"header": f"the {rule.name} header", "query": f"the {rule.name} parameter",
             "path": f"the {{{rule.name}}} in the path"}[rule.kind or "header"]
    return f"its {product} {rule.label} id ({where})"


def header(conn: Connection, rule: ContextRule, context: Var | None, link: str, namespace: str) -> list[str]:
    product = product_of(conn.service).label
    width = max(len(BASE.name), len(context.name) if context else 0)
    lines = [f"// zconnect export {conn.name} --format deluge: the saved APIs of {conn.name} ({product}) in Deluge.",
             "// Set these per installation, never to the values of the account the calls were tried on:",
             f"//   {BASE.name.ljust(width)}  the installing organisation's {product} API base "
             f"({rule.example_bases()})"]
    if context:
        about = _context_line(rule, product) if rule.kind else f"its {product} organisation id"
        lines.append(f"//   {context.name.ljust(width)}  {about}")
    lines += [f'// invokeurl needs a Zoho connection with the link name "{link}" and the scopes '
              f"{', '.join(conn.scopes)}.",
              f'// invokeConnector needs the Developer Console connector "{link}" with these APIs (--format console).',
              "// Its identifier is namespace.connector.api" +
              (": replace <namespace>, or pass --namespace." if namespace.startswith("<") else ".")]
    return lines


def api_block(tpl: ApiTemplate, rule: ContextRule, link: str, namespace: str) -> list[str]:
    variables = tpl.variables()
    about = f" · {tpl.description}" if tpl.description else ""
    lines = ["", f"// ---- @{tpl.key}: {tpl.saved}{about} ----"]
    for var in (v for v in variables if v.role == "placeholder"):
        lines.append(f"// {variable(var)}: the value of {{{var.name}}}")
    lines.append(f'// 1. invokeurl, with the Zoho connection "{link}":')
    lines += _maps(tpl)
    lines += ["response = invokeurl", "[", f"    url: {BASE.name} + {expression(tpl.path)}", f"    type: {tpl.method}"]
    lines += _options(tpl)
    lines += [f'    connection: "{link}"', "    detailed: true", "];",
              'if(response.get("responseCode") == 200)', "{",
              '    result = response.get("responseText").toMap();', "    info result;", "}", "else", "{",
              "    info response;", "}"]
    lines.append(f'// 2. invokeConnector, the connector\'s API "{tpl.key}" (its dynamic values as map keys):')
    lines.append("connectorValues = Map();")
    lines += [f'connectorValues.put({string(v.name)}, {variable(v)});' for v in variables]
    lines += [f'response = zoho.crm.invokeConnector("{namespace}.{link}.{tpl.key}", connectorValues);',
              'if(response.get("status_code").toString() == "200")', "{",
              '    result = response.get("response").toMap();', "    info result;", "}", "else", "{",
              "    info response;", "}"]
    if rule.deluge_service:
        lines.append("// 3. invokeapi: Zoho takes the host from the installing organisation's data centre:")
        lines += ["response = invokeapi", "[", f"    service: {rule.deluge_service}",
                  f"    path: {expression(tpl.path)}", f"    type: {tpl.method}"]
        lines += _options(tpl)
        lines += [f'    connection: "{link}"', "];", "info response;"]
    return lines


def _maps(tpl: ApiTemplate) -> list[str]:
    lines = []
    if tpl.query:
        lines.append("urlParams = Map();")
        lines += [f"urlParams.put({string(k)}, {expression(t)});" for k, t in tpl.query]
    headers = list(tpl.headers)
    if tpl.body is not None:
        headers.append(("Content-Type", ("application/json",)))
        lines.append(f"payload = {collection(tpl.body)};")
    if headers:
        lines.append("urlHeaders = Map();")
        lines += [f"urlHeaders.put({string(k)}, {expression(t)});" for k, t in headers]
    return lines


def _options(tpl: ApiTemplate) -> list[str]:
    lines = ["    parameters: urlParams"] if tpl.query else []
    if tpl.body is not None:
        lines.append("    body: payload.toString()")
    if tpl.headers or tpl.body is not None:
        lines.append("    headers: urlHeaders")
    return lines


def render(conn: Connection, dcs: DataCenters, options: ExportOptions) -> str:
    rule, link = dynamic_context(conn), link_name(conn, options)
    namespace = options.namespace or "<namespace>"
    apis = templates(conn)
    context = next((v for tpl in apis for v in tpl.variables() if v.role == "context"), None)
    lines = header(conn, rule, context, link, namespace)
    if not apis:
        lines += ["", f"// No saved API yet: zconnect api {conn.name} PATH [-f k=v] --save KEY"]
    for tpl in apis:
        lines += api_block(tpl, rule, link, namespace)
    return "\n".join(lines)


FORMAT = ExportFormat(
    "deluge", "Deluge",
    "each saved API as Deluge: invokeurl, invokeConnector, invokeapi (org id and data centre dynamic)",
    True, render)
