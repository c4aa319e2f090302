"""What every product's scopes share: the profile scope, and reading a scope list.

Each product's scope catalogue and defaults are in its profile (`zconnect_tui/products/`). Scope
names come from the facts sheet (§8); Zoho's case varies by product and is kept as Zoho writes it.
`AaaServer.profile.READ` is offered everywhere so `/oauth/user/info` can name the account behind a
connection.
"""

from __future__ import annotations

import re

from zconnect_tui.errors import UsageError

PROFILE_SCOPE = "AaaServer.profile.READ"

# service.name.OPERATION, or a bare OIDC scope; loose on purpose (facts §8: case varies). A string,
# compiled on first use (see model.NAME_RE).
_SCOPE_RE = r"^(?:[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+){1,4}|openid|email|profile)$"


def parse_scopes(text: str | list[str] | tuple[str, ...]) -> list[str]:
    """Split comma/space separated scopes, drop duplicates (keeping order), validate loosely."""
    items = text if isinstance(text, list | tuple) else re.split(r"[,\s]+", text)
    seen: dict[str, None] = {}
    for item in (s.strip() for s in items):
        if not item:
            continue
        if not re.match(_SCOPE_RE, item):
            raise UsageError(
                f"{item!r} does not look like a Zoho scope.",
                "Scopes look like Service.name.OPERATION, e.g. Desk.tickets.READ.",
            )
        seen.setdefault(item, None)
    if not seen:
        raise UsageError("No scopes given.", "Name at least one scope, e.g. Desk.tickets.READ.")
    return list(seen)
