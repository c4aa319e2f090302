"""`zconnect …` run in this process (`zconnect_tui.cli.main`), for tests that need many runs quickly.

Same arguments, environment and standard streams as a subprocess would get, without the ~0.3 s start:
stdout and stderr are captured, stdin is a string, the environment is applied for the run and restored.
Use the real subprocess (conftest.run_cli, Lab.cli) where the process boundary is the point.
"""

from __future__ import annotations

import io
import os
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from zconnect_tui import cli


@dataclass
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def label(self) -> str:
        return "zconnect " + " ".join(self.args)


def zconnect(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> Run:
    """Run `zconnect ARGS` in-process; `env` entries are set (None-valued ones removed) for the run."""
    saved = dict(os.environ)
    saved_stdin = sys.stdin
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.update(env or {})
        sys.stdin = io.StringIO(stdin)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as exc:  # argparse: --help, usage errors
                code = exc.code if isinstance(exc.code, int) else 1
            except Exception:  # what the interpreter would do: a traceback on stderr, exit 1
                traceback.print_exc()
                code = 1
    finally:
        sys.stdin = saved_stdin
        os.environ.clear()
        os.environ.update(saved)
    return Run(tuple(args), code, out.getvalue(), err.getvalue())
