"""Zoho's OAuth error answers as a sentence and a fix (facts sheet §3): the error map.

Every string taken from Zoho's answer is cleaned (`text_field`) before it can reach a terminal.
"""

from __future__ import annotations

from typing import Any

from zconnect_tui.errors import Fix, RateLimited, Remedy, ZohoError
from zconnect_tui.model import SELF, Connection
from zconnect_tui.text import text_field

_ERRORS: dict[str, tuple[str, str]] = {
    "invalid_client": (  # the fix is a Remedy (Fix.CHECK_CLIENT): each front end words it
        # Zoho's words for it: "invalid Client ID or Client Secret" (facts §3.3): a wrong secret too.
        "Zoho does not accept this Client ID and Client Secret in this data centre (invalid_client).",
        "",
    ),
    "invalid_client_secret": (  # seen in real answers by two third parties (facts §13.1); fix: a Remedy
        "Zoho rejected the Client Secret (invalid_client_secret).",
        "",
    ),
    "invalid_code": (
        "Zoho rejected the authorization code: it expired (browser codes live about 2–3 minutes) or was "
        "already used (invalid_code).",
        "Authorize again and let zconnect exchange the new code at once.",
    ),
    "invalid_redirect_uri": (
        "Zoho says the redirect URI does not match the one registered for the client (invalid_redirect_uri).",
        "Register exactly {redirect_uri} under Authorized Redirect URIs in the API Console.",
    ),
    "invalid_code_verifier": (  # PKCE failure; Zoho's exact error name is unconfirmed.
        "Zoho rejected the PKCE verifier for this code.",
        "Authorize again: the code belongs to another attempt.",
    ),
    "access_denied": (
        "Zoho refused: too many authorization codes for this client (access_denied).",
        "Wait 10 minutes: Zoho allows 10 codes per 10 minutes per client.",
    ),
    "invalid_token": (
        "Zoho says the token is invalid or expired (invalid_token).",
        "Authorize the connection again.",
    ),
}
_SELF_CLIENT_CODE = (
    "Zoho rejected the code: it expired (a Self Client code lives 3–10 minutes, the duration chosen when it "
    "was generated) or was already used (invalid_code).",
    "Generate a new code in the API Console (Self Client → Generate Code) and paste it at once.",
)


def _throttled(code: str, description: str, body: dict[str, Any], status: int, refresh: bool,
               recent: bool) -> bool:
    """Zoho's "Access Denied … too many requests" throttle, by its English text or by its shape.

    The throttle has been seen as HTTP 200 and as HTTP 400, and with a localized message
    (facts §3.4, §13.2), so an answer to a refresh that carries no access token and no known
    OAuth error code counts when it says `status: failure`, comes with HTTP 400, or follows a
    refresh made within Zoho's 10-minute window (`recent`).
    """
    if code.lower().startswith("access denied") or "too many requests" in description.lower():
        return True
    return refresh and code not in _ERRORS and (body.get("status") == "failure" or status == 400 or recent)


def zoho_error(body: dict[str, Any], conn: Connection | None = None, *, status: int = 200,
               refresh: bool = False, recent: bool = False) -> ZohoError:
    """Turn Zoho's `{"error": …}` body into an error with a sentence and a fix.

    `refresh`: the answer came to a refresh; `recent`: the previous refresh was within Zoho's
    throttle window. Both let the throttle be recognised by its shape.
    """
    description = text_field(body.get("error_description"))
    code = text_field(body.get("error"), 80) or description[:80] or "unknown"
    if _throttled(code, description, body, status, refresh, recent):
        english = code.lower().startswith("access denied") or "too many requests" in description.lower()
        # Recognised by its shape only (another language, another error): show Zoho's own words too.
        said = "" if english else f" Zoho said: {description or code!r}."
        return RateLimited(
            code,
            f"Zoho's rate limit: too many token requests for this connection (\"Access Denied\").{said}",
            "Wait up to 10 minutes and try again: Zoho allows 10 refreshes per 10 minutes per refresh token.",
        )
    if code == "invalid_code" and conn is not None and conn.client_type == SELF:
        return ZohoError(code, *_SELF_CLIENT_CODE)
    if code in ("invalid_client", "invalid_client_secret"):  # each front end names its way to a new secret
        return ZohoError(code, _ERRORS[code][0],
                         remedy=Remedy(Fix.CHECK_CLIENT, conn.name if conn else "", dc=conn.dc if conn else ""))
    if code in _ERRORS:
        message, hint = _ERRORS[code]
        return ZohoError(code, message, hint.format(redirect_uri=(conn.redirect_uri if conn else "")))
    detail = f": {description}" if description else ""
    return ZohoError(code, f"Zoho answered with the error {code!r}{detail}.",
                     remedy=Remedy(Fix.SHOW, conn.name if conn else ""))
