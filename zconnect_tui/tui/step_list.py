"""The wizard's sidebar: Zoho's guide as a list of steps, where the user is and what is done."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

if TYPE_CHECKING:
    from zconnect_tui.tui.steps.base import Step


class StepList(Static):
    """The sidebar: the guide's steps, where the user is, and what is done (one widget, for a fast first
    frame); a finished step is a link back to it."""

    def __init__(self, steps: list[type[Step]], *, id: str) -> None:  # noqa: A002
        super().__init__("", id=id)
        self.steps = steps
        self.shown: tuple[tuple[int, ...], int] | None = None

    def show(self, flow: list[int], current: int) -> None:
        """`flow`: the indexes of the steps that apply; `current`: the one shown."""
        if self.shown == (tuple(flow), current):
            return
        self.shown = (tuple(flow), current)
        lines = [Content.styled("Zoho's guide", "bold"), Content("")]
        for number, index in enumerate(flow):
            title = self.steps[index].title
            if index < current:
                lines.append(Content.assemble(("✔ ", "$success"),
                                              (f"{number} {title}", f"@click=screen.go_to({index})")))
            elif index == current:
                lines.append(Content.styled(f"▶ {number} {title}", "bold $accent"))
            else:
                lines.append(Content.styled(f"  {number} {title}", "dim"))
        lines += [Content(""), Content(f"Step {flow.index(current)} of {len(flow) - 1}")]
        self.update(Content("\n").join(lines))
