"""UX round 3 (#22) in the core and the CLI: a pasted address or code in pieces, what Zoho's "Invalid
Redirect Uri" page means, the way to a new secret, and where a URL may break on screen."""

from __future__ import annotations

import pytest
from conftest import CLIENT_SECRET, Registered, run_cli

from zconnect_tui.errors import FlowError
from zconnect_tui.flow import AuthorizationFlow, parse_pasted
from zconnect_tui.model import Connection
from zconnect_tui.oauth_errors import zoho_error
from zconnect_tui.tui.url_text import url_lines, url_pieces

REDIRECT = ("http://127.0.0.1:9646/callback?state=s1&code=1000.0a1b2c3d4e5f.6a7b8c9d0e1f&location=us"
            "&accounts-server=https%3A%2F%2Faccounts.zoho.com")


# ----- item 6: a paste in pieces ---------------------------------------------------------------------------
@pytest.mark.parametrize("pasted", [
    REDIRECT[:45] + "\n" + REDIRECT[45:],          # a line the terminal wrapped
    REDIRECT[:45] + "\n   " + REDIRECT[45:],       # … and indented, as `authorize` prints URLs
    REDIRECT[:30] + " " + REDIRECT[30:70] + " " + REDIRECT[70:],  # joined by spaces (a tmux copy)
])
def test_a_redirect_address_in_pieces_is_read_whole(pasted: str) -> None:
    result = parse_pasted(pasted, "s1")
    assert result.code == "1000.0a1b2c3d4e5f.6a7b8c9d0e1f" and result.accounts_server == "https://accounts.zoho.com"


def test_a_code_in_pieces_is_read_whole_and_words_with_a_space_say_so() -> None:
    assert parse_pasted("1000.0a1b2c3d4e5f.6a7b\n8c9d0e1f", None).code == "1000.0a1b2c3d4e5f.6a7b8c9d0e1f"
    for text in ("hello world", "the code is 1000.abc"):
        with pytest.raises(FlowError, match="contains a space"):
            parse_pasted(text, None)
    with pytest.raises(FlowError, match="does not look like a Zoho code"):
        parse_pasted("not-a-code!", None)  # no space: the old words


def test_the_flow_the_cli_and_the_tui_feed_checks_the_state_of_an_address_in_pieces() -> None:
    """`AuthorizationFlow.submit_paste` (the CLI's paste prompt and the TUI's paste box): the state rule
    holds for an address in pieces too."""
    from zconnect_tui.datacenters import DataCenters

    conn = Connection("desk", "desk", "us", "1000.X", ["Desk.basic.READ"], client_secret=CLIENT_SECRET,
                      redirect_uri="http://127.0.0.1:9646/callback")
    flow = AuthorizationFlow(conn, DataCenters())
    with pytest.raises(FlowError, match="state"):
        flow.submit_paste(REDIRECT[:45] + "\n" + REDIRECT[45:])  # another attempt's state
    ours = REDIRECT.replace("state=s1", f"state={flow.state}")
    assert flow.submit_paste(ours[:50] + "\n  " + ours[50:]).code == "1000.0a1b2c3d4e5f.6a7b8c9d0e1f"


# ----- item 3: the CLI says what "Invalid Redirect Uri" means ------------------------------------------------
def test_authorize_says_what_zohos_invalid_redirect_uri_page_means(desk: Registered) -> None:
    result = run_cli("authorize", "desk", "--no-browser", "--timeout", "1")
    assert result.code == 1  # nothing arrived
    [line] = [line for line in result.out.splitlines() if "Invalid Redirect Uri" in line]
    assert desk.redirect_uri in line and "Authorized Redirect URIs" in line and "API Console" in line


# ----- item 7: the way to a new secret ----------------------------------------------------------------------
@pytest.mark.parametrize("code", ["invalid_client", "invalid_client_secret"])
def test_a_refused_secret_names_zconnect_secret(code: str) -> None:
    conn = Connection("desk", "desk", "us", "1000.X", ["Desk.basic.READ"], client_secret=CLIENT_SECRET)
    error = zoho_error({"error": code}, conn)
    assert "`zconnect secret desk`" in error.hint, error.hint  # the CLI's words (the default hint)
    if code == "invalid_client":  # Zoho's words: a wrong secret is invalid_client too
        assert "Client Secret" in error.message


# ----- item 8: a URL breaks only at its seams -----------------------------------------------------------------
def test_a_url_breaks_after_a_slash_never_inside_a_word() -> None:
    url = "https://accounts.zoho.com/oauth/v3/device"
    assert url_lines(url, 34) == ["https://accounts.zoho.com/oauth/", "v3/device"]
    assert url_lines(url, 80) == [url]
    consent = ("https://accounts.zoho.com/oauth/v2/auth?response_type=code&client_id=1000.ABCDEFGHIJ"
               "&scope=Desk.basic.READ%2CDesk.tickets.READ&redirect_uri=http%3A%2F%2F127.0.0.1%3A9646%2Fcallback")
    assert "".join(url_pieces(consent)) == consent
    for width in (30, 40, 54):
        lines = url_lines(consent, width)
        assert "".join(lines) == consent and all(len(line) <= width for line in lines)
        # Each line ends at a seam: "/", an encoded "/" or ",", or before "?" / "&".
        for line, after in zip(lines, lines[1:], strict=False):
            assert line.endswith(("/", "%2F", "%2C", ",")) or after.startswith(("?", "&")), (line, after)
    assert url_lines("x" * 10, 4) == ["xxxx", "xxxx", "xx"]  # only a piece longer than the line folds

