"""The access token is never in any process's argv (#18, item 1).

Every local user reads every process's command line (`/proc/PID/cmdline`, `ps`). A second process,
tests/argv_poller.py, reads all of them in a tight loop while the README's examples and the eval'd
`export --format curl` run, each several times, with the real `curl` (tests/fake_curl.py, which reads
`-H @-` as curl does, only where curl is not installed), against the emulator. No argv may hold a token.
The control: the same poller, on what the export and the README printed before (the token in curl's
`-H`), must find it, so a poller that is too slow to see curl cannot pass the first test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from api_lab import api_lab
from reliability.lab import Lab
from test_readme_api import readme_examples
from test_readme_examples import curl_examples

TESTS = Path(__file__).resolve().parent
RUNS = 3  # each example and each export, under the poller; the control runs 5 times
TOKEN_SHAPE = re.compile(r"1000\.[0-9a-f]{32}\.[0-9a-f]{32}")  # Zoho's (and the emulator's) token shape
CURL = shutil.which("curl")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, dict[str, str]]]:
    """The api lab (desk, crm, books authorized) and an environment with `zconnect` and a `curl` on PATH."""
    work = tmp_path_factory.mktemp("argv")
    bin_dir = work / "bin"
    bin_dir.mkdir()
    shims = {"zconnect": f'"{sys.executable}" -m zconnect_tui'}
    if CURL is None:
        shims["curl"] = f'"{sys.executable}" "{TESTS / "fake_curl.py"}"'
    for name, command in shims.items():
        (bin_dir / name).write_text(f'#!/bin/sh\nexec {command} "$@"\n')
        (bin_dir / name).chmod(0o755)
    with api_lab(work / "lab", every_product=True) as lab:
        # Loopback only: no proxy between curl and the emulator.
        env = {k: v for k, v in lab.env().items() if not k.lower().endswith("_proxy")}
        env["PATH"] = os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]])
        yield lab, env


def watched(work: Path, action: Callable[[], None]) -> dict:
    """Run `action` while argv_poller.py reads every /proc/*/cmdline; what the poller saw."""
    stop = work / "stop"
    stop.unlink(missing_ok=True)
    poller = subprocess.Popen([sys.executable, str(TESTS / "argv_poller.py"), str(stop)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert poller.stdout is not None and poller.stdout.readline() == "ready\n"
        action()
    finally:
        stop.touch()
        out, _ = poller.communicate(timeout=60)
    return json.loads(out)


def secrets_of(lab: Lab) -> set[str]:
    """Every token of the lab: stored, and live at the emulator (the runs refresh nothing: an hour is left)."""
    tokens = lab.emu.live_access_tokens | lab.emu.live_refresh_tokens
    for conn in lab.store.load().connections.values():
        if conn.token is not None:
            tokens |= {t for t in (conn.token.access_token, conn.token.refresh_token) if t}
    return tokens


def leaks(seen: dict, lab: Lab) -> list[str]:
    """The argvs the poller saw that hold one of the lab's tokens. Not any string shaped like a token: the
    poller sees every process on the machine, and other tests put codes of that shape in URLs."""
    tokens = secrets_of(lab)
    assert tokens and all(TOKEN_SHAPE.fullmatch(t) for t in tokens)
    return [argv for argv in seen["argvs"] if any(t in argv for t in tokens)]


def bash(env: dict[str, str], script: str, cwd: Path) -> str:
    result = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True, env=env,
                            cwd=cwd, timeout=60)
    assert result.returncode == 0, (script, result.stderr)
    return result.stdout


def sent_with_token(lab: Lab, name: str, path: str) -> bool:
    """The emulator's last request under `path` carried `name`'s token: curl did get the header."""
    token = lab.store.load().get(name).token.access_token
    return lab.emu.requests_to(path)[-1].headers.get("authorization") == f"Zoho-oauthtoken {token}"


def test_no_token_in_any_argv_while_the_readme_examples_and_the_curl_export_run(lab, tmp_path: Path) -> None:
    lab_, env = lab
    examples = curl_examples()
    api_examples = readme_examples()
    assert len(examples) >= 2 and any("curl" in command for command, _ in api_examples)
    exports = {"desk": "/api/v1/tickets", "crm": "/crm/v8/users", "books": "/books/v3/invoices"}

    def run_all() -> None:
        for command, _ in api_examples:  # once, in order (one saves an API the next one runs)
            bash(env, command, tmp_path)
        for _ in range(RUNS):
            for example in examples:
                assert json.loads(bash(env, example, tmp_path))
                assert sent_with_token(lab_, "crm" if "crm" in example else "desk",
                                       "/crm/v8/org" if "crm" in example else "/api/v1/tickets")
            for command, shown in api_examples:
                if "curl" in command:
                    assert bash(env, command, tmp_path).rstrip("\n") == shown
                    assert sent_with_token(lab_, "desk", "/api/v1/tickets")
            for name, path in exports.items():
                assert json.loads(bash(env, f'eval "$(zconnect export {name} --format curl)"', tmp_path))
                assert sent_with_token(lab_, name, path)

    seen = watched(tmp_path, run_all)
    curls = [argv for argv in seen["argvs"] if " -H @- " in argv and "printf" not in argv]
    print(f"\nargv poller: {RUNS} runs, {seen['scans']} scans, {seen['starts']} process starts "
          f"({len(curls)} of them curl), {len(leaks(seen, lab_))} with a token")
    assert seen["starts"] >= RUNS * (len(examples) + len(exports)) * 2  # it saw the runs: bash and curl each
    assert curls  # and it is fast enough to see curl itself, header on stdin
    assert leaks(seen, lab_) == []


def test_the_poller_finds_the_token_in_curls_argv_as_the_export_used_to_put_it(lab, tmp_path: Path) -> None:
    """The control: what `export --format curl` and the README's first example printed before #18."""
    lab_, env = lab
    old = 'curl -sS -H "Authorization: Zoho-oauthtoken $(zconnect token desk)" -H "orgId: 60002000002" {url}'
    url = "'" + lab_.emu.url + "/api/v1/tickets?limit=1'"

    def run_old() -> None:
        for _ in range(5):
            assert json.loads(bash(env, old.format(url=url), tmp_path))

    seen = watched(tmp_path, run_old)
    found = leaks(seen, lab_)
    print(f"\nargv poller on the old curl line: 5 runs, {len(found)} argvs with the token")
    assert found and all(a.startswith("curl -sS -H Authorization: Zoho-oauthtoken 1000.") for a in found), found


def test_the_fake_curl_reads_header_files_as_curl_does(lab, tmp_path: Path) -> None:
    """tests/fake_curl.py stands in for curl in the README tests: `-H @FILE` and `-H @-` read as curl reads
    them (one header a line, CRLF or LF, blank lines skipped), checked side by side with the real one."""
    lab_, env = lab
    token = lab_.store.load().get("desk").token.access_token
    headers = tmp_path / "headers"
    headers.write_text(f"Authorization: Zoho-oauthtoken {token}\r\n\norgId: 60002000002\n")
    headers.chmod(0o600)
    curls = [[sys.executable, str(TESTS / "fake_curl.py")]] + ([[CURL]] if CURL else [])
    url = lab_.emu.url + "/api/v1/tickets?limit=1"
    for curl in curls:
        for how, stdin in ((f"@{headers}", ""), ("@-", headers.read_text())):
            done = subprocess.run([*curl, "-sS", "-H", how, url], input=stdin, capture_output=True, text=True,
                                  env=env, timeout=60)
            assert done.returncode == 0 and json.loads(done.stdout)["data"], (curl, how, done.stderr)
            assert sent_with_token(lab_, "desk", "/api/v1/tickets"), (curl, how)
            assert lab_.emu.requests_to("/api/v1/tickets")[-1].headers.get("orgid") == "60002000002"
