"""Zoho's device flow, for "Non-browser Applications" clients (SSH, machines without a browser).

`POST {accounts}/oauth/v3/device/code` gives a user code and a verification URL; the user
enters the code there on any device while zconnect polls `POST {accounts}/oauth/v3/device/token`
(facts §6.3, §13.3). The CLI's `authorize` and the wizard drive the same `DeviceFlow`: `start`
once, then `poll` (blocking; run it off the UI thread) with a progress callback for the
countdown; `cancel` from any thread ends the wait.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from zconnect_tui.datacenters import DataCenter, DataCenters, is_loopback_host
from zconnect_tui.errors import (
    AccessDenied,
    FlowCancelled,
    FlowTimeout,
    Unreachable,
    UsageError,
    ZconnectError,
    from_other_dc,
)
from zconnect_tui.model import NON_BROWSER, Connection
from zconnect_tui.oauth import TokenResponse, ZohoClient, parse_token_response, zoho_error
from zconnect_tui.text import clean, text_field

ZOHO_MIN_POLL = 30.0
"""Zoho: "The device must maintain a request rate of only one request per 30 seconds" (polling page)."""
MAX_POLL = 300.0
MAX_LIFETIME = 3600.0
"""A code Zoho says lives longer than this is read as this: a bound on how long a wait can last."""
TICK = 1.0
"""Progress is reported about once a second (the countdown)."""


def seconds(value: Any, default: float) -> float:
    """Zoho's `expires_in`/`interval` in seconds: one Zoho page gives seconds, an older one
    milliseconds (facts §13.3), so a value of 1000 or more is read as milliseconds."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    if not math.isfinite(number) or number <= 0:
        return default
    return number / 1000.0 if number >= 1000 else number


def _plain(value: object, limit: int) -> str:
    """`value` when it is a string a terminal can show as is (`text.clean` leaves it whole), with no
    space and at most `limit` characters; else "". The user code and the URL are printed and shown
    in the TUI, so one carrying ESC, a bidi override or a C1 control is refused, not altered."""
    if isinstance(value, str) and 0 < len(value) <= limit and " " not in value and clean(value) == value:
        return value
    return ""


@dataclass(frozen=True)
class DeviceCode:
    """What the initiation request returned, in seconds."""

    user_code: str
    device_code: str = field(repr=False)
    """With the client secret, it fetches the tokens: never in a repr (crash reports print them)."""
    verification_url: str
    expires_in: float
    interval: float


def parse_device_code(body: dict[str, Any]) -> DeviceCode:
    """Read the initiation answer; Zoho spells it `verification_url`, RFC 8628 `verification_uri`: accept both."""
    user_code = _plain(body.get("user_code"), 64)
    device_code = _plain(body.get("device_code"), 512)
    url = _plain(body.get("verification_url") or body.get("verification_uri"), 512)
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        host = None
    url_ok = bool(host) and (parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(host)))
    if not (user_code and device_code and url_ok):
        raise Unreachable("Zoho's answer to the device-code request is missing the user code, the device code "
                          "or a usable verification URL.", "Try again in a minute; nothing was changed.")
    return DeviceCode(user_code, device_code, url, min(seconds(body.get("expires_in"), 300.0), MAX_LIFETIME),
                      min(seconds(body.get("interval"), ZOHO_MIN_POLL), MAX_POLL))


@dataclass(frozen=True)
class DeviceProgress:
    """One countdown tick for the front end."""

    remaining: float
    """Seconds until the user code expires."""
    next_poll: float
    """Seconds until zconnect asks Zoho again."""
    polls: int
    dc: str
    """The data centre being polled (it changes when Zoho answers other_dc)."""
    note: str = ""
    """What just happened, when worth a line: Zoho asked to slow down, the user is in another data centre…"""
    answer: str = ""
    """Zoho's last poll answer: authorization_pending, slow_down, other_dc, or "unreachable" ("" before
    the first poll), for a front end that words each one."""


@dataclass(frozen=True)
class DeviceResult:
    """The tokens, and the data centre (the user's own) that issued them."""

    tokens: TokenResponse
    dc: DataCenter


class DeviceFlow:
    """One device-flow attempt for a Non-browser connection."""

    def __init__(self, conn: Connection, dcs: DataCenters, clock: Callable[[], float] = time.monotonic) -> None:
        if conn.client_type != NON_BROWSER:
            raise UsageError(f"{conn.name} is not a Non-browser client.", "The device flow needs one.")
        self.conn = conn
        self.dcs = dcs
        self.dc: DataCenter = dcs.trusted_accounts(conn.dc)
        """The data centre being polled: the registration one, until Zoho answers other_dc (then only
        one the trust rule allows, `_other_dc`)."""
        self.code: DeviceCode | None = None
        self.polls = 0
        self.last_answer = ""
        """Zoho's answer to the last poll (see DeviceProgress.answer)."""
        self._clock = clock
        self._started = 0.0
        self._cancel = threading.Event()

    @property
    def floor(self) -> float:
        """Zoho's own data centres allow one poll per 30 s; a user-defined one (an emulator, say) is
        trusted to announce its own pace in `interval`."""
        return ZOHO_MIN_POLL if self.dc.builtin else 0.05

    def start(self, client: ZohoClient) -> DeviceCode:
        """Ask Zoho for a user code (the registration data centre's accounts server)."""
        form = {"client_id": self.conn.client_id, "grant_type": "device_request",
                "scope": ",".join(self.conn.scopes), "access_type": self.conn.access_type}
        if self.conn.access_type == "offline":
            form["prompt"] = "consent"  # else Zoho gives a refresh token only on a client's first consent
        _, body = client.post_form(self.dc.device_code_url, form, repeat_safe=True)
        if body.get("error"):
            raise zoho_error(body, self.conn)
        self.code = parse_device_code(body)
        self._started = self._clock()
        return self.code

    def cancel(self) -> None:
        """End `poll` from any thread (it raises FlowCancelled)."""
        self._cancel.set()

    def remaining(self) -> float:
        assert self.code is not None
        return self.code.expires_in - (self._clock() - self._started)

    def poll(self, client: ZohoClient, on_progress: Callable[[DeviceProgress], object] | None = None) -> DeviceResult:
        """Poll until the user approves (tokens), denies, the code expires, or `cancel`."""
        if self.code is None:
            raise UsageError("The device flow was not started.", "Call start() first.")
        interval = max(self.code.interval, self.floor)
        next_at = self._clock() + interval
        note = ""
        while True:
            self._wait_until(next_at, note, on_progress)
            note = ""
            self.polls += 1
            try:
                status, body = client.post_form(self.dc.device_token_url, self._poll_form(), repeat_safe=False)
            except Unreachable:
                self.last_answer = "unreachable"
                note = f"{self.dc.key}: Zoho did not answer; trying again"  # a long wait survives a blip
                next_at = self._clock() + interval
                continue
            if body.get("access_token"):
                return DeviceResult(parse_token_response(body, self.conn, status=status), self.dc)
            error = text_field(body.get("error"), 80)
            self.last_answer = error
            if error == "authorization_pending":
                pass
            elif error == "slow_down":  # two polls within Zoho's 30 s: back off for good
                interval = min(max(interval * 2, self.floor), MAX_POLL)
                note = f"Zoho asked to poll less often: every {interval:.3g} s now"
            elif error == "other_dc":
                self.dc = self._other_dc(body.get("user_location"))
                note = f"The user is in the data centre {self.dc.key}: asking there"
                next_at = self._clock()  # that server has not been polled yet
                continue
            else:
                raise self._final_error(error, body)
            next_at = self._clock() + interval

    def _poll_form(self) -> dict[str, str]:
        assert self.code is not None
        return {"client_id": self.conn.client_id, "client_secret": self.conn.secret_for(self.dc.key),
                "grant_type": "device_token", "code": self.code.device_code}

    def _wait_until(self, when: float, note: str, on_progress: Callable[[DeviceProgress], object] | None) -> None:
        while True:
            now = self._clock()
            remaining = self.remaining()
            if remaining <= 0:
                raise _expired()
            if on_progress is not None:
                on_progress(DeviceProgress(remaining, max(when - now, 0.0), self.polls, self.dc.key, note,
                                           self.last_answer))
                note = ""
            if now >= when:
                return
            if self._cancel.wait(min(TICK, when - now, remaining)):
                raise FlowCancelled("Authorization cancelled.", "Run it again when you are ready.")

    def _other_dc(self, location: object) -> DataCenter:
        """Zoho's other_dc: poll the user's data centre from now on, only if it is a trusted one."""
        try:
            return self.dcs.trusted_accounts(self.conn.dc, location=text_field(location, 40))
        except ZconnectError as exc:
            raise ZconnectError(
                f"Zoho says the user is in the data centre {text_field(location, 40)!r}, which zconnect does not "
                f"trust for {self.conn.name} (registered in {self.conn.dc}); refused.", exc.hint) from None

    def _final_error(self, error: str, body: dict[str, Any]) -> ZconnectError:
        if error == "access_denied":
            return AccessDenied("The request was denied at Zoho's verification page (access_denied).",
                                "Run authorize again and approve it to connect.")
        if error == "expired":
            return _expired()
        return from_other_dc(zoho_error(body, self.conn), self.conn.name, self.conn.dc, self.dc.key)


def _expired() -> FlowTimeout:
    return FlowTimeout("The code expired before it was approved (Zoho keeps a user code 5 minutes; expired).",
                       "Run authorize again for a new code.")
