"""A stand-in for `curl`, for running the README's examples in tests (tests/test_readme_examples.py).

It knows only the options the README uses (-s, -S, -f, -H, -X, a URL) and refuses any other, so
an example that starts using one fails here first. `-H @-` reads header lines from stdin and `-H @FILE`
from a file, as curl does (the README hands curl the token that way, never in its argv). GETs and
friends with httpx, no proxy, a 10 s timeout; prints the body on stdout; exit 22 with -f on HTTP 400
or above, as curl does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx


def header_lines(arg: str) -> list[str]:
    """`-H`'s argument: one header, or with `@` the lines of a file (`@-`: stdin), blank ones skipped."""
    if not arg.startswith("@"):
        return [arg]
    text = sys.stdin.read() if arg == "@-" else Path(arg[1:]).read_text(encoding="utf-8")
    return [line.rstrip("\r") for line in text.split("\n") if line.strip()]


def main(argv: list[str]) -> int:
    headers: dict[str, str] = {}
    method, url, fail = "GET", "", False
    args = iter(argv)
    for arg in args:
        if arg in ("-H", "--header"):
            for line in header_lines(next(args)):
                name, _, value = line.partition(":")
                headers[name.strip()] = value.strip()
        elif arg in ("-X", "--request"):
            method = next(args)
        elif arg.startswith("-") and len(arg) > 1 and set(arg[1:]) <= set("sSf"):
            fail = fail or "f" in arg
        elif arg.startswith("-") or url:
            sys.stderr.write(f"fake curl: unsupported argument {arg!r}\n")
            return 2
        else:
            url = arg
    if not url:
        sys.stderr.write("fake curl: no URL\n")
        return 2
    with httpx.Client(trust_env=False, timeout=10) as client:
        response = client.request(method, url, headers=headers)
    sys.stdout.write(response.text)
    return 22 if fail and response.status_code >= 400 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
