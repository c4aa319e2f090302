"""`connector`: the guide's connector fields, then each saved API with its full URL (the developer's own)."""

from __future__ import annotations

from urllib.parse import urlsplit

from zconnect_tui.connector import ConnectorField, connector_fields, render_fields
from zconnect_tui.datacenters import DataCenters
from zconnect_tui.exports.base import ExportFormat, ExportOptions
from zconnect_tui.model import Connection


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


def render(conn: Connection, dcs: DataCenters, options: ExportOptions) -> str:
    return render_fields(connector_fields(conn, dcs) + saved_api_fields(conn, dcs))


FORMAT = ExportFormat(
    "connector", "connector fields",
    "the guide's connector fields (secret masked), then each saved API with its full URL, as tried",
    False, render)
