"""The Manager's organisation operations, split out of manager.py by role: what a token reaches, and
which organisation (or portal) is stored after a consent or an edit.

The rule: the organisation a user chose is kept while the token reaches it; when a new token does not,
nothing about it changes until the user chooses (`Verification.org_missed`). Only a first authorization
takes Zoho's default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from zconnect_tui.model import ORG_NOT_REACHED, Connection
from zconnect_tui.stores.base import ConnectionStore

if TYPE_CHECKING:  # httpx (through oauth) loads only when a command needs it
    from zconnect_tui.oauth import ZohoClient
    from zconnect_tui.verify import Organization, Verification

T = TypeVar("T")


class Organizations:
    """Mixed into `Manager`: the organisation a connection's calls name."""

    store: ConnectionStore

    def _with_client(self, fn: Callable[[ZohoClient], T]) -> T:
        raise NotImplementedError

    def access_token(self, name: str) -> str:
        raise NotImplementedError

    def set_organization(self, name: str, org: Organization | None, user: str = "") -> Connection:
        """Store `org` (and the Zoho account `user`) on the connection; a note that the token did not
        reach the stored organisation goes with it."""
        def change(conn: Connection) -> Connection:
            if org is not None:
                conn.org_id, conn.org_name = org.id, org.name
                if ORG_NOT_REACHED in conn.last_error:
                    conn.last_error = ""
            if user:
                conn.user = user
            return conn

        return self.store.update(name, change)

    def organizations(self, name: str, *, identify_user: bool = False) -> Verification:
        """What the token reaches, with the stored organisation checked: the list to choose from (Edit,
        `edit --org`, the picker after a consent). `org_checked`: the stored one, reached; `org_missed`:
        the stored one, not reached. Where a token is bound to one (Desk), only those accepting it."""
        from zconnect_tui.verify import identify, reach, verify

        self.access_token(name)
        snap = self.store.load()
        conn, dcs = snap.get(name), snap.dcs()

        def run(client: ZohoClient) -> Verification:
            result = verify(client, conn, dcs, check_org=False)
            if identify_user and not result.user:
                result.user = identify(client, conn, dcs)
            reach(client, conn, dcs, result, conn.org_id, probe_all=True)
            return result

        return self._with_client(run)

    def verify_and_pick(self, name: str, org_id: str = "") -> tuple[Verification, Organization | None]:
        """Verify after a consent, and store the organisation the token works for (or the user).

        The rule: the one asked for (`org_id`, `--org`), else the stored one, is kept when the token
        reaches it; when it does not, nothing about the organisation changes (`result.org_missed`, with
        `result.organizations` the ones it reaches, for the front end to ask or refuse) and, for the
        stored one, `last_error` says so. Only with none stored (a first authorization) is one picked:
        where a product binds a token to the context chosen on Zoho's consent page (Desk), which need
        not be the one Zoho marks default, the organisations are tried with the profile's probe (default
        first) and the one the product accepts is stored; elsewhere Zoho's default is. Several accepting
        and none default: None, and `result.organizations` holds only those, for the front end to ask.
        The Zoho account behind the token is named too when the connection may ask (the account check
        after consent).
        """
        from zconnect_tui.products import product_of
        from zconnect_tui.verify import default_org, identify, missed_note, pick_org, reach, verify

        self.access_token(name)
        snap = self.store.load()
        conn, dcs = snap.get(name), snap.dcs()
        wanted = org_id or conn.org_id

        def run(client: ZohoClient) -> tuple[Verification, Organization | None]:
            result = verify(client, conn, dcs, check_org=False)
            if not result.user:
                result.user = identify(client, conn, dcs)
            context = product_of(conn.service).context
            if context is not None and wanted:
                reach(client, conn, dcs, result, wanted)  # kept when reached, never swapped for the default
                return result, result.org_checked
            if context is None or not context.probe_path:
                org = default_org(result.organizations)
                if context is not None and context.check_listed:
                    result.org_checked = org  # listed: the token reaches it
                return result, org
            org, accepted = pick_org(client, conn, dcs, result.organizations)
            result.organizations = accepted if org is None else result.organizations
            result.org_checked = org
            return result, org

        result, org = self._with_client(run)
        missed = result.org_missed
        if missed is not None and missed.id == conn.org_id:
            note = missed_note(conn, missed)

            def mark(current: Connection) -> None:
                current.last_error = note
                current.user = result.user or current.user

            self.store.update(name, mark)
        elif org is not None or result.user:
            self.set_organization(name, org, result.user)
        return result, org
