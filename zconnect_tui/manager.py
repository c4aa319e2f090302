"""What you can do with a stored connection: token, refresh, authorize, verify, revoke.

Both the CLI and the TUI call this module; neither talks to the store and Zoho directly.
Every change runs inside `Store.transaction`, so it re-reads the file under the lock and a
failed network call changes nothing. The file lock is never held across a call to Zoho: a
refresh (or revoke) holds only its connection's refresh lock while it waits for Zoho, so
two processes still make one refresh, and everything else goes on meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from zconnect_tui.datacenters import DataCenter, DataCenters
from zconnect_tui.errors import NeedsReauthorization, UsageError, ZconnectError, ZohoError, from_other_dc
from zconnect_tui.manager_apis import SavedApis
from zconnect_tui.model import (
    AUTHORIZED,
    NEEDS_REAUTH,
    REFRESH_MARGIN,
    REVOKED,
    Connection,
    TokenSet,
    now_utc,
    redirect_uri_for,
    validate_secret,
)
from zconnect_tui.store import Snapshot, Store
from zconnect_tui.text import clean
from zconnect_tui.verify import Organization, Verification, default_org, identify, pick_desk_org, verify

if TYPE_CHECKING:  # httpx (through oauth) and the listener load only when a command needs them
    from zconnect_tui.device import DeviceFlow, DeviceResult
    from zconnect_tui.flow import AuthorizationFlow
    from zconnect_tui.listener import CallbackResult
    from zconnect_tui.oauth import TokenResponse, ZohoClient

T = TypeVar("T")


def issuer_of(conn: Connection, dcs: DataCenters) -> DataCenter:
    """Where `conn`'s tokens were issued, and so the only place its refreshes and revokes go.

    Files written before `issued_by` existed fall back to `accounts_server` (where the code was
    exchanged). Either passes the trust rule again: the file is outside input too.
    """
    return dcs.trusted_accounts(conn.dc, conn.token.issued_by or conn.accounts_server)


def _default_client() -> ZohoClient:
    from zconnect_tui.oauth import ZohoClient

    return ZohoClient()


def _dead_refresh_token(conn: Connection) -> NeedsReauthorization:
    return NeedsReauthorization(
        f"{conn.name}'s refresh token no longer works (revoked at Zoho, or pushed out by newer ones).",
        f"Run `zconnect authorize {conn.name}` to connect it again; its settings are kept.",
    )


def apply_tokens(conn: Connection, tokens: TokenResponse, dcs: DataCenters, issuer: DataCenter) -> None:
    """Store a token response from `issuer` on `conn`; a refresh without a refresh token keeps the old one.

    An `api_domain` that is not Zoho's (or the user-defined data centre's own) is not stored: the
    tokens are kept (they are real and were just issued) and the connection keeps the API domain it
    had, else its data centre's; `last_error` says what was ignored.
    """
    now = now_utc()
    conn.token.access_token = tokens.access_token
    if tokens.refresh_token:
        conn.token.refresh_token = tokens.refresh_token
    conn.token.expires_at = now + timedelta(seconds=tokens.expires_in)
    conn.token.refreshed_at = now
    conn.token.issued_by = issuer.accounts
    if tokens.scope:
        conn.token.scope = tokens.scope
    conn.status = AUTHORIZED
    conn.last_error = ""
    if tokens.api_domain:
        trusted = dcs.trusted_api_domain(conn.dc, tokens.api_domain)
        if trusted:
            conn.api_domain = trusted
        else:
            conn.last_error = (f"Ignored the API domain {clean(tokens.api_domain, limit=80)!r} in Zoho's answer: "
                               "it is not a Zoho API domain.")
    conn.updated_at = now


def _check_secret_dc(snap: Snapshot, conn: Connection, dc: str) -> None:
    """A data centre's own secret is stored only for one the trust rule lets the connection send it to."""
    dcs = snap.dcs()
    try:
        dcs.trusted_accounts(conn.dc, location=dc)
    except ZconnectError:
        choices = ", ".join(d.key for d in dcs.trusted(conn.dc))
        raise UsageError(f"{clean(dc, limit=40)!r} is not a data centre whose users {conn.name} can serve.",
                         f"Choose one of {choices}.") from None


class Manager(SavedApis):
    """Operations on the connections in one store (saved APIs: manager_apis.py)."""

    def __init__(self, store: Store, client_factory: Callable[[], ZohoClient] | None = None) -> None:
        self.store = store
        self._client_factory = client_factory or _default_client

    def snapshot(self) -> Snapshot:
        return self.store.load()

    def get(self, name: str) -> Connection:
        return self.store.load().get(name)

    def listing(self) -> list[Connection]:
        """Every connection's name, service, data centre, organisation and token state (no secrets):
        what `zconnect list` shows, fast at 1,000 connections."""
        return self.store.listing()

    def _with_client(self, fn: Callable[[ZohoClient], T]) -> T:
        with self._client_factory() as client:
            return fn(client)

    # ----- tokens -------------------------------------------------------------------------------
    def access_token(self, name: str) -> str:
        """A valid access token, refreshed first when less than 5 minutes remain."""
        conn = self.get(name)
        self._ensure_usable(conn)
        if _fresh(conn):
            return conn.token.access_token
        return self.refresh(name, only_if_needed=True).token.access_token

    def _ensure_usable(self, conn: Connection) -> None:
        if conn.status in (NEEDS_REAUTH, REVOKED) or not conn.token.access_token:
            why = {NEEDS_REAUTH: "needs re-authorization", REVOKED: "was revoked"}.get(
                conn.status, "is not authorized yet")
            raise NeedsReauthorization(f"{conn.name} {why}.", f"Run `zconnect authorize {conn.name}`.")
        if not conn.token.refresh_token:
            remaining = conn.token.remaining()
            if remaining is None or remaining.total_seconds() <= 0:
                raise NeedsReauthorization(
                    f"{conn.name}'s access token expired and it has no refresh token (online access).",
                    f"Run `zconnect authorize {conn.name}`, or recreate it with --access-type offline.",
                )

    def refresh(self, name: str, *, only_if_needed: bool = False) -> Connection:
        """Refresh at Zoho under `name`'s refresh lock; store the result under the file lock.

        With `only_if_needed`, skip when another process refreshed while this one waited.
        """
        with self.store.refresh_lock(name):
            snap = self.store.load()
            conn = snap.get(name)
            if only_if_needed and _fresh(conn):
                return conn
            self._ensure_usable(conn)
            if not conn.token.refresh_token:
                raise NeedsReauthorization(f"{conn.name} has no refresh token (online access).",
                                           f"Run `zconnect authorize {conn.name}`.")
            issuer = issuer_of(conn, snap.dcs())
            used = conn.token.refresh_token
            try:
                # Multi-DC: the issuing data centre's own secret when one is stored, else the common one.
                secret = conn.secret_for(issuer.key)
                tokens = self._with_client(lambda c: c.refresh(issuer.accounts, conn, secret=secret))
            except ZohoError as exc:
                if exc.code != "invalid_code":
                    raise from_other_dc(exc, conn.name, conn.dc, issuer.key) from None
                # invalid_code on a refresh means the refresh token is dead: record it, keep the rest.
                why = exc.message
                self._update_if_same(name, used, lambda c: _mark_dead(c, why))
                raise _dead_refresh_token(conn) from None
            return self._update_if_same(name, used, lambda c: apply_tokens(c, tokens, snap.dcs(), issuer))

    def _update_if_same(self, name: str, refresh_token: str, change: Callable[[Connection], object]) -> Connection:
        """Apply `change` to the re-read connection, unless it was re-authorized meanwhile (its newer tokens win)."""

        def apply(snap: Snapshot) -> Connection:
            conn = snap.get(name)
            if conn.token.refresh_token == refresh_token:
                change(conn)
            return conn

        return self.store.transaction(apply)

    def revoke(self, name: str) -> bool:
        """Revoke the refresh token at the server that issued it, clear tokens locally, keep the definition.

        Returns False when Zoho already considered the token invalid. A network failure
        raises before anything local changes.
        """
        with self.store.refresh_lock(name):
            snap = self.store.load()
            conn = snap.get(name)
            token = conn.token.refresh_token or conn.token.access_token
            revoked = False
            if token:
                issuer = issuer_of(conn, snap.dcs())
                revoked = self._with_client(lambda c: c.revoke(issuer.accounts, token))

            def clear(snap: Snapshot) -> None:
                current = snap.get(name)
                if current.token.refresh_token == conn.token.refresh_token:  # else re-authorized meanwhile
                    current.token = TokenSet()
                    current.status = REVOKED
                    current.updated_at = now_utc()

            self.store.transaction(clear)
        return revoked

    # ----- authorization --------------------------------------------------------------------------
    def begin_authorization(self, name: str, port: int | None = None) -> AuthorizationFlow:
        """A new consent attempt. A `port` other than the stored one moves the redirect URI there
        (the user registered that URI, e.g. after a port conflict)."""
        if port is not None:
            conn = self.get(name)
            if not conn.uses_redirect:
                kind = "a Self Client" if conn.self_client else "a Non-browser client"
                raise UsageError(f"--port does not apply to {kind}: it has no redirect URI.",
                                 f"Run `zconnect authorize {name}` without --port.")
            if not 1024 <= port <= 65535:
                raise UsageError(f"--port {port} is not a usable port.", "Use a port from 1024 to 65535.")
            if port != conn.port:
                self.store.update(name, lambda c: setattr(c, "redirect_uri", redirect_uri_for(port)))
        from zconnect_tui.flow import AuthorizationFlow

        snap = self.store.load()
        return AuthorizationFlow(snap.get(name), snap.dcs())

    def complete_authorization(self, flow: AuthorizationFlow, result: CallbackResult) -> Connection:
        """Exchange the code at once (it lives 2-3 minutes) and store the tokens.

        The code goes only where the trust rule allows (`flow.token_server`), with that data
        centre's own secret when one is stored (Multi-DC), else the common one.
        """
        dc = flow.token_server(result)  # the trust rule, before the code or the secret go anywhere
        conn = flow.conn
        try:
            tokens = self._with_client(lambda c: c.exchange_code(dc.accounts, conn, result.code, flow.verifier,
                                                                 secret=conn.secret_for(dc.key)))
        except ZohoError as exc:
            raise from_other_dc(exc, conn.name, conn.dc, dc.key) from None
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
        """Store the device flow's tokens, like a code exchange (`result.dc` passed the trust rule)."""
        return self._store_tokens(flow.conn.name, result.tokens, result.dc)

    def _store_tokens(self, name: str, tokens: TokenResponse, dc: DataCenter) -> Connection:
        """Store tokens `dc` just issued, and revoke the refresh token they replace at its own issuer.

        Under the connection's refresh lock, like a refresh or a revoke: no refresh of the old
        token is in flight at Zoho while the new tokens land and the old one is revoked.
        """
        stale: list[tuple[str, str]] = []

        def change(snap: Snapshot) -> Connection:
            conn = snap.get(name)
            old = conn.token
            old_issuer = old.issued_by or conn.accounts_server
            if old.refresh_token and old.refresh_token != tokens.refresh_token:
                stale.append((old.refresh_token, old_issuer))
            # Without a new refresh token the old one stays, but only if the same server issued both.
            kept = old.refresh_token if not tokens.refresh_token and old_issuer in ("", dc.accounts) else ""
            if kept:
                stale.clear()
            conn.token = TokenSet(refresh_token=kept)
            apply_tokens(conn, tokens, snap.dcs(), dc)
            conn.location = dc.key
            conn.accounts_server = dc.accounts
            return conn

        with self.store.refresh_lock(name):
            conn = self.store.transaction(change)
            # Zoho keeps at most 20 refresh tokens per user and client and silently deletes the
            # oldest: revoke the one this authorization replaced (best effort) so none leak, at the
            # server that issued it (never the new callback's), and only if that server is trusted.
            dcs = self.store.load().dcs()
            for token, issuer in stale:
                try:
                    accounts = dcs.trusted_accounts(conn.dc, issuer).accounts
                    self._with_client(lambda c, t=token, a=accounts: c.revoke(a, t))
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
    def verify(self, name: str, *, identify_user: bool = False) -> Verification:
        """Run the service's verification call with a fresh token; with `identify_user`, also name
        the Zoho account behind it when the connection may ask (the account check after consent)."""
        self.access_token(name)
        snap = self.store.load()
        conn = snap.get(name)

        def run(client: ZohoClient) -> Verification:
            result = verify(client, conn, snap.dcs())
            if identify_user and not result.user:
                result.user = identify(client, conn, snap.dcs())
            return result

        return self._with_client(run)

    def set_organization(self, name: str, org: Organization | None, user: str = "") -> Connection:
        def change(conn: Connection) -> Connection:
            if org is not None:
                conn.org_id, conn.org_name = org.id, org.name
            if user:
                conn.user = user
            return conn

        return self.store.update(name, change)

    def verify_and_pick(self, name: str) -> tuple[Verification, Organization | None]:
        """Verify, and store the organisation the token works for (or the user) when that is clear.

        Desk binds a token to the organisation chosen on Zoho's consent page, which need not be
        the one Zoho marks default: the organisations are tried with their orgId (default first)
        and the one Desk accepts is stored. Several accepting and none default: None, and
        `result.organizations` holds only those, for the front end to ask. The Zoho account behind
        the token is named too when the connection may ask (the account check after consent).
        """
        self.access_token(name)
        snap = self.store.load()
        conn, dcs = snap.get(name), snap.dcs()

        def run(client: ZohoClient) -> tuple[Verification, Organization | None]:
            result = verify(client, conn, dcs, check_org=False)
            if not result.user:
                result.user = identify(client, conn, dcs)
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


def _fresh(conn: Connection) -> bool:
    remaining = conn.token.remaining()
    return remaining is not None and remaining > REFRESH_MARGIN and conn.status == AUTHORIZED


def _mark_dead(conn: Connection, why: str) -> None:
    conn.status = NEEDS_REAUTH
    conn.last_error = why
    conn.updated_at = now_utc()
