"""A JSON body as a foldable, highlighted tree that is built as it is unfolded.

A Zoho page can hold thousands of records: making a node for each value up front would stall
the screen. Here a container's children are made when it is first unfolded, at most
`BATCH` at a time (a last "… N more" row makes the next batch on Enter), and a value shows at
most `MAX_VALUE` characters. A row never outgrows the tree's width (no horizontal scrollbar): it
ends in "…", and Enter on a cut value shows it whole. Every key and value from Zoho goes through
`safe` (text.clean): control characters and bidi overrides are shown as visible escapes and can
drive nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from zconnect_tui.text import clean

BATCH = 100
"""Children made per unfold (and per "more" row)."""
MAX_VALUE = 200
"""Characters of one value shown (the rest is cut, with "…")."""
PREVIEW = 60
"""Characters of a folded container's preview of its first values."""
AUTO_UNFOLD = 3
"""Top-level containers are unfolded at first when there are at most this many (`data`, `info`)."""


def safe(text: str, limit: int | None = None) -> str:
    """A string from Zoho as one line of this screen: unsafe characters as visible escapes, bounded."""
    # Nothing kept: a line break or tab is shown as its escape too (a tree row has one line).
    return clean(text, escape=True, limit=limit)


@dataclass
class Branch:
    """A container's node data: its value and how many of its children have been made."""

    value: dict[str, Any] | list[Any]
    made: int = 0

    @property
    def size(self) -> int:
        return len(self.value)

    def items(self, start: int, count: int) -> Iterator[tuple[str | int, Any]]:
        source: Iterator[tuple[str | int, Any]] = (iter(self.value.items()) if isinstance(self.value, dict)
                                                   else enumerate(self.value))
        return islice(source, start, start + count)


@dataclass
class More:
    """The "… N more" row at the end of a container shown in part."""

    parent: TreeNode[Any]


@dataclass
class Leaf:
    """A scalar's node data: its row as plain text, shown whole on Enter when the row is cut."""

    text: str


NodeData = Branch | More | Leaf | None


class JsonTree(Tree[NodeData]):
    """`show(value)` replaces what the tree shows; unfolding a node makes its children."""

    class ValueCut(Message):
        """Enter on a value whose row is cut to the width: `text` is the row whole."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None, redact: Callable[[str], str] | None = None) -> None:  # noqa: A002
        super().__init__("body", id=id)
        self.show_root = False
        self.guide_depth = 3
        self.redact = redact or (lambda text: text)
        """Applied to every key and value before it is shown (hides the connection's secrets)."""
        self._styles: dict[str, Style] = {}

    def _style(self, kind: str) -> Style:
        if not self._styles:
            theme = self.app.theme_variables if self.is_attached else {}
            names = {"key": "text-accent", "string": "text-success", "number": "text-warning",
                     "literal": "text-secondary", "muted": "text-muted"}
            for name, variable in names.items():
                colour = theme.get(variable, "")
                self._styles[name] = Style(color=colour) if colour.startswith("#") else Style()
            self._styles["key"] += Style(bold=True)
        return self._styles[kind]

    # ----- showing ----------------------------------------------------------------------------
    def show(self, value: Any) -> None:
        """Show a parsed JSON value: its first level made and unfolded, small top-level containers too."""
        self.clear()
        root = self.root
        if not isinstance(value, dict | list):
            label = self._scalar(Text(""), value)
            root.add_leaf(label, data=Leaf(label.plain))
            root.expand()
            return
        root.data = Branch(value)
        self._make(root)
        root.expand()
        containers = [child for child in root.children if isinstance(child.data, Branch)]
        if len(containers) <= AUTO_UNFOLD:
            for child in containers:
                self._make(child)
                child.expand()
        self.move_cursor(root.children[0] if root.children else None)

    def nodes_made(self) -> int:
        """How many nodes exist now (for the tests: far fewer than the body's values)."""

        def count(node: TreeNode[NodeData]) -> int:
            return 1 + sum(count(child) for child in node.children)

        return count(self.root) - 1

    @on(Tree.NodeExpanded)
    def _unfolded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        event.stop()
        if isinstance(event.node.data, Branch) and not event.node.children:
            self._make(event.node)

    def render_label(self, node: TreeNode[NodeData], base_style: Style, style: Style) -> Text:
        """The row's label, cut with "…" to what is left of the width after its guides."""
        text = super().render_label(node, base_style, style)
        room = self._room(node)
        if 0 < room < text.cell_len:
            text.truncate(room, overflow="ellipsis")
        return text

    def _room(self, node: TreeNode[NodeData]) -> int:
        """Cells for `node`'s label (0: not laid out yet, nothing is cut)."""
        # The vertical scrollbar's width is always kept free: whether it shows depends on the rows'
        # count, known only after their widths were measured, and a row one cell too wide would bring
        # back the horizontal scrollbar.
        width = self.region.width - self.styles.gutter.width - self.styles.scrollbar_size_vertical
        if width <= 0:
            return 0
        depth, parent = 0, node.parent
        while parent is not None and parent is not self.root:
            depth, parent = depth + 1, parent.parent
        return max(width - depth * self.guide_depth, 4)

    def is_cut(self, node: TreeNode[NodeData]) -> bool:
        """True when `node`'s row is shown cut to the width."""
        room = self._room(node)
        return 0 < room < super().render_label(node, Style(), Style()).cell_len

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        node = event.node
        if isinstance(node.data, Leaf):
            if self.is_cut(node):
                self.post_message(self.ValueCut(node.data.text))
            return
        if isinstance(node.data, More):
            event.stop()
            parent = node.data.parent
            node.remove()
            self._make(parent)

    # ----- making nodes -----------------------------------------------------------------------
    def _make(self, node: TreeNode[NodeData]) -> None:
        """The next batch of `node`'s children, and a "more" row when some are still not made."""
        branch = node.data
        if not isinstance(branch, Branch):
            return
        for key, value in branch.items(branch.made, BATCH):
            label = self._key(key)
            if isinstance(value, dict | list) and value:
                node.add(self._container(label, value), data=Branch(value))
            else:
                row = self._scalar(label, value)
                node.add_leaf(row, data=Leaf(row.plain))
        branch.made = min(branch.size, branch.made + BATCH)
        rest = branch.size - branch.made
        if rest:
            node.add_leaf(Text(f"… {rest:,} more not shown yet: Enter shows {min(rest, BATCH)} more",
                               style=self._style("muted")), data=More(node))

    def _key(self, key: str | int) -> Text:
        if isinstance(key, int):
            return Text(str(key), style=self._style("muted"))
        return Text(safe(self.redact(key), MAX_VALUE), style=self._style("key"))

    def _scalar(self, label: Text, value: Any) -> Text:
        text = label.copy()
        if label:
            text.append(": ")
        text.append_text(self._value(value, MAX_VALUE))
        return text

    def _value(self, value: Any, limit: int) -> Text:
        if isinstance(value, str):
            return Text(safe(json.dumps(self.redact(value), ensure_ascii=False), limit), style=self._style("string"))
        if isinstance(value, bool) or value is None:
            return Text(json.dumps(value), style=self._style("literal"))
        if isinstance(value, int | float):
            return Text(safe(json.dumps(value), limit), style=self._style("number"))
        return Text("{}" if isinstance(value, dict) else "[]", style=self._style("muted"))

    def _container(self, label: Text, value: dict[str, Any] | list[Any]) -> Text:
        """`key {9 keys} id: "70…", subject: "…"`: its size and a preview of its first values."""
        text = label.copy()
        count = len(value)
        if isinstance(value, dict):
            text.append(f" {{{count} key{'s' if count != 1 else ''}}}", style=self._style("muted"))
            pairs: Iterator[tuple[str | int, Any]] = iter(value.items())
        else:
            text.append(f" [{count} item{'s' if count != 1 else ''}]", style=self._style("muted"))
            pairs = enumerate(value)
        preview = Text(" ")
        for key, item in islice(pairs, 4):
            if len(preview) >= PREVIEW or (isinstance(item, dict | list) and item):
                break  # a preview of values, not of the containers within
            if isinstance(key, str):
                preview.append(safe(self.redact(key), 30) + ": ", style=self._style("muted"))
            preview.append_text(self._value(item, 30))
            preview.append(", ")
        preview.rstrip()
        preview.right_crop(1)
        preview.truncate(PREVIEW, overflow="ellipsis")
        return text + preview if preview.plain.strip() else text
