"""`env`: shell exports of the connection, the token fetched when the line runs."""

from __future__ import annotations

import shlex

from zconnect_tui.connector import api_base, user_dc
from zconnect_tui.datacenters import DataCenters
from zconnect_tui.exports.base import ExportFormat, ExportOptions
from zconnect_tui.model import Connection
from zconnect_tui.text import clean


def values(conn: Connection, dcs: DataCenters) -> dict[str, str]:
    """The connection's public fields under their ZOHO_ names (no secret), as `env` and `json` print them."""
    # The user's own data centre and API domain pass the trust rule, as for zconnect's own calls: a
    # script sends its token (or a refresh) where these point, and the file is outside input.
    user = user_dc(conn, dcs)
    out = {
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
    from zconnect_tui.products import product_of

    for alias in product_of(conn.service).env_aliases:
        out[alias] = out["ZOHO_API_BASE"]  # a name earlier versions printed (ZOHO_DESK_URL)
    return out


def render(conn: Connection, dcs: DataCenters, options: ExportOptions) -> str:
    lines = [f"export {k}={shlex.quote(clean(v))}" for k, v in values(conn, dcs).items()]  # one line each, inert
    # The token itself is fetched when the line runs, so it is never written anywhere.
    lines.append(f"export ZOHO_ACCESS_TOKEN=\"$(zconnect token {shlex.quote(clean(conn.name))})\"")
    return "\n".join(lines)


FORMAT = ExportFormat(
    "env", "shell exports",
    "shell exports: ZOHO_API_BASE, ZOHO_ORG_ID, …, and ZOHO_ACCESS_TOKEN fetched when the line runs",
    False, render)
