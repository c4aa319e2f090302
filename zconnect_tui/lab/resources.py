"""The calls that verify a connection, for zconnect_tui/lab/emulator.py, as a mixin: Accounts' user info,
Desk organisations, CRM org, Books and Inventory organizations, Projects portals, and the Self Client
code helper (the product lists, Desk tickets among them, are in zconnect_tui/lab/products.py,
behind `_desk_guard`, which also routes the Projects and Inventory calls here).

Resource APIs answer with each product's own error body and real HTTP statuses (facts §3.4, §9).
A Desk token is bound to the organisation picked on the consent page: every Desk call but
`/organizations` must name it in the `orgId` header (DeskAPIDocument), else OAUTH_ORG_MISMATCH.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from zconnect_tui.lab import products as prod
from zconnect_tui.lab import support as sup
from zconnect_tui.lab.support import RecordedRequest, Resp


class ResourceEndpoints:
    """The product side of ZohoEmulator (which provides the lock, the token checks and the data)."""

    CRM_ORG = re.compile(r"/crm/v\d+(\.\d+)?/org")
    DESK_ORG = re.compile(r"/api/v1/organizations/(\w+)")
    lock: threading.RLock
    user: dict[str, Any]
    orgs: list[dict[str, Any]]
    crm_org: dict[str, Any]
    books_orgs: list[dict[str, Any]]
    products: prod.Products
    _clients: dict[str, sup.Client]

    def _user_info(self, req: RecordedRequest) -> Resp:
        err = self._bearer(req, "aaaserver.profile.", bearer_ok=True)
        if err:
            cause = "INVALID_OAUTHSCOPE" if err == "scope" else "INVALID_OAUTHTOKEN"
            return sup.json_resp({"response": "error", "cause": cause}, 401)
        return sup.json_resp(self.user)

    def _desk_orgs(self, req: RecordedRequest) -> Resp:
        """The organisations the user belongs to: the one call Desk serves without orgId."""
        err = self._bearer(req, "desk.", bearer_ok=False)
        if err:
            return sup.json_resp(sup.DESK_ERRORS[err], 401)
        return sup.json_resp({"data": self.orgs})

    def _desk_guard(self, req: RecordedRequest) -> sup.Token | Resp:
        """Every other Desk call: a Desk token, the orgId header, and the organisation the token is bound to."""
        err = self._bearer(req, "desk.", bearer_ok=False)
        if err:
            return sup.json_resp(sup.DESK_ERRORS[err], 401)
        tok = self._access_token(req, bearer_ok=False)
        assert not isinstance(tok, str)
        org = req.headers.get("orgid", "").strip()
        if not org:  # status and wording unconfirmed (DeskAPIDocument only says orgId is mandatory)
            return sup.json_resp(sup.DESK_ERRORS["no_org"], 422)
        if tok.org_id and org != tok.org_id:  # OAUTH_ORG_MISMATCH; its HTTP status is unconfirmed
            return sup.json_resp(sup.DESK_ERRORS["org"], 401)
        return tok

    def _desk_org(self, req: RecordedRequest) -> Resp:
        guard = self._desk_guard(req)
        if isinstance(guard, Resp):
            return guard
        match = self.DESK_ORG.fullmatch(req.path)
        org = next((o for o in self.orgs if match and str(o.get("id")) == match.group(1)), None)
        if org is None:
            return sup.json_resp({"errorCode": "URL_NOT_FOUND", "message": "The URL you requested is not found."},
                                 404)
        return sup.json_resp(org)

    def _crm_org(self, req: RecordedRequest) -> Resp:
        err = self._bearer(req, "zohocrm.", bearer_ok=False)
        if err:
            return sup.json_resp(sup.CRM_ERRORS[err], 401)
        return sup.json_resp({"org": [self.crm_org]})

    def _books_orgs(self, req: RecordedRequest) -> Resp:
        if self._bearer(req, "zohobooks.", bearer_ok=False):
            return sup.json_resp(sup.BOOKS_ERROR, 401)
        return sup.json_resp({"code": 0, "message": "success", "organizations": self.books_orgs})

    def _inventory_orgs(self, req: RecordedRequest) -> Resp:
        if self._bearer(req, "zohoinventory.", bearer_ok=False):
            return sup.json_resp(sup.BOOKS_ERROR, 401)
        return sup.json_resp({"code": 0, "message": "success", "organizations": self.products.inventory_orgs})

    def _projects_portals(self, req: RecordedRequest) -> Resp:
        """`GET {projects host}/restapi/portals/`: the portals of the signed-in user (facts §14.3)."""
        if self._bearer(req, "zohoprojects.", bearer_ok=False):
            return sup.json_resp(prod.PROJECTS_ERROR, 401)
        return sup.json_resp({"login_id": str(self.user.get("ZUID", "")), "portals": self.products.portals})

    def _manual_code(self, req: RecordedRequest) -> Resp:
        """Emulator-only helper for manual testing: a Self Client code (``?client_id=..&scope=a,b``)."""
        client = self._clients.get(req.query.get("client_id", ""))
        if client is None or not client.self_client:
            return sup.json_resp({"error": "not a self client"}, 400)
        scopes = [s for s in req.query.get("scope", "").split(",") if s]
        return sup.json_resp({"code": self.issue_self_client_code(req.query["client_id"], scopes)})


    # provided by ZohoEmulator
    def _bearer(self, req: RecordedRequest, prefix: str, bearer_ok: bool) -> str | None:
        raise NotImplementedError

    def _access_token(self, req: RecordedRequest, bearer_ok: bool) -> sup.Token | str:
        raise NotImplementedError

    def issue_self_client_code(self, client_id: str, scopes: list[str], lifetime: float | None = None) -> str:
        raise NotImplementedError
