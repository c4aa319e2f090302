"""`?`/F1: the wizard's steps, what each token state means, and every key with its CLI command."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from zconnect_tui.tui.actions import ACTIONS
from zconnect_tui.tui.screens.api import API_KEYS
from zconnect_tui.tui.states import STATES
from zconnect_tui.tui.steps.base import Step
from zconnect_tui.tui.widgets import OSC52_NOTE

KEY_NAMES = {"question_mark": "?", "slash": "/", "enter": "Enter", "delete": "Del", "escape": "Esc", "f1": "F1"}
WIZARD_KEYS = (
    ("ctrl+n, Enter", "Next: check this step and go on (Save on step 5)"),
    ("Esc", "Cancel what is running (a wait, a check, a save); else the previous step"),
    ("ctrl+o", "Leave for the dashboard (asks first when something is not saved)"),
    ("click", "A finished step in the sidebar goes back to it"),
    ("F1", "This help"),
    ("ctrl+q", "Quit zconnect (what is not saved is lost)"),
)


def _keys(keys: str) -> str:
    return ", ".join(KEY_NAMES.get(k, k) for k in keys.split(","))


def help_sections(steps: list[type[Step]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(heading, [(left, right)]) sections; plain text, so tests and the screen read the same."""
    from zconnect_tui.tui.steps import guide_numbers

    numbers = guide_numbers(steps)
    return [
        ("The wizard follows Zoho's guide",
         [(f"{numbers[cls.key]} {cls.title}", cls.guide) for cls in steps]),
        ("Token states", [(f"{look.symbol} {look.label}", look.meaning) for look in STATES.values()]),
        ("Dashboard keys (and the command behind each)",
         [(_keys(a.keys), f"{a.title}: {a.help}.  $ {a.cli}") for a in ACTIONS]),
        ("Wizard keys", list(WIZARD_KEYS)),
        ("API screen keys (p on the dashboard)", list(API_KEYS)),
        ("Copying", [("c, Copy", f"Copies through the terminal ({OSC52_NOTE}); the value also stays on screen "
                     "to select by hand.")]),
    ]


class HelpScreen(ModalScreen[None]):
    """A scrollable page of help; Esc, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close", tooltip="Close the help")]

    def __init__(self, steps: list[type[Step]] | None = None) -> None:
        super().__init__(classes="modal")
        if steps is None:
            from zconnect_tui.tui.steps import STEPS

            steps = STEPS
        self.steps = steps

    @property
    def text(self) -> str:
        return "\n".join(f"{h}\n" + "\n".join(f"  {a}: {b}" for a, b in rows)
                         for h, rows in help_sections(self.steps))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide tall"):
            yield Static("zconnect help (Esc closes)", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll", id="help-scroll"):
                yield Static(id="help-body")

    def on_mount(self) -> None:
        # One widget holding a grid (wrapped text keeps its column): quick to open, whatever its length.
        accent = self.app.theme_variables.get("text-accent", "")
        heading = Style(color=accent, bold=True) if accent.startswith("#") else Style(bold=True)
        parts: list[RenderableType] = []
        for title, rows in help_sections(self.steps):
            grid = Table.grid(padding=(0, 2))
            grid.add_column(no_wrap=True, style=Style(bold=True))
            grid.add_column(ratio=1)
            for left, right in rows:
                grid.add_row(Text(left), Text(right))
            parts += [Text(title, style=heading), grid, Text("")]
        self.query_one("#help-body", Static).update(Group(*parts))
        self.query_one("#help-scroll").focus()

    def action_close(self) -> None:
        self.dismiss(None)
