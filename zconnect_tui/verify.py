"""Verification calls: prove a token works and list the organisations it reaches.

Desk: `GET {desk}/api/v1/organizations`; CRM: `GET {api_domain}/crm/v8/org`; Books:
`GET {api_domain}/books/v3/organizations`; everything else: `GET {accounts}/oauth/user/info`
(facts sheet §9). A Desk token is bound to the organisation chosen on Zoho's consent page, and
every Desk call but `/organizations` names its organisation in the `orgId` header, so the stored
organisation is checked with `GET {desk}/api/v1/organizations/{id}` sending that header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from zconnect_tui.connector import api_base
from zconnect_tui.datacenters import DataCenters, check_url
from zconnect_tui.errors import Fix, Remedy, ZohoError
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
    kind: str = ""
    """desk | crm | books | userinfo."""
    org_checked: Organization | None = None
    """Desk: the stored organisation, accepted by a call that sent its orgId."""


class OrgRefused(ZohoError):
    """Desk refused the organisation for this token (OAUTH_ORG_MISMATCH, or a 4xx naming the org)."""


def _names_org(code: str, body: dict[str, Any]) -> bool:
    """A 4xx that is about the organisation rather than the token (Desk's errorCode, fieldName or text)."""
    text = f"{body.get('message') or ''} {body.get('fieldName') or ''}".lower()
    return "ORG" in code.upper() or "orgid" in text or "organization" in text or "organisation" in text


def org_refused(conn: Connection, code: str, org: str) -> OrgRefused:
    return OrgRefused(
        code,
        f"Zoho Desk refused the organization {org} for this token ({code}): a Desk token works only for the "
        "organization chosen on Zoho's consent page.",
        f"Authorize again (`zconnect authorize {conn.name}`) and choose {org} on Zoho's consent page, "
        "or pick the organization that was chosen there.",
    )


def _resource_error(conn: Connection, status: int, body: dict[str, Any], endpoint: str,
                    org: str = "") -> ZohoError:
    code = str(body.get("errorCode") or body.get("code") or body.get("cause") or status)
    if org and 400 <= status < 500 and _names_org(code, body):
        return org_refused(conn, code, org)
    if status == 401 or "OAUTH" in code.upper() or "TOKEN" in code.upper():
        if "SCOPE" in code.upper():
            return ZohoError(code, f"The token lacks the scope {endpoint} needs ({code}).",
                             remedy=Remedy(Fix.EDIT_SCOPES, conn.name))
        return ZohoError(code, f"Zoho refused the access token at {endpoint} ({code}).",
                         remedy=Remedy(Fix.REFRESH, conn.name))
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
        return kind, f"{api_base(conn, dcs)}/api/v1/organizations"
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


def verify(client: ZohoClient, conn: Connection, dcs: DataCenters, *, check_org: bool = True) -> Verification:
    """Call the service's verification endpoint with the connection's (fresh) access token.

    Desk with a stored organisation (and `check_org`): also prove that organisation accepts the
    token, with a call that sends its orgId; OrgRefused when Desk says it does not.
    """
    kind, url = _endpoint(conn, dcs)
    status, body = client.get_json(url, conn.token.access_token)
    if status != 200:
        raise _resource_error(conn, status, body, urlsplit(url).path)
    if kind == "userinfo":
        user = str(body.get("Email") or body.get("Display_Name") or body.get("ZUID") or "")
        return Verification(url, f"Signed in as {user or 'an unnamed user'}", user=user, kind=kind)
    orgs = _orgs(kind, body)
    label = {"desk": "Desk organization", "crm": "CRM organization", "books": "Books organization"}[kind]
    names = ", ".join(o.name for o in orgs) or "none"
    plural = "s" if len(orgs) != 1 else ""
    result = Verification(url, f"Reached {len(orgs)} {label}{plural}: {names}", organizations=orgs, kind=kind)
    if kind == "desk" and check_org and conn.org_id:
        stored = next((o for o in orgs if o.id == conn.org_id), Organization(conn.org_id, conn.org_name))
        check_desk_org(client, conn, dcs, stored)
        result.org_checked = stored
        result.summary += f"; {stored.name or stored.id} accepts the token (orgId {stored.id})"
    return result


def check_desk_org(client: ZohoClient, conn: Connection, dcs: DataCenters, org: Organization) -> None:
    """`GET {desk}/api/v1/organizations/{id}` with `orgId: {id}`: raises OrgRefused when Desk refuses it.

    Whether this path enforces the consent-time binding as the data APIs do is UNCONFIRMED
    (no Zoho page says); an answer naming another organisation counts as a refusal too.
    """
    url = f"{api_base(conn, dcs)}/api/v1/organizations/{org.id}"
    status, body = client.get_json(url, conn.token.access_token, headers={"orgId": org.id})
    label = f"{org.name} ({org.id})" if org.name else org.id
    if status != 200:
        raise _resource_error(conn, status, body, urlsplit(url).path, org=label)
    # Desk answers with the organisation itself; a `data` list is read too (facts §9.1 leaves it open).
    data = body.get("data")
    found = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else body
    if str(found.get("id", org.id)) != org.id:
        raise org_refused(conn, "OAUTH_ORG_MISMATCH", label)


MAX_ORG_PROBES = 10
"""At most this many organisations are tried with their orgId (one small GET each)."""


def pick_desk_org(client: ZohoClient, conn: Connection, dcs: DataCenters,
                  orgs: list[Organization]) -> tuple[Organization | None, list[Organization]]:
    """(the organisation this Desk token works for, or None; the ones that accepted it).

    Tried default first; the default accepting ends the search. If every organisation accepts
    (a Desk that does not enforce the binding on this call), the result is what `default_org`
    would pick. None of them accepting raises OrgRefused.
    """
    ordered = sorted(orgs, key=lambda o: not o.is_default)[:MAX_ORG_PROBES]
    accepted: list[Organization] = []
    last: OrgRefused | None = None
    for org in ordered:
        try:
            check_desk_org(client, conn, dcs, org)
        except OrgRefused as exc:
            last = exc
            continue
        accepted.append(org)
        if org.is_default:
            break
    if not accepted and last is not None:
        names = ", ".join(o.name or o.id for o in ordered)
        raise OrgRefused(last.code, f"Zoho Desk accepted this token for none of its organizations ({names}).",
                         f"Authorize again (`zconnect authorize {conn.name}`) and choose the organization on "
                         "Zoho's consent page.")
    return default_org(accepted), accepted


def default_org(orgs: list[Organization]) -> Organization | None:
    """The organisation Zoho marks as default, else the only one, else None (ask the user)."""
    for org in orgs:
        if org.is_default:
            return org
    return orgs[0] if len(orgs) == 1 else None
