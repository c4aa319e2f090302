"""A real PostgreSQL server for the tests, from the binaries the `pgserver` package ships.

`PgLab.start(directory)` runs `initdb` and `pg_ctl` from `pgserver/pginstall/bin` on a data directory
under pytest's temp dir, listening only on a Unix socket inside it (no TCP port, nothing to clash).
PostgreSQL refuses to run as root. Run by root (CI, this project's machines), each command runs in a
new user namespace (`unshare --user`, no uid map): there the process is `nobody`, and so are the files
root owns, so PostgreSQL's own checks pass, while the kernel still grants it root's owner rights on
pytest's 0700 temp dirs. Nothing is chowned or chmodded and no system user is added (pgserver's own
launcher would do both, and its loosened parent directories are tightened again by every pytest run
that starts on the same machine). Each test gets a database of its own (`database()`), so one server
serves a whole pytest worker; `fsync=off` because a test server never needs to survive a power cut.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from pathlib import Path

import psycopg

_names = itertools.count()


def _bin() -> Path:
    """pgserver's `pginstall/bin`, found without importing pgserver (its import starts platformdirs lookups)."""
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    assert spec is not None and spec.submodule_search_locations, "pgserver is in the test extra"
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _command(tool: str, *args: str) -> list[str]:
    argv = [str(_bin() / tool), *args]
    if os.geteuid() == 0:
        unshare = shutil.which("unshare") or "/usr/bin/unshare"
        argv = [unshare, "--user", *argv]
    return argv


class PgLab:
    """One running server and the helpers the tests need."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.data = directory / "data"
        self.log = directory / "server.log"

    @classmethod
    def start(cls, directory: Path) -> PgLab:
        lab = cls(directory)
        directory.mkdir(parents=True, exist_ok=True)
        subprocess.run(_command("initdb", "-D", str(lab.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                "--no-sync"), check=True, capture_output=True, timeout=120)
        lab.start_again()
        return lab

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.data}"

    def database(self) -> str:
        """A new, empty database; its URL."""
        name = f"t{os.getpid()}_{next(_names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def start_again(self) -> None:
        options = f"-h '' -k {self.data} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._pg_ctl("-w", "-t", "60", "-o", options, "-l", str(self.log), "start")

    def stop(self) -> None:
        self._pg_ctl("-w", "-t", "60", "-m", "fast", "stop")

    def restart(self) -> None:
        self.stop()
        self.start_again()

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()

    def _pg_ctl(self, *args: str) -> None:
        done = subprocess.run(_command("pg_ctl", "-D", str(self.data), *args), capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"pg_ctl {' '.join(args)} failed: {done.stderr.strip()}\n{log}")
