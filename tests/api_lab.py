"""A lab for the `zconnect api` tests: the emulator plus authorized desk, crm and books connections (and, when
asked, projects and inventory: Projects on a host of its own, as Zoho serves it)."""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import termios
import threading
from pathlib import Path

from reliability.lab import PYTHON, Lab

DESK_ORG = "60002000002"  # the emulator's default Desk organisation
BOOKS_ORG = "10234695"
PROJECTS_PORTAL = "647154700"  # the emulator's default portal (its id_string)
INVENTORY_ORG = "20234696"  # the emulator's default Inventory organisation


def api_lab(workdir: Path, *, every_product: bool = False) -> Lab:
    """desk (with its organisation), crm and books (with its organisation), all authorized; with
    `every_product`, also projects (with its portal) and inventory (with its organisation)."""
    lab = Lab(workdir)
    lab.add("desk", service="desk")
    lab.store.update("desk", lambda c: setattr(c, "org_id", DESK_ORG))
    lab.add("crm", service="crm")
    lab.add("books", service="books")
    lab.store.update("books", lambda c: setattr(c, "org_id", BOOKS_ORG))
    if not every_product:
        return lab
    lab.add_product_host("projects")
    lab.add("projects", service="projects")
    lab.store.update("projects", lambda c: setattr(c, "org_id", PROJECTS_PORTAL))
    lab.add("inventory", service="inventory")
    lab.store.update("inventory", lambda c: setattr(c, "org_id", INVENTORY_ORG))
    return lab


def run_bytes(lab: Lab, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    """The CLI as a subprocess, stdout kept as bytes (the body must come out exactly as Zoho sent it)."""
    return subprocess.run([PYTHON, "-m", "zconnect_tui", *args], input=stdin, capture_output=True,
                          env=lab.env(), timeout=120)


def run_on_tty(lab: Lab, *args: str, columns: int | None = None) -> tuple[int, str, str]:
    """The CLI with stdout on a pseudo-terminal: (exit code, what the terminal got, stderr). With `columns`,
    the terminal is that wide and no COLUMNS/LINES variable says otherwise (the terminal's own size counts)."""
    master, slave = pty.openpty()
    env = {**lab.env(), "TERM": "xterm-256color"}
    if columns is not None:
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen([PYTHON, "-m", "zconnect_tui", *args], stdout=slave, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks: list[bytes] = []

    def pump() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO once the child closed the terminal
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    _, err = proc.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(master)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n"), err.decode()
