"""The Manager's authorization operations, split out of manager.py by role: the consent flow, the
device flow, Client Secrets, and how issued tokens are stored.

Front ends call them on the Manager (`manager.begin_authorization`, `manager.set_secret`, …), the
only door to the store. Codes, secrets and tokens go only where the trust rule allows
(`DataCenters.trusted_accounts`); tokens land under the connection's refresh lock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from zconnect_tui.datacenters import DataCenter, DataCenters
from zconnect_tui.errors import UsageError, ZconnectError, ZohoError, from_other_dc
from zconnect_tui.model import (
    AUTHORIZED,
    ORG_NOT_REACHED,
    Connection,
    TokenSet,
    now_utc,
    redirect_uri_for,
    validate_port,
    validate_secret,
)
from zconnect_tui.stores.base import ConnectionStore, Snapshot
from zconnect_tui.text import clean

if TYPE_CHECKING:  # httpx (through oauth) and the listener load only when a command needs them
    from zconnect_tui.device import DeviceFlow, DeviceProgress, DeviceResult
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
    # The note that the token does not reach the stored organisation stays until one is chosen.
    conn.last_error = conn.last_error if ORG_NOT_REACHED in conn.last_error else ""
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


def put_secret(conn: Connection, secret: str, dc: str | None = None) -> bool:
    """Store `secret` on `conn` (the common one, or `dc`'s own); False when it is already the one stored.

    The one place a secret is changed: `zconnect secret`, `zconnect edit --rotate-secret` and the
    dashboard's Edit all come here (through `set_secret` or `Manager.edit`)."""
    if dc is None or dc == conn.dc:
        if secret == conn.client_secret:
            return False
        conn.client_secret = secret
    else:
        if conn.client_secrets.get(dc) == secret:
            return False
        conn.client_secrets[dc] = secret
    return True


class Authorizations:
    """Mixed into `Manager`: consent, device flow, secrets."""

    store: ConnectionStore
    _client_factory: Callable[[], ZohoClient]

    def _with_client(self, fn: Callable[[ZohoClient], T]) -> T:
        """`fn` with a fresh HTTP client, closed after (every call to Zoho goes through here)."""
        with self._client_factory() as client:
            return fn(client)

    # ----- the consent flow (browser or paste) --------------------------------------------------
    def begin_authorization(self, name: str, port: int | None = None) -> AuthorizationFlow:
        """A new consent attempt. A `port` other than the stored one moves the redirect URI there
        (the user registered that URI, e.g. after a port conflict)."""
        from zconnect_tui.flow import AuthorizationFlow

        if port is not None:
            conn = self.store.load().get(name)
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

    # ----- the device flow (Non-browser clients) ------------------------------------------------
    def begin_device(self, name: str) -> DeviceFlow:
        """A device-flow attempt for a Non-browser connection (then `start`, `poll`, `complete_device`)."""
        from zconnect_tui.device import DeviceFlow

        snap = self.store.load()
        return DeviceFlow(snap.get(name), snap.dcs())

    def start_device(self, flow: DeviceFlow) -> None:
        """Ask Zoho for the user code (raises ZohoError, Unreachable)."""
        self._with_client(flow.start)

    def poll_device(self, flow: DeviceFlow,
                    on_progress: Callable[[DeviceProgress], object] | None = None) -> DeviceResult:
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
                    self._with_client(lambda c: c.revoke(accounts, token))  # noqa: B023 (called right here)
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
            put_secret(conn, secret, dc)
            conn.updated_at = now_utc()
            return conn

        return self.store.transaction(change)
