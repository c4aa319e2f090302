"""Connections built in memory for the tests (no emulator, no CLI): one set of defaults, keyword overrides.

    from factories import authorized_connection, connection

`connection()` is a Desk connection in `us` that was never authorized; `authorized_connection()` is the same
with tokens (the access token valid for an hour unless `valid_for` says otherwise). Any other `Connection`
field (status, location, api_domain, org_id, access_type, client_type, client_secrets, apis…) is a keyword.
A test whose assertions name a value passes that value itself, so a reader sees it at the call site.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from zconnect_tui.model import Connection, Status, now_utc

REDIRECT_URI = "http://127.0.0.1:9646/callback"
"""zconnect's own redirect URI on its default port."""


def connection(name: str = "desk", *, service: str = "desk", dc: str = "us", client_id: str = "1000.A",
               scopes: list[str] | None = None, client_secret: str = "s3cret", redirect_uri: str = REDIRECT_URI,
               refresh_token: str = "", refreshed_ago: timedelta | None = None, **fields: Any) -> Connection:
    """A connection not yet authorized (scopes: ["Desk.basic.READ"]); `refresh_token` and `refreshed_ago`
    (when it was last refreshed) go on its token set."""
    made = Connection(name=name, service=service, dc=dc, client_id=client_id,
                      scopes=list(scopes) if scopes is not None else ["Desk.basic.READ"],
                      client_secret=client_secret, redirect_uri=redirect_uri, **fields)
    made.token.refresh_token = refresh_token
    made.token.refreshed_at = now_utc() - refreshed_ago if refreshed_ago is not None else None
    return made


def authorized_connection(name: str = "desk", *, access_token: str = "1000.access",
                          refresh_token: str = "1000.refresh", valid_for: timedelta = timedelta(hours=1),
                          **fields: Any) -> Connection:
    """`connection(...)` authorized (unless `status` says otherwise), its access token expiring `valid_for` from
    now (negative: expired that long ago)."""
    fields.setdefault("status", Status.AUTHORIZED)
    made = connection(name, refresh_token=refresh_token, **fields)
    made.token.access_token = access_token
    made.token.expires_at = now_utc() + valid_for
    return made
