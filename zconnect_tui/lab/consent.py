"""The emulator's consent page, as a person sees it with `zconnect lab`: what the app asks for, and Accept
or Deny. Both buttons post the request's own parameters back to /oauth/v2/auth with `decision`, which
then redirects as Zoho does (a code, or error=access_denied)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from zconnect_tui.lab.support import HTML_CT, Resp

DECISION = "decision"
"""The form field the buttons set: "accept" or "deny"."""


def consent_page(params: Mapping[str, str], user: Mapping[str, Any], location: str) -> Resp:
    """An HTML page with the requested scopes and Accept / Deny buttons (a form posting `params` back)."""
    esc = html.escape
    scopes = "".join(f"<li><code>{esc(s.strip())}</code></li>" for s in params.get("scope", "").split(",")
                     if s.strip())
    hidden = "".join(f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in params.items()
                     if k != DECISION)
    who = f"{user.get('Display_Name', '')} ({user.get('Email', '')})"
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Zoho Accounts (zconnect lab)</title>"
        "<style>body{font-family:sans-serif;max-width:36em;margin:3em auto}button{font-size:1.1em;"
        "padding:.4em 1.4em;margin-right:1em}</style></head><body>"
        f"<p><small>zconnect lab: a local Zoho emulator, data centre <b>{esc(location)}</b>. "
        "Nothing here reaches Zoho.</small></p>"
        f"<h2>Allow access?</h2><p>The app <code>{esc(params.get('client_id', ''))}</code> would like to "
        f"access the account of <b>{esc(who)}</b> with these scopes:</p><ul>{scopes}</ul>"
        '<form id="consent" method="post" action="/oauth/v2/auth">'
        f'{hidden}<button type="submit" name="{DECISION}" value="accept" autofocus>Accept</button>'
        f'<button type="submit" name="{DECISION}" value="deny">Deny</button></form></body></html>'
    )
    return Resp(200, HTML_CT, body.encode())
