"""Export a connection: the guide's connector fields, shell exports, or JSON.

No format carries a secret: the connector form's Client Secret and the tokens are shown
masked with the command that reveals them (`zconnect show NAME --reveal`,
`zconnect token NAME`).
"""

from __future__ import annotations

import json
import shlex

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.model import Connection, mask

FORMATS = ("connector", "env", "json")


def connector_fields(conn: Connection, dcs: DataCenters) -> list[tuple[str, str]]:
    """The fields of a Zoho Developer Console connector, in the guide's order."""
    from zconnect_tui.oauth import request_token_url  # httpx: only when an export needs it

    dc = dcs.get(conn.dc)
    return [
        ("Request Token URL", request_token_url(dc, conn)),
        ("Access Token URL", dc.token_url),
        ("Refresh Token URL", dc.token_url),
        ("Client ID", conn.client_id),
        ("Client Secret", f"{mask(conn.client_secret)}  (zconnect show {conn.name} --reveal)"),
        ("Redirect URL", conn.redirect_uri or "(none: Self Client)"),
        ("Scopes", ",".join(conn.scopes)),
    ]


def saved_api_fields(conn: Connection, dcs: DataCenters) -> list[tuple[str, str]]:
    """The guide's last step, "add the APIs that you require": each saved API with its full URL."""
    from zconnect_tui.apitarget import saved_api_url, target_for

    if not conn.apis:
        return [("APIs", f"none saved yet (zconnect api {conn.name} PATH [-f k=v] --save KEY)")]
    on_desk = conn.service == "desk" and target_for(conn, dcs).desk is not None
    rows = []
    for key, api in sorted(conn.apis.items()):
        headers = dict(api.headers)
        if on_desk and conn.org_id and not any(k.lower() == "orgid" for k in headers):
            headers["orgId"] = conn.org_id
        shown = "".join(f"  [{k}: {v}]" for k, v in headers.items())
        rows.append((f"API @{key}", f"{api.method} {saved_api_url(conn, dcs, api)}{shown}"))
    return rows


def export(conn: Connection, dcs: DataCenters, fmt: str) -> str:
    """Render `conn` in `fmt` (one of FORMATS)."""
    dc = dcs.get(conn.dc)
    if fmt == "connector":
        fields = connector_fields(conn, dcs) + saved_api_fields(conn, dcs)
        width = max(len(k) for k, _ in fields)
        return "\n".join(f"{k.ljust(width)}  {v}" for k, v in fields)
    api = conn.api_domain or dc.api
    values = {
        "ZOHO_CONNECTION": conn.name,
        "ZOHO_SERVICE": conn.service,
        "ZOHO_DC": conn.location or conn.dc,
        "ZOHO_ACCOUNTS_URL": conn.accounts_server or dc.accounts,
        "ZOHO_API_DOMAIN": api,
        "ZOHO_CLIENT_ID": conn.client_id,
        "ZOHO_REDIRECT_URI": conn.redirect_uri,
        "ZOHO_SCOPES": ",".join(conn.scopes),
    }
    if conn.org_id:
        values["ZOHO_ORG_ID"] = conn.org_id
    if conn.service == "desk" and dc.desk:
        values["ZOHO_DESK_URL"] = dc.desk
    if fmt == "env":
        lines = [f"export {k}={shlex.quote(v)}" for k, v in values.items()]
        # The token itself is fetched when the line runs, so it is never written anywhere.
        lines.append(f"export ZOHO_ACCESS_TOKEN=\"$(zconnect token {shlex.quote(conn.name)})\"")
        return "\n".join(lines)
    if fmt == "json":
        from zconnect_tui.oauth import request_token_url

        out = {k.removeprefix("ZOHO_").lower(): v for k, v in values.items()}
        out["request_token_url"] = request_token_url(dc, conn)
        out["access_token_url"] = dc.token_url
        out["refresh_token_url"] = dc.token_url
        out["token_command"] = f"zconnect token {conn.name}"
        return json.dumps(out, indent=2)
    raise ValueError(fmt)
