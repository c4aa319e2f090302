"""Verification calls: prove a token works and list the organisations it reaches.

Desk: `GET {desk}/api/v1/organizations`; CRM: `GET {api_domain}/crm/v8/org`; Books:
`GET {api_domain}/books/v3/organizations`; everything else: `GET {accounts}/oauth/user/info`
(facts sheet §9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from zconnect_tui.datacenters import DataCenters, check_url
from zconnect_tui.errors import ZconnectError, ZohoError
from zconnect_tui.model import Connection
from zconnect_tui.services import get_service

if TYPE_CHECKING:
    from zconnect_tui.oauth import ZohoClient


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
    code = str(body.get("errorCode") or body.get("code") or body.get("cause") or status)
    if status == 401 or "OAUTH" in code.upper() or "TOKEN" in code.upper():
        if "SCOPE" in code.upper():
            return ZohoError(code, f"The token lacks the scope {endpoint} needs ({code}).",
                             "Add the service's read scope to the connection and authorize again.")
        return ZohoError(code, f"Zoho refused the access token at {endpoint} ({code}).",
                         f"Run `zconnect refresh {conn.name}`; if that fails, authorize again.")
    message = body.get("message") or body.get("error") or f"HTTP {status}"
    return ZohoError(code, f"{endpoint} answered {status}: {message}.",
                     "Check the connection's scopes and data centre.")


def _endpoint(conn: Connection, dcs: DataCenters) -> tuple[str, str]:
    """(kind, URL) of the verification call for this connection's service."""
    kind = get_service(conn.service).verify
    dc = dcs.get(conn.location) if conn.location in dcs else dcs.get(conn.dc)
    api = check_url(conn.api_domain or dc.api, "api_domain")
    accounts = conn.accounts_server or dc.accounts
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


def _orgs(kind: str, body: dict[str, Any]) -> list[Organization]:
    if kind == "desk":
        return [Organization(str(o.get("id", "")), str(o.get("companyName") or o.get("organizationName") or ""),
                             bool(o.get("isDefault")), str(o.get("portalName") or ""))
                for o in body.get("data") or [] if isinstance(o, dict)]
    if kind == "crm":
        return [Organization(str(o.get("id", "")), str(o.get("company_name") or ""), True,
                             str(o.get("domain_name") or ""))
                for o in body.get("org") or [] if isinstance(o, dict)]
    if kind == "books":
        return [Organization(str(o.get("organization_id", "")), str(o.get("name") or ""),
                             bool(o.get("is_default_org")), str(o.get("currency_code") or ""))
                for o in body.get("organizations") or [] if isinstance(o, dict)]
    return []


def verify(client: ZohoClient, conn: Connection, dcs: DataCenters) -> Verification:
    """Call the service's verification endpoint with the connection's (fresh) access token."""
    kind, url = _endpoint(conn, dcs)
    status, body = client.get_json(url, conn.token.access_token)
    if status != 200:
        raise _resource_error(conn, status, body, urlsplit(url).path)
    if kind == "userinfo":
        user = str(body.get("Email") or body.get("Display_Name") or body.get("ZUID") or "")
        return Verification(url, f"Signed in as {user or 'an unnamed user'}", user=user)
    orgs = _orgs(kind, body)
    label = {"desk": "Desk organization", "crm": "CRM organization", "books": "Books organization"}[kind]
    names = ", ".join(o.name for o in orgs) or "none"
    plural = "s" if len(orgs) != 1 else ""
    return Verification(url, f"Reached {len(orgs)} {label}{plural}: {names}", organizations=orgs)


def default_org(orgs: list[Organization]) -> Organization | None:
    """The organisation Zoho marks as default, else the only one, else None (ask the user)."""
    for org in orgs:
        if org.is_default:
            return org
    return orgs[0] if len(orgs) == 1 else None
