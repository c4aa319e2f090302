"""Every export format, one line each: `zconnect export --format`, its help, the TUI's Export tabs, the
dashboard's help and the README's list all come from `FORMATS`.

A new format is a module here with a `FORMAT` (`base.ExportFormat`: key, title, one-line help, whether an
extension uses it, `render`) and its line below. A format that fails renders its own error
(`render_all`): the others still show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from zconnect_tui.exports import connector, console, curl, deluge, env, json_format, posting, sigma
from zconnect_tui.exports.base import ExportFormat, ExportOptions

if TYPE_CHECKING:
    from zconnect_tui.datacenters import DataCenters
    from zconnect_tui.model import Connection

FORMATS: tuple[ExportFormat, ...] = (
    connector.FORMAT,
    env.FORMAT,
    json_format.FORMAT,
    curl.FORMAT,
    deluge.FORMAT,
    console.FORMAT,
    sigma.FORMAT,
    posting.FORMAT,
)

__all__ = ["FORMATS", "ExportFormat", "ExportOptions", "Rendered", "epilog", "get", "keys", "render", "render_all"]


class Rendered(NamedTuple):
    """One format's text, or why it could not be made."""

    text: str
    error: Exception | None = None


def keys() -> tuple[str, ...]:
    """The format keys, in the registry's order (`export --format` choices)."""
    return tuple(f.key for f in FORMATS)


def get(key: str) -> ExportFormat:
    """The format `key`; an unknown one is a usage error naming the choices."""
    from zconnect_tui.errors import UsageError

    for fmt in FORMATS:
        if fmt.key == key:
            return fmt
    raise UsageError(f"Unknown export format {key!r}.", f"Choose one of {', '.join(keys())}.")


def render(key: str, conn: Connection, dcs: DataCenters, options: ExportOptions | None = None) -> str:
    """`conn` in the format `key` (its errors raised: the CLI prints them)."""
    return get(key).render(conn, dcs, options or ExportOptions())


def render_all(conn: Connection, dcs: DataCenters, formats: tuple[str, ...] | None = None,
               options: ExportOptions | None = None) -> dict[str, Rendered]:
    """`conn` in each format (all when None): a format that fails gives its error, the others their text."""
    out: dict[str, Rendered] = {}
    for key in formats if formats is not None else keys():
        try:
            out[key] = Rendered(render(key, conn, dcs, options))
        except Exception as exc:  # noqa: BLE001 - one format's bug or bad input never hides the others
            out[key] = Rendered("", exc)
    return out


def epilog() -> str:
    """`zconnect export --help`'s list of formats."""
    width = max(len(f.key) for f in FORMATS)
    rows = [f"  {f.key.ljust(width)}  {f.help}" for f in FORMATS]
    return "formats (* for an extension installed elsewhere: its org id and data centre stay dynamic):\n" + \
        "\n".join(("*" + row[1:]) if f.extension else row for f, row in zip(FORMATS, rows, strict=True))


def action_text() -> tuple[str, str]:
    """The dashboard's Export action, in its help and palette: (what it offers, its CLI command)."""
    titles = [f.title for f in FORMATS]
    offered = ", ".join(titles[:-1]) + f" and {titles[-1]}"
    return offered[0].upper() + offered[1:], f"zconnect export NAME --format {'|'.join(keys())}"
