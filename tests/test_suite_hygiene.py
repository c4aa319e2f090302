"""The suite itself: it must pass on a fresh machine, so it may name no fixed path outside pytest's temp dirs."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("tests", "scripts", "benchmarks")
SKIPPED_DIRS = {"__snapshots__", "__pycache__"}
# A string literal (or shell word) that starts at /tmp, at ~ or at a real home directory.
# Written in pieces so this file does not match itself.
FIXED_PATH = re.compile("[\"'`=\\s](" + "/" + "tmp(/|[\"'`\\s]|$)|" + "~" + "/|/" + "root/|/" + "home/)")


def fixed_paths(root: Path = ROOT) -> list[str]:
    """`file:line: text` for every line under tests/, scripts/ and benchmarks/ naming a fixed path."""
    found = []
    for top in SCANNED:
        for path in sorted((root / top).rglob("*")):
            if not path.is_file() or SKIPPED_DIRS & set(path.relative_to(root).parts):
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (UnicodeDecodeError, OSError):
                continue
            for number, line in enumerate(text.splitlines(), 1):
                if FIXED_PATH.search(line):
                    found.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    return found


def test_no_file_names_a_fixed_tmp_or_home_path() -> None:
    found = fixed_paths()
    assert not found, "fixed paths break fresh machines; use tmp_path or tempfile:\n" + "\n".join(found)


def test_the_guard_catches_a_fixed_path(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    bad = "/" + "tmp/zc"
    (tmp_path / "tests" / "test_x.py").write_text(f'app.save_screenshot("dash.svg", "{bad}")\n')
    (tmp_path / "tests" / "ok.py").write_text('path = tmp_path / "tmp" / "zc"\n')
    assert fixed_paths(tmp_path) == [f'tests{os.sep}test_x.py:1: app.save_screenshot("dash.svg", "{bad}")']


def test_no_test_sees_the_real_home_or_config(tmp_path_factory) -> None:
    """The session fixture moved HOME, the XDG dirs and TMPDIR under pytest's temp root."""
    import tempfile

    base = tmp_path_factory.getbasetemp()
    for key in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "TMPDIR", "ZCONNECT_CONFIG"):
        assert Path(os.environ[key]).is_relative_to(base), key
    assert Path(tempfile.gettempdir()) == Path(os.environ["TMPDIR"])
    assert Path.home().is_relative_to(base)
