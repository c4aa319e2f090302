"""In-memory emulator of Zoho Accounts (OAuth 2.0) and the Desk, CRM and Books calls that verify a connection.

Wire behaviour follows /work/shared/reference/zoho-oauth-facts.md (sections 1-4, 6, 9, 13): token-endpoint
errors are HTTP 200 ``{"error": ...}``; resource APIs answer 401 with each product's own error body. One
emulator can answer for several data centres (``add_dc``): each is a front end on its own port sharing
the state, so a user of another data centre is redirected there (Multi-DC). Stdlib only; the HTTP plumbing
and canned data live in zconnect_tui/lab/support.py, the device flow in zconnect_tui/lab/device.py,
the switches tests flip and the inspection helpers in zconnect_tui/lab/controls.py.
Run by hand: ``python -m zconnect_tui.lab.emulator --port 9000 --client-id ID --client-secret S --redirect-uri URI``
"""

from __future__ import annotations

import argparse
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from zconnect_tui.lab import products
from zconnect_tui.lab import support as sup
from zconnect_tui.lab.consent import DECISION, consent_page
from zconnect_tui.lab.controls import Controls
from zconnect_tui.lab.device import DeviceFlowEndpoints
from zconnect_tui.lab.resources import ResourceEndpoints
from zconnect_tui.lab.support import Client as _Client
from zconnect_tui.lab.support import Grant as _Grant
from zconnect_tui.lab.support import RecordedRequest, Resp
from zconnect_tui.lab.support import Token as _Token

RATE_WINDOW = 600.0  # refresh-token grants: 10 per refresh token per 10 minutes (facts §4)
RATE_MAX = 10
MAX_REFRESH_TOKENS = 20  # per user per client; the 21st deletes the oldest (facts §4)
_CRM_ORG, _DESK_ORG = ResourceEndpoints.CRM_ORG, ResourceEndpoints.DESK_ORG


class ZohoEmulator(Controls, DeviceFlowEndpoints, ResourceEndpoints):
    """Zoho Accounts + Desk/CRM/Books on 127.0.0.1, all state in memory, guarded by ``lock``."""

    def __init__(self, location: str = "lab") -> None:
        super().__init__()
        self.location = location
        """The primary data centre (the one ``start`` serves, where clients are registered by default)."""
        self.consent = "approve"  # "approve" | "deny" | "ask" (a page with Accept and Deny: `zconnect lab`)
        self.user_location: str | None = None
        """The data centre of the user who consents (None: the one whose consent page they used)."""
        self.consent_org: str | None = None
        """The Desk organisation the user picks on the consent page (None: the default one)."""
        self.spoof_accounts_server: str | None = None
        self.rate_limit = True
        """Zoho's limits (facts §14), each switchable: 10 refreshes per refresh token in 10 minutes (on, as
        before), at most `max_refresh_tokens` per user and client (20; the 21st deletes the oldest), and at
        most `max_active_access` live access tokens per refresh token (off unless a test sets 15: the 16th
        then invalidates the oldest)."""
        self.max_refresh_tokens = MAX_REFRESH_TOKENS
        self.max_active_access: int | None = None
        self.throttle_status = 200  # the throttle has also been seen as HTTP 400 (facts §13.2)
        self.throttle_body: dict[str, Any] = dict(sup.ACCESS_DENIED)
        self.enforce_scopes = False  # when True, resource APIs demand a scope of their product
        self.code_lifetime = 120.0
        self.access_token_lifetime = 3600
        self.hang_seconds = 30.0
        self.clock: Callable[[], float] = time.monotonic
        self.user: dict[str, Any] = dict(sup.DEFAULT_USER)
        self.orgs: list[dict[str, Any]] = [dict(o) for o in sup.DEFAULT_DESK_ORGS]
        self.crm_org: dict[str, Any] = dict(sup.DEFAULT_CRM_ORG)
        self.books_orgs: list[dict[str, Any]] = [dict(o) for o in sup.DEFAULT_BOOKS_ORGS]
        self.requests: list[RecordedRequest] = []
        self.issued_access_tokens: list[str] = []
        self.issued_refresh_tokens: list[str] = []
        self.lock = threading.RLock()
        self._clients: dict[str, _Client] = {}
        self._codes: dict[str, _Grant] = {}
        self._refresh: dict[str, _Token] = {}
        self._access: dict[str, _Token] = {}
        self._refresh_attempts: dict[str, int] = {}
        self._refresh_times: dict[str, list[float]] = {}
        self._offline_consented: set[str] = set()
        self._faults: list[list[Any]] = []  # [path_prefix, remaining, kind]
        self._canned: list[list[Any]] = []  # [path_prefix, remaining, Resp]
        self.redirect_extra: dict[str, str] = {}
        """Extra query parameters on the consent redirect (e.g. a hostile `error`)."""
        self.token_extra: dict[str, Any] = {}
        """Merged into every successful token answer (e.g. a broken `expires_in`)."""
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self.hang_release = threading.Event()
        """Set it to end every "hang" fault now (they then answer normally)."""
        self._server: sup.EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._front_ends: dict[str, tuple[sup.EmulatorServer, threading.Thread]] = {}
        self.products = products.Products(self)
        """Desk tickets/contacts, CRM records, Books invoices (zconnect_tui/lab/products.py)."""

    # ----- lifecycle -------------------------------------------------------------------------------------
    def start(self, port: int = 0) -> ZohoEmulator:
        """Bind 127.0.0.1:``port`` (0 = ephemeral) and serve from a daemon thread."""
        self._stopping.clear()
        self._server, self._thread = self._serve(self.location, port)
        self._port = self._server.server_address[1]
        return self

    def _serve(self, location: str, port: int) -> tuple[sup.EmulatorServer, threading.Thread]:
        server = sup.EmulatorServer(("127.0.0.1", port), sup.EmulatorHandler)
        server.emulator, server.location = self, location
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                                  name=f"zoho-emu-{location}", daemon=True)
        thread.start()
        return server, thread

    def add_dc(self, location: str, port: int = 0) -> str:
        """Answer for another data centre too, on its own port, sharing all state; returns its URL."""
        with self.lock:
            self._front_ends[location] = self._serve(location, port)
        return self.url_of(location)

    def url_of(self, location: str) -> str:
        """The accounts server (and API and Desk host) of data centre ``location``."""
        if location == self.location:
            return self.url
        return f"http://127.0.0.1:{self._front_ends[location][0].server_address[1]}"

    def stop(self) -> None:
        """Stop serving; wakes "hang" faults and drops open connections, so it returns promptly."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        with self.lock:
            extra, self._front_ends = list(self._front_ends.values()), {}
        for other, thread in extra:
            other.shutdown()
            other.server_close()
            thread.join(timeout=2)
        server.shutdown()
        server.server_close()
        with self.lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> ZohoEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("ZohoEmulator not started")
        return self._port

    def hang_wait(self) -> bool:
        """A "hang" fault's wait: True when stop() ended it, False after `hang_seconds` or `hang_release`."""
        deadline = time.monotonic() + self.hang_seconds  # real time, whatever `clock` a test set
        while not self._stopping.wait(0.02):
            if self.hang_release.is_set() or time.monotonic() >= deadline:
                return False
        return True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self.lock:
            (self._conns.add if add else self._conns.discard)(conn)

    # ----- state helpers (caller holds the lock) ---------------------------------------------------------
    def _kill_refresh(self, refresh_token: str) -> None:
        self._refresh.pop(refresh_token, None)
        for key in [k for k, v in self._access.items() if v.parent == refresh_token]:
            del self._access[key]

    def _picked_org(self) -> str:
        """The Desk organisation the consenting user picks (the guide's step 7)."""
        if self.consent_org is not None:
            return self.consent_org
        default = next((o for o in self.orgs if o.get("isDefault")), self.orgs[0] if self.orgs else {})
        return str(default.get("id", ""))

    def _mint_access(self, client_id: str, scopes: list[str], parent: str | None, dc: str = "",
                     org_id: str = "") -> str:
        if parent is not None and self.max_active_access is not None:
            live = [k for k, v in self._access.items() if v.parent == parent]  # oldest first (insertion order)
            for old in live[: max(0, len(live) - self.max_active_access + 1)]:
                del self._access[old]
        token = sup.new_token()
        self._access[token] = _Token(client_id, scopes, self.clock() + self.access_token_lifetime, parent,
                                     dc or self.location, org_id)
        self.issued_access_tokens.append(token)
        return token

    def _mint_refresh(self, client_id: str, scopes: list[str], dc: str = "", org_id: str = "") -> str:
        mine = [k for k, v in self._refresh.items() if v.client_id == client_id]
        if len(mine) >= self.max_refresh_tokens:
            self._kill_refresh(mine[0])
        token = sup.new_token()
        self._refresh[token] = _Token(client_id, scopes, dc=dc or self.location, org_id=org_id)
        self.issued_refresh_tokens.append(token)
        return token

    def _token_body(self, access: str, scopes: list[str], refresh: str | None = None, dc: str = "") -> Resp:
        body: dict[str, Any] = {"access_token": access}
        if refresh:
            body["refresh_token"] = refresh
        body.update(scope=" ".join(scopes), api_domain=self.url_of(dc or self.location), token_type="Bearer")
        body["expires_in"] = self.access_token_lifetime
        return sup.json_resp({**body, **self.token_extra})

    def _client_at(self, params: dict[str, str], dc: str) -> _Client | None:
        """The client named in ``params`` if ``dc`` knows it (its own DC, or Multi-DC on) and the secret is
        the one it has there (common or that DC's own); else None, which Zoho answers invalid_client."""
        client = self._clients.get(params.get("client_id", ""))
        if client is None:
            return None
        expected = client.secret_at(dc)
        return client if expected is not None and expected == params.get("client_secret") else None

    def _bearer(self, req: RecordedRequest, prefix: str, bearer_ok: bool) -> str | None:
        """Check the access token: None if fine, else "missing", "token" (bad/expired) or "scope"."""
        tok = self._access_token(req, bearer_ok)
        if isinstance(tok, str):
            return tok
        if self.enforce_scopes and not any(s.lower().startswith(prefix) for s in tok.scopes):
            return "scope"
        return None

    def _access_token(self, req: RecordedRequest, bearer_ok: bool) -> _Token | str:
        """The live access token the request carries, issued by this data centre, else why not."""
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if not scheme:
            return "missing"
        if scheme.lower() != "zoho-oauthtoken" and not (bearer_ok and scheme.lower() == "bearer"):
            return "token"
        tok = self._access.get(token.strip())
        if tok is None or tok.expires <= self.clock() or tok.dc != req.dc:
            return "token"
        return tok

    # ----- endpoints -------------------------------------------------------------------------------------
    def _handle(self, req: RecordedRequest) -> Resp:
        routes: dict[tuple[str, str], Callable[[RecordedRequest], Resp]] = {
            ("GET", "/oauth/v2/auth"): self._auth,
            ("POST", "/oauth/v2/token"): self._token,
            ("POST", "/oauth/v2/token/revoke"): self._revoke,
            ("GET", "/oauth/user/info"): self._user_info,
            ("GET", "/api/v1/organizations"): self._desk_orgs,
            ("GET", "/books/v3/organizations"): self._books_orgs,
            ("GET", "/_emulator/self-client-code"): self._manual_code,
            **self.device_routes(),
        }
        if self.consent == "ask":  # the consent page's Accept or Deny; else a POST there is a 404, as at Zoho
            routes["POST", "/oauth/v2/auth"] = self._auth
        route = routes.get((req.method, req.path))
        if route is None and req.method == "GET" and _CRM_ORG.fullmatch(req.path):
            route = self._crm_org
        if route is None and req.method == "GET" and _DESK_ORG.fullmatch(req.path):
            route = self._desk_org
        if route is None:
            route = self.products.route(req)
        if route is None:
            return sup.json_resp({"error": "not_found", "path": req.path}, 404)
        with self.lock:
            return route(req)

    def _auth(self, req: RecordedRequest) -> Resp:
        q = req.params
        client_id = q.get("client_id", "")
        client = self._clients.get(client_id)
        if client is None or client.secret_at(req.dc) is None:  # unknown here, or Multi-DC off
            return sup.error_page("Invalid Client", "The transmitted client ID does not exist.")
        redirect = q.get("redirect_uri", "")
        if redirect not in client.redirect_uris:
            return sup.error_page("Invalid Redirect Uri", "Redirect URI passed does not match with the one configured.")
        if q.get("response_type") != "code":  # real Zoho wording unconfirmed
            return sup.error_page("Invalid Response Type", "The response_type passed is not supported.")
        scopes = [s.strip() for s in q.get("scope", "").split(",") if s.strip()]
        if not scopes:  # real Zoho wording unconfirmed
            return sup.error_page("Invalid OAuth Scope", "No scope was passed.")
        method = q.get("code_challenge_method", "plain")
        if q.get("code_challenge") and method not in ("S256", "plain"):
            return sup.error_page("Invalid Code Challenge Method", "Use S256 or plain.")
        state = {"state": q["state"]} if "state" in q else {}
        if self.consent == "ask" and req.method == "GET":
            return consent_page(q, self.user, req.dc)
        if self.consent == "deny" or (self.consent == "ask" and q.get(DECISION) != "accept"):
            return sup.redirect(redirect, {"error": "access_denied", **state})
        refresh = self._consent_refresh(client_id, q)
        code = sup.new_token()
        challenge = q.get("code_challenge") or None
        user_dc = self.user_location or req.dc  # Zoho sends the user to their own data centre
        self._codes[code] = _Grant(
            client_id, redirect, scopes, refresh, challenge, method, self.clock(), self.code_lifetime, user_dc,
            self._picked_org(),
        )
        params = {**state, "code": code, "location": user_dc}
        params["accounts-server"] = self.spoof_accounts_server or self.url_of(user_dc)
        return sup.redirect(redirect, {**params, **self.redirect_extra})

    def _consent_refresh(self, client_id: str, params: dict[str, str]) -> bool:
        """access_type=offline gives a refresh token only on the first consent, or again with prompt=consent."""
        offline = params.get("access_type", "online") == "offline"
        refresh = offline and (params.get("prompt") == "consent" or client_id not in self._offline_consented)
        if offline:
            self._offline_consented.add(client_id)
        return refresh

    def _token(self, req: RecordedRequest) -> Resp:
        params = req.params  # Zoho reads the query string as well as the form body (facts §1.2)
        grant_type = params.get("grant_type")
        if grant_type not in ("authorization_code", "refresh_token"):
            return sup.json_resp({"error": "unsupported_grant_type"})
        if grant_type == "refresh_token":
            rt = params.get("refresh_token", "")
            self._refresh_attempts[rt] = self._refresh_attempts.get(rt, 0) + 1
        client_id = params.get("client_id", "")
        if self._client_at(params, req.dc) is None:
            return sup.json_resp({"error": "invalid_client"})
        if grant_type == "refresh_token":
            return self._refresh_grant(client_id, params.get("refresh_token", ""), req.dc)
        code = params.get("code", "")
        grant = self._codes.get(code)
        if grant is None or grant.client_id != client_id or self.clock() - grant.created >= grant.lifetime \
                or grant.dc != req.dc:  # the code is exchanged in the user's data centre only
            return sup.json_resp({"error": "invalid_code"})
        if grant.redirect_uri is not None and params.get("redirect_uri") != grant.redirect_uri:
            return sup.json_resp({"error": "invalid_redirect_uri"})
        verifier = params.get("code_verifier")
        if grant.challenge is not None and not sup.pkce_ok(grant.challenge, grant.method, verifier):
            # NOTE: the real Zoho error name for a bad/missing PKCE verifier is unconfirmed.
            return sup.json_resp({"error": "invalid_code_verifier"})
        del self._codes[code]  # single use; only a successful exchange consumes the code
        return self._grant_tokens(client_id, grant.scopes, grant.refresh, grant.dc, grant.org_id)

    def _grant_tokens(self, client_id: str, scopes: list[str], refresh: bool, dc: str, org_id: str) -> Resp:
        rt = self._mint_refresh(client_id, scopes, dc, org_id) if refresh else None
        return self._token_body(self._mint_access(client_id, scopes, rt, dc, org_id), scopes, rt, dc)

    def _refresh_grant(self, client_id: str, rt: str, dc: str) -> Resp:
        tok = self._refresh.get(rt)
        if tok is None or tok.client_id != client_id or tok.dc != dc:  # revoked: invalid_code (facts §3.3)
            return sup.json_resp({"error": "invalid_code"})
        now = self.clock()
        recent = [t for t in self._refresh_times.get(rt, []) if now - t < RATE_WINDOW]
        if self.rate_limit and len(recent) >= RATE_MAX:
            self._refresh_times[rt] = recent
            return sup.json_resp(self.throttle_body, self.throttle_status)
        self._refresh_times[rt] = [*recent, now]
        return self._token_body(self._mint_access(client_id, tok.scopes, rt, tok.dc, tok.org_id), tok.scopes,
                                dc=tok.dc)

    def _revoke(self, req: RecordedRequest) -> Resp:
        token = req.params.get("token", "")
        if token in self._refresh:
            self._kill_refresh(token)
        elif token in self._access:
            del self._access[token]
        else:
            return sup.json_resp({"status": "failure", "error": "invalid token"}, 400)
        return sup.json_resp({"status": "success"})


def main(argv: list[str] | None = None) -> None:
    """Serve an emulator until Ctrl-C, for manual testing (e.g. in tmux)."""
    parser = argparse.ArgumentParser(description="Zoho Accounts/Desk/CRM/Books emulator on 127.0.0.1")
    parser.add_argument("--port", type=int, default=9000, help="0 picks a free port")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", action="append", default=[], help="repeatable; exact match")
    parser.add_argument("--location", default="lab")
    parser.add_argument("--self-client", action="store_true", help="also allow Self Client codes")
    parser.add_argument("--client-type", choices=["server", "self", "non-browser"], default=None,
                        help="the client's type (non-browser: the device flow; approve at the printed URL)")
    parser.add_argument("--consent", choices=["approve", "deny", "ask"], default="approve",
                        help="ask: a consent page with Accept and Deny")
    args = parser.parse_args(argv)
    emu = ZohoEmulator(args.location)
    emu.consent = args.consent
    emu.register_client(args.client_id, args.client_secret, args.redirect_uri, self_client=args.self_client,
                        kind=args.client_type)
    # Stop on Ctrl-C and on SIGTERM, even when started with SIGINT ignored (a shell without job
    # control, e.g. `(pytest &)`, hands that to its children).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    emu.start(args.port)
    print(emu.url, flush=True)
    if args.self_client:
        print(f"Self Client code: {emu.url}/_emulator/self-client-code?client_id={args.client_id}&scope=A,B")
    if args.client_type == "non-browser":
        print(f"Approve a device code: {emu.url}/oauth/v3/device?user_code=CODE&action=approve (or deny)")
    print("Ctrl-C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
