"""Zoho data centres: accounts server, API domain, Desk host and API Console per region.

Sources are in ../shared/reference/zoho-oauth-facts.md (§2). Users may add their own in
the connections file under `[data_centers.NAME]`; http is allowed only for loopback hosts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from zconnect_tui.errors import ConfigError


@dataclass(frozen=True)
class DataCenter:
    """One Zoho data centre (or a user-defined one, e.g. a local emulator)."""

    key: str
    label: str
    accounts: str
    api: str
    desk: str | None = None
    console: str | None = None
    builtin: bool = True
    unconfirmed: tuple[str, ...] = ()
    """Fields no Zoho-authored source confirms (see the facts sheet); shown in the UI."""
    family: str = "zoho"
    """Data centres that hand users to each other (Multi-DC): Zoho's own are one family; a
    user-defined one is its own family unless its table says `family = "…"` (e.g. two emulators)."""

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


def _dc(key: str, label: str, tld: str, *, desk: str | None = None, api: str | None = None,
        accounts: str | None = None, console: str | None = None,
        unconfirmed: tuple[str, ...] = ()) -> DataCenter:
    return DataCenter(
        key=key,
        label=label,
        accounts=accounts or f"https://accounts.zoho.{tld}",
        api=api or f"https://www.zohoapis.{tld}",
        desk=desk if desk is not None else f"https://desk.zoho.{tld}",
        console=console or f"https://api-console.zoho.{tld}",
        unconfirmed=unconfirmed,
    )


BUILTIN: dict[str, DataCenter] = {
    dc.key: dc
    for dc in (
        _dc("us", "United States", "com"),
        _dc("eu", "Europe", "eu"),
        _dc("in", "India", "in"),
        # The API Console hosts of au, jp, ca, sa and uk are confirmed by Zoho-authored READMEs and
        # ManageEngine pages (facts §13.1).
        _dc("au", "Australia", "com.au"),
        # JP/CA/SA Desk hosts come from third-party sources only (facts §2.3, §13.1).
        _dc("jp", "Japan", "jp", unconfirmed=("desk",)),
        _dc("ca", "Canada", "ca", accounts="https://accounts.zohocloud.ca",
            desk="https://desk.zohocloud.ca", console="https://api-console.zohocloud.ca",
            unconfirmed=("desk",)),
        _dc("sa", "Saudi Arabia", "sa", unconfirmed=("desk",)),
        # UK: the API domain is third-party only; no Zoho source names a Desk host (facts §2.2, §13.2).
        _dc("uk", "United Kingdom", "uk", unconfirmed=("api", "desk")),
        _dc("cn", "China", "com.cn"),
        # AE: only WorkDrive's multi-DC page documents it ("zoho.ae", https://www.zohoapis.ae, facts
        # §13.1); the accounts server, Desk host and console follow the other regions' pattern unconfirmed.
        _dc("ae", "United Arab Emirates", "ae", unconfirmed=("accounts", "desk", "console")),
    )
}

DEFAULT_DC = "us"
_URL_FIELDS = ("accounts", "api", "desk", "console")


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


def check_url(url: str, what: str) -> str:
    """Return `url` without a trailing slash, or raise if it is not https (http only on loopback)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url.rstrip("/")
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return url.rstrip("/")
    if parts.scheme == "http":
        raise ConfigError(
            f"{what} {url!r} uses http on a non-loopback host.",
            "Use https; plain http is allowed only for 127.0.0.1/localhost.",
        )
    raise ConfigError(f"{what} {url!r} is not an http(s) URL.", "Write it as https://host[:port].")


def parse_custom(name: str, table: object) -> DataCenter:
    """Build a user-defined data centre from its `[data_centers.NAME]` table."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"[data_centers.{name}] must be a table.", "See the README's config format.")
    missing = [k for k in ("accounts", "api") if not isinstance(table.get(k), str)]
    if missing:
        raise ConfigError(
            f"[data_centers.{name}] lacks {' and '.join(missing)}.",
            "Each data centre needs at least accounts = \"…\" and api = \"…\".",
        )
    urls = {k: check_url(table[k], f"data_centers.{name}.{k}") for k in _URL_FIELDS
            if isinstance(table.get(k), str)}
    family = table.get("family", name)
    if not isinstance(family, str) or not family or family == "zoho":
        raise ConfigError(f"data_centers.{name}.family must name a group of your own data centres.",
                          "Write e.g. family = \"lab\" in each data centre that hands users to the others.")
    return DataCenter(key=name, label=str(table.get("label", name)), builtin=False, family=family, **urls)


class DataCenters:
    """The built-in data centres plus the ones a user configured."""

    def __init__(self, custom: Iterable[DataCenter] = ()) -> None:
        self._all: dict[str, DataCenter] = dict(BUILTIN)
        for dc in custom:
            self._all[dc.key] = dc

    @classmethod
    def from_config(cls, tables: Mapping[str, object]) -> DataCenters:
        return cls(parse_custom(name, table) for name, table in tables.items())

    def __iter__(self):  # type: ignore[no-untyped-def]
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
                f"Unknown data centre {key!r}.",
                f"Choose one of {', '.join(self._all)}, or add [data_centers.{key}] to the config file.",
            ) from None

    def by_accounts_server(self, url: str) -> DataCenter | None:
        """The data centre whose accounts server is exactly `url`, else None.

        The callback's `accounts-server` is honoured only through this lookup, so the code
        and the client secret are never sent to an address the redirect invented.
        """
        wanted = url.strip().rstrip("/").lower()
        for dc in self._all.values():
            if dc.accounts.lower() == wanted:
                return dc
        return None

    def trusted_for(self, home: str, *, accounts: str | None = None, location: str | None = None) -> DataCenter | None:
        """The data centre a connection registered in `home` may send its code and secret to.

        Zoho hands a user of another data centre over with an accounts server (the consent
        redirect) or a location key (the device flow's `other_dc`). Either is honoured only
        when it names a known data centre of the same family as `home`: Zoho's own for a
        built-in one, the user's own group for user-defined ones. Every Multi-DC path asks here.
        """
        if accounts is not None:
            dc = self.by_accounts_server(accounts)
        else:
            key = (location or "").strip()
            dc = self._all.get(key) or self._all.get(key.lower())
        if dc is None or dc.family != self.get(home).family:
            return None
        return dc
