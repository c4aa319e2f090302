"""`json`: the connection's public fields and OAuth URLs as JSON (no secret)."""

from __future__ import annotations

import json

from zconnect_tui.connector import request_token_url
from zconnect_tui.datacenters import DataCenters
from zconnect_tui.exports.base import ExportFormat, ExportOptions
from zconnect_tui.exports.env import values
from zconnect_tui.model import NON_BROWSER, SERVER, Connection


def render(conn: Connection, dcs: DataCenters, options: ExportOptions) -> str:
    dc = dcs.get(conn.dc)
    out: dict[str, object] = {k.removeprefix("ZOHO_").lower(): v for k, v in values(conn, dcs).items()}
    out["client_type"] = conn.client_type
    out["request_token_url"] = request_token_url(dc, conn) if conn.client_type == SERVER else None
    out["access_token_url"] = dc.device_token_url if conn.client_type == NON_BROWSER else dc.token_url
    out["refresh_token_url"] = dc.token_url
    out["token_command"] = f"zconnect token {conn.name}"
    return json.dumps(out, indent=2)


FORMAT = ExportFormat("json", "JSON", "the connection's fields and OAuth URLs as JSON (no secret)", False, render)
