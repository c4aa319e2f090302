"""`curl`: a first API call with the service's headers, the token fetched when it runs (never written out)."""

from __future__ import annotations

import shlex
from urllib.parse import urlencode

from zconnect_tui.connector import api_base
from zconnect_tui.datacenters import DataCenters
from zconnect_tui.exports.base import ExportFormat, ExportOptions
from zconnect_tui.model import Connection
from zconnect_tui.text import clean

_TOKEN_PIPE = "printf 'Authorization: Zoho-oauthtoken %s\\n' \"$(zconnect token {name})\" | curl -H @-"
"""How every curl command zconnect prints gets the token: never in an argv, which every local user can
read (/proc/PID/cmdline). `printf` is a builtin of sh, bash and zsh (no process, so no argv), the pipe
is private, and curl reads the header line from stdin (`-H @-`)."""


def curl_example(conn: Connection, dcs: DataCenters) -> str:
    """A first API call with the right headers, the token fetched when it runs (never written out).

    The product's first call (its profile's `first_request`) with the stored context as the product
    wants it (Desk's `orgId` header, Books' `organization_id`, Projects' portal in the path), on its
    base (`api_base`); before a context is stored, the call that lists them.
    """
    from zconnect_tui.products import product_of

    base = api_base(conn, dcs)
    auth = _TOKEN_PIPE.format(name=shlex.quote(conn.name))
    first = product_of(conn.service).first_request(conn)
    if first is not None:
        path, query, headers = first
        url = base + path + ("?" + urlencode(query, safe=",") if query else "")
        return " ".join([auth, *(_header(k, v) for k, v in headers.items()), _word(url)])
    dc = dcs.get(conn.location) if conn.location in dcs else dcs.get(conn.dc)
    return f"{auth} {_word(f'{conn.accounts_server or dc.accounts}/oauth/user/info')}"


def _word(text: str) -> str:
    """`text` as one shell word, in single quotes: the organisation id came from Zoho, and this line is
    pasted into a shell (a `$(…)` or a quote in it must stay text). Cleaned first (text.clean), as the
    second layer: a line break inside the quotes would still be one word, but a second header line to
    curl, and an escape sequence would reach the terminal that shows the line."""
    text = clean(text)
    return f"'{text}'" if "'" not in text else shlex.quote(text)


def _header(name: str, value: str) -> str:
    """`-H "orgId: 123"` as people write it; any value that is not plain digits is single-quoted."""
    if value.isascii() and value.isdigit():
        return f'-H "{name}: {value}"'
    return f"-H {_word(f'{name}: {value}')}"


def render(conn: Connection, dcs: DataCenters, options: ExportOptions) -> str:
    return curl_example(conn, dcs)


FORMAT = ExportFormat("curl", "a curl command",
                      "a first API call with the service's headers, the token fetched when it runs", False, render)
