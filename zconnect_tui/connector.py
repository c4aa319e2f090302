"""The guide's connector fields, with their final words, and a connection's API base.

One function gives the fields a Zoho Developer Console connector asks for, worded as the guide
(seed/registration-guide.txt) and facts §13.4 have them: `zconnect export --format connector`,
the TUI's export view and the wizard's step-0 preview all show exactly these, for a stored
connection or a draft not saved yet. Pure string work: no HTTP stack is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass

from zconnect_tui.datacenters import DataCenter, DataCenters
from zconnect_tui.errors import ConfigError, Fix, Remedy
from zconnect_tui.model import NON_BROWSER, SELF, Connection, mask


@dataclass(frozen=True)
class ConnectorField:
    """One field of the connector form: `key` for code, `label` and `value` as shown."""

    key: str
    label: str
    value: str


URL_KEYS = ("request_token_url", "access_token_url", "refresh_token_url")
"""The fields the wizard's step-0 preview shows."""


def request_token_url(dc: DataCenter, conn: Connection) -> str:
    """The guide's Request Token URL: `{accounts}/oauth/v2/auth?scope=A,B,C`, as it prints it.

    The accounts server of the data centre where the client is registered and the scopes,
    comma-separated and not URL-encoded; `&access_type=offline` only for an offline connection
    (the guide's note: online is the default). Nothing else: the connector adds its own
    client_id, response_type and redirect_uri when it sends the user there.
    """
    url = f"{dc.auth_url}?scope={','.join(conn.scopes)}"
    return url + "&access_type=offline" if conn.access_type == "offline" else url


def connector_fields(conn: Connection, dcs: DataCenters) -> list[ConnectorField]:
    """The connector's fields in the guide's order, ready to show (no secret in clear).

    Works for a draft too: an empty Client ID or secret reads as where to find it.
    """
    dc = dcs.get(conn.dc)
    if conn.client_type == SELF:
        request = "none: a Self Client has no consent page (API Console → Self Client → Generate Code)"
        redirect = "none: a Self Client has no redirect"
    elif conn.client_type == NON_BROWSER:
        request = (f"none: a Non-browser client signs in with a code at Zoho's verification page "
                   f"(device flow, {dc.device_code_url})")
        redirect = "none: a Non-browser client has no redirect"
    else:
        request = request_token_url(dc, conn)
        own = conn.redirect_uri or "its loopback redirect URI"
        redirect = ("pre-filled by the Developer Console: add it to this client's Authorized Redirect URIs, "
                    f"next to zconnect's own {own}")
    access = dc.device_token_url if conn.client_type == NON_BROWSER else dc.token_url
    secret = (f"{mask(conn.client_secret)}  (zconnect show {conn.name} --reveal)" if conn.client_secret
              else "from the client's Client Secret tab")
    return [
        ConnectorField("request_token_url", "Request Token URL", request),
        ConnectorField("access_token_url", "Access Token URL", access),
        ConnectorField("refresh_token_url", "Refresh Token URL", dc.token_url),
        ConnectorField("client_id", "Client ID", conn.client_id or "from the client's Client Secret tab"),
        ConnectorField("client_secret", "Client Secret", secret),
        ConnectorField("redirect_url", "Redirect URL", redirect),
        ConnectorField("scopes", "Scopes", ",".join(conn.scopes)),
    ]


def render_fields(fields: list[ConnectorField]) -> str:
    """Label-aligned lines, as `export --format connector` prints them."""
    width = max(len(f.label) for f in fields)
    return "\n".join(f"{f.label.ljust(width)}  {f.value}" for f in fields)


def user_dc(conn: Connection, dcs: DataCenters) -> DataCenter:
    """The user's own data centre: the one whose accounts server the consent redirect (or the device
    flow's other_dc) named, stored as `accounts_server`; else the one its `location` names; else the
    one the client is registered in.

    Re-checked by the trust rule (`DataCenters.trusted_accounts`): the file is outside input, and
    the access token (or a script's `ZOHO_ACCOUNTS_URL`) goes where this points.
    """
    if not conn.accounts_server and conn.location:
        return dcs.trusted_accounts(conn.dc, location=conn.location)
    return dcs.trusted_accounts(conn.dc, conn.accounts_server)


def api_base(conn: Connection, dcs: DataCenters) -> str:
    """The base URL of the connection's product in the user's own data centre (`user_dc`).

    A product with a host of its own (Desk, Projects; facts §2.3, §14.3) is served from it; everything
    else from the `api_domain` Zoho returned with the token if the trust rule accepts it (else the data
    centre's), unless a data centre of the user's names a host for the product.
    """
    from zconnect_tui.products import product_of

    dc = user_dc(conn, dcs)
    product = product_of(conn.service)
    host = product.host_of(dc)
    if host:
        return host
    if not product.own_host:
        return (dcs.trusted_api_domain(conn.dc, conn.api_domain) or dc.api).rstrip("/")
    # a user-defined data centre without `desk = …` (or `projects = …`)
    raise ConfigError(f"No {product.short} host is known for the data centre {dc.key!r}.",
                      f"Add {product.key} = \"https://…\" under [data_centers.{dc.key}] in the config file.",
                      remedy=Remedy(Fix.FIX_CONFIG, key=f"data_centers.{dc.key}.{product.key}"))
