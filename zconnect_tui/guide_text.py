"""Words the wizard and the README share, so both say the same thing (a test holds them together).

Plain text, no markup: each front end styles it its own way.
"""

from __future__ import annotations

from zconnect_tui.model import NON_BROWSER, SELF, SERVER

MULTI_DC = (
    "Multi-DC: a client serves only users of the data centre it is registered in, unless Multi-DC is "
    "enabled in the client's Settings tab of the API Console. Enable the data centres of the people who "
    "will connect; their Client Secret there is either the same for all data centres or each data "
    "centre's own, and zconnect can store those per data centre."
)
"""The wizard's step 2 (Server-based) and the README's Multi-DC section."""

CLIENT_TYPES: dict[str, tuple[str, str]] = {
    SERVER: (
        "Server-based Applications",
        "for web-based applications built to run with a dedicated HTTP server: zconnect is that server, "
        "listening on this computer for Zoho's redirect during step 6.",
    ),
    SELF: (
        "Self Client",
        "no redirect: the API Console generates a code (Self Client → Generate Code; it lives 3 to 10 "
        "minutes, as you choose) that you paste in step 6.",
    ),
    NON_BROWSER: (
        "Non-browser Applications",
        "for machines without a browser (SSH): zconnect shows a code and Zoho's verification URL; enter "
        "the code there from any device, within 5 minutes, and zconnect picks up the tokens.",
    ),
}
"""(the API Console's name, what it means), per client type: the wizard's step-2 choices."""

CODE_LIFETIMES = (
    "A browser consent code lives about 2 to 3 minutes and a Self Client code 3 to 10 minutes (chosen "
    "when generating it); zconnect exchanges either at once."
)
