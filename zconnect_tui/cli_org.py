"""`--org` of `zconnect authorize` and `zconnect edit`: the organisation (Projects: portal) a connection's
calls name is one the token reaches, and is never changed without being chosen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zconnect_tui.errors import UsageError, ZconnectError
from zconnect_tui.model import MAX_ORG_ID, Connection
from zconnect_tui.text import clean

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager
    from zconnect_tui.verify import Organization, Verification


def org_arg(conn: Connection, value: str | None) -> str:
    """`--org`, checked against the connection's product before anything is asked or sent ("": not given)."""
    from zconnect_tui.products import product_of

    if value is None:
        return ""
    context = product_of(conn.service).context
    if context is None:
        raise UsageError(f"{conn.name} ({conn.service}) names no organization in its calls.", "Leave --org out.")
    wanted = clean(value, limit=MAX_ORG_ID).strip()
    if not wanted:
        raise UsageError("--org is empty.", f"Give the {context.noun}'s id: `zconnect test {conn.name} --json` "
                         "lists them.")
    return wanted


def reached_org(manager: Manager, conn: Connection, wanted: str) -> Organization:
    """The organisation `wanted` among those the stored token reaches; refused (exit 2) naming the choices."""
    from zconnect_tui.verify import choices

    found = manager.organizations(conn.name)
    org = next((o for o in found.organizations if o.id == wanted), None)
    if org is None:
        raise UsageError(f"{conn.name}'s token does not reach the {found.noun} {wanted}; nothing was changed.",
                         f"Choose one of: {choices(found.organizations)}.")
    return org



def missed_org(name: str, verification: Verification, missed: Organization, *, asked: bool) -> ZconnectError:
    """The new token does not reach the organisation asked for (`--org`: exit 2) or the stored one (exit 1)."""
    from zconnect_tui.verify import choices, org_label

    noun, reached = verification.noun, choices(verification.organizations)
    if asked:
        return UsageError(f"{name}'s token does not reach the {noun} {org_label(missed)}; it reaches {reached}.",
                          f"The new tokens are stored and the {noun} is unchanged: choose one with "
                          f"`zconnect edit {name} --org ID`.")
    return ZconnectError(f"{name}'s new token no longer reaches {org_label(missed)}; it reaches {reached}.",
                         f"The tokens are kept and the {noun} is unchanged: choose with `zconnect edit {name} "
                         f"--org ID`, or authorize again choosing {missed.name or missed.id} on Zoho's consent page.")
