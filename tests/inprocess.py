"""`zconnect …` run in this process (`zconnect_tui.cli.main`), for tests that need many runs quickly.

Same arguments, environment and standard streams as a subprocess would get, without the ~0.3 s start:
the command gets its own IO object (stdout and stderr captured, stdin a string; `sys` is not touched),
the environment is applied for the run and restored.
Use the real subprocess (conftest.run_cli, Lab.cli) where the process boundary is the point.
"""

from __future__ import annotations

import io
import os
import traceback

from reliability.lab import CliRun as Run  # the same record a subprocess run gives

from zconnect_tui import cli
from zconnect_tui.cli_io import IO


def zconnect(*args: str, env: dict[str, str | None] | None = None, stdin: str | None = "",
             timeout: float | None = None) -> Run:
    """Run `zconnect ARGS` in-process; `env` entries are set (None-valued ones removed) for the run.

    The arguments are conftest.run_cli's (`timeout` is the command's own business here: `--timeout`).
    """
    env = env or {}
    saved = {key: os.environ.get(key) for key in env}  # only these change: restoring all would cost ~1 ms
    out, err = io.StringIO(), io.StringIO()
    streams = IO(stdin=io.StringIO(stdin or ""), stdout=out, stderr=err)
    try:
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        try:
            # Fresh string objects, as a process's argv has: argparse compares values with defaults by
            # identity (a mutually exclusive `--client-type server` would pass as the interned default).
            code = cli.main([arg.encode().decode() for arg in args], io=streams)
        except SystemExit as exc:  # argparse: --help, usage errors
            code = exc.code if isinstance(exc.code, int) else 1
        except Exception:  # what the interpreter would do: a traceback on stderr, exit 1
            traceback.print_exc(file=err)
            code = 1
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return Run(tuple(args), code, out.getvalue(), err.getvalue())
