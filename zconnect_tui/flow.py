"""One consent attempt: state + PKCE, the loopback listener, the browser and the paste box.

The CLI's `authorize` and the wizard's Authorize step both drive this class, so the rules
live in one place. Three ways to finish are open at once: the browser redirect reaching the
listener, a pasted redirect URL, or a pasted bare code (SSH, no browser). A Self Client
connection has no redirect: only a pasted code finishes it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from zconnect_tui.browser import browser_available, open_in_background
from zconnect_tui.datacenters import DataCenter, DataCenters
from zconnect_tui.errors import Fix, FlowError, Remedy, UsageError, ZconnectError
from zconnect_tui.listener import CallbackListener, CallbackResult, Outcome, interpret_params
from zconnect_tui.model import NON_BROWSER, Connection
from zconnect_tui.oauth import consent_url, new_pkce, new_state

DEFAULT_TIMEOUT = 300.0
_BARE_CODE = re.compile(r"^[A-Za-z0-9._\-]{8,512}$")
_ZOHO_CODE = re.compile(r"^[0-9]{4}\.[A-Za-z0-9._\-]{8,507}$")
"""A code as Zoho writes them (`1000.` then hex and dots): what a code in pieces must add up to."""


def looks_like_url(text: str) -> bool:
    """Whether a paste is (part of) a redirect address rather than a bare code."""
    return "?" in text or "://" in text or text.startswith(("http:", "https:")) or "code=" in text


def parse_pasted(text: str, expected_state: str | None) -> CallbackResult:
    """Read what a user pasted: the whole redirect URL (state checked) or the bare code.

    Whitespace inside is dropped first: an address or a code copied from a terminal comes in pieces where
    the terminal wrapped it, and neither ever holds a space. A bare "code" in pieces must add up to one as
    Zoho writes them (`1000.…`): "hello world" is not a code, and is refused as containing a space.
    """
    text = text.strip().strip("'\"<>")
    if not text:
        raise FlowError("Nothing was pasted.", "Paste the address the browser landed on, or the code.")
    spaced = len(text.split()) > 1
    joined = "".join(text.split())
    if spaced and not looks_like_url(joined) and not _ZOHO_CODE.match(joined):
        raise FlowError("That contains a space, and is neither a Zoho code nor a redirect address.",
                        "Paste the address the browser landed on in one piece, or just the code (1000.xxxx.yyyy).")
    text = joined
    if looks_like_url(text):
        query = urlsplit(text).query if "://" in text else text.split("?", 1)[-1]
        try:
            params = parse_qs(query, keep_blank_values=True, errors="strict", max_num_fields=32)
        except (UnicodeDecodeError, ValueError):
            raise FlowError("That address cannot be read.", "Copy the full address from the browser.") from None
        # A pasted URL must carry this attempt's state: the same rule as the listener.
        return interpret_params(params, expected_state, "paste")
    if not _BARE_CODE.match(text):
        raise FlowError("That does not look like a Zoho code or redirect address.",
                        "Paste the full address from the browser, or a code like 1000.xxxx.yyyy.")
    return CallbackResult(code=text, via="paste")


class AuthorizationFlow:
    """State for one attempt to authorize `conn` (not thread-bound; see `wait`)."""

    def __init__(self, conn: Connection, dcs: DataCenters) -> None:
        self.conn = conn
        self.dcs = dcs
        self.dc: DataCenter = dcs.trusted_accounts(conn.dc)  # the registration data centre (the trust rule)
        self.state = new_state()
        self.verifier: str | None = None
        self.url: str | None = None
        self.listener: CallbackListener | None = None
        self.outcome = Outcome()
        """Where the listener or a paste delivers the result (the listener shares it)."""
        if conn.client_type == NON_BROWSER:
            # The device flow is DeviceFlow (zconnect_tui/device.py), through Manager.begin_device.
            raise UsageError(f"{conn.name} is a Non-browser client: it signs in with a code at Zoho's "
                             "verification page, not through this browser flow.",
                             f"Run `zconnect authorize {conn.name}`: it shows the code and waits.")
        if conn.uses_redirect:
            if not conn.redirect_uri or conn.port is None:
                raise UsageError(f"{conn.name} has no loopback redirect URI.",
                                 remedy=Remedy(Fix.SET_PORT, conn.name))
            self.verifier, challenge = new_pkce()
            self.url = consent_url(self.dc, conn, self.state, challenge)

    @property
    def needs_listener(self) -> bool:
        return self.conn.uses_redirect

    def start(self) -> None:
        """Bind the listener (raises PortInUse). Call before opening the browser."""
        if self.needs_listener:
            assert self.conn.port is not None
            self.listener = CallbackListener(self.conn.port, self.state, check=self.token_server, consent_url=self.url)
            self.listener.outcome = self.outcome
            self.listener.start()

    def open_browser(self, on_done: Callable[[bool], object] | None = None) -> tuple[bool, str]:
        """Open the consent page in a browser; returns (started, reason-if-not).

        The browser gets a new one-time start link on the listener, never the consent URL itself: a
        browser's command line is readable by every local user, and the consent URL carries `state`
        and the PKCE challenge (see loopback.py). `url`, shown and copied, stays Zoho's own.
        """
        if self.url is None:
            return False, "a Self Client has no consent page"
        ok, why = browser_available()
        if not ok:
            return False, why
        if self.listener is None:
            return False, "the listener has not started"
        open_in_background(self.listener.start_link(), on_done)
        return True, ""

    def submit_paste(self, text: str) -> CallbackResult:
        """Feed a pasted URL or code; raises FlowError (and keeps waiting) if it is not usable."""
        joined = "".join(text.split())  # as parse_pasted reads it: a wrapped address comes in pieces
        expected = self.state if self.needs_listener and ("?" in joined or "code=" in joined) else None
        result = parse_pasted(text, expected)
        try:
            self.token_server(result)
        except ZconnectError as exc:
            raise FlowError(exc.message, exc.hint) from None
        self.outcome.deliver(result)
        return result

    def fail(self, error: BaseException) -> None:
        """End the wait with `error` (e.g. stdin closed on a Self Client flow)."""
        self.outcome.deliver(error)

    def wait(self, timeout: float = DEFAULT_TIMEOUT) -> CallbackResult:
        """Block until the redirect or a paste arrives (or timeout/cancel); run off the UI thread."""
        return self.outcome.wait(timeout)

    def cancel(self) -> None:
        self.outcome.cancel()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()

    def token_server(self, result: CallbackResult) -> DataCenter:
        """Where to exchange the code: the callback's accounts server, if the trust rule allows it.

        Zoho redirects users of other data centres with `location` and `accounts-server`; the one
        rule in `DataCenters.trusted_accounts` decides (RFC 9700 mix-up defence), so the code, the
        client secret and the PKCE verifier never go to an address the redirect invented.
        """
        return self.dcs.trusted_accounts(self.conn.dc, result.accounts_server)
