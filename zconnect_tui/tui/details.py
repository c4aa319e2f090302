"""A connection as a person reads it: labelled, formatted rows (no snake_case keys, no Python values).

Used by the dashboard's details panel and its full details view; secrets are always masked.
"""

from __future__ import annotations

from datetime import datetime

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.errors import ZconnectError
from zconnect_tui.model import AccessType, ClientType, Connection, TokenState, format_duration, mask, now_utc
from zconnect_tui.products import PRODUCTS, product_of
from zconnect_tui.text import clean
from zconnect_tui.tui.states import STATES

CLIENT_TYPE_TEXT = {
    ClientType.SERVER: "Server-based (loopback redirect)",
    ClientType.SELF: "Self Client (a pasted code)",
    ClientType.NON_BROWSER: "Non-browser (a code entered at Zoho)",
}


def expires_text(conn: Connection, now: datetime | None = None) -> str:
    """"41m", "3m ago", or "-" when there is no token."""
    remaining = conn.token.remaining(now)
    if remaining is None or conn.state(now) in (TokenState.REVOKED, TokenState.NEEDS_REAUTH):
        return "-"
    if remaining.total_seconds() <= 0:
        return f"{format_duration(-remaining)} ago"
    return f"in {format_duration(remaining)}"


def _when(value: datetime | None, now: datetime) -> str:
    if value is None:
        return "-"
    delta = value - now
    relative = f"in {format_duration(delta)}" if delta.total_seconds() > 0 else f"{format_duration(-delta)} ago"
    return f"{value:%Y-%m-%d %H:%M} UTC ({relative})"


def _dc_text(conn: Connection, dcs: DataCenters) -> str:
    try:
        dc = dcs.get(conn.dc)
    except ZconnectError:
        return f"{conn.dc} (unknown)"
    text = f"{dc.key}: {dc.label}" if dc.label != dc.key else f"{dc.key} (from your config file)"
    if conn.location and conn.location != conn.dc:
        text += f"; the account lives in {conn.location}"
    return text


def detail_rows(conn: Connection, dcs: DataCenters, *, full: bool = False,
                now: datetime | None = None) -> list[tuple[str, str]]:
    """(label, value) rows for `conn`, values cleaned (`text.clean`); `full` adds the addresses and timestamps."""
    now = now or now_utc()
    state = conn.state(now)
    look = STATES[state]
    service = PRODUCTS.get(conn.service)
    context = product_of(conn.service).context
    rows = [
        ("State", f"{look.symbol} {look.label}"),
        # "-" once Zoho refused the refresh token or it was revoked: the access token is no longer used
        # (`token` refuses it), so its expiry would contradict the state above it.
        ("Token expires", _when(conn.token.expires_at, now) if conn.token.access_token
         and state not in (TokenState.REVOKED, TokenState.NEEDS_REAUTH) else "-"),
        ("Service", f"{service.label} ({conn.service})" if service else conn.service),
        ("Data centre", _dc_text(conn, dcs)),
        ((context.noun if context else "organization").capitalize(),
         f"{conn.org_name} ({conn.org_id})" if conn.org_id else conn.org_name or "-"),
    ]
    if conn.user:
        rows.append(("Signed in as", conn.user))
    rows += [
        ("Client ID", conn.client_id),
        ("Client Secret", mask(conn.client_secret)),
        ("Client type", CLIENT_TYPE_TEXT.get(conn.client_type, str(conn.client_type))),
        ("Redirect URI", conn.redirect_uri or "none"),
        ("Access type", "offline: a refresh token keeps it connected" if conn.access_type == AccessType.OFFLINE
         else "online: an access token for 1 hour, then authorize again"),
        ("Refresh token", "stored" if conn.token.refresh_token else "none"),
        ("Scopes", ", ".join(conn.scopes)),
    ]
    if conn.last_error:
        rows.append(("Last error", conn.last_error))
    if full:
        rows += [
            ("Accounts server", conn.accounts_server or "-"),
            ("API domain", conn.api_domain or "-"),
            ("Token scope", conn.token.scope or "-"),
            ("Last refreshed", _when(conn.token.refreshed_at, now)),
            ("Created", _when(conn.created_at, now)),
            ("Updated", _when(conn.updated_at, now)),
        ]
    use = f"zconnect token {conn.name}"
    if state == TokenState.NOT_AUTHORIZED:
        use += ", once it is authorized"  # until then the command fails: say so here, not in the shell
    elif state in (TokenState.REVOKED, TokenState.NEEDS_REAUTH):
        use += ", once it is authorized again"
    rows.append(("Use it", use))
    # Organisation and user names, the last error: from Zoho or the file, never to a terminal raw.
    return [(label, clean(value)) for label, value in rows]
