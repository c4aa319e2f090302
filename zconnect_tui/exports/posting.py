"""`posting`: a Posting collection (github.com/darrenburns/posting): one `.posting.yaml` request per saved
API, and a setup script that fills the API base, the organisation and the token from zconnect each time
a request is sent, so no token is ever written to a file.

Posting's request format, as its docs and `collection.py` have it: name, description, method, url,
path_params (`:name` in the URL), params, headers, body.content / content_type, scripts.setup (a path
relative to the collection). Variables are `${NAME}` (string.Template: a literal `$` is `$$`), a
literal `:` in the path `::`. The YAML is written by hand here (no YAML library at run time):
every scalar double-quoted with JSON's escapes, the body a literal block.
"""

from __future__ import annotations

import json

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.errors import UsageError
from zconnect_tui.exports.base import ExportFormat, ExportOptions
from zconnect_tui.exports.template import ApiTemplate, Text, templates
from zconnect_tui.model import Connection

SETUP = "zconnect_setup.py"
ENV = "posting.env"
VARIABLES = {"base": "ZOHO_API_BASE", "context": "ZOHO_ORG_ID"}
# Characters YAML reads as line breaks, or that a reader cannot see, written as escapes.
_INVISIBLE = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085", "\ufeff": "\\ufeff"}


def quoted(text: str) -> str:
    """A YAML double-quoted scalar: JSON's string escapes are YAML's."""
    out = json.dumps(text, ensure_ascii=False)
    for char, escape in _INVISIBLE.items():
        out = out.replace(char, escape)
    return out


def posting_text(text: Text, *, in_path: bool = False) -> str:
    """`text` in Posting's notation: ${ZOHO_…} and ${name} variables, :name path parameters."""
    out = []
    for piece in text:
        if isinstance(piece, str):
            literal = piece.replace("$", "$$")
            out.append(literal.replace(":", "::") if in_path else literal)
        elif piece.role in VARIABLES:
            out.append(f"${{{VARIABLES[piece.role]}}}")
        else:
            out.append(f":{piece.name}" if in_path else f"${{{piece.name}}}")
    return "".join(out)


def _body(node: object) -> object:
    if isinstance(node, tuple):
        return posting_text(node)
    if isinstance(node, dict):
        return {k: _body(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_body(v) for v in node]
    return node


def _pairs(key: str, items: list[tuple[str, str]]) -> list[str]:
    if not items:
        return []
    lines = [f"{key}:"]
    for name, value in items:  # Posting fills variables in names too: a literal $ is $$ there as well
        lines += [f"- name: {quoted(name.replace('$', '$$'))}", f"  value: {quoted(value)}"]
    return lines


def request_yaml(tpl: ApiTemplate) -> str:
    """One `.posting.yaml` request."""
    path_params = list(dict.fromkeys(p.name for p in tpl.path if not isinstance(p, str) and p.role == "placeholder"))
    lines = [f"name: {quoted(tpl.key)}"]
    if tpl.description:
        lines.append(f"description: {quoted(tpl.description)}")
    lines += [f"method: {quoted(tpl.method)}",
              f"url: {quoted('${ZOHO_API_BASE}' + posting_text(tpl.path, in_path=True))}"]
    lines += _pairs("path_params", [(name, "") for name in path_params])
    lines += _pairs("params", [(k, posting_text(t)) for k, t in tpl.query])
    headers = [("Authorization", "Zoho-oauthtoken ${ZOHO_ACCESS_TOKEN}")]
    lines += _pairs("headers", headers + [(k, posting_text(t)) for k, t in tpl.headers])
    if tpl.body is not None:
        content = json.dumps(_body(tpl.body), indent=2, ensure_ascii=False)
        for char, escape in _INVISIBLE.items():  # inside JSON strings: JSON's own escapes
            content = content.replace(char, escape)
        lines += ["body:", "  content: |-", *(f"    {line}" for line in content.splitlines()),
                  f"  content_type: {quoted('application/json')}"]
    lines += ["scripts:", f"  setup: {quoted(SETUP)}"]
    return "\n".join(lines) + "\n"


def setup_script(conn: Connection) -> str:
    """The setup script every request runs: zconnect's answers become Posting variables."""
    return f'''"""Posting setup script, written by `zconnect export {conn.name} --format posting`.

Before each request of this collection it asks zconnect for the connection's API base and organisation
(`zconnect export {conn.name} --format json`: no secret) and for an access token (`zconnect token {conn.name}`,
refreshed when under 5 minutes remain). The token lives in Posting's session only: no file holds it.
"""

import json
import subprocess

CONNECTION = {conn.name!r}


def _zconnect(*args: str) -> str:
    done = subprocess.run(["zconnect", *args], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip() or f"zconnect {{args[0]}} failed ({{done.returncode}})")
    return done.stdout


def setup(posting) -> None:
    info = json.loads(_zconnect("export", CONNECTION, "--format", "json"))
    posting.set_variable("ZOHO_API_BASE", info["api_base"])
    posting.set_variable("ZOHO_ORG_ID", info["org_id"])
    posting.set_variable("ZOHO_ACCESS_TOKEN", _zconnect("token", CONNECTION).strip())
'''


def env_file(apis: list[ApiTemplate]) -> str | None:
    """`posting.env` for the {placeholders} outside the path (those in the path are Posting's path
    parameters, filled in its Path tab), or None when there are none."""
    names = dict.fromkeys(p.name for tpl in apis for text in tpl.texts()[1:] for p in text
                          if not isinstance(p, str) and p.role == "placeholder")
    if not names:
        return None
    return "# The saved APIs' {placeholders}: fill them in, then posting --collection DIR --env DIR/posting.env\n" + \
        "".join(f'{name}=""\n' for name in names)


def files(conn: Connection, dcs: DataCenters, options: ExportOptions) -> dict[str, str]:
    """The collection: file name → text."""
    apis = templates(conn)
    if not apis:
        raise UsageError(f"{conn.name} has no saved API to put in a Posting collection.",
                         f"Save one first: zconnect api {conn.name} PATH --save KEY.")
    out = {f"{tpl.key}.posting.yaml": request_yaml(tpl) for tpl in apis}
    out[SETUP] = setup_script(conn)
    env = env_file(apis)
    if env:
        out[ENV] = env
    return out


def render(conn: Connection, dcs: DataCenters, options: ExportOptions) -> str:
    """The files as one text (the TUI's tab): `zconnect export … --output DIR` writes them."""
    try:
        collection = files(conn, dcs, options)
    except UsageError as exc:
        return f"# {exc.one_line()}"
    head = [f"# zconnect export {conn.name} --format posting --output DIR writes these {len(collection)} files;",
            "# then: posting --collection DIR"]
    return "\n".join(head + [f"\n# ==> {name} <==\n{text.rstrip()}" for name, text in collection.items()])


FORMAT = ExportFormat(
    "posting", "a Posting collection",
    "a Posting collection: one .posting.yaml per saved API, the token from zconnect when sent (--output DIR)",
    True, render, files)
