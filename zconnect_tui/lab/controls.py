"""What a test does to the emulator, for zconnect_tui/lab/emulator.py, as a mixin: register clients, queue
faults and canned answers, expire or revoke tokens, and look at what was requested.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from zconnect_tui.lab import support as sup
from zconnect_tui.lab.support import FAULT_KINDS, RecordedRequest, Resp
from zconnect_tui.lab.support import Client as _Client
from zconnect_tui.lab.support import Grant as _Grant
from zconnect_tui.lab.support import Token as _Token


class Controls:
    """The test-facing switches of ZohoEmulator (which provides the state below and the lock)."""

    lock: threading.RLock
    location: str
    code_lifetime: float
    clock: Callable[[], float]
    requests: list[RecordedRequest]
    _clients: dict[str, _Client]
    _codes: dict[str, _Grant]
    _refresh: dict[str, _Token]
    _access: dict[str, _Token]
    _refresh_attempts: dict[str, int]
    _refresh_times: dict[str, list[float]]
    _faults: list[list[Any]]
    _canned: list[list[Any]]

    # ----- set-up and switches --------------------------------------------------------------------------------
    def add_product_host(self, product: str) -> str:
        """Serve `product`'s own host of the primary data centre on a port of its own (Projects'
        `projectsapi`): its routes answer there only; returns its URL (a config's `projects = "…"`)."""
        server, thread = self._serve(self.location, 0)  # type: ignore[attr-defined]  # ZohoEmulator's, this mixin's class
        server.host = product
        with self.lock:
            self._front_ends[f"{product}@host"] = (server, thread)  # type: ignore[attr-defined]  # ZohoEmulator's
        return f"http://127.0.0.1:{server.server_address[1]}"

    def register_client(
        self, client_id: str, client_secret: str, redirect_uris: list[str], *, self_client: bool = False,
        kind: str | None = None, home: str | None = None, multi_dc: bool = False,
        dc_secrets: dict[str, str] | None = None,
    ) -> None:
        """Register (or replace) an API-console client. Redirect URIs are matched exactly.

        ``kind``: server | self | non-browser; ``home``: the data centre it is registered in (default:
        the primary); ``multi_dc``: users of other data centres allowed; ``dc_secrets``: a data centre's
        own secret there (the API Console's per-DC secrets), else ``client_secret`` is common to all.
        """
        kind = kind or ("self" if self_client else "server")
        with self.lock:
            self._clients[client_id] = _Client(client_secret, list(redirect_uris), kind == "self", kind,
                                               home or self.location, multi_dc, dict(dc_secrets or {}))

    def issue_self_client_code(self, client_id: str, scopes: list[str], lifetime: float | None = None) -> str:
        """A Self Client console code: exchangeable without redirect_uri; always yields a refresh token."""
        with self.lock:
            client = self._clients[client_id]
            if not client.self_client:
                raise ValueError(f"{client_id} was not registered with self_client=True")
            code = sup.new_token()
            life = self.code_lifetime if lifetime is None else lifetime
            self._codes[code] = _Grant(client_id, None, list(scopes), True, None, "plain", self.clock(), life,
                                       client.home, self._picked_org())
            return code

    def keep_orgs(self, ids: list[str]) -> None:
        """From now on the user belongs only to the organisations and portals with these ids (as if
        removed from the others at Zoho): Desk's, Books', Inventory's and Projects' lists keep only them,
        so the next consent's token reaches only them (Desk's binding: ``consent_org``)."""
        emu: Any = self
        with self.lock:
            emu.orgs[:] = [o for o in emu.orgs if str(o.get("id")) in ids]
            emu.books_orgs[:] = [o for o in emu.books_orgs if str(o.get("organization_id")) in ids]
            emu.products.inventory_orgs[:] = [o for o in emu.products.inventory_orgs
                                              if str(o.get("organization_id")) in ids]
            emu.products.portals[:] = [p for p in emu.products.portals if str(p.get("id_string")) in ids]

    def queue_fault(self, kind: str, count: int = 1, path_prefix: str = "/oauth/v2/token") -> None:
        """Answer the next ``count`` requests whose path starts with ``path_prefix`` with fault ``kind``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {FAULT_KINDS}")
        with self.lock:
            self._faults.append([path_prefix, count, kind])

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()
            self._canned.clear()

    def queue_response(self, path_prefix: str, body: Any, status: int = 200, count: int = 1,
                       raw: bytes | None = None, content_type: str = sup.JSON_CT) -> None:
        """Answer the next ``count`` requests under ``path_prefix`` with ``body`` as JSON (or ``raw`` bytes)."""
        resp = sup.Resp(status, content_type, raw) if raw is not None else sup.json_resp(body, status)
        with self.lock:
            self._canned.append([path_prefix, count, resp])

    def _take_canned(self, path: str) -> Resp | None:
        canned: Resp | None = self._take(self._canned, path)
        return canned

    def _take_fault(self, path: str) -> str | None:
        kind: str | None = self._take(self._faults, path)
        return kind

    def _take(self, entries: list[list[Any]], path: str) -> Any:
        """The value of the first entry (`[path_prefix, remaining, value]`) whose prefix `path` starts with,
        counted down and dropped at 0; None when none matches."""
        with self.lock:
            for entry in entries:
                if path.startswith(entry[0]):
                    entry[1] -= 1
                    if entry[1] <= 0:
                        entries.remove(entry)
                    return entry[2]
        return None

    def expire_all_codes(self) -> None:
        with self.lock:
            for grant in self._codes.values():
                grant.lifetime = -1.0

    def expire_access_tokens(self) -> None:
        with self.lock:
            for tok in self._access.values():
                tok.expires = -1.0

    def revoke_refresh_token(self, refresh_token: str) -> None:
        """As if the user clicked Revoke in Zoho's Connected Apps page (also kills its access tokens)."""
        with self.lock:
            self._kill_refresh(refresh_token)

    def reset_rate_limits(self) -> None:
        with self.lock:
            self._refresh_times.clear()

    # ----- inspection ------------------------------------------------------------------------------------
    def refresh_count(self, refresh_token: str) -> int:
        """Number of refresh_token grant requests that presented this token (any outcome)."""
        with self.lock:
            return self._refresh_attempts.get(refresh_token, 0)

    @property
    def live_refresh_tokens(self) -> set[str]:
        with self.lock:
            return set(self._refresh)

    @property
    def live_access_tokens(self) -> set[str]:
        with self.lock:
            now = self.clock()
            return {k for k, v in self._access.items() if v.expires > now}

    @property
    def consent_url_hits(self) -> int:
        """How many times /oauth/v2/auth was requested (i.e. the browser reached the consent page)."""
        return len(self.requests_to("/oauth/v2/auth"))

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if r.path == path and method in (None, r.method)]

    def token_requests(self, grant_type: str | None = None) -> list[RecordedRequest]:
        reqs = self.requests_to("/oauth/v2/token", "POST")
        return [r for r in reqs if grant_type in (None, r.params.get("grant_type"))]

    # provided by ZohoEmulator
    def _picked_org(self) -> str:
        raise NotImplementedError

    def _kill_refresh(self, refresh_token: str) -> None:
        raise NotImplementedError
