"""4. Secret hygiene: every command, export, page, file and screenshot scanned for secrets."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from zconnect_tui.model import redirect_uri_for

from .lab import CLIENT_ID, CLIENT_SECRET, DC, CliRun, Lab, free_port

TOKEN_SHAPE = re.compile(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}")


# ----- 4. secret hygiene -------------------------------------------------------------------------
def secret_pieces(secret: str, width: int = 12) -> set[str]:
    """Every `width`-character piece of `secret` (a masked value shows at most 7 + 4 characters)."""
    return {secret[i:i + width] for i in range(len(secret) - width + 1)}


def find_secrets(text: str, secrets: dict[str, str]) -> list[str]:
    """Labels of the secrets of which any 12-character piece occurs in `text`."""
    return [label for label, value in secrets.items() if any(p in text for p in secret_pieces(value))]


# ----- 4. secret hygiene: every command -----------------------------------------------------------
# Which secrets a command may print: `token` the access token, `show --reveal` everything.
REVEALING = {"token": {"access token"}, "reveal": {"client secret", "access token", "refresh token"}}


@dataclass
class HygieneReport:
    runs: list[CliRun] = field(default_factory=list)
    hits: list[str] = field(default_factory=list)
    """`label: secret` for every secret found where it must not be."""
    allowed_hits: list[str] = field(default_factory=list)
    files_scanned: list[str] = field(default_factory=list)
    screenshots_scanned: int = 0
    secrets_tracked: int = 0
    success_page_echoes_code: bool = True
    tracebacks: list[str] = field(default_factory=list)


def _allowed(run: CliRun) -> set[str]:
    if "--reveal" in run.args:
        return REVEALING["reveal"]
    if run.args and run.args[0] == "token" and run.code == 0:
        return REVEALING["token"]
    return set()


def run_secret_hygiene(workdir: Path, screenshot_dirs: tuple[Path, ...] = ()) -> HygieneReport:
    """Every command (successes and errors), every export format, then a scan of all output and files."""
    report = HygieneReport()
    with Lab(workdir) as lab:
        emu = lab.emu
        port = free_port()
        emu.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri_for(port)], self_client=True)
        secret_env = {"ZC_SECRET": CLIENT_SECRET}
        runs = report.runs

        def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> CliRun:
            result = lab.cli(*args, stdin=stdin, env=env)
            runs.append(result)
            return result

        run("path")
        run("list")
        run("add", "desk", "--service", "desk", "--dc", DC, "--client-id", CLIENT_ID, "--port", str(port),
            "--client-secret-env", "ZC_SECRET", env=secret_env)
        run("add", "books", "--service", "books", "--dc", DC, "--client-id", CLIENT_ID, "--self-client",
            stdin=CLIENT_SECRET + "\n")
        run("add", "desk", "--service", "desk", "--dc", DC, "--client-id", CLIENT_ID,
            "--client-secret-env", "ZC_SECRET", env=secret_env)  # error: exists
        run("add", "x", "--service", "desk", "--dc", DC, "--client-id", CLIENT_ID,
            "--client-secret-env", "NOPE")  # error: empty env var
        run("show", "desk")
        run("authorize", "desk", "--timeout", "30", env=lab.browser_env())
        code = emu.issue_self_client_code(CLIENT_ID, ["ZohoBooks.settings.READ"])
        run("authorize", "books", "--timeout", "30", stdin=f"not a code\n{code}\n")
        run("authorize", "desk", "--port", "1")  # error: port differs
        for args in (("list",), ("list", "--json"), ("show", "desk"), ("show", "desk", "--json"),
                     ("show", "books"), ("show", "desk", "--reveal"), ("show", "desk", "--json", "--reveal"),
                     ("token", "desk"), ("refresh", "desk"), ("token", "books"), ("test", "desk"),
                     ("test", "desk", "--json"), ("test", "books"), ("export", "desk", "--format", "connector"),
                     ("export", "desk", "--format", "env"), ("export", "desk", "--format", "json"),
                     ("export", "books", "--format", "connector"), ("show", "nope"), ("token", "nope")):
            run(*args)
        emu.queue_fault("badjson")
        run("refresh", "desk")  # error: not JSON
        emu.expire_access_tokens()
        run("test", "books")  # error: Zoho refuses the (locally still valid) token
        emu.register_client(CLIENT_ID, "another-secret", [redirect_uri_for(port)], self_client=True)
        run("refresh", "desk")  # error: invalid_client
        emu.register_client(CLIENT_ID, CLIENT_SECRET, [redirect_uri_for(port)], self_client=True)
        run("refresh", "desk")
        run("revoke", "books")
        run("token", "books")  # error: revoked
        run("revoke", "desk")
        run("remove", "books")  # error: no --yes without a terminal
        run("remove", "books", "--yes")
        run("list")
        # A file that does not parse, with a secret on the broken line: the error must not quote it.
        broken = lab.dir / "broken" / "connections.toml"
        broken.parent.mkdir(mode=0o700)
        broken.write_text(f'version = 1\n[connections.x]\nclient_secret = "{CLIENT_SECRET}\n')
        run("--config", str(broken), "list")

        secrets = {"client secret": CLIENT_SECRET}
        for i, token in enumerate(emu.issued_access_tokens):
            secrets[f"access token #{i}"] = token
        for i, token in enumerate(emu.issued_refresh_tokens):
            secrets[f"refresh token #{i}"] = token
        report.secrets_tracked = len(secrets)
        for result in runs:
            allowed = _allowed(result)
            for where, text in (("stdout", result.out), ("stderr", result.err)):
                if "Traceback" in text:
                    report.tracebacks.append(result.label)
                for label in find_secrets(text, secrets):
                    kind = label.split(" #")[0]
                    (report.allowed_hits if kind in allowed and where == "stdout" else report.hits).append(
                        f"{result.label} ({where}): {label}")
        # Files: everything zconnect (and the browser stand-in's pages) left, except the store itself.
        for path in sorted(lab.dir.rglob("*")):
            if not path.is_file() or path == lab.config or path == broken:
                continue
            text = path.read_bytes().decode("utf-8", "replace")
            if path.name == "browser.log":  # the visited URLs carry the code; the pages must not
                final = "\n".join(line for line in text.splitlines() if line.startswith("FINAL "))
                codes = re.findall(r"[?&]code=([^&\s]+)", text)
                report.success_page_echoes_code = any(c in final for c in codes) or not codes
                text = final
            report.files_scanned.append(str(path.relative_to(lab.dir)))
            report.hits += [f"file {path.name}: {label}" for label in find_secrets(text, secrets)]
        for directory in screenshot_dirs:
            for svg in sorted(directory.glob("*.svg")):
                report.screenshots_scanned += 1
                text = svg.read_text(errors="replace")
                report.hits += [f"screenshot {svg.name}: {label}" for label in find_secrets(text, secrets)]
                report.hits += [f"screenshot {svg.name}: token-shaped text" for _ in TOKEN_SHAPE.findall(text)]
    return report
