"""Stand-in web browser that clicks a consent page's button, used as ``BROWSER="python tests/clicking_browser.py %s"``.

For `zconnect lab`, whose consent page asks (Accept / Deny) instead of redirecting at once. GETs ``argv[1]``,
follows redirects, and when the page has a form (``<form id="consent">``) submits it with the button
``$CLICK_BUTTON`` (default ``accept``) as a browser would, then follows the redirects to the app's loopback
callback. Like tests/fake_browser.py: never writes to stdout/stderr, always exits 0, logs to
``$FAKE_BROWSER_LOG`` (``VISIT``, ``CLICK``, ``FINAL``, ``ERROR`` lines).
"""

from __future__ import annotations

import os
import sys
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx
from fake_browser import HEADERS, MAX_REDIRECTS, TIMEOUT, log


class ConsentForm(HTMLParser):
    """The consent form's action, method and fields (hidden inputs and the buttons' name/value)."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}  # value -> (name, value)
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("id") == "consent":
            self.action, self.method, self._inside = a.get("action", ""), a.get("method", "get").lower(), True
        elif self._inside and tag == "input" and a.get("type") == "hidden":
            self.fields[a.get("name", "")] = a.get("value", "")
        elif self._inside and tag == "button":
            self.buttons[a.get("value", "")] = (a.get("name", ""), a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


def follow(client: httpx.Client, resp: httpx.Response, url: str) -> tuple[httpx.Response, str]:
    """Follow ``resp``'s redirects by hand (GET), as a browser does."""
    for _ in range(MAX_REDIRECTS):
        location = resp.headers.get("location")
        if not (resp.is_redirect and location):
            break
        url = urljoin(url, location)
        log(f"VISIT {url}")
        resp = client.get(url)
    return resp, url


def main(argv: list[str]) -> int:
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    try:
        url = argv[1]
        with httpx.Client(follow_redirects=False, timeout=TIMEOUT, trust_env=False, headers=HEADERS) as client:
            log(f"VISIT {url}")
            resp, url = follow(client, client.get(url), url)
            form = ConsentForm()
            form.feed(resp.text)
            button = form.buttons.get(os.environ.get("CLICK_BUTTON", "accept"))
            if form.action is not None and button is not None:
                target = urljoin(url, form.action)
                data = {**form.fields, button[0]: button[1]}
                log(f"CLICK {button[1]} {target}")
                sent = client.post(target, data=data) if form.method == "post" else client.get(target, params=data)
                resp, url = follow(client, sent, target)
            log(f"FINAL {resp.status_code} {resp.text[:200]}")
    except Exception as exc:  # anything at all: log it, stay silent, exit 0
        log(f"ERROR {type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
