"""What every export format is: a key, its words, whether an extension uses it, and how it renders.

One module per format holds a `FORMAT` (an `ExportFormat`); `exports/__init__.py` lists them. Pure
string work: no HTTP stack, no file access (the CLI writes a format's files, the TUI shows them).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from zconnect_tui.errors import UsageError

if TYPE_CHECKING:
    from zconnect_tui.datacenters import DataCenters
    from zconnect_tui.model import Connection

NAME_RE = r"^[A-Za-z][A-Za-z0-9_]{0,49}$"
"""A namespace, connector or link name as Zoho's consoles take them (and safe inside a Deluge string)."""


@dataclass(frozen=True)
class ExportOptions:
    """What a user may add to an export: `zconnect export --namespace … --connector …`."""

    namespace: str = ""
    """The extension's namespace, invokeConnector's first part (empty: a visible placeholder)."""
    connector: str = ""
    """The Developer Console connector's name (empty: the connection's name)."""

    def __post_init__(self) -> None:
        for flag, value in (("--namespace", self.namespace), ("--connector", self.connector)):
            if value and not re.match(NAME_RE, value):
                raise UsageError(f"{value!r} is not a name Zoho's consoles take ({flag}).",
                                 "Use a letter, then letters, digits or '_' (up to 50).")


Render = Callable[["Connection", "DataCenters", ExportOptions], str]
Files = Callable[["Connection", "DataCenters", ExportOptions], dict[str, str]]


@dataclass(frozen=True)
class ExportFormat:
    """One export format, as `zconnect export --format KEY`, the TUI's Export tab and the README show it."""

    key: str
    title: str
    """A short noun phrase for lists: "a curl command"."""
    help: str
    """One line: what the format holds."""
    extension: bool
    """For an extension installed by other organisations: the org id and the data centre stay dynamic and
    nothing of the developer's own account (ids, tokens, secrets) is written in."""
    render: Render
    files: Files | None = None
    """A format that is a folder of files (Posting's collection): name → text; `render` shows them as one text."""


def link_name(conn: Connection, options: ExportOptions) -> str:
    """The connector's (and the Zoho connection's link) name: `--connector`, else the connection's name
    made into one (Zoho's link names are letters, digits and '_')."""
    if options.connector:
        return options.connector
    name = re.sub(r"[^A-Za-z0-9_]", "_", conn.name).strip("_") or "zoho"
    return name if name[0].isalpha() else f"c_{name}"
