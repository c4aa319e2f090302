"""Export a connection: the guide's connector fields, shell exports, or JSON.

No format carries a secret: the connector form's Client Secret and the tokens are shown
masked with the command that reveals them (`zconnect show NAME --reveal`,
`zconnect token NAME`).
"""

from __future__ import annotations

import json
import shlex
from urllib.parse import urlencode, urlsplit

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

FORMATS = ("connector", "env", "json", "curl")
"""`zconnect export --format` and the TUI's Export tabs (one list: a format added here shows in both)."""

__all__ = ["FORMATS", "connector_fields", "export", "saved_api_fields"]


def saved_api_fields(conn: Connection, dcs: DataCenters) -> list[ConnectorField]:
    """The guide's last step, "add the APIs that you require": each saved API with its full URL."""
    from zconnect_tui.apitarget import saved_api_url, target_for

    if not conn.apis:
        return [ConnectorField("apis", "APIs", f"none saved yet (zconnect api {conn.name} PATH [-f k=v] --save KEY)")]
    from zconnect_tui.products import product_of

    product = product_of(conn.service)
    target = target_for(conn, dcs)
    rows = []
    for key, api in sorted(conn.apis.items()):
        headers = dict(api.headers)
        url = saved_api_url(conn, dcs, api)
        # The context as `zconnect api` sends it (Desk's orgId header; a query or path one is in the URL).
        product.add_context(conn, urlsplit(url).path, product.key in target.own_hosts(url), [], headers)
        shown = "".join(f"  [{k}: {v}]" for k, v in headers.items())
        rows.append(ConnectorField(f"api.{key}", f"API @{key}", f"{api.method} {url}{shown}"))
    return rows


def export(conn: Connection, dcs: DataCenters, fmt: str) -> str:
    """Render `conn` in `fmt` (one of FORMATS)."""
    from zconnect_tui.products import product_of

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
        # Where the product's API lives for this user: its own host (Desk, Projects), api_domain otherwise.
        "ZOHO_API_BASE": api_base(conn, dcs),
        # The stored context: Desk's orgId header, Books' and Inventory's organization_id, Projects' portal.
        # Always printed (empty until one is stored) so `set -u` scripts can rely on it.
        "ZOHO_ORG_ID": conn.org_id,
        "ZOHO_CLIENT_ID": conn.client_id,
        "ZOHO_REDIRECT_URI": conn.redirect_uri,
        "ZOHO_SCOPES": ",".join(conn.scopes),
    }
    for alias in product_of(conn.service).env_aliases:
        values[alias] = values["ZOHO_API_BASE"]  # a name earlier versions printed (ZOHO_DESK_URL)
    if fmt == "env":
        lines = [f"export {k}={shlex.quote(v)}" for k, v in values.items()]
        # The token itself is fetched when the line runs, so it is never written anywhere.
        lines.append(f"export ZOHO_ACCESS_TOKEN=\"$(zconnect token {shlex.quote(conn.name)})\"")
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


def curl_example(conn: Connection, dcs: DataCenters) -> str:
    """A first API call with the right headers, the token fetched when it runs (never written out).

    The product's first call (its profile's `first_request`) with the stored context as the product
    wants it (Desk's `orgId` header, Books' `organization_id`, Projects' portal in the path), on its
    base (`api_base`); before a context is stored, the call that lists them.
    """
    from zconnect_tui.products import product_of

    base = api_base(conn, dcs)
    auth = f'-H "Authorization: Zoho-oauthtoken $(zconnect token {shlex.quote(conn.name)})"'
    first = product_of(conn.service).first_request(conn)
    if first is not None:
        path, query, headers = first
        url = base + path + ("?" + urlencode(query, safe=",") if query else "")
        return " ".join(["curl", auth, *(_header(k, v) for k, v in headers.items()), _word(url)])
    dc = dcs.get(conn.location) if conn.location in dcs else dcs.get(conn.dc)
    return f"curl {auth} {_word(f'{conn.accounts_server or dc.accounts}/oauth/user/info')}"


def _word(text: str) -> str:
    """`text` as one shell word, in single quotes: the organisation id came from Zoho, and this line is
    pasted into a shell (a `$(…)` or a quote in it must stay text)."""
    return f"'{text}'" if "'" not in text else shlex.quote(text)


def _header(name: str, value: str) -> str:
    """`-H "orgId: 123"` as people write it; any value that is not plain digits is single-quoted."""
    if value.isascii() and value.isdigit():
        return f'-H "{name}: {value}"'
    return f"-H {_word(f'{name}: {value}')}"
