"""What a Zoho product means to zconnect: its profile (`Product`) and its context (`Context`).

A profile is data and a few small rules read from it: scopes, where the product is served in each
data centre, the context a call names (an organisation, a portal) and how that context is listed,
picked, verified and sent, the paths that are the product's and how they page, and a first call to
show. Each product's module builds one; `products/__init__.py` lists them. The rest of zconnect
asks the profile, never a product's name. No HTTP stack here: `list`, `show` and `export` use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zconnect_tui.datacenters import DataCenter
    from zconnect_tui.model import Connection
    from zconnect_tui.pagination import Paginator, Params

HEADER, QUERY, PATH = "header", "query", "path"
"""How a context id travels: a header (Desk's `orgId`), a query parameter (Books' `organization_id`),
or a `{placeholder}` in the path (Projects' `{portal}`); "" for one that is stored and never sent."""
OTHER, MISSING = "other", "missing"
"""What a refusal means: the token belongs to another context, or the call did not name one."""


class Context:
    """What a product's calls name besides the token, and how zconnect finds, checks and sends it.

    A plain class with slots, not a NamedTuple: building one NamedTuple class with this many fields cost
    the wizard's first frame about 3 M instructions (#10).
    """

    __slots__ = ("noun", "label", "list_path", "list_key", "id_keys", "name_keys", "default_key", "detail_key",
                 "numeric", "send", "send_name", "probe_path", "check_listed", "refusals")

    noun: str
    """"organization" or "portal", as the front ends word it."""
    label: str
    """How the verification summary counts them: "Desk organization"."""
    list_path: str
    """GET {base}{list_path} lists what the token reaches: the product's verification call."""
    list_key: str
    """Where that list is in Zoho's JSON."""
    id_keys: tuple[str, ...]
    """The id of an entry: the first of these keys it has."""
    name_keys: tuple[str, ...]
    default_key: str
    """The flag Zoho sets on the default one; "" when each listed one is its own (CRM's single org)."""
    detail_key: str
    """One more field shown beside the name (a portal name, a currency)."""
    numeric: bool
    """Ids are digits: they go into headers, query strings and paths, so nothing else is stored."""
    send: str
    """HEADER, QUERY, PATH or "" (see above)."""
    send_name: str
    """The header, parameter or placeholder: "orgId", "organization_id", "portal"."""
    probe_path: str
    """A call that sends the id (`{id}` in it) and is refused when the token is not bound to it: the
    stored one is proved with it, and after consent the one the token works for is found with it."""
    check_listed: bool
    """The stored id must be among those listed (`test` says so, or fails)."""
    refusals: tuple[tuple[int, str, str], ...]
    """(HTTP status, text in Zoho's error code or message, OTHER or MISSING): answers the front ends
    explain as a context problem, with the fix."""

    def __init__(self, *, noun: str, label: str, list_path: str, list_key: str, id_keys: tuple[str, ...],
                 name_keys: tuple[str, ...], default_key: str, detail_key: str, numeric: bool, send: str,
                 send_name: str, probe_path: str = "", check_listed: bool = False,
                 refusals: tuple[tuple[int, str, str], ...] = ()) -> None:
        self.noun = noun
        self.label = label
        self.list_path = list_path
        self.list_key = list_key
        self.id_keys = id_keys
        self.name_keys = name_keys
        self.default_key = default_key
        self.detail_key = detail_key
        self.numeric = numeric
        self.send = send
        self.send_name = send_name
        self.probe_path = probe_path
        self.check_listed = check_listed
        self.refusals = refusals

    def refusal(self, status: int, text: str) -> str:
        """OTHER or MISSING when Zoho's answer (`text`: its code and message) is about the context, else ""."""
        return next((kind for code, needle, kind in self.refusals if code == status and needle in text), "")

    def manual(self, cli: bool) -> str:
        """How a user names the context by hand: `-H 'orgId: ID'` (CLI) or "the header orgId: ID" (TUI)."""
        how = {HEADER: ("-H '{0}: ID'", "the header {0}: ID"), QUERY: ("-f {0}=ID", "the field {0}=ID"),
               PATH: ("-p {0}=ID", "the value {0}=ID")}.get(self.send, ("", ""))
        return how[0 if cli else 1].format(self.send_name)


class Product:
    """One Zoho product's profile (see the module docstring)."""

    __slots__ = ("key", "label", "short", "scopes", "defaults", "host_pattern", "host_exceptions",
                 "unconfirmed_hosts", "prefixes", "context", "pages", "first_call", "env_aliases",
                 "deluge_service")

    key: str
    """The service key in the file and on the command line."""
    label: str
    """"Zoho Desk"."""
    short: str
    """"Desk", in sentences."""
    scopes: tuple[str, ...]
    """The catalogue shown in the wizard, most useful first."""
    defaults: tuple[str, ...]
    """Preselected scopes, read-only where Zoho allows: enough for the verification call."""
    host_pattern: str
    """The product's own host in Zoho's data centres (`{tld}` filled), e.g. "https://desk.zoho.{tld}";
    "" for a product served from the API domain Zoho returns with the token."""
    host_exceptions: dict[str, str]
    """Data centres whose host does not follow the pattern (key → URL)."""
    unconfirmed_hosts: tuple[str, ...]
    """Data centres whose host for this product no Zoho-authored source confirms."""
    prefixes: tuple[str, ...]
    """Paths that are this product's (on its own host, for one that has its own host)."""
    context: Context | None
    pages: tuple[tuple[str, type[Paginator]], ...]
    """(path prefix, paginator): how `--paginate` follows a list under that prefix."""
    first_call: str
    """A first call's path, with any `{send_name}` placeholder: the README's, `export --format curl`'s
    and the API screen's example ("" for a product zconnect checks only through /oauth/user/info)."""
    env_aliases: tuple[str, ...]
    """Extra names `export --format env` gives ZOHO_API_BASE (earlier versions printed them)."""
    deluge_service: str
    """The `service:` Deluge's `invokeapi` takes for this product, where Zoho documents one ("" else)."""

    def __init__(self, *, key: str, label: str, short: str, scopes: tuple[str, ...], defaults: tuple[str, ...],
                 host_pattern: str = "", host_exceptions: Mapping[str, str] | None = None,
                 unconfirmed_hosts: tuple[str, ...] = (), prefixes: tuple[str, ...] = (),
                 context: Context | None = None, pages: tuple[tuple[str, type[Paginator]], ...] = (),
                 first_call: str = "", env_aliases: tuple[str, ...] = (), deluge_service: str = "") -> None:
        self.key = key
        self.label = label
        self.short = short
        self.scopes = scopes
        self.defaults = defaults
        self.host_pattern = host_pattern
        self.host_exceptions = dict(host_exceptions or {})
        self.unconfirmed_hosts = unconfirmed_hosts
        self.prefixes = prefixes
        self.context = context
        self.pages = pages
        self.first_call = first_call
        self.env_aliases = env_aliases
        self.deluge_service = deluge_service

    # ----- where it is served ---------------------------------------------------------------------
    @property
    def own_host(self) -> bool:
        """True when the product is served from a host of its own rather than the API domain."""
        return bool(self.host_pattern)

    def host_of(self, dc: DataCenter) -> str | None:
        """This product's host in `dc`: a data centre of the user's names it by the product's key
        (`projects = "http://127.0.0.1:9000"`); Zoho's follow `host_pattern`. None: the API domain
        serves it there (or, for a product with a host of its own, none is known)."""
        if not dc.builtin:
            return dc.host(self.key)
        if not self.own_host:
            return None
        return self.host_exceptions.get(dc.key) or self.host_pattern.format(tld=dc.tld)

    def owns(self, path: str, on_own_host: bool) -> bool:
        """Whether a request to `path` is this product's (`on_own_host`: the URL is on its host)."""
        return (on_own_host or not self.own_host) and path.startswith(self.prefixes)

    def paginator(self, path: str, on_own_host: bool) -> Paginator | None:
        """A fresh paginator for a list at `path`, or None when this product does not page it."""
        if self.own_host and not on_own_host:
            return None
        return next((paginator() for prefix, paginator in self.pages if path.startswith(prefix)), None)

    # ----- its context ----------------------------------------------------------------------------
    def id_ok(self, value: str, limit: int) -> bool:
        """The one rule for a stored context id: digits when the product's ids are numeric."""
        if self.context is not None and self.context.numeric:
            return value.isascii() and value.isdigit() and len(value) <= limit
        return len(value) <= limit

    def context_values(self, conn: Connection) -> dict[str, str]:
        """`{portal}` and the like, filled from the stored context (a path placeholder's value)."""
        ctx = self.context
        return {ctx.send_name: conn.org_id} if ctx is not None and ctx.send == PATH and conn.org_id else {}

    def fill_context(self, conn: Connection, text: str) -> str:
        """`text` with the stored context's placeholder (`{portal}`) filled, percent-encoded; others stay."""
        from urllib.parse import quote

        for name, value in self.context_values(conn).items():
            text = text.replace("{" + name + "}", quote(value, safe=""))
        return text

    def add_context(self, conn: Connection, path: str, on_own_host: bool, params: Params,
                    headers: dict[str, str]) -> None:
        """Add the stored context to a request as the product wants it, unless the caller gave it.

        Not on the context's own list (`/organizations` takes none), nor on another product's paths.
        """
        ctx = self.context
        if ctx is None or not conn.org_id or not self.owns(path, on_own_host) \
                or path.rstrip("/").endswith("/" + ctx.list_path.strip("/").rsplit("/", 1)[-1]):
            return
        if ctx.send == HEADER and not any(k.lower() == ctx.send_name.lower() for k in headers):
            headers[ctx.send_name] = conn.org_id
        elif ctx.send == QUERY and not any(k == ctx.send_name for k, _ in params):
            params.append((ctx.send_name, conn.org_id))

    def first_request(self, conn: Connection) -> tuple[str, list[tuple[str, str]], dict[str, str]] | None:
        """(path, query, headers) of a first call for `conn`: the example call with its context, or,
        before a context is stored, the call listing them. None: only /oauth/user/info applies."""
        ctx = self.context
        if ctx is not None and ctx.send and not conn.org_id:
            return ctx.list_path, [], {}
        if not self.first_call:
            return None
        path, _, query = self.first_call.partition("?")
        params: list[tuple[str, str]] = [(k, v) for k, _, v in (p.partition("=") for p in query.split("&") if p)]
        headers: dict[str, str] = {}
        self.add_context(conn, path, True, params, headers)
        return self.fill_context(conn, path), params, headers
