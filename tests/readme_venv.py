"""Offline stand-ins for `python3 -m venv DIR` and that venv's `pip install .`, for tests/test_readme_setup.py.

Tests never reach the network, and a real install takes a minute, so these leave what the README's
examples rely on. `venv DIR` makes a real venv (its `bin/activate` is Python's own) without pip, and puts
this file in as `DIR/bin/pip`. That `pip install .` writes the `zconnect` command into `DIR/bin` (only
there: it is on PATH once the venv is activated) and makes this checkout, with the test run's dependencies,
importable by the venv's python. Anything else is refused.
"""

from __future__ import annotations

import site
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


def make_venv(directory: Path) -> None:
    subprocess.run([BASE_PYTHON, "-m", "venv", "--without-pip", str(directory)], check=True)
    pip = directory / "bin" / "pip"
    pip.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{Path(__file__).resolve()}" pip "{directory.resolve()}" '
                   '"$@"\n')
    pip.chmod(0o755)


def pip_install(venv: Path) -> None:
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    paths = [str(ROOT), *site.getsitepackages()]  # this checkout, then the test run's httpx, textual, …
    (Path(purelib) / "zconnect_checkout.pth").write_text("\n".join(paths) + "\n")
    command = venv / "bin" / "zconnect"
    command.write_text(f"#!{python}\nimport sys\nfrom zconnect_tui.cli import main\nsys.exit(main())\n")
    command.chmod(0o755)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "venv":
        make_venv(Path(argv[1]))
        return 0
    if len(argv) == 4 and argv[0] == "pip" and argv[2:] == ["install", "."]:
        pip_install(Path(argv[1]))
        return 0
    sys.stderr.write(f"readme_venv: only `python3 -m venv DIR` and `pip install .` are stood in for, not {argv}\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
