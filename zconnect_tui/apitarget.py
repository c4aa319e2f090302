"""Where an API call may go: the connection's own service host, in its own data centre.

The token is sent only to the origins (scheme, host, port) of the one rule,
`DataCenters.token_origins` (the user's data centre's API and Desk hosts, and the stored
`api_domain` if the rule trusts it), checked on the final URL of every request, never to
anything a path or a response could point at. The base is the service's: the Desk host for Desk
connections, else the stored `api_domain` or, before the first token, the data centre's API
domain (`connector.api_base`). The data centre is the user's own (`connector.user_dc`, through
the trust rule). No httpx here: `export` and `apis` use it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from zconnect_tui.connector import api_base, user_dc
from zconnect_tui.datacenters import DEFAULT_PORTS, DataCenters, Origin, check_url, origin_of
from zconnect_tui.errors import UsageError
from zconnect_tui.model import Connection
from zconnect_tui.saved import SavedApi, query_value
from zconnect_tui.text import clean

__all__ = ["Origin", "Target", "origin_of", "saved_api_url", "target_for"]


@dataclass(frozen=True)
class Target:
    """The resolved base of a connection's API calls and the origins its token may reach."""

    base: str
    """e.g. https://desk.zoho.eu or https://www.zohoapis.com (no trailing slash)."""
    desk: str | None
    """The Desk host of the data centre, if known (Desk wants `orgId` there)."""
    allowed: frozenset[Origin]

    def is_desk(self, url: str) -> bool:
        return self.desk is not None and origin_of(url) == origin_of(self.desk)

    def url_for(self, target: str) -> str:
        """`/path?query` on the base, or a full URL on an allowed origin; anything else is refused."""
        target = target.strip()
        if any(ch < " " or ch == "\x7f" for ch in target):  # httpx cannot send them (InvalidURL)
            raise UsageError(f"The path {clean(target, limit=80, escape=True)} contains control characters.",
                             "Remove them, or percent-encode them (e.g. %7F).")
        if "://" in target.split("?", 1)[0]:
            url = target
        else:
            url = self.base + (target if target.startswith("/") else "/" + target)
        self.check(url)
        return url

    def check(self, url: str) -> None:
        """Refuse a URL whose origin is not one of this connection's (or that carries a user:password@)."""
        parts = urlsplit(url)
        origin = origin_of(url)
        if origin is None or parts.username is not None or parts.password is not None \
                or origin not in self.allowed or any(ch in url for ch in "\\\r\n\0"):
            shown = f"{parts.scheme}://{parts.hostname}" if parts.hostname else url[:80]
            allowed = ", ".join(sorted(f"{s}://{h}" + ("" if DEFAULT_PORTS[s] == p else f":{p}")
                                       for s, h, p in self.allowed))
            raise UsageError(f"Refused: {shown} is not an API host of this connection's data centre, and its "
                             "access token goes nowhere else.", f"Use a path, or a URL on {allowed}.")


def target_for(conn: Connection, dcs: DataCenters) -> Target:
    """The base URL and allowed origins of `conn`'s API calls."""
    user = user_dc(conn, dcs)
    base = check_url(api_base(conn, dcs), "the API base")  # Desk's host for Desk, else api_domain
    return Target(base=base, desk=user.desk, allowed=dcs.token_origins(conn.dc, user, conn.api_domain))


def saved_api_url(conn: Connection, dcs: DataCenters, api: SavedApi) -> str:
    """The full URL of a saved API as a connector lists it (placeholders kept, GET fields in the query,
    Books' organization_id added)."""
    target = target_for(conn, dcs)
    path = api.path if "://" in api.path else target.base + ("" if api.path.startswith("/") else "/") + api.path
    query = [(k, query_value(v)) for k, v in api.fields.items()] if api.method in ("GET", "HEAD", "DELETE") else []
    if conn.service == "books" and conn.org_id and "/books/" in path and "organization_id" not in api.fields:
        query.append(("organization_id", conn.org_id))
    if query:
        path += ("&" if "?" in path else "?") + urlencode(query, safe="{},")
    return path
