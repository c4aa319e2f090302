"""`sigma`: the `connectors` entry of a Sigma plugin-manifest.json, as valid JSON.

Keys as zoho.com/desk/extensions/guide/manifest.html shows them (connectionLinkName, connectionName,
serviceName, userAccess, isUserDefinedService, sharedBy, scope). The service is the developer's own
OAuth client (the connector the guide builds), so isUserDefinedService is true; sharedBy is the
developer's Zoho user id, which only Sigma's Connection Summary (JSON tab) shows: left empty to fill.
"""

from __future__ import annotations

import json

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.exports.base import ExportFormat, ExportOptions, link_name
from zconnect_tui.model import Connection


def entry(conn: Connection, options: ExportOptions) -> dict[str, object]:
    """One connector, as the manifest's `connectors` array holds it."""
    link = link_name(conn, options)
    return {
        "connectionLinkName": link,
        "connectionName": link,
        "serviceName": link,
        "userAccess": True,
        "isUserDefinedService": True,
        "sharedBy": "",
        "scope": list(conn.scopes),
    }


def render(conn: Connection, dcs: DataCenters, options: ExportOptions) -> str:
    return json.dumps({"connectors": [entry(conn, options)]}, indent=2, ensure_ascii=False)


FORMAT = ExportFormat(
    "sigma", "a Sigma manifest entry",
    "the connectors entry of a Sigma plugin-manifest.json (JSON; sharedBy left for you to fill)", True, render)
