"""What you can do with a stored connection: token, refresh, authorize, verify, revoke.

Both the CLI and the TUI call this module and only this one: neither front end talks to the
store or to Zoho directly. Every change runs inside `Store.transaction`, so it re-reads the
file under the lock and a failed network call changes nothing.

The HTTP stack (httpx, the listener, the flow) is imported on first use, so a front end can
hold a Manager from its first frame without paying for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from zconnect_tui.datacenters import DataCenter, DataCenters, check_url
from zconnect_tui.errors import (
    Fix,
    NeedsReauthorization,
    Remedy,
    UsageError,
    ZconnectError,
    ZohoError,
    multi_dc_error,
)
from zconnect_tui.model import (
    AUTHORIZED,
    NEEDS_REAUTH,
    REFRESH_MARGIN,
    REVOKED,
    AccessType,
    Connection,
    TokenSet,
    name_taken,
    now_utc,
    redirect_uri_for,
    validate_port,
    validate_secret,
)
from zconnect_tui.saved import SavedApi
from zconnect_tui.store import Snapshot, Store

if TYPE_CHECKING:  # httpx (through oauth) and the listener load only when a command needs them
    from zconnect_tui.device import DeviceFlow, DeviceResult
    from zconnect_tui.flow import AuthorizationFlow
    from zconnect_tui.listener import CallbackResult
    from zconnect_tui.oauth import TokenResponse, ZohoClient
    from zconnect_tui.verify import Organization, Verification

T = TypeVar("T")


def _default_client() -> ZohoClient:
    from zconnect_tui.oauth import ZohoClient

    return ZohoClient()


@dataclass
class EditResult:
    """What `Manager.edit` changed and what the user has to do next."""

    conn: Connection
    changed: list[str] = field(default_factory=list)
    """Human names of the changed settings, e.g. ["scopes", "port"]."""
    needs_consent: bool = False
    """The change takes effect only after the user authorizes the connection again."""
    register_uri: str = ""
    """A new redirect URI to register in the API Console ("" when the port did not change)."""


def account_dc(conn: Connection, dcs: DataCenters) -> DataCenter:
    """The data centre for refresh/revoke: the user's own (stored), re-checked by the trust rule."""
    if conn.accounts_server:
        dc = dcs.trusted_for(conn.dc, accounts=conn.accounts_server)
        if dc is None:
            raise ZconnectError(
                f"{conn.name}'s accounts server {conn.accounts_server} is not a known data centre; refused.",
                "Fix accounts_server in the config file, or authorize the connection again.",
                remedy=Remedy(Fix.FIX_CONFIG, conn.name, key=f"connections.{conn.name}.accounts_server"),
            )
        return dc
    return dcs.get(conn.dc)


def accounts_for(conn: Connection, dcs: DataCenters) -> str:
    """The accounts server for refresh/revoke (see `account_dc`)."""
    return account_dc(conn, dcs).accounts


def _other_dc(conn: Connection, dc: DataCenter, exc: ZohoError) -> ZohoError:
    """invalid_client from another data centre than the client's own names both Multi-DC fixes."""
    if exc.code == "invalid_client" and dc.key != conn.dc:
        return multi_dc_error(conn.name, conn.dc, dc.key)
    return exc


def _dead_refresh_token(conn: Connection) -> NeedsReauthorization:
    return NeedsReauthorization(
        f"{conn.name}'s refresh token no longer works (revoked at Zoho, or pushed out by newer ones).",
        remedy=Remedy(Fix.AUTHORIZE, conn.name),
    )


def apply_tokens(conn: Connection, tokens: TokenResponse) -> None:
    """Store a token response on `conn`; a refresh without a refresh token keeps the old one."""
    now = now_utc()
    conn.token.access_token = tokens.access_token
    if tokens.refresh_token:
        conn.token.refresh_token = tokens.refresh_token
    conn.token.expires_at = now + timedelta(seconds=tokens.expires_in)
    conn.token.refreshed_at = now
    if tokens.scope:
        conn.token.scope = tokens.scope
    if tokens.api_domain:
        conn.api_domain = check_url(tokens.api_domain, "api_domain")
    conn.status = AUTHORIZED
    conn.last_error = ""


def _check_secret_dc(snap: Snapshot, conn: Connection, dc: str) -> None:
    dcs = snap.dcs()
    if dcs.trusted_for(conn.dc, location=dc) is None:
        family = dcs.get(conn.dc).family
        choices = ", ".join(d.key for d in dcs if d.family == family)
        raise UsageError(f"{dc!r} is not a data centre whose users {conn.name} can serve.",
                         f"Choose one of {choices}.")


class Manager:
    """Operations on the connections in one store."""

    def __init__(self, store: Store, client_factory: Callable[[], ZohoClient] | None = None) -> None:
        self.store = store
        self._client_factory = client_factory or _default_client

    # ----- reading ------------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """The connections file."""
        return self.store.path

    def snapshot(self) -> Snapshot:
        """The whole file, parsed (no lock: a read sees one complete version)."""
        return self.store.load()

    def get(self, name: str) -> Connection:
        return self.store.load().get(name)

    def listing(self) -> list[Connection]:
        """Every connection's name, service, data centre, organisation and token state (no secrets):
        what `zconnect list` shows, fast at 1,000 connections."""
        return self.store.listing()

    def dcs(self) -> DataCenters:
        """The built-in data centres plus the file's own."""
        return self.store.load().dcs()

    def loosened_mode_warning(self) -> str | None:
        return self.store.loosened_mode_warning()

    def export(self, name: str, fmt: str) -> str:
        """`name` in one of `export.FORMATS` (secrets masked)."""
        from zconnect_tui.export import export

        snap = self.store.load()
        return export(snap.get(name), snap.dcs(), fmt)

    def curl(self, name: str) -> str:
        """A curl command for a first API call on `name`, with the service's headers."""
        from zconnect_tui.export import curl_example

        snap = self.store.load()
        return curl_example(snap.get(name), snap.dcs())

    # ----- definitions --------------------------------------------------------------------------
    def add(self, conn: Connection) -> None:
        """Store a new connection; a name in use is refused."""
        self.store.save_connection(conn, replace=False)

    def save_draft(self, conn: Connection, previous: str | None = None) -> None:
        """Save what the wizard collected, in one transaction.

        `previous` is the name this wizard run saved before (None at first): that connection may
        be replaced or renamed; any other existing name is refused, so nobody else's is overwritten.
        """

        def change(snap: Snapshot) -> None:
            if conn.name in snap.connections and conn.name != previous:
                raise name_taken(conn.name)
            if previous is not None and previous != conn.name:
                snap.connections.pop(previous, None)
            conn.updated_at = now_utc()
            conn.created_at = conn.created_at or conn.updated_at
            snap.connections[conn.name] = conn

        self.store.transaction(change)

    def remove(self, name: str) -> None:
        self.store.remove(name)

    def edit(self, name: str, *, scopes: list[str] | None = None, port: int | None = None,
             access_type: AccessType | str | None = None, client_secret: str | None = None) -> EditResult:
        """Change a connection's scopes, port, access type or secret; tokens are kept.

        New scopes or another access type reach the token only through a new consent
        (`needs_consent`); a new port means a new redirect URI to register (`register_uri`).
        """
        if port is not None:
            port = validate_port(port)
        wanted_access = AccessType(access_type) if access_type is not None else None

        def change(conn: Connection) -> EditResult:
            result = EditResult(conn)
            if scopes is not None and list(scopes) != conn.scopes:
                conn.scopes = list(scopes)
                result.changed.append("scopes")
                result.needs_consent = True
            if wanted_access is not None and wanted_access != conn.access_type:
                conn.access_type = wanted_access
                result.changed.append("access type")
                result.needs_consent = True
            if port is not None and port != conn.port:
                if not conn.uses_redirect:
                    raise UsageError(f"{conn.name} is a {conn.client_type} client: it has no redirect URI, so no "
                                     "port.", "Leave --port out.")
                conn.redirect_uri = redirect_uri_for(port)
                result.changed.append("port")
                result.register_uri = conn.redirect_uri
            if client_secret is not None and client_secret != conn.client_secret:
                conn.client_secret = client_secret
                result.changed.append("client secret")
            # A connection that never had tokens needs its first consent anyway.
            result.needs_consent = result.needs_consent or not conn.ever_authorized
            return result

        return self.store.update(name, change)

    def _with_client(self, fn: Callable[[ZohoClient], T]) -> T:
        with self._client_factory() as client:
            return fn(client)

    # ----- tokens -------------------------------------------------------------------------------
    def access_token(self, name: str) -> str:
        """A valid access token, refreshed first when less than 5 minutes remain."""
        conn = self.get(name)
        self._ensure_usable(conn)
        remaining = conn.token.remaining()
        if remaining is not None and remaining > REFRESH_MARGIN:
            return conn.token.access_token
        return self.refresh(name, only_if_needed=True).token.access_token

    def _ensure_usable(self, conn: Connection) -> None:
        if conn.status in (NEEDS_REAUTH, REVOKED) or not conn.token.access_token:
            why = {NEEDS_REAUTH: "needs re-authorization", REVOKED: "was revoked"}.get(
                conn.status, "is not authorized yet")
            raise NeedsReauthorization(f"{conn.name} {why}.", remedy=Remedy(Fix.AUTHORIZE, conn.name))
        if not conn.token.refresh_token:
            remaining = conn.token.remaining()
            if remaining is None or remaining.total_seconds() <= 0:
                raise NeedsReauthorization(
                    f"{conn.name}'s access token expired and it has no refresh token (online access).",
                    remedy=Remedy(Fix.AUTHORIZE_OR_OFFLINE, conn.name),
                )

    def refresh(self, name: str, *, only_if_needed: bool = False) -> Connection:
        """Refresh under the lock. With `only_if_needed`, skip if another process just did."""
        failure: list[ZconnectError] = []

        def change(snap: Snapshot) -> Connection:
            conn = snap.get(name)
            remaining = conn.token.remaining()
            if only_if_needed and remaining is not None and remaining > REFRESH_MARGIN \
                    and conn.status == AUTHORIZED:
                return conn
            self._ensure_usable(conn)
            if not conn.token.refresh_token:
                raise NeedsReauthorization(f"{conn.name} has no refresh token (online access).",
                                           remedy=Remedy(Fix.AUTHORIZE_OR_OFFLINE, conn.name))
            dc = account_dc(conn, snap.dcs())
            try:
                tokens = client.refresh(dc.accounts, conn, secret=conn.secret_for(dc.key))
            except ZohoError as exc:
                if exc.code != "invalid_code":
                    raise _other_dc(conn, dc, exc) from None
                # invalid_code on a refresh means the refresh token is dead: record it, keep the rest.
                conn.status = NEEDS_REAUTH
                conn.last_error = exc.message
                conn.updated_at = now_utc()
                failure.append(_dead_refresh_token(conn))
                return conn
            apply_tokens(conn, tokens)
            conn.updated_at = now_utc()
            return conn

        # The client is built before the lock is taken: other processes wait only for the call itself.
        with self._client_factory() as client:
            conn = self.store.transaction(change)
        if failure:
            raise failure[0]
        return conn

    def revoke(self, name: str) -> bool:
        """Revoke the refresh token at Zoho, clear tokens locally, keep the definition.

        Returns False when Zoho already considered the token invalid. A network failure
        raises before anything local changes.
        """
        outcome: list[bool] = []

        def change(snap: Snapshot) -> None:
            conn = snap.get(name)
            token = conn.token.refresh_token or conn.token.access_token
            revoked = False
            if token:
                accounts = accounts_for(conn, snap.dcs())
                revoked = client.revoke(accounts, token)
            conn.token = TokenSet()
            conn.status = REVOKED
            conn.updated_at = now_utc()
            outcome.append(revoked)

        with self._client_factory() as client:
            self.store.transaction(change)
        return outcome[0]

    # ----- authorization --------------------------------------------------------------------------
    def begin_authorization(self, name: str, port: int | None = None) -> AuthorizationFlow:
        """A new consent attempt. A `port` other than the stored one moves the redirect URI there
        (the user registered that URI, e.g. after a port conflict)."""
        from zconnect_tui.flow import AuthorizationFlow

        if port is not None:
            conn = self.get(name)
            if not conn.uses_redirect:
                kind = "a Self Client" if conn.self_client else "a Non-browser client"
                raise UsageError(f"--port does not apply to {kind}: it has no redirect URI.",
                                 f"Run `zconnect authorize {name}` without --port.")
            port = validate_port(port)
            if port != conn.port:
                self.store.update(name, lambda c: setattr(c, "redirect_uri", redirect_uri_for(port)))

        snap = self.store.load()
        return AuthorizationFlow(snap.get(name), snap.dcs())

    def complete_authorization(self, flow: AuthorizationFlow, result: CallbackResult) -> Connection:
        """Exchange the code at once (it lives 2-3 minutes) and store the tokens.

        The exchange goes to the user's own data centre with that data centre's secret when
        one is stored (Multi-DC), else the common one.
        """
        dc = flow.token_server(result)
        conn = flow.conn
        try:
            tokens = self._with_client(lambda c: c.exchange_code(dc.accounts, conn, result.code, flow.verifier,
                                                                 secret=conn.secret_for(dc.key)))
        except ZohoError as exc:
            raise _other_dc(conn, dc, exc) from None
        return self._store_tokens(conn.name, tokens, dc)

    def begin_device(self, name: str) -> DeviceFlow:
        """A device-flow attempt for a Non-browser connection (then `start`, `poll`, `complete_device`)."""
        from zconnect_tui.device import DeviceFlow

        snap = self.store.load()
        return DeviceFlow(snap.get(name), snap.dcs())

    def start_device(self, flow: DeviceFlow) -> None:
        """Ask Zoho for the user code (raises ZohoError, Unreachable)."""
        self._with_client(flow.start)

    def poll_device(self, flow: DeviceFlow, on_progress: Callable[..., None] | None = None) -> DeviceResult:
        """Block until the user approves at Zoho's verification page (run off the UI thread)."""
        return self._with_client(lambda c: flow.poll(c, on_progress))

    def complete_device(self, flow: DeviceFlow, result: DeviceResult) -> Connection:
        """Store the device flow's tokens, like a code exchange (tokens, location, accounts server)."""
        return self._store_tokens(flow.conn.name, result.tokens, result.dc)

    def _store_tokens(self, name: str, tokens: TokenResponse, dc: DataCenter) -> Connection:
        old_refresh: list[str] = []

        def change(snap: Snapshot) -> Connection:
            conn = snap.get(name)
            if conn.token.refresh_token and tokens.refresh_token and conn.token.refresh_token != tokens.refresh_token:
                old_refresh.append(conn.token.refresh_token)
            conn.token = TokenSet(refresh_token=conn.token.refresh_token)
            apply_tokens(conn, tokens)
            conn.location = dc.key
            conn.accounts_server = dc.accounts
            conn.updated_at = now_utc()
            return conn

        conn = self.store.transaction(change)
        # Zoho keeps at most 20 refresh tokens per user and client and silently deletes the
        # oldest: revoke the one this authorization replaced (best effort) so none leak.
        for stale in old_refresh:
            try:
                self._with_client(lambda c, t=stale: c.revoke(dc.accounts, t))
            except ZconnectError:
                pass
        return conn

    # ----- secrets --------------------------------------------------------------------------------
    def check_secret_dc(self, name: str, dc: str) -> None:
        """UsageError unless users of `dc` can reach connection `name` (Multi-DC, same family)."""
        snap = self.store.load()
        _check_secret_dc(snap, snap.get(name), dc)

    def set_secret(self, name: str, secret: str, dc: str | None = None) -> Connection:
        """Replace the Client Secret, or (Multi-DC) store `dc`'s own secret for users of that data centre.

        The registration data centre's secret is the connection's `client_secret` itself.
        """
        secret = validate_secret(secret)

        def change(snap: Snapshot) -> Connection:
            conn = snap.get(name)
            if dc is not None:
                _check_secret_dc(snap, conn, dc)
            if dc is None or dc == conn.dc:
                conn.client_secret = secret
            else:
                conn.client_secrets[dc] = secret
            conn.updated_at = now_utc()
            return conn

        return self.store.transaction(change)

    # ----- verification ---------------------------------------------------------------------------
    def verify(self, name: str) -> Verification:
        """Run the service's verification call with a fresh token."""
        from zconnect_tui.verify import verify

        self.access_token(name)
        snap = self.store.load()
        conn = snap.get(name)
        return self._with_client(lambda c: verify(c, conn, snap.dcs()))

    def set_organization(self, name: str, org: Organization | None, user: str = "") -> Connection:
        def change(conn: Connection) -> Connection:
            if org is not None:
                conn.org_id, conn.org_name = org.id, org.name
            if user:
                conn.user = user
            return conn

        return self.store.update(name, change)

    # ----- saved APIs -----------------------------------------------------------------------------
    def save_api(self, name: str, key: str, api: SavedApi) -> Connection:
        """Store (or replace) the saved API `key` of connection `name`."""

        def change(conn: Connection) -> Connection:
            conn.apis[key] = api
            return conn

        return self.store.update(name, change)

    def remove_api(self, name: str, key: str) -> Connection:
        """Delete the saved API `key` of connection `name`."""

        def change(conn: Connection) -> Connection:
            if key not in conn.apis:
                raise UsageError(f"{name} has no saved API {key!r}.", f"See `zconnect apis {name}`.")
            del conn.apis[key]
            return conn

        return self.store.update(name, change)

    def verify_and_pick(self, name: str) -> tuple[Verification, Organization | None]:
        """Verify, and store the organisation the token works for (or the user) when that is clear.

        Desk binds a token to the organisation chosen on Zoho's consent page, which need not be
        the one Zoho marks default: the organisations are tried with their orgId (default first)
        and the one Desk accepts is stored. Several accepting and none default: None, and
        `result.organizations` holds only those, for the front end to ask.
        """
        from zconnect_tui.verify import default_org, pick_desk_org, verify

        self.access_token(name)
        snap = self.store.load()
        conn, dcs = snap.get(name), snap.dcs()

        def run(client: ZohoClient) -> tuple[Verification, Organization | None]:
            result = verify(client, conn, dcs, check_org=False)
            if result.kind != "desk":
                return result, default_org(result.organizations)
            org, accepted = pick_desk_org(client, conn, dcs, result.organizations)
            result.organizations = accepted if org is None else result.organizations
            result.org_checked = org
            return result, org

        result, org = self._with_client(run)
        if org is not None or result.user:
            self.set_organization(name, org, result.user)
        return result, org
