"""What you can do with a stored connection: token, refresh, authorize, verify, revoke.

Both the CLI and the TUI call this module and only this one: neither front end talks to the
store or to Zoho directly. The store is injected (`stores.base.ConnectionStore`: the TOML file,
memory, …). Every change runs inside `store.transaction`, so it re-reads the store under its
lock and a failed network call changes nothing. The file lock is never held
across a call to Zoho: a refresh (or revoke) holds only its connection's refresh lock while it
waits for Zoho, so two processes still make one refresh, and everything else goes on meanwhile.

The HTTP stack (httpx, the listener, the flow) is imported on first use, so a front end can
hold a Manager from its first frame without paying for it. By role: the consent and device
flows and secrets are in manager_auth.py, saved APIs in manager_apis.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from zconnect_tui.datacenters import DataCenters, parse_custom
from zconnect_tui.errors import Fix, NeedsReauthorization, Remedy, UsageError, ZohoError, from_other_dc
from zconnect_tui.manager_apis import SavedApis
from zconnect_tui.manager_auth import Authorizations, apply_tokens, issuer_of, put_secret
from zconnect_tui.manager_orgs import Organizations
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
from zconnect_tui.stores.base import ConnectionStore, Snapshot

if TYPE_CHECKING:  # httpx (through oauth) loads only when a command needs it
    from zconnect_tui.exports import ExportOptions, Rendered
    from zconnect_tui.oauth import ZohoClient
    from zconnect_tui.verify import Organization, Verification

__all__ = ["EditResult", "Manager", "apply_tokens", "issuer_of"]


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


def _dead_refresh_token(conn: Connection) -> NeedsReauthorization:
    return NeedsReauthorization(
        f"{conn.name}'s refresh token no longer works (revoked at Zoho, or pushed out by newer ones).",
        remedy=Remedy(Fix.AUTHORIZE, conn.name),
    )


class Manager(Authorizations, Organizations, SavedApis):
    """Operations on the connections in one store (authorization: manager_auth.py; organisations:
    manager_orgs.py; saved APIs: manager_apis.py)."""

    def __init__(self, store: ConnectionStore, client_factory: Callable[[], ZohoClient] | None = None) -> None:
        self.store = store
        self._client_factory = client_factory or _default_client

    # ----- reading ------------------------------------------------------------------------------
    @property
    def path(self) -> str:
        """Where the connections are (the file's path for the file store), as `zconnect path` prints it."""
        return self.store.describe()

    def shared_name(self) -> str | None:
        """The shared store's short name (its database), or None for this machine's own file."""
        return self.store.shared_name()

    def top_level(self, key: str) -> object:
        """A top-level setting of the store (`default`): the file store reads it without a full parse."""
        return self.store.top_level(key)

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

    def warnings(self) -> list[str]:
        """What a user should know about the file: readable by others, or owned by someone else."""
        return self.store.warnings()

    def set_data_center(self, key: str, table: dict[str, str],
                        keep: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any] | None:
        """Write `[data_centers.KEY]` = `table`, checked as the file's own tables are; returns the table it
        had before (None: new). When `keep(old)` says so, the old table stays and nothing is written."""
        from zconnect_tui.products import PRODUCTS  # the keys that name a product's host in the table

        parse_custom(key, table, PRODUCTS)  # refused now, not at the next read of the file

        class Kept(Exception):
            """Aborts the transaction: the file stays byte for byte as it was."""

        def change(snap: Snapshot) -> dict[str, Any] | None:
            old = snap.data_centers.get(key)
            old = old if isinstance(old, dict) else None
            if old is not None and keep is not None and keep(old):
                raise Kept(old)
            snap.data_centers[key] = dict(table)
            return old

        try:
            return self.store.transaction(change)
        except Kept as kept:
            return dict(kept.args[0])

    def export(self, name: str, fmt: str, options: ExportOptions | None = None) -> str:
        """`name` in the export format `fmt` (one of `exports.FORMATS`; secrets masked); its errors raised."""
        from zconnect_tui import exports

        snap = self.store.load()
        return exports.render(fmt, snap.get(name), snap.dcs(), options)

    def export_files(self, name: str, fmt: str, options: ExportOptions | None = None) -> dict[str, str]:
        """The files of a format that is a folder (Posting's collection): name → text; nothing is written."""
        from zconnect_tui import exports

        found = exports.get(fmt)
        if found.files is None:
            raise UsageError(f"The {fmt} format is one text, not a folder of files.",
                             "Leave out --output and redirect stdout (> FILE).")
        snap = self.store.load()
        return found.files(snap.get(name), snap.dcs(), options or exports.ExportOptions())

    def exports(self, name: str, formats: Iterable[str] | None = None,
                options: ExportOptions | None = None) -> dict[str, Rendered]:
        """`name` in each of `formats` (all of `exports.FORMATS` when None), from one read of the file: a
        format that fails gives its error, the others their text."""
        from zconnect_tui import exports

        snap = self.store.load()
        return exports.render_all(snap.get(name), snap.dcs(), None if formats is None else tuple(formats), options)

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
             access_type: AccessType | str | None = None, client_secret: str | None = None,
             org: Organization | None = None) -> EditResult:
        """Change a connection's scopes, port, access type, secret or organisation; tokens are kept.

        `org` is one `organizations` found the token reaches (the caller checked it with the stored token).

        New scopes or another access type reach the token only through a new consent
        (`needs_consent`); a new port means a new redirect URI to register (`register_uri`).
        """
        if port is not None:
            port = validate_port(port)
        wanted_access = AccessType(access_type) if access_type is not None else None
        secret = validate_secret(client_secret) if client_secret is not None else None

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
            if secret is not None and put_secret(conn, secret):
                result.changed.append("client secret")
            if org is not None and (org.id, org.name) != (conn.org_id, conn.org_name):
                from zconnect_tui.model import ORG_NOT_REACHED

                conn.org_id, conn.org_name = org.id, org.name
                conn.last_error = "" if ORG_NOT_REACHED in conn.last_error else conn.last_error
                result.changed.append(_noun(conn))
            # A connection that never had tokens needs its first consent anyway.
            result.needs_consent = result.needs_consent or not conn.ever_authorized
            return result

        return self.store.update(name, change)

    # ----- tokens -------------------------------------------------------------------------------
    def access_token(self, name: str) -> str:
        """A valid access token, refreshed first when less than 5 minutes remain."""
        conn = self.get(name)
        self._ensure_usable(conn)
        if not _fresh(conn):
            conn = self.refresh(name, only_if_needed=True)
        self.store.token_served(conn)
        return conn.token.access_token

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
                                           remedy=Remedy(Fix.AUTHORIZE_OR_OFFLINE, conn.name))
            issuer = issuer_of(conn, snap.dcs())
            used = conn.token.refresh_token
            self.store.count_refresh(name, used)  # a shared store refuses an 11th refresh in 10 minutes
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

    # ----- verification ---------------------------------------------------------------------------
    def verify(self, name: str, *, identify_user: bool = False) -> Verification:
        """Run the service's verification call with a fresh token; with `identify_user`, also name
        the Zoho account behind it when the connection may ask (the account check after consent)."""
        from zconnect_tui.verify import identify, verify

        self.access_token(name)
        snap = self.store.load()
        conn = snap.get(name)

        def run(client: ZohoClient) -> Verification:
            result = verify(client, conn, snap.dcs())
            if identify_user and not result.user:
                result.user = identify(client, conn, snap.dcs())
            return result

        return self._with_client(run)


def _noun(conn: Connection) -> str:
    from zconnect_tui.products import product_of

    context = product_of(conn.service).context
    return context.noun if context else "organization"


def _fresh(conn: Connection) -> bool:
    remaining = conn.token.remaining()
    return remaining is not None and remaining > REFRESH_MARGIN and conn.status == AUTHORIZED


def _mark_dead(conn: Connection, why: str) -> None:
    conn.status = NEEDS_REAUTH
    conn.last_error = why
    conn.updated_at = now_utc()
