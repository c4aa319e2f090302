"""The connection model: what one stored Zoho connection holds, and how it reads.

A `Connection` maps one-to-one onto a `[connections.NAME]` table in the TOML file; tokens
live in its `[connections.NAME.token]` sub-table. Datetimes are timezone-aware UTC.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from zconnect_tui.errors import ConfigError, Fix, Remedy, UsageError
from zconnect_tui.text import clean

if TYPE_CHECKING:
    # Saved APIs load with the first connection that has some (not for the TUI's first frame, #10).
    from zconnect_tui.saved import SavedApi

DEFAULT_PORT = 9646
"""Default loopback port: 9646 spells ZOHO on a phone keypad."""
REDIRECT_PATH = "/callback"
REFRESH_MARGIN = timedelta(minutes=5)
"""`zconnect token` refreshes when less than this remains."""

# Patterns are strings, compiled by `re` on first use and cached there: compiling every pattern at
# import cost the TUI's first frame about 1 M instructions each (#10).
NAME_RE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z"
MAX_NAME = 64
"""The longest connection name NAME_RE allows (checked first, so a long name is told so)."""
PORT_MIN, PORT_MAX = 1024, 65535
"""Loopback ports a user may choose for the redirect URI (no privileged ports)."""


class Status(StrEnum):
    """What the file records about a connection's authorization (the values are the file's)."""

    NOT_AUTHORIZED = "not_authorized"
    AUTHORIZED = "authorized"
    NEEDS_REAUTH = "needs_reauth"
    REVOKED = "revoked"


class AccessType(StrEnum):
    """Zoho's access_type: offline also yields a refresh token; online only a 1-hour access token."""

    OFFLINE = "offline"
    ONLINE = "online"


class TokenState(StrEnum):
    """The token state a person sees, computed from the status and the expiry (never parsed back)."""

    VALID = "valid"
    EXPIRING = "expiring"
    """Valid, but for less than REFRESH_MARGIN: the next `zconnect token` refreshes first."""
    EXPIRED = "expired"
    NEEDS_REAUTH = "needs_reauth"
    REVOKED = "revoked"
    NOT_AUTHORIZED = "not_authorized"

    @property
    def json_key(self) -> str:
        """The value `--json` prints: valid | expired | needs_reauth | revoked | not_authorized."""
        return TokenState.VALID.value if self is TokenState.EXPIRING else self.value


# The status values as plain names (older code imports these).
AUTHORIZED = Status.AUTHORIZED
NOT_AUTHORIZED = Status.NOT_AUTHORIZED
NEEDS_REAUTH = Status.NEEDS_REAUTH
REVOKED = Status.REVOKED
STATUSES = tuple(Status)
ACCESS_TYPES = tuple(AccessType)
LOOPBACK_REDIRECT = r"^http://127\.0\.0\.1:(\d{1,5})/"


class ClientType(StrEnum):
    """The API Console's client types zconnect drives (facts §6.1); the values are the file's."""

    SERVER = "server"
    """Server-based Applications: consent in a browser, the code arrives at the loopback redirect."""
    SELF = "self"
    """Self Client: no redirect; the user pastes a code generated in the API Console."""
    NON_BROWSER = "non-browser"
    """Non-browser Applications: Zoho's device flow (a code entered at Zoho's verification page)."""


SERVER, SELF, NON_BROWSER = ClientType.SERVER, ClientType.SELF, ClientType.NON_BROWSER
CLIENT_TYPES = tuple(ClientType)


def redirect_uri_for(port: int) -> str:
    """The exact redirect URI to register in the API Console for `port`."""
    return f"http://127.0.0.1:{port}{REDIRECT_PATH}"


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def mask(secret: str | None) -> str:
    """`1000.ab…f3c2`: enough to tell two secrets apart, too little to use one."""
    if not secret:
        return "-"
    if len(secret) <= 12:
        return "…" + secret[-2:] if len(secret) > 4 else "…"
    head = secret[:7] if secret.startswith("1000.") else secret[:2]
    return f"{head}…{secret[-4:]}"


@dataclass
class TokenSet:
    """The tokens Zoho issued for a connection (secrets never in a repr: crash reports print them)."""

    access_token: str = field(default="", repr=False)
    refresh_token: str = field(default="", repr=False)
    expires_at: datetime | None = None
    scope: str = ""
    refreshed_at: datetime | None = None
    issued_by: str = ""
    """The accounts server that issued these tokens: refreshes and the revoke go there, and only there."""

    def remaining(self, now: datetime | None = None) -> timedelta | None:
        if not self.access_token or self.expires_at is None:
            return None
        return self.expires_at - (now or now_utc())


@dataclass
class Connection:
    """A named connection: the connector definition plus its tokens."""

    name: str
    service: str
    dc: str
    client_id: str
    scopes: list[str]
    client_secret: str = field(default="", repr=False)
    access_type: AccessType = AccessType.OFFLINE
    redirect_uri: str = ""
    client_type: ClientType = ClientType.SERVER
    client_secrets: dict[str, str] = field(default_factory=dict, repr=False)
    """Multi-DC: a data centre key -> that data centre's own Client Secret (else `client_secret` is used)."""
    status: Status = Status.NOT_AUTHORIZED
    accounts_server: str = ""
    """The accounts server of the user's own data centre (from the consent redirect)."""
    location: str = ""
    """That data centre's key."""
    api_domain: str = ""
    org_id: str = ""
    org_name: str = ""
    user: str = ""
    last_error: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    token: TokenSet = field(default_factory=TokenSet)
    apis: dict[str, SavedApi] = field(default_factory=dict)
    """Saved APIs (`[connections.NAME.apis.KEY]`), the connector's "APIs that you require"."""

    def __post_init__(self) -> None:
        try:
            self.client_type = ClientType(self.client_type)
        except ValueError:
            raise ConfigError(f"[connections.{self.name}] client_type {clean(str(self.client_type), limit=40)!r} "
                              f"is not one of {', '.join(CLIENT_TYPES)}.", "Fix or remove it.") from None
        # Callers may pass the file's strings (from_table has checked them); others raise ValueError.
        self.status = Status(self.status)
        self.access_type = AccessType(self.access_type)

    # ----- reading -------------------------------------------------------------------
    @property
    def self_client(self) -> bool:
        """A Self Client (client_type "self"): no redirect, the code is pasted from the console."""
        return self.client_type == SELF

    @property
    def uses_redirect(self) -> bool:
        """Only a Server-based client has a loopback redirect URI."""
        return self.client_type == SERVER

    def secret_for(self, dc_key: str) -> str:
        """The Client Secret for `dc_key`'s accounts server: its own (Multi-DC) if stored, else the common one."""
        if dc_key != self.dc and self.client_secrets.get(dc_key):
            return self.client_secrets[dc_key]
        return self.client_secret

    @property
    def port(self) -> int | None:
        match = re.match(LOOPBACK_REDIRECT, self.redirect_uri)
        port = int(match.group(1)) if match else 0
        return port if 1 <= port <= 65535 else None

    def state(self, now: datetime | None = None) -> TokenState:
        """The token state, from the status and the expiry."""
        if self.status == Status.REVOKED:
            return TokenState.REVOKED
        if self.status == Status.NEEDS_REAUTH:
            return TokenState.NEEDS_REAUTH
        remaining = self.token.remaining(now)
        if remaining is None:
            return TokenState.NOT_AUTHORIZED
        if remaining.total_seconds() <= 0:
            return TokenState.EXPIRED
        return TokenState.EXPIRING if remaining < REFRESH_MARGIN else TokenState.VALID

    @property
    def ever_authorized(self) -> bool:
        """False for a connection that never went through consent (the dashboard says "Authorize")."""
        return self.status != Status.NOT_AUTHORIZED or bool(self.token.refresh_token or self.token.access_token)

    def token_state(self, now: datetime | None = None) -> str:
        """A short phrase: 'valid 41m', 'expired', 'needs re-authorization', 'revoked', 'not authorized'."""
        state = self.state(now)
        if state in (TokenState.VALID, TokenState.EXPIRING):
            remaining = self.token.remaining(now)
            assert remaining is not None
            return f"valid {format_duration(remaining)}"
        if state == TokenState.EXPIRED and not self.token.refresh_token:
            return "expired (online: authorize again)"
        return STATE_PHRASES[state]

    def token_state_key(self, now: datetime | None = None) -> str:
        """Machine-readable state for --json: valid | expired | needs_reauth | revoked | not_authorized."""
        return self.state(now).json_key

    def public_dict(self, now: datetime | None = None, reveal: bool = False) -> dict[str, Any]:
        """Every field for `show --json`/`list --json`; secrets masked unless `reveal`."""
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("token", "apis")}
        out["apis"] = {key: asdict(api) for key, api in sorted(self.apis.items())}
        out["client_secret"] = self.client_secret if reveal else mask(self.client_secret)
        out["client_secrets"] = {dc: (v if reveal else mask(v)) for dc, v in sorted(self.client_secrets.items())}
        tok = self.token
        out["token"] = {
            "access_token": tok.access_token if reveal else mask(tok.access_token),
            "refresh_token": tok.refresh_token if reveal else mask(tok.refresh_token),
            "expires_at": _iso(tok.expires_at),
            "refreshed_at": _iso(tok.refreshed_at),
            "scope": tok.scope,
        }
        out["state"] = self.token_state_key(now)
        out["state_text"] = self.token_state(now)
        for key in ("created_at", "updated_at"):
            out[key] = _iso(getattr(self, key))
        return out


STATE_PHRASES: dict[TokenState, str] = {
    TokenState.VALID: "valid",
    TokenState.EXPIRING: "expiring soon",
    TokenState.EXPIRED: "expired",
    TokenState.NEEDS_REAUTH: "needs re-authorization",
    TokenState.REVOKED: "revoked",
    TokenState.NOT_AUTHORIZED: "not authorized",
}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def format_duration(delta: timedelta) -> str:
    """41m, 2h05m, 3d4h, 59s."""
    seconds = int(delta.total_seconds())
    if seconds < 60:
        return f"{max(seconds, 0)}s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


# ----- validation (shared by the CLI and the wizard) ----------------------------------------
ORG_NOT_REACHED = "does not reach the stored"
"""In `last_error` while a new token does not reach the stored organisation: it is kept, unchanged, until
one is chosen (`edit --org`, Edit); a refresh leaves the note, choosing an organisation clears it."""

MAX_ORG_ID = 40
"""Characters in an organisation id at most: a bound well above the ids in Zoho's examples (the rule for
an id, which also asks the product, is `products.org_id_ok`)."""


def validate_client_id(client_id: str) -> str:
    """Loose check: Zoho IDs look like 1000.XXXX (other prefixes exist, so only shape is checked)."""
    client_id = client_id.strip()
    if not client_id:
        raise UsageError("The Client ID is empty.",
                         "Copy it from the client's Client Secret tab; it looks like 1000.ABCDEF….")
    if any(ch.isspace() for ch in client_id) or "." not in client_id:
        raise UsageError(f"{client_id!r} does not look like a Zoho Client ID.",
                         "Copy it from the client's Client Secret tab; it looks like 1000.ABCDEF….")
    return client_id


def validate_name(name: str) -> str:
    """The one rule for connection names: they become TOML keys and CLI arguments, so keep them simple."""
    if len(name) > MAX_NAME:  # the length first: "not usable" would send the user hunting for a bad character
        raise UsageError(f"The connection name is {len(name)} characters long; the limit is {MAX_NAME}.",
                         "Use a shorter name (letters, digits, '-' and '_', starting with a letter or digit).")
    if not re.match(NAME_RE, name):
        raise UsageError(f"{name!r} is not a usable connection name." if name else "The connection needs a name.",
                         "Use letters, digits, '-' and '_' (up to 64), starting with a letter or digit.")
    return name


def name_taken(name: str) -> UsageError:
    """The error for a name another connection has (the CLI's `add`, the store, the wizard)."""
    return UsageError(f"A connection named {name!r} exists already.", remedy=Remedy(Fix.OTHER_NAME, name))


def validate_port(value: int | str) -> int:
    """The one rule for the loopback port of a redirect URI (`--port`, the wizard's step 3, `edit`)."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()):
            raise UsageError(f"{text!r} is not a port number." if text else "The port is empty.",
                             f"Use a number from {PORT_MIN} to {PORT_MAX}.")
        value = int(text)
    if not PORT_MIN <= value <= PORT_MAX:
        raise UsageError(f"Port {value} is out of range.", f"Use a number from {PORT_MIN} to {PORT_MAX}.")
    return value


def validate_secret(secret: str) -> str:
    """Loose check: non-empty, no spaces (Zoho secrets are usually 42 hex chars)."""
    secret = secret.strip()
    if not secret or any(ch.isspace() for ch in secret):
        raise UsageError("The Client Secret is empty or contains spaces.",
                         "Copy it again from the client's Client Secret tab in the API Console.")
    return secret
