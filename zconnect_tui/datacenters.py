"""Zoho data centres: accounts server, API domain and API Console per region (a product's own host,
Desk's or Projects', is in its profile, `zconnect_tui/products/`, from the data centre's `tld`).

Sources are in ../shared/reference/zoho-oauth-facts.md (§2). Users may add their own in
the connections file under `[data_centers.NAME]`, naming each product host by the product's key
(`desk = "…"`, `projects = "…"`); http is allowed only for loopback hosts.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from zconnect_tui.errors import ConfigError, ZconnectError
from zconnect_tui.text import clean


class DataCenter(NamedTuple):
    """One Zoho data centre (or a user-defined one, e.g. a local emulator)."""

    key: str
    label: str
    accounts: str
    api: str
    console: str | None = None
    builtin: bool = True
    unconfirmed: tuple[str, ...] = ()
    """Fields no Zoho-authored source confirms (see the facts sheet); shown in the UI."""
    family: str | None = None
    """User-defined data centres only: a group of the user's own that hand users to each other
    (Multi-DC, like Zoho's built-in ones), declared as `family = "…"` in each; see `trusted`."""
    tld: str = ""
    """Zoho's data centres: the top-level domain their hosts end in ("com", "eu", "com.au")."""
    hosts: tuple[tuple[str, str], ...] = ()
    """User-defined data centres only: (product key, URL) for each product host the table names."""

    def host(self, product: str) -> str | None:
        """The URL this (user-defined) data centre names for `product`, if any."""
        return next((url for key, url in self.hosts if key == product), None)

    @property
    def auth_url(self) -> str:
        return f"{self.accounts}/oauth/v2/auth"

    @property
    def token_url(self) -> str:
        return f"{self.accounts}/oauth/v2/token"

    @property
    def revoke_url(self) -> str:
        return f"{self.accounts}/oauth/v2/token/revoke"

    @property
    def console_url(self) -> str:
        return self.console or "https://api-console.zoho.com"

    @property
    def device_code_url(self) -> str:
        return f"{self.accounts}/oauth/v3/device/code"

    @property
    def device_token_url(self) -> str:
        return f"{self.accounts}/oauth/v3/device/token"


def _dc(key: str, label: str, tld: str, *, api: str | None = None, accounts: str | None = None,
        console: str | None = None, unconfirmed: tuple[str, ...] = ()) -> DataCenter:
    return DataCenter(
        key=key,
        label=label,
        accounts=accounts or f"https://accounts.zoho.{tld}",
        api=api or f"https://www.zohoapis.{tld}",
        console=console or f"https://api-console.zoho.{tld}",
        unconfirmed=unconfirmed,
        tld=tld,
    )


BUILTIN: dict[str, DataCenter] = {
    dc.key: dc
    for dc in (
        _dc("us", "United States", "com"),
        _dc("eu", "Europe", "eu"),
        _dc("in", "India", "in"),
        # The API Console hosts of au, jp, ca, sa and uk are confirmed by Zoho-authored READMEs and
        # ManageEngine pages (facts §13.1). Products' own hosts, and which are confirmed, are in their profiles.
        _dc("au", "Australia", "com.au"),
        _dc("jp", "Japan", "jp"),
        _dc("ca", "Canada", "ca", accounts="https://accounts.zohocloud.ca", console="https://api-console.zohocloud.ca"),
        _dc("sa", "Saudi Arabia", "sa"),
        # UK: the API domain is third-party only (facts §2.2, §13.2).
        _dc("uk", "United Kingdom", "uk", unconfirmed=("api",)),
        _dc("cn", "China", "com.cn"),
        # AE: only WorkDrive's multi-DC page documents it ("zoho.ae", https://www.zohoapis.ae, facts
        # §13.1); the accounts server and console follow the other regions' pattern unconfirmed.
        _dc("ae", "United Arab Emirates", "ae", unconfirmed=("accounts", "console")),
    )
}

DEFAULT_DC = "us"
_URL_FIELDS = ("accounts", "api", "console")
"""A data centre's own URLs; besides them, a user-defined one names each product host by its key."""


def is_loopback_host(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


# Patterns are strings, compiled by `re` on first use and cached there: compiling every pattern at
# import cost the TUI's first frame about 1 M instructions each (#10).
_HOST = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?"
_DC_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}"


def check_url(url: str, what: str) -> str:
    """Return `url` without a trailing slash, or raise a ConfigError naming `what`.

    Only https (http for loopback hosts), a plain host name or IP address, an optional port
    and path: no user name or password (`http://evil.example\\@127.0.0.1` means different
    hosts to different parsers), no query or fragment, nothing a URL parser could read twice.
    """
    shown = clean(url, limit=200)
    fix = "Write it as https://host[:port] (http only for 127.0.0.1/localhost)."
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0-65535
        host = parts.hostname or ""
    except ValueError:
        raise ConfigError(f"{what} {shown!r} is not a valid URL.", fix) from None
    if "@" in parts.netloc or "\\" in url:
        raise ConfigError(f"{what} {shown!r} carries a user name or password; refused.", fix)
    if (clean(url) != url or " " in url or parts.query or parts.fragment or url.endswith(("?", "#"))
            or not (re.fullmatch(_HOST, host) or _is_ip(host))):
        raise ConfigError(f"{what} {shown!r} is not a valid URL.", fix)
    if parts.scheme == "https":
        return url.rstrip("/")
    if parts.scheme == "http" and is_loopback_host(host):
        return url.rstrip("/")
    if parts.scheme == "http":
        raise ConfigError(
            f"{what} {shown!r} uses http on a non-loopback host.",
            "Use https; plain http is allowed only for 127.0.0.1/localhost.",
        )
    raise ConfigError(f"{what} {shown!r} is not an http(s) URL.", fix)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_custom(name: str, table: object, products: Collection[str]) -> DataCenter:
    """Build a user-defined data centre from its `[data_centers.NAME]` table, where `products` are the keys
    that may name a product's host (`desk = "…"`; the caller's, which sits above the product profiles)."""
    where = f"[data_centers.{clean(name, limit=40)}]"
    if name in BUILTIN:
        raise ConfigError(f"{where} would replace Zoho's built-in data centre {name!r}; refused.",
                          "Give your data centre another name, e.g. [data_centers.lab].")
    if not re.fullmatch(_DC_NAME, name):
        raise ConfigError(f"{where} is not a usable data centre name.",
                          "Use letters, digits, '-' and '_' (up to 32).")
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table.", "See the README's config format.")
    missing = [k for k in ("accounts", "api") if not isinstance(table.get(k), str)]
    if missing:
        raise ConfigError(
            f"{where} lacks {' and '.join(missing)}.",
            "Each data centre needs at least accounts = \"…\" and api = \"…\".",
        )
    wrong = [k for k in (*_URL_FIELDS, *products, "label", "family") if k in table and not isinstance(table[k], str)]
    if wrong:
        raise ConfigError(f"data_centers.{name}.{wrong[0]} must be a string.", "Fix or remove it.")
    urls = {k: check_url(table[k], f"data_centers.{name}.{k}") for k in _URL_FIELDS if k in table}
    # accounts and api are required (checked above); console is optional.
    accounts, api, console = urls["accounts"], urls["api"], urls.get("console")
    hosts = tuple((k, check_url(table[k], f"data_centers.{name}.{k}")) for k in products if k in table)
    family = table.get("family")
    if family is not None and (not re.fullmatch(_DC_NAME, family) or family == "zoho"):
        raise ConfigError(f"data_centers.{name}.family must name a group of your own data centres.",
                          "Write e.g. family = \"lab\" in each data centre that hands users to the others.")
    return DataCenter(key=name, label=clean(str(table.get("label", name)), limit=80), builtin=False,
                      family=family, hosts=hosts, accounts=accounts, api=api, console=console)


Origin = tuple[str, str, int]
"""(scheme, lower-case host, port): what "the same host" means for where a token may go."""
DEFAULT_PORTS = {"https": 443, "http": 80}
ZOHOAPIS_PREFIXES = ("www", "sandbox", "developer", "content")
"""Zoho's API hosts per data centre, <prefix>.zohoapis.<tld> (facts §2.2; sandbox/developer for CRM,
content for file downloads), besides the older api.zoho.<tld>."""


def origin_of(url: str) -> Origin | None:
    """(scheme, lower-case host, port) of an absolute http(s) URL, or None when it has none."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            return None
        return parts.scheme, parts.hostname.lower(), parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return None


def api_origins(dc: DataCenter) -> set[Origin]:
    """The API hosts of one data centre (not a product's own host): Zoho's for a built-in one, else its `api`."""
    if not dc.builtin:
        return {o for o in (origin_of(dc.api),) if o is not None}
    suffix = (urlsplit(dc.api).hostname or "").removeprefix("www.")
    accounts = (urlsplit(dc.accounts).hostname or "").removeprefix("accounts.")
    hosts = {f"{prefix}.{suffix}" for prefix in ZOHOAPIS_PREFIXES} | {f"api.{accounts}"}
    return {("https", host, 443) for host in hosts}


class DataCenters:
    """The built-in data centres plus the ones a user configured."""

    def __init__(self, custom: Iterable[DataCenter] = ()) -> None:
        self._all: dict[str, DataCenter] = dict(BUILTIN)
        for dc in custom:
            self._all[dc.key] = dc

    @classmethod
    def from_config(cls, tables: Mapping[str, object], products: Collection[str]) -> DataCenters:
        """The built-in ones plus the config's `[data_centers.NAME]` tables (see `parse_custom`)."""
        return cls(parse_custom(name, table, products) for name, table in tables.items())

    def __iter__(self) -> Iterator[DataCenter]:
        return iter(self._all.values())

    def __contains__(self, key: object) -> bool:
        return key in self._all

    def keys(self) -> list[str]:
        return list(self._all)

    def get(self, key: str) -> DataCenter:
        try:
            return self._all[key]
        except KeyError:
            raise ConfigError(
                f"Unknown data centre {clean(key, limit=40)!r}.",
                f"Choose one of {', '.join(self._all)}, or add [data_centers.NAME] to the config file.",
            ) from None

    # ----- the trust rule: the one place that decides where codes, secrets and tokens may go ----------
    # (an access token's origins, which add each product's host, are `apitarget.token_origins`, built on these)
    def trusted(self, home: str) -> list[DataCenter]:
        """The data centres a connection registered in `home` may hand its code, secret and tokens to.

        THE RULE (README, "Which accounts server gets the code…"): a connection in a built-in data
        centre trusts only Zoho's built-in data centres (Zoho sends a user of another region to
        theirs, e.g. accounts.zoho.eu: Multi-DC); one in a user-defined data centre trusts only that
        data centre, or, when it declares `family = "F"`, the user-defined data centres that declare
        the same family (the user's own Multi-DC group, e.g. two emulators). A user-defined data
        centre never joins Zoho's group (`family = "zoho"` is refused), and a built-in connection
        never trusts a user-defined one: a file entry or a redirect cannot widen a built-in's trust.
        """
        registered = self.get(home)
        if registered.builtin:
            return [dc for dc in self if dc.builtin]
        if registered.family is None:
            return [registered]
        return [dc for dc in self if not dc.builtin and dc.family == registered.family]

    def trusted_accounts(self, home: str, url: str | None = None, *, location: str | None = None) -> DataCenter:
        """The data centre a connection registered in `home` may send a code, its secret or a token to.

        Named by its accounts server `url` (the consent redirect's `accounts-server`, the file's
        `accounts_server`/`issued_by`) or by its key `location` (the device flow's `other_dc`
        `user_location`, a Multi-DC secret's data centre); neither given means `home` itself. Every
        path asks here and only here (`trusted` is the rule); anything the rule does not allow raises.
        """
        registered = self.get(home)
        if location is None and not url:
            return registered
        candidates = self.trusted(home)
        if location is not None:
            key = location.strip()
            found = next((dc for dc in candidates if dc.key in (key, key.lower())), None) if key else None
            named = f"The data centre {clean(location, limit=40)!r}"
        else:
            wanted = (url or "").strip().rstrip("/").lower()
            found = next((dc for dc in candidates if dc.accounts.lower() == wanted), None)
            named = f"The accounts server {clean(url or '', limit=120)}"
        if found is not None:
            return found
        where = ("Zoho's own accounts servers" if registered.builtin
                 else ", ".join(dc.accounts for dc in candidates))
        raise ZconnectError(
            f"{named} is not trusted for a connection registered in data centre {home!r}; refused.",
            f"Only {where} may receive its code, secret and tokens. Authorize the connection again.",
        )

    def trusted_api_domain(self, home: str, url: str | None) -> str | None:
        """`url` (normalised) when it may be stored as the API domain of a connection registered in
        `home`, else None: an API host (see `api_origins`) of a data centre the rule trusts, with no
        path (the `api` itself, path included, for a user-defined one). Token responses name it."""
        if not url:
            return None
        try:
            checked = check_url(url, "api_domain")
        except ConfigError:
            return None
        for dc in self.trusted(home):
            parts = urlsplit(checked)
            if dc.builtin and parts.port is None and parts.path in ("", "/") and origin_of(checked) in api_origins(dc):
                return checked
            if not dc.builtin and checked.lower() == dc.api.lower():
                return checked
        return None
