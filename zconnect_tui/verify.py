"""Verification calls: prove a token works and list the organisations it reaches.

Desk: `GET {desk}/api/v1/organizations`; CRM: `GET {api_domain}/crm/v8/org`; Books:
`GET {api_domain}/books/v3/organizations`; everything else: `GET {accounts}/oauth/user/info`
(facts sheet §9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from zconnect_tui.datacenters import DataCenters
from zconnect_tui.errors import Unreachable, ZconnectError, ZohoError
from zconnect_tui.model import Connection
from zconnect_tui.oauth import ZohoClient, text_field
from zconnect_tui.services import PROFILE_SCOPE, get_service


@dataclass
class Organization:
    """An organisation (Desk org, CRM org, Books organization) the token reaches."""

    id: str
    name: str
    is_default: bool = False
    detail: str = ""


@dataclass
class Verification:
    """What the verification call found."""

    endpoint: str
    summary: str
    organizations: list[Organization] = field(default_factory=list)
    user: str = ""


def _resource_error(conn: Connection, status: int, body: dict[str, Any], endpoint: str) -> ZohoError:
    code = next((text_field(body.get(k), 60) for k in ("errorCode", "code", "cause") if text_field(body.get(k))),
                str(status))
    if status == 401 or "OAUTH" in code.upper() or "TOKEN" in code.upper():
        if "SCOPE" in code.upper():
            return ZohoError(code, f"The token lacks the scope {endpoint} needs ({code}).",
                             "Add the service's read scope to the connection and authorize again.")
        return ZohoError(code, f"Zoho refused the access token at {endpoint} ({code}).",
                         f"Run `zconnect refresh {conn.name}`; if that fails, authorize again.")
    message = text_field(body.get("message")) or text_field(body.get("error")) or f"HTTP {status}"
    return ZohoError(code, f"{endpoint} answered {status}: {message}.",
                     "Check the connection's scopes and data centre.")


def _endpoint(conn: Connection, dcs: DataCenters) -> tuple[str, str]:
    """(kind, URL) of the verification call for this connection's service."""
    kind = get_service(conn.service).verify
    # The user's own data centre, by the trust rule: the file's accounts_server/api_domain are outside
    # input too, and the access token goes where they point.
    dc = dcs.trusted_accounts(conn.dc, conn.accounts_server)
    api = dcs.trusted_api_domain(conn.dc, conn.api_domain) or dc.api
    accounts = dc.accounts
    if kind == "desk":
        if not dc.desk:
            raise ZconnectError(f"No Desk host is known for the data centre {dc.key!r}.",
                                f"Add desk = \"https://…\" under [data_centers.{dc.key}] in the config file.")
        return kind, f"{dc.desk}/api/v1/organizations"
    if kind == "crm":
        return kind, f"{api}/crm/v8/org"
    if kind == "books":
        return kind, f"{api}/books/v3/organizations"
    return kind, f"{accounts}/oauth/user/info"


def _items(body: dict[str, Any], key: str, url: str) -> list[dict[str, Any]]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unreachable(f"{urlsplit(url).netloc} answered with unexpected JSON ({key!r} is not a list).",
                          "Try again later; nothing was changed.")
    return [item for item in value if isinstance(item, dict)]


def _orgs(kind: str, body: dict[str, Any], url: str) -> list[Organization]:
    def org(o: dict[str, Any], id_key: str, name_keys: tuple[str, ...], default: object, detail: str) -> Organization:
        name = next((text_field(o.get(k)) for k in name_keys if text_field(o.get(k))), "")
        return Organization(text_field(o.get(id_key), 40), name, o.get(default) is True if default else True,
                            text_field(o.get(detail), 80))

    if kind == "desk":
        return [org(o, "id", ("companyName", "organizationName"), "isDefault", "portalName")
                for o in _items(body, "data", url)]
    if kind == "crm":
        return [org(o, "id", ("company_name",), None, "domain_name") for o in _items(body, "org", url)]
    if kind == "books":
        return [org(o, "organization_id", ("name",), "is_default_org", "currency_code")
                for o in _items(body, "organizations", url)]
    return []


def _user(body: dict[str, Any]) -> str:
    return next((text_field(body.get(k), 120) for k in ("Email", "Display_Name", "ZUID") if text_field(body.get(k))),
                "")


def verify(client: ZohoClient, conn: Connection, dcs: DataCenters) -> Verification:
    """Call the service's verification endpoint with the connection's (fresh) access token."""
    kind, url = _endpoint(conn, dcs)
    status, body = client.get_json(url, conn.token.access_token)
    if status != 200:
        raise _resource_error(conn, status, body, urlsplit(url).path)
    if kind == "userinfo":
        user = _user(body)
        return Verification(url, f"Signed in as {user or 'an unnamed user'}", user=user)
    orgs = _orgs(kind, body, url)
    label = {"desk": "Desk organization", "crm": "CRM organization", "books": "Books organization"}[kind]
    names = ", ".join(o.name or o.id for o in orgs[:5]) + (f" and {len(orgs) - 5} more" if len(orgs) > 5 else "")
    names = names or "none"
    plural = "s" if len(orgs) != 1 else ""
    return Verification(url, f"Reached {len(orgs)} {label}{plural}: {names}", organizations=orgs)


def default_org(orgs: list[Organization]) -> Organization | None:
    """The organisation Zoho marks as default, else the only one, else None (ask the user)."""
    for org in orgs:
        if org.is_default:
            return org
    return orgs[0] if len(orgs) == 1 else None


def identify(client: ZohoClient, conn: Connection, dcs: DataCenters) -> str:
    """The Zoho account behind the connection's token (`/oauth/user/info`), or "" when the connection
    lacks the profile scope or the call fails: best effort, for the account check after consent."""
    if PROFILE_SCOPE.lower() not in (s.lower() for s in conn.scopes):
        return ""
    accounts = dcs.trusted_accounts(conn.dc, conn.accounts_server).accounts
    try:
        status, body = client.get_json(f"{accounts}/oauth/user/info", conn.token.access_token)
    except ZconnectError:
        return ""
    return _user(body) if status == 200 else ""


def account_check(before: Connection | None, after: Connection) -> tuple[str, str]:
    """(what this consent connected, a warning when it is not the account connected before, else "").

    A consent URL can be read by other local users (its `state` is in the browser's argv), so a code
    for another account can be slipped in: saying who and which organisation were connected makes a
    swapped account visible.
    """
    who = after.user or "not shown (add the AaaServer.profile.READ scope to see it)"
    org = f"{after.org_name} ({after.org_id})" if after.org_id else "none chosen"
    summary = f"Zoho account: {who}. Organization: {org}."
    if before is None:
        return summary, ""
    changed = [what for what, old, new in (("account", before.user, after.user), ("organization", before.org_id,
                                                                                 after.org_id)) if old and new != old]
    if not changed:
        return summary, ""
    was = ", ".join(filter(None, (before.user, before.org_name and f"{before.org_name} ({before.org_id})")))
    return summary, (f"This consent connected a different Zoho {' and '.join(changed)} than before (was {was}). "
                     f"If you did not mean that, run `zconnect revoke {after.name}`.")
