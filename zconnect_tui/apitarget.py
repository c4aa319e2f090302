"""Where an API call may go: the connection's own service host, in its own data centre.

The token is sent only to the origins (scheme, host, port) of the one rule,
`token_origins` below (the user's data centre's API hosts and product hosts, and the stored
`api_domain` if the rule trusts it), checked on the final URL of every request, never to
anything a path or a response could point at. The base is the product's: its own host for a product
that has one (Desk, Projects), else the stored `api_domain` or, before the first token, the data
centre's API domain (`connector.api_base`). The data centre is the user's own (`connector.user_dc`, through
the trust rule). No httpx here: `export` and `apis` use it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from zconnect_tui.connector import api_base, user_dc
from zconnect_tui.datacenters import DEFAULT_PORTS, DataCenter, DataCenters, Origin, api_origins, check_url, origin_of
from zconnect_tui.errors import UsageError
from zconnect_tui.model import Connection
from zconnect_tui.saved import SavedApi, query_value
from zconnect_tui.text import clean

__all__ = ["Origin", "Target", "origin_of", "saved_api_url", "target_for", "token_origins"]


@dataclass(frozen=True)
class Target:
    """The resolved base of a connection's API calls and the origins its token may reach."""

    base: str
    """e.g. https://desk.zoho.eu or https://www.zohoapis.com (no trailing slash)."""
    allowed: frozenset[Origin]
    hosts: dict[str, str] = field(default_factory=dict)
    """Product key → that product's own host in the user's data centre (where its paths are its own)."""

    def own_hosts(self, url: str) -> set[str]:
        """The products whose own host `url` is on (Desk wants `orgId` there, and pages there)."""
        origin = origin_of(url)
        return {key for key, host in self.hosts.items() if origin is not None and origin == origin_of(host)}

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
    from zconnect_tui.products import PRODUCTS

    user = user_dc(conn, dcs)
    base = check_url(api_base(conn, dcs), "the API base")  # the product's own host, else api_domain
    hosts = {key: host for key, product in PRODUCTS.items() if (host := product.host_of(user))}
    return Target(base=base, allowed=token_origins(dcs, conn.dc, user, conn.api_domain), hosts=hosts)


def token_origins(dcs: DataCenters, home: str, user: DataCenter, api_domain: str | None = None) -> frozenset[Origin]:
    """THE RULE for an access token: the only origins a connection registered in `home`, whose user
    lives in `user`, sends it to (verification calls, `zconnect api`, `exec`'s ZOHO_API_BASE).

    `user`'s API hosts and each product's host there (Desk's, Projects'; in a data centre of the
    user's, every product host its table names), plus the stored `api_domain` when
    `dcs.trusted_api_domain` accepts it; `user` must itself be trusted (`connector.user_dc` asks
    `dcs.trusted_accounts`). The one other place a token goes, `{accounts}/oauth/user/info`, is
    `user`'s accounts server.
    """
    from zconnect_tui.products import PRODUCTS

    dcs.trusted_accounts(home, location=user.key)  # raises unless the rule trusts `user`
    allowed = api_origins(user)
    for product in PRODUCTS.values():
        host = product.host_of(user)
        if host and (origin := origin_of(host)) is not None:
            allowed.add(origin)
    domain = dcs.trusted_api_domain(home, api_domain)
    if domain and (stored := origin_of(domain)) is not None:
        allowed.add(stored)
    return frozenset(allowed)


def saved_api_url(conn: Connection, dcs: DataCenters, api: SavedApi) -> str:
    """The full URL of a saved API as a connector lists it (placeholders kept but the stored context's,
    GET fields in the query, a context sent as a query parameter added: Books' organization_id)."""
    from zconnect_tui.products import product_of

    product = product_of(conn.service)
    target = target_for(conn, dcs)
    shown = product.fill_context(conn, api.path)
    path = shown if "://" in shown else target.base + ("" if shown.startswith("/") else "/") + shown
    query = [(k, query_value(v)) for k, v in api.fields.items()] if api.method in ("GET", "HEAD", "DELETE") else []
    parts = urlsplit(path)
    product.add_context(conn, parts.path, bool(target.own_hosts(path) & {product.key}), query, {})
    if query:
        path += ("&" if "?" in path else "?") + urlencode(query, safe="{},")
    return path
