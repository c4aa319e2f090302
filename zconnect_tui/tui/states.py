"""How each token state looks and what it means: one table for the dashboard and the help screen."""

from __future__ import annotations

from typing import NamedTuple

from zconnect_tui.model import TokenState


class StateLook(NamedTuple):
    """A token state as the TUI shows it: colour plus a symbol, so it reads without colour too."""

    symbol: str
    label: str
    colour: str
    """A theme colour (success, warning, error), resolved against the running theme; "muted" is dim text."""
    meaning: str


STATES: dict[TokenState, StateLook] = {
    TokenState.VALID: StateLook("●", "valid", "success",
                                "The access token works. It is refreshed by itself when under 5 minutes remain."),
    TokenState.EXPIRING: StateLook("◐", "expiring", "warning",
                                   "Under 5 minutes left: the next use (or r) refreshes it first."),
    TokenState.EXPIRED: StateLook("○", "expired", "warning",
                                  "The access token expired. With offline access the next use refreshes it; "
                                  "an online connection has to be authorized again."),
    TokenState.NEEDS_REAUTH: StateLook("▲", "re-authorize", "error",
                                       "Zoho no longer accepts the refresh token (revoked at Zoho, or pushed out "
                                       "by newer ones). Authorize again; the settings are kept."),
    TokenState.REVOKED: StateLook("⊘", "revoked", "error",
                                  "The tokens were revoked at Zoho and cleared here; the settings are kept. "
                                  "Authorize again to use it."),
    TokenState.NOT_AUTHORIZED: StateLook("·", "not authorized", "muted",
                                         "Saved, but never authorized: authorize it, or resume its setup in the "
                                         "wizard."),
}
