"""A URL on screen that breaks only where a URL has its own seams, never inside a word.

Rich folds a long word at the last cell of the line: "https://accounts.zoho.com/oauth/v3/dev" + "ice" on
a narrow screen reads as two things, and a person copying it by hand types it wrong. `UrlText` breaks a
line after a `/` (and, in a query string, before `?` and `&`, after a comma and after an encoded `/` or
comma); only a single piece longer than the whole line is folded, as nothing else can show it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.geometry import Size


def url_pieces(url: str) -> list[str]:
    """`url` cut after each `/` or `%2F` (a `//` stays whole), after `,` or `%2C`, and before `?` and `&`
    (joined, the pieces are `url`)."""
    pieces: list[str] = []
    piece = ""
    for i, char in enumerate(url):
        if char in "?&" and piece:
            pieces.append(piece)
            piece = ""
        piece += char
        encoded = piece[-3:].upper()  # an encoded "/" or "," (in the redirect_uri and scope parameters)
        ends = ((char == "/" and url[i + 1:i + 2] != "/") or char == "," or encoded == "%2C"
                or (encoded == "%2F" and url[i + 1:i + 4].upper() != "%2F"))
        if ends:
            pieces.append(piece)
            piece = ""
    return [*pieces, piece] if piece else pieces


def url_lines(url: str, width: int) -> list[str]:
    """`url` on lines of at most `width` cells, broken only between pieces (`url_pieces`); a piece wider than
    a line is folded."""
    width = max(width, 1)
    lines: list[str] = [""]
    for piece in url_pieces(url):
        if lines[-1] and cell_len(lines[-1]) + cell_len(piece) > width:
            lines.append("")
        while cell_len(piece) > width - cell_len(lines[-1]):  # only a piece longer than a whole line
            room = width - cell_len(lines[-1])
            lines[-1] += piece[:room]
            piece = piece[room:]
            lines.append("")
        lines[-1] += piece
    return [line for line in lines if line] or [""]


class UrlText(Static):
    """A Static showing one URL, broken at its seams (`url_lines`) to the width it is given."""

    def __init__(self, url: str = "", *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id, classes=classes, markup=False)
        self.url = url

    def set_url(self, url: str) -> None:
        """Show `url` (already cleaned by the caller)."""
        if url != self.url:
            self.url = url
            self.refresh(layout=True)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return cell_len(self.url)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(url_lines(self.url, width))

    def render(self) -> Text:
        width = self.content_region.width or self.app.size.width
        return Text("\n".join(url_lines(self.url, width)), no_wrap=True, overflow="fold")
