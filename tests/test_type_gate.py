"""Issue #19 item 6: types are a gate. mypy itself runs in .ci/run; here, the rules around it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `# type: ignore[code]` followed by a comment that says why (Textual's private API, a library without stubs…).
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


def unexplained_ignores(root: Path = ROOT / "zconnect_tui") -> list[str]:
    """`file:line` for every `type: ignore` in the package without an error code and a reason after it."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = IGNORE.search(line)
            if match and not (match["codes"] and re.match(r"\s*#\s*\S", match["rest"])):
                found.append(f"{path.relative_to(root.parent)}:{number}")
    return found


def test_every_type_ignore_says_why() -> None:
    assert unexplained_ignores() == []


def test_the_guard_catches_a_bare_ignore(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = f()  # type: ignore[no-untyped-call]\n"
                                   "y = g()  # type: ignore\n"
                                   "z = h()  # type: ignore[attr-defined]  # h's stub lacks it\n")
    assert unexplained_ignores(tmp_path) == [f"{tmp_path.name}/m.py:1", f"{tmp_path.name}/m.py:2"]


def test_mypy_is_pinned_strict_and_run_by_ci() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(re.fullmatch(r"mypy==[\d.]+", dep) for dep in project["project"]["optional-dependencies"]["test"])
    assert project["tool"]["mypy"]["strict"] is True
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ".venv/bin/mypy --strict zconnect_tui" in ci and ci.rstrip().splitlines()[-2].startswith('echo "pytest:')
