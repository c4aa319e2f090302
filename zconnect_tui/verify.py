"""Verification calls: prove a token works and list the organisations (or portals) it reaches.

A product with a context lists it (`GET {base}{context.list_path}`: Desk's organizations, CRM's org,
Books' and Inventory's organizations, Projects' portals; facts §9, §14.3); everything else calls
`GET {accounts}/oauth/user/info`. Where a token is bound to one context (Desk: the organisation
chosen on Zoho's consent page, named in the `orgId` header of every call but `/organizations`), the
stored one is proved with the profile's `probe_path` sending it; where the profile says so, the
stored one must be among those listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from zconnect_tui.connector import api_base, user_dc
from zconnect_tui.datacenters import DataCenters
from zconnect_tui.errors import Fix, Remedy, Unreachable, ZconnectError, ZohoError
from zconnect_tui.model import MAX_ORG_ID, ORG_NOT_REACHED, Connection
from zconnect_tui.products import Context, Product, org_id_ok, product_of
from zconnect_tui.products.base import HEADER, PATH
from zconnect_tui.services import PROFILE_SCOPE
from zconnect_tui.text import text_field

if TYPE_CHECKING:
    from zconnect_tui.oauth import ZohoClient


@dataclass
class Organization:
    """An organisation (Desk org, CRM org, Books organization) or a portal (Projects) the token reaches."""

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
    """The product's key for a product with a context, else "userinfo"."""
    org_checked: Organization | None = None
    """The stored organisation, proved by a call that sent it (Desk) or found among those listed."""
    noun: str = "organization"
    """What the front ends call the entries: "organization" or "portal"."""
    org_missed: Organization | None = None
    """The organisation asked for (`--org`, or the stored one after a new consent) that this token does
    not reach: nothing was stored, and `organizations` holds those it does reach, to choose from."""


class OrgRefused(ZohoError):
    """The product refused the stored context for this token (Desk: OAUTH_ORG_MISMATCH, or a 4xx naming
    the org; Projects, Inventory: the stored one is not among those the token reaches)."""


def _names_org(code: str, body: dict[str, Any]) -> bool:
    """A 4xx that is about the organisation rather than the token (Desk's errorCode, fieldName or text)."""
    text = f"{text_field(body.get('message'))} {text_field(body.get('fieldName'))}".lower()
    return "ORG" in code.upper() or "orgid" in text or "organization" in text or "organisation" in text


def org_refused(conn: Connection, code: str, org: str) -> OrgRefused:
    product = product_of(conn.service)
    noun = product.context.noun if product.context else "organization"
    return OrgRefused(
        code,
        f"{product.label} refused the {noun} {org} for this token ({code}): a {product.short} token works only "
        f"for the {noun} chosen on Zoho's consent page.",
        f"Authorize again (`zconnect authorize {conn.name}`) and choose {org} on Zoho's consent page, "
        f"or pick the {noun} that was chosen there.",
    )


def not_listed(conn: Connection, product: Product, org: str, found: list[Organization]) -> OrgRefused:
    noun = product.context.noun if product.context else "organization"
    names = ", ".join(o.name or o.id for o in found[:5]) or "none"
    return OrgRefused("NOT_LISTED", f"The stored {product.short} {noun} {org} is not among those this token "
                      f"reaches ({names}).", f"Authorize again (`zconnect authorize {conn.name}`) and choose the "
                      f"{noun} there.")


def _resource_error(conn: Connection, status: int, body: dict[str, Any], endpoint: str,
                    org: str = "") -> ZohoError:
    code = next((text_field(body.get(k), 60) for k in ("errorCode", "code", "cause") if text_field(body.get(k))),
                str(status))
    if org and 400 <= status < 500 and _names_org(code, body):
        return org_refused(conn, code, org)
    if status == 401 or "OAUTH" in code.upper() or "TOKEN" in code.upper():
        if "SCOPE" in code.upper():
            return ZohoError(code, f"The token lacks the scope {endpoint} needs ({code}).",
                             remedy=Remedy(Fix.EDIT_SCOPES, conn.name))
        return ZohoError(code, f"Zoho refused the access token at {endpoint} ({code}).",
                         remedy=Remedy(Fix.REFRESH, conn.name))
    message = text_field(body.get("message")) or text_field(body.get("error")) or f"HTTP {status}"
    return ZohoError(code, f"{endpoint} answered {status}: {message}.",
                     "Check the connection's scopes and data centre.")


def _endpoint(conn: Connection, dcs: DataCenters) -> tuple[Context | None, str]:
    """(the product's context, URL) of the verification call for this connection's product.

    Both `api_base` and `user_dc` apply the trust rule: the file's accounts_server/api_domain are
    outside input too, and the access token goes where they point.
    """
    context = product_of(conn.service).context
    if context is not None:
        return context, f"{api_base(conn, dcs)}{context.list_path}"
    return None, f"{user_dc(conn, dcs).accounts}/oauth/user/info"


def _items(body: dict[str, Any], key: str, url: str) -> list[dict[str, Any]]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unreachable(f"{urlsplit(url).netloc} answered with unexpected JSON ({key!r} is not a list).",
                          "Try again later; nothing was changed.")
    return [item for item in value if isinstance(item, dict)]


# The rule (digits for a product whose ids are sent, MAX_ORG_ID at most) is products.org_id_ok, shared with
# the file. CRM's org id is stored as it comes (cleaned, bounded): no call of zconnect's sends it.


def _org_id(service: str, context: Context, value: object, url: str) -> str:
    """An organisation id from Zoho's JSON (a string or a JSON number), checked for `service`."""
    if not context.numeric:
        return text_field(value, MAX_ORG_ID)
    text = text_field(value, MAX_ORG_ID + 1)
    if not org_id_ok(service, text):
        what = repr(text_field(value, 30)) if text else ("none" if value is None else "not a string")
        raise Unreachable(f"{urlsplit(url).netloc} answered an organization id that is not a number ({what}); "
                          "the stored organization is unchanged.",
                          "Try again later; if it persists, the server is not answering as Zoho does.")
    return text


def _orgs(service: str, ctx: Context, body: dict[str, Any], url: str) -> list[Organization]:
    def org(o: dict[str, Any]) -> Organization:
        name = next((text_field(o.get(k)) for k in ctx.name_keys if text_field(o.get(k))), "")
        value = next((o[k] for k in ctx.id_keys if text_field(o.get(k))), None)
        return Organization(_org_id(service, ctx, value, url), name,
                            o.get(ctx.default_key) is True if ctx.default_key else True,
                            text_field(o.get(ctx.detail_key), 80))

    return [org(o) for o in _items(body, ctx.list_key, url)]


def _user(body: dict[str, Any]) -> str:
    return next((text_field(body.get(k), 120) for k in ("Email", "Display_Name", "ZUID") if text_field(body.get(k))),
                "")


def verify(client: ZohoClient, conn: Connection, dcs: DataCenters, *, check_org: bool = True) -> Verification:
    """Call the product's verification endpoint with the connection's (fresh) access token.

    With a stored context (and `check_org`): prove it with the profile's probe (Desk: a call that
    sends its orgId; OrgRefused when Desk says no), or find it among those listed (OrgRefused if not).
    """
    ctx, url = _endpoint(conn, dcs)
    status, body = client.get_json(url, conn.token.access_token)
    if status != 200:
        raise _resource_error(conn, status, body, urlsplit(url).path)
    if ctx is None:
        user = _user(body)
        return Verification(url, f"Signed in as {user or 'an unnamed user'}", user=user, kind="userinfo")
    orgs = _orgs(conn.service, ctx, body, url)
    names = ", ".join(o.name or o.id for o in orgs[:5]) + (f" and {len(orgs) - 5} more" if len(orgs) > 5 else "")
    names = names or "none"
    plural = "s" if len(orgs) != 1 else ""
    result = Verification(url, f"Reached {len(orgs)} {ctx.label}{plural}: {names}", organizations=orgs,
                          kind=conn.service, noun=ctx.noun)
    if not (check_org and conn.org_id):
        return result
    stored = next((o for o in orgs if o.id == conn.org_id), None)
    if ctx.probe_path:
        stored = stored or Organization(conn.org_id, conn.org_name)
        check_org_accepts(client, conn, dcs, stored)
        result.org_checked = stored
        result.summary += f"; {stored.name or stored.id} accepts the token ({ctx.send_name} {stored.id})"
    elif ctx.check_listed:
        label = f"{conn.org_name} ({conn.org_id})" if conn.org_name else conn.org_id
        if stored is None:
            raise not_listed(conn, product_of(conn.service), label, orgs)
        result.org_checked = stored
        result.summary += f"; {stored.name or stored.id} ({stored.id}) is one of them"
    return result


def check_org_accepts(client: ZohoClient, conn: Connection, dcs: DataCenters, org: Organization) -> None:
    """The profile's probe for `org` (Desk: `GET {desk}/api/v1/organizations/{id}` with `orgId: {id}`):
    raises OrgRefused when the product refuses it.

    Whether Desk's path enforces the consent-time binding as the data APIs do is UNCONFIRMED
    (no Zoho page says); an answer naming another organisation counts as a refusal too.
    """
    ctx = product_of(conn.service).context
    assert ctx is not None and ctx.probe_path, "only a product with a probe is checked this way"
    url = f"{api_base(conn, dcs)}{ctx.probe_path.replace('{id}', org.id)}"
    headers = {ctx.send_name: org.id} if ctx.send == HEADER else {}
    if ctx.send == PATH:
        url = url.replace("{" + ctx.send_name + "}", org.id)
    status, body = client.get_json(url, conn.token.access_token, headers=headers)
    label = f"{org.name} ({org.id})" if org.name else org.id
    if status != 200:
        raise _resource_error(conn, status, body, urlsplit(url).path, org=label)
    # Desk answers with the organisation itself; a list is read too (facts §9.1 leaves it open).
    data = body.get(ctx.list_key)
    found = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else body
    if text_field(found.get("id", org.id), 40) != org.id:
        raise org_refused(conn, "OAUTH_ORG_MISMATCH", label)


MAX_ORG_PROBES = 10
"""At most this many organisations are tried with their orgId (one small GET each)."""


def pick_org(client: ZohoClient, conn: Connection, dcs: DataCenters,
             orgs: list[Organization]) -> tuple[Organization | None, list[Organization]]:
    """(the organisation this token works for, or None; the ones that accepted it), by the profile's probe.

    Tried default first; the default accepting ends the search. If every organisation accepts
    (a Desk that does not enforce the binding on this call), the result is what `default_org`
    would pick. None of them accepting raises OrgRefused.
    """
    ordered = sorted(orgs, key=lambda o: not o.is_default)[:MAX_ORG_PROBES]
    accepted: list[Organization] = []
    last: OrgRefused | None = None
    for org in ordered:
        try:
            check_org_accepts(client, conn, dcs, org)
        except OrgRefused as exc:
            last = exc
            continue
        accepted.append(org)
        if org.is_default:
            break
    if not accepted and last is not None:
        names = ", ".join(o.name or o.id for o in ordered)
        product = product_of(conn.service)
        noun = product.context.noun if product.context else "organization"
        raise OrgRefused(last.code, f"{product.label} accepted this token for none of its {noun}s ({names}).",
                         f"Authorize again (`zconnect authorize {conn.name}`) and choose the {noun} on "
                         "Zoho's consent page.")
    return default_org(accepted), accepted


def _accepts(client: ZohoClient, conn: Connection, dcs: DataCenters, org: Organization) -> bool:
    try:
        check_org_accepts(client, conn, dcs, org)
    except OrgRefused:
        return False
    return True


def reach(client: ZohoClient, conn: Connection, dcs: DataCenters, result: Verification, wanted: str, *,
          probe_all: bool = False) -> None:
    """Whether the token reaches the organisation `wanted` (an id): `result.org_checked` when it does,
    `result.org_missed` when not, and then (or with `probe_all`) `result.organizations` narrowed to the
    ones it reaches. Reaching is being listed, and, for a product that binds a token to one (Desk),
    accepting the token with the profile's probe (at most MAX_ORG_PROBES are tried)."""
    ctx = product_of(conn.service).context
    if ctx is None:
        return
    listed = result.organizations
    found = next((o for o in listed if o.id == wanted), None) if wanted else None
    if found is not None and (not ctx.probe_path or _accepts(client, conn, dcs, found)):
        result.org_checked = found
    elif wanted:
        result.org_missed = found or Organization(wanted, conn.org_name if wanted == conn.org_id else "")
    if ctx.probe_path and (probe_all or result.org_missed is not None):
        result.organizations = [o for o in listed[:MAX_ORG_PROBES]
                                if o is result.org_checked or (o is not found and _accepts(client, conn, dcs, o))]


def org_label(org: Organization) -> str:
    """"Acme Support (60001)", or the id alone."""
    return f"{org.name} ({org.id})" if org.name else org.id


def choices(orgs: list[Organization]) -> str:
    """The organisations to choose from, in one line: "Zylker (60002), Acme (60001)", or "none"."""
    return ", ".join(org_label(o) for o in orgs[:MAX_ORG_PROBES]) or "none"


def missed_note(conn: Connection, missed: Organization) -> str:
    """`last_error` while the token does not reach the stored organisation: the organisation is kept,
    unchanged, so that no call names another one the user did not choose."""
    product = product_of(conn.service)
    noun = product.context.noun if product.context else "organization"
    return (f"The token {ORG_NOT_REACHED} {noun} {org_label(missed)}; it is kept until you choose one the token "
            f"reaches (Edit, or `zconnect edit {conn.name} --org ID`).")


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
    accounts = user_dc(conn, dcs).accounts
    try:
        status, body = client.get_json(f"{accounts}/oauth/user/info", conn.token.access_token)
    except ZconnectError:
        return ""
    return _user(body) if status == 200 else ""


def account_check(before: Connection | None, after: Connection, checked: Organization | None = None, *,
                  revoke: str = "run `zconnect revoke {name}`") -> tuple[str, str]:
    """(what this consent connected, a warning when it is not the account connected before, else "").

    A consent URL can be read by other local users (its `state` is in the browser's argv), so a code
    for another account can be slipped in: saying who and which organisation were connected makes a
    swapped account visible. `checked`: the organisation a call with its orgId proved (Desk);
    `revoke`: how this front end says "revoke it" (`{name}` is the connection).
    """
    context = product_of(after.service).context
    noun = context.noun if context else "organization"
    who = after.user or "not shown (add the AaaServer.profile.READ scope to see it)"
    org = f"{after.org_name} ({after.org_id})" if after.org_id else "none chosen"
    if after.org_id and checked is not None and checked.id == after.org_id:
        org += " (it accepts the token)" if context and context.probe_path else " (the token reaches it)"
    summary = f"Zoho account: {who}. {noun.capitalize()}: {org}."
    if before is None:
        return summary, ""
    changed = [what for what, old, new in (("account", before.user, after.user), (noun, before.org_id,
                                                                                 after.org_id)) if old and new != old]
    if not changed:
        return summary, ""
    was = ", ".join(filter(None, (before.user, before.org_name and f"{before.org_name} ({before.org_id})")))
    return summary, (f"This consent connected a different Zoho {' and '.join(changed)} than before (was {was}). "
                     f"If you did not mean that, {revoke.format(name=after.name)}.")
