"""The README's `zconnect api` examples, run exactly as written against the emulator, output compared.

The block between `<!-- api-examples:start -->` and `<!-- api-examples:end -->` holds `$ command`
lines, each followed by the output it prints; the commands run in order in bash (pipes and all,
`jq` as installed, `curl` as tests/fake_curl.py), with the emulator's desk, crm, books, projects and
inventory connections, so the README cannot drift from what zconnect does.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from api_lab import api_lab

TESTS = Path(__file__).resolve().parent
README = TESTS.parent / "README.md"


def readme_examples() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- api-examples:start -->\n```console\n(.*?)```\n<!-- api-examples:end -->", text, re.S)
    assert block, "the README lost its api-examples block"
    examples: list[tuple[str, list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            examples.append((line[2:], []))
        else:
            examples[-1][1].append(line)
    return [(command, "\n".join(output)) for command, output in examples]


def test_the_readme_examples_print_what_the_readme_shows(tmp_path: Path) -> None:
    examples = readme_examples()
    assert len(examples) >= 8 and {"desk", "crm", "books"} <= {c.split()[2] for c, _ in examples}
    assert any("--paginate" in c for c, _ in examples) and any(c.startswith("zconnect exec") for c, _ in examples)
    bin_dir = tmp_path / "bin"  # tests/fake_curl.py as `curl`: strict about the options the README uses
    bin_dir.mkdir()
    (bin_dir / "curl").write_text(f'#!/bin/sh\nexec "{sys.executable}" "{TESTS / "fake_curl.py"}" "$@"\n')
    (bin_dir / "curl").chmod(0o755)
    with api_lab(tmp_path / "lab", every_product=True) as lab:
        # `zconnect` as installed next to this interpreter, as a user's shell finds it.
        path = [str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]]
        env = {**lab.env(), "PATH": os.pathsep.join(path)}
        for command, shown in examples:
            result = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True,
                                    env=env, cwd=tmp_path, timeout=60)
            assert result.returncode == 0, (command, result.stderr)
            assert result.stdout.rstrip("\n") == shown, command
