"""Export a connection: the guide's connector fields, shell exports, or JSON.

No format carries a secret: the connector form's Client Secret and the tokens are shown
masked with the command that reveals them (`zconnect show NAME --reveal`,
`zconnect token NAME`).
"""

from __future__ import annotations

import json
import shlex

from zconnect_tui.connector import (
    ConnectorField,
    api_base,
    connector_fields,
    render_fields,
    request_token_url,
    user_dc,
)
from zconnect_tui.datacenters import DataCenters
from zconnect_tui.model import NON_BROWSER, SERVER, Connection
from zconnect_tui.text import clean

FORMATS = ("connector", "env", "json", "curl")
"""`zconnect export --format` and the TUI's Export tabs (one list: a format added here shows in both)."""

__all__ = ["FORMATS", "connector_fields", "export", "saved_api_fields"]


def saved_api_fields(conn: Connection, dcs: DataCenters) -> list[ConnectorField]:
    """The guide's last step, "add the APIs that you require": each saved API with its full URL."""
    from zconnect_tui.apitarget import saved_api_url, target_for

    if not conn.apis:
        return [ConnectorField("apis", "APIs", f"none saved yet (zconnect api {conn.name} PATH [-f k=v] --save KEY)")]
    on_desk = conn.service == "desk" and target_for(conn, dcs).desk is not None
    rows = []
    for key, api in sorted(conn.apis.items()):
        headers = dict(api.headers)
        if on_desk and conn.org_id and not any(k.lower() == "orgid" for k in headers):
            headers["orgId"] = conn.org_id
        shown = "".join(f"  [{k}: {v}]" for k, v in headers.items())
        rows.append(ConnectorField(f"api.{key}", f"API @{key}", f"{api.method} {saved_api_url(conn, dcs, api)}{shown}"))
    return rows


def export(conn: Connection, dcs: DataCenters, fmt: str) -> str:
    """Render `conn` in `fmt` (one of FORMATS)."""
    if fmt == "curl":
        return curl_example(conn, dcs)
    if fmt == "connector":
        return render_fields(connector_fields(conn, dcs) + saved_api_fields(conn, dcs))
    dc = dcs.get(conn.dc)
    # The user's own data centre and API domain pass the trust rule, as for zconnect's own calls: a
    # script sends its token (or a refresh) where these point, and the file is outside input.
    user = user_dc(conn, dcs)
    values = {
        "ZOHO_CONNECTION": conn.name,
        "ZOHO_SERVICE": conn.service,
        "ZOHO_DC": user.key,
        "ZOHO_ACCOUNTS_URL": user.accounts,
        "ZOHO_API_DOMAIN": dcs.trusted_api_domain(conn.dc, conn.api_domain) or user.api,
        # Where the service's API lives for this user: Desk's host for Desk, api_domain otherwise.
        "ZOHO_API_BASE": api_base(conn, dcs),
        # Desk wants it as the orgId header on every call but /organizations, Books as organization_id.
        # Always printed (empty until an organisation is stored) so `set -u` scripts can rely on it.
        "ZOHO_ORG_ID": conn.org_id,
        "ZOHO_CLIENT_ID": conn.client_id,
        "ZOHO_REDIRECT_URI": conn.redirect_uri,
        "ZOHO_SCOPES": ",".join(conn.scopes),
    }
    if conn.service == "desk":
        values["ZOHO_DESK_URL"] = values["ZOHO_API_BASE"]  # the name earlier versions printed
    if fmt == "env":
        lines = [f"export {k}={shlex.quote(clean(v))}" for k, v in values.items()]  # one line each, inert
        # The token itself is fetched when the line runs, so it is never written anywhere.
        lines.append(f"export ZOHO_ACCESS_TOKEN=\"$(zconnect token {shlex.quote(clean(conn.name))})\"")
        return "\n".join(lines)
    if fmt == "json":
        out: dict[str, object] = {k.removeprefix("ZOHO_").lower(): v for k, v in values.items()}
        out["client_type"] = conn.client_type
        out["request_token_url"] = request_token_url(dc, conn) if conn.client_type == SERVER else None
        out["access_token_url"] = dc.device_token_url if conn.client_type == NON_BROWSER else dc.token_url
        out["refresh_token_url"] = dc.token_url
        out["token_command"] = f"zconnect token {conn.name}"
        return json.dumps(out, indent=2)
    raise ValueError(fmt)


_TOKEN_PIPE = "printf 'Authorization: Zoho-oauthtoken %s\\n' \"$(zconnect token {name})\" | curl -H @-"
"""How every curl command zconnect prints gets the token: never in an argv, which every local user can
read (/proc/PID/cmdline). `printf` is a builtin of sh, bash and zsh (no process, so no argv), the pipe
is private, and curl reads the header line from stdin (`-H @-`)."""


def curl_example(conn: Connection, dcs: DataCenters) -> str:
    """A first API call with the right headers, the token fetched when it runs (never written out).

    Desk wants its `orgId` header on every call but /organizations; Books wants
    `organization_id`; CRM and Books live on the user's own API domain (`api_base`).
    """
    from zconnect_tui.services import get_service

    base = api_base(conn, dcs)
    auth = _TOKEN_PIPE.format(name=shlex.quote(conn.name))
    kind = get_service(conn.service).verify
    if kind == "desk":
        if conn.org_id:
            return f"{auth} {_header('orgId', conn.org_id)} {_word(f'{base}/api/v1/tickets?limit=10')}"
        return f"{auth} {_word(f'{base}/api/v1/organizations')}"
    if kind == "crm":
        return f"{auth} {_word(f'{base}/crm/v8/users?type=CurrentUser')}"
    if kind == "books":
        if conn.org_id:
            return f"{auth} {_word(f'{base}/books/v3/invoices?organization_id={conn.org_id}')}"
        return f"{auth} {_word(f'{base}/books/v3/organizations')}"
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
