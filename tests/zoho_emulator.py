"""In-memory emulator of Zoho Accounts (OAuth 2.0) and the Desk, CRM and Books calls that verify a connection.

Wire behaviour follows /work/shared/reference/zoho-oauth-facts.md (sections 1-4, 9): token-endpoint errors
are HTTP 200 ``{"error": ...}``; resource APIs answer 401 with each product's own error body. Stdlib only;
the HTTP plumbing and canned data live in tests/zoho_emulator_support.py.
Run by hand: ``python tests/zoho_emulator.py --port 9000 --client-id ID --client-secret S --redirect-uri URI``
"""

from __future__ import annotations

import argparse
import re
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

if __package__:  # imported as tests.zoho_emulator
    from . import zoho_emulator_support as sup
else:  # imported with tests/ on sys.path, or run as a script
    import zoho_emulator_support as sup

RecordedRequest, Resp, FAULT_KINDS = sup.RecordedRequest, sup.Resp, sup.FAULT_KINDS
_Client, _Grant, _Token = sup.Client, sup.Grant, sup.Token

RATE_WINDOW = 600.0  # refresh-token grants: 10 per refresh token per 10 minutes (facts §4)
RATE_MAX = 10
MAX_REFRESH_TOKENS = 20  # per user per client; the 21st deletes the oldest (facts §4)
_SECRET_KEYS = frozenset({"client_id", "client_secret", "code", "refresh_token", "code_verifier", "token"})
_CRM_ORG = re.compile(r"/crm/v\d+(\.\d+)?/org")


class ZohoEmulator:
    """Zoho Accounts + Desk/CRM/Books on 127.0.0.1, all state in memory, guarded by ``lock``."""

    def __init__(self, location: str = "lab") -> None:
        self.location = location
        self.consent = "approve"  # "approve" | "deny"
        self.spoof_accounts_server: str | None = None
        self.rate_limit = True
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
        self._faults: list[list[Any]] = []  # [kind, remaining, path_prefix]
        self._canned: list[list[Any]] = []  # [path_prefix, remaining, Resp]
        self.redirect_extra: dict[str, str] = {}
        """Extra query parameters on the consent redirect (e.g. a hostile `error`)."""
        self.token_extra: dict[str, Any] = {}
        """Merged into every successful token answer (e.g. a broken `expires_in`)."""
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: sup.EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # ----- lifecycle -------------------------------------------------------------------------------------
    def start(self, port: int = 0) -> ZohoEmulator:
        """Bind 127.0.0.1:``port`` (0 = ephemeral) and serve from a daemon thread."""
        self._stopping.clear()
        self._server = sup.EmulatorServer(("127.0.0.1", port), sup.EmulatorHandler)
        self._server.emulator = self
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="zoho-emu", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes "hang" faults and drops open connections, so it returns promptly."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
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

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self.lock:
            (self._conns.add if add else self._conns.discard)(conn)

    # ----- set-up and switches ---------------------------------------------------------------------------
    def register_client(
        self, client_id: str, client_secret: str, redirect_uris: list[str], *, self_client: bool = False
    ) -> None:
        """Register (or replace) an API-console client. Redirect URIs are matched exactly."""
        with self.lock:
            self._clients[client_id] = _Client(client_secret, list(redirect_uris), self_client)

    def issue_self_client_code(self, client_id: str, scopes: list[str], lifetime: float | None = None) -> str:
        """A Self Client console code: exchangeable without redirect_uri; always yields a refresh token."""
        with self.lock:
            client = self._clients[client_id]
            if not client.self_client:
                raise ValueError(f"{client_id} was not registered with self_client=True")
            code = sup.new_token()
            life = self.code_lifetime if lifetime is None else lifetime
            self._codes[code] = _Grant(client_id, None, list(scopes), True, None, "plain", self.clock(), life)
            return code

    def queue_fault(self, kind: str, count: int = 1, path_prefix: str = "/oauth/v2/token") -> None:
        """Answer the next ``count`` requests whose path starts with ``path_prefix`` with fault ``kind``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {FAULT_KINDS}")
        with self.lock:
            self._faults.append([kind, count, path_prefix])

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
        with self.lock:
            for canned in self._canned:
                if path.startswith(canned[0]):
                    canned[1] -= 1
                    if canned[1] <= 0:
                        self._canned.remove(canned)
                    return canned[2]
        return None

    def _take_fault(self, path: str) -> str | None:
        with self.lock:
            for fault in self._faults:
                if path.startswith(fault[2]):
                    fault[1] -= 1
                    if fault[1] <= 0:
                        self._faults.remove(fault)
                    return fault[0]
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
        return [r for r in reqs if grant_type in (None, r.form.get("grant_type"))]

    # ----- state helpers (caller holds the lock) ---------------------------------------------------------
    def _kill_refresh(self, refresh_token: str) -> None:
        self._refresh.pop(refresh_token, None)
        for key in [k for k, v in self._access.items() if v.parent == refresh_token]:
            del self._access[key]

    def _mint_access(self, client_id: str, scopes: list[str], parent: str | None) -> str:
        token = sup.new_token()
        self._access[token] = _Token(client_id, scopes, self.clock() + self.access_token_lifetime, parent)
        self.issued_access_tokens.append(token)
        return token

    def _mint_refresh(self, client_id: str, scopes: list[str]) -> str:
        mine = [k for k, v in self._refresh.items() if v.client_id == client_id]
        if len(mine) >= MAX_REFRESH_TOKENS:
            self._kill_refresh(mine[0])
        token = sup.new_token()
        self._refresh[token] = _Token(client_id, scopes)
        self.issued_refresh_tokens.append(token)
        return token

    def _token_body(self, access: str, scopes: list[str], refresh: str | None = None) -> Resp:
        body: dict[str, Any] = {"access_token": access}
        if refresh:
            body["refresh_token"] = refresh
        body.update(scope=" ".join(scopes), api_domain=self.url, token_type="Bearer")
        body["expires_in"] = self.access_token_lifetime
        return sup.json_resp({**body, **self.token_extra})

    def _bearer(self, req: RecordedRequest, prefix: str, bearer_ok: bool) -> str | None:
        """Check the access token: None if fine, else "missing", "token" (bad/expired) or "scope"."""
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if not scheme:
            return "missing"
        if scheme.lower() != "zoho-oauthtoken" and not (bearer_ok and scheme.lower() == "bearer"):
            return "token"
        tok = self._access.get(token.strip())
        if tok is None or tok.expires <= self.clock():
            return "token"
        if self.enforce_scopes and not any(s.lower().startswith(prefix) for s in tok.scopes):
            return "scope"
        return None

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
        }
        route = routes.get((req.method, req.path))
        if route is None and req.method == "GET" and _CRM_ORG.fullmatch(req.path):
            route = self._crm_org
        if route is None:
            return sup.json_resp({"error": "not_found", "path": req.path}, 404)
        with self.lock:
            return route(req)

    def _auth(self, req: RecordedRequest) -> Resp:
        q = req.query
        client_id = q.get("client_id", "")
        client = self._clients.get(client_id)
        if client is None:
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
        if self.consent == "deny":
            return sup.redirect(redirect, {"error": "access_denied", **state})
        # access_type=offline gives a refresh token only on the first consent, or again with prompt=consent.
        offline = q.get("access_type", "online") == "offline"
        refresh = offline and (q.get("prompt") == "consent" or client_id not in self._offline_consented)
        if offline:
            self._offline_consented.add(client_id)
        code = sup.new_token()
        challenge = q.get("code_challenge") or None
        self._codes[code] = _Grant(
            client_id, redirect, scopes, refresh, challenge, method, self.clock(), self.code_lifetime
        )
        params = {**state, "code": code, "location": self.location}
        params["accounts-server"] = self.spoof_accounts_server or self.url
        return sup.redirect(redirect, {**params, **self.redirect_extra})

    def _token(self, req: RecordedRequest) -> Resp:
        if _SECRET_KEYS & req.query.keys():  # secrets belong in the form body, never in the URL
            return sup.json_resp({"error": "invalid_request"})
        form = req.form
        grant_type = form.get("grant_type")
        if grant_type not in ("authorization_code", "refresh_token"):
            return sup.json_resp({"error": "unsupported_grant_type"})
        if grant_type == "refresh_token":
            rt = form.get("refresh_token", "")
            self._refresh_attempts[rt] = self._refresh_attempts.get(rt, 0) + 1
        client_id = form.get("client_id", "")
        client = self._clients.get(client_id)
        if client is None or client.secret != form.get("client_secret"):
            return sup.json_resp({"error": "invalid_client"})
        if grant_type == "refresh_token":
            return self._refresh_grant(client_id, form.get("refresh_token", ""))
        code = form.get("code", "")
        grant = self._codes.get(code)
        if grant is None or grant.client_id != client_id or self.clock() - grant.created >= grant.lifetime:
            return sup.json_resp({"error": "invalid_code"})
        if grant.redirect_uri is not None and form.get("redirect_uri") != grant.redirect_uri:
            return sup.json_resp({"error": "invalid_redirect_uri"})
        verifier = form.get("code_verifier")
        if grant.challenge is not None and not sup.pkce_ok(grant.challenge, grant.method, verifier):
            # NOTE: the real Zoho error name for a bad/missing PKCE verifier is unconfirmed.
            return sup.json_resp({"error": "invalid_code_verifier"})
        del self._codes[code]  # single use; only a successful exchange consumes the code
        refresh = self._mint_refresh(client_id, grant.scopes) if grant.refresh else None
        return self._token_body(self._mint_access(client_id, grant.scopes, refresh), grant.scopes, refresh)

    def _refresh_grant(self, client_id: str, rt: str) -> Resp:
        tok = self._refresh.get(rt)
        if tok is None or tok.client_id != client_id:  # revoked refresh tokens give invalid_code (facts §3.3)
            return sup.json_resp({"error": "invalid_code"})
        now = self.clock()
        recent = [t for t in self._refresh_times.get(rt, []) if now - t < RATE_WINDOW]
        if self.rate_limit and len(recent) >= RATE_MAX:
            self._refresh_times[rt] = recent
            return sup.json_resp(sup.ACCESS_DENIED)
        self._refresh_times[rt] = [*recent, now]
        return self._token_body(self._mint_access(client_id, tok.scopes, rt), tok.scopes)

    def _revoke(self, req: RecordedRequest) -> Resp:
        if _SECRET_KEYS & req.query.keys():
            return sup.json_resp({"status": "failure", "error": "invalid_request"}, 400)
        token = req.form.get("token", "")
        if token in self._refresh:
            self._kill_refresh(token)
        elif token in self._access:
            del self._access[token]
        else:
            return sup.json_resp({"status": "failure", "error": "invalid token"}, 400)
        return sup.json_resp({"status": "success"})

    def _user_info(self, req: RecordedRequest) -> Resp:
        err = self._bearer(req, "aaaserver.profile.", bearer_ok=True)
        if err:
            cause = "INVALID_OAUTHSCOPE" if err == "scope" else "INVALID_OAUTHTOKEN"
            return sup.json_resp({"response": "error", "cause": cause}, 401)
        return sup.json_resp(self.user)

    def _desk_orgs(self, req: RecordedRequest) -> Resp:
        err = self._bearer(req, "desk.", bearer_ok=False)
        if err:
            return sup.json_resp(sup.DESK_ERRORS[err], 401)
        return sup.json_resp({"data": self.orgs})

    def _crm_org(self, req: RecordedRequest) -> Resp:
        err = self._bearer(req, "zohocrm.", bearer_ok=False)
        if err:
            return sup.json_resp(sup.CRM_ERRORS[err], 401)
        return sup.json_resp({"org": [self.crm_org]})

    def _books_orgs(self, req: RecordedRequest) -> Resp:
        if self._bearer(req, "zohobooks.", bearer_ok=False):
            return sup.json_resp(sup.BOOKS_ERROR, 401)
        return sup.json_resp({"code": 0, "message": "success", "organizations": self.books_orgs})

    def _manual_code(self, req: RecordedRequest) -> Resp:
        """Emulator-only helper for manual testing: a Self Client code (``?client_id=..&scope=a,b``)."""
        client = self._clients.get(req.query.get("client_id", ""))
        if client is None or not client.self_client:
            return sup.json_resp({"error": "not a self client"}, 400)
        scopes = [s for s in req.query.get("scope", "").split(",") if s]
        return sup.json_resp({"code": self.issue_self_client_code(req.query["client_id"], scopes)})


def main(argv: list[str] | None = None) -> None:
    """Serve an emulator until Ctrl-C, for manual testing (e.g. in tmux)."""
    parser = argparse.ArgumentParser(description="Zoho Accounts/Desk/CRM/Books emulator on 127.0.0.1")
    parser.add_argument("--port", type=int, default=9000, help="0 picks a free port")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--redirect-uri", action="append", default=[], help="repeatable; exact match")
    parser.add_argument("--location", default="lab")
    parser.add_argument("--self-client", action="store_true", help="also allow Self Client codes")
    parser.add_argument("--consent", choices=["approve", "deny"], default="approve")
    args = parser.parse_args(argv)
    emu = ZohoEmulator(args.location)
    emu.consent = args.consent
    emu.register_client(args.client_id, args.client_secret, args.redirect_uri, self_client=args.self_client)
    # Stop on Ctrl-C and on SIGTERM, even when started with SIGINT ignored (a shell without job
    # control, e.g. `(pytest &)`, hands that to its children).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    emu.start(args.port)
    print(emu.url, flush=True)
    if args.self_client:
        print(f"Self Client code: {emu.url}/_emulator/self-client-code?client_id={args.client_id}&scope=A,B")
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
