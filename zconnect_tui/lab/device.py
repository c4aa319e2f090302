"""Zoho's device flow ("Non-browser Applications") for zconnect_tui/lab/emulator.py, as a mixin.

`POST /oauth/v3/device/code` and `POST /oauth/v3/device/token` as facts §6.3 and §13.3 describe
them (https://zoho.com/accounts/protocol/oauth/devices/initiation-request.html, polling-request.html):
poll answers `authorization_pending`, `slow_down` (two polls closer than the minimum interval),
`access_denied`, `expired`, `other_dc` with `user_location`, or the tokens. A test acts as the
user at the verification URL with `device_approve` / `device_deny` (or, from another process,
`GET /oauth/v3/device?user_code=…&action=approve|deny[&location=eu]`). Intervals are settable so
tests never wait Zoho's 30 seconds.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from zconnect_tui.lab import support as sup


@dataclass
class DeviceGrant:
    client_id: str
    scopes: list[str]
    refresh: bool
    home: str  # where the device asked (the client's registration data centre)
    user_code: str
    created: float
    lifetime: float
    state: str = "pending"  # pending | approved | denied
    user_dc: str = ""  # set on approval: the data centre of the user who approved
    org_id: str = ""
    last_poll: dict[str, float] = field(default_factory=dict)  # per data centre


class DeviceFlowEndpoints:
    """The device-flow part of ZohoEmulator (which provides lock, clock, clients and token minting)."""

    lock: threading.RLock
    clock: Callable[[], float]
    location: str
    _clients: dict[str, sup.Client]

    def __init__(self) -> None:
        self.device_interval = 5.0
        """The `interval` the initiation answer announces, in seconds (Zoho: 30)."""
        self.device_min_interval = 0.0
        """Two polls closer than this (per data centre) get slow_down (Zoho: 30 s)."""
        self.device_lifetime = 300.0
        """How long a user code lives, in seconds (Zoho: 5 minutes)."""
        self.device_units = "s"
        """"s" or "ms": the older Zoho page gives expires_in and interval in milliseconds."""
        self.device_url_key = "verification_url"
        """Zoho spells it verification_url; RFC 8628 verification_uri."""
        self.device_answers: list[tuple[str, str]] = []
        """(data centre, answer) per poll: the error code, or "tokens"."""
        self._devices: dict[str, DeviceGrant] = {}

    # ----- acting as the user, for tests -----------------------------------------------------------
    def device_user_codes(self) -> list[str]:
        """User codes issued and still pending, oldest first."""
        with self.lock:
            return [d.user_code for d in self._devices.values() if d.state == "pending"]

    def device_approve(self, user_code: str, location: str | None = None) -> None:
        """The user enters `user_code` and approves; `location`: the data centre the user belongs to."""
        with self.lock:
            grant = self._device_by_user_code(user_code)
            grant.state, grant.user_dc, grant.org_id = "approved", location or grant.home, self._picked_org()

    def device_deny(self, user_code: str) -> None:
        with self.lock:
            self._device_by_user_code(user_code).state = "denied"

    def expire_device_codes(self) -> None:
        with self.lock:
            for grant in self._devices.values():
                grant.lifetime = -1.0

    def _device_by_user_code(self, user_code: str) -> DeviceGrant:
        for grant in self._devices.values():
            if grant.user_code == user_code:
                return grant
        raise KeyError(user_code)

    # ----- endpoints ---------------------------------------------------------------------------------
    def device_routes(self) -> dict[tuple[str, str], Callable[[sup.RecordedRequest], sup.Resp]]:
        return {
            ("POST", "/oauth/v3/device/code"): self._device_code,
            ("POST", "/oauth/v3/device/token"): self._device_token,
            ("GET", "/oauth/v3/device"): self._device_page,
        }

    def _device_code(self, req: sup.RecordedRequest) -> sup.Resp:
        params = req.params
        client = self._clients.get(params.get("client_id", ""))
        if client is None or client.kind != "non-browser" or client.secret_at(req.dc) is None:
            return sup.json_resp({"error": "invalid_client"})
        if params.get("grant_type") != "device_request":
            return sup.json_resp({"error": "unsupported_grant_type"})
        scopes = [s.strip() for s in params.get("scope", "").split(",") if s.strip()]
        if not scopes:
            return sup.json_resp({"error": "invalid_scope"})
        user_code = f"{secrets.token_hex(2).upper()}-{secrets.token_hex(2).upper()}"
        device_code = f"1004.{secrets.token_hex(16)}.{secrets.token_hex(16)}"
        self._devices[device_code] = DeviceGrant(
            params["client_id"], scopes, self._consent_refresh(params["client_id"], params), req.dc, user_code,
            self.clock(), self.device_lifetime)
        scale = 1000 if self.device_units == "ms" else 1
        return sup.json_resp({
            "user_code": user_code, "device_code": device_code,
            self.device_url_key: f"{self.url_of(req.dc)}/oauth/v3/device",
            "expires_in": self.device_lifetime * scale, "interval": self.device_interval * scale,
        })

    def _device_token(self, req: sup.RecordedRequest) -> sup.Resp:
        resp = self._device_poll(req)
        answer = json.loads(resp.body)
        self.device_answers.append((req.dc, answer.get("error") or "tokens"))
        return resp

    def _device_poll(self, req: sup.RecordedRequest) -> sup.Resp:
        params = req.params
        if self._client_at(params, req.dc) is None:
            return sup.json_resp({"error": "invalid_client"})
        if params.get("grant_type") != "device_token":
            return sup.json_resp({"error": "unsupported_grant_type"})
        grant = self._devices.get(params.get("code", ""))
        if grant is None or grant.client_id != params.get("client_id"):
            return sup.json_resp({"error": "invalid_code"})
        now = self.clock()
        previous = grant.last_poll.get(req.dc)
        grant.last_poll[req.dc] = now
        if previous is not None and now - previous < self.device_min_interval:
            return sup.json_resp({"error": "slow_down"})
        if grant.state == "denied":
            return sup.json_resp({"error": "access_denied"})
        if now - grant.created >= grant.lifetime:
            return sup.json_resp({"error": "expired"})
        if grant.state == "pending":
            return sup.json_resp({"error": "authorization_pending"})
        if grant.user_dc != req.dc:
            return sup.json_resp({"error": "other_dc", "user_location": grant.user_dc})
        del self._devices[params["code"]]  # single use
        return self._grant_tokens(grant.client_id, grant.scopes, grant.refresh, grant.user_dc, grant.org_id)

    def _device_page(self, req: sup.RecordedRequest) -> sup.Resp:
        """The verification URL. Emulator-only: `?user_code=…&action=approve|deny[&location=dc]` acts."""
        code, action = req.query.get("user_code", ""), req.query.get("action", "")
        if not code:
            return sup.error_page("Zoho Accounts", "Enter the code shown on your device.")
        try:
            if action == "deny":
                self.device_deny(code)
            else:
                self.device_approve(code, req.query.get("location") or None)
        except KeyError:
            return sup.error_page("Invalid code", "The code you entered is invalid or expired.")
        return sup.error_page("Done", f"The device was {'denied' if action == 'deny' else 'approved'}.")

    # provided by ZohoEmulator
    def url_of(self, location: str) -> str:
        raise NotImplementedError

    def _picked_org(self) -> str:
        raise NotImplementedError

    def _client_at(self, params: dict[str, str], dc: str) -> sup.Client | None:
        raise NotImplementedError

    def _consent_refresh(self, client_id: str, params: dict[str, str]) -> bool:
        raise NotImplementedError

    def _grant_tokens(self, client_id: str, scopes: list[str], refresh: bool, dc: str, org_id: str) -> sup.Resp:
        raise NotImplementedError
