"""`?`/F1: the wizard's steps, what each token state means, and every key with its CLI command."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from zconnect_tui.tui.actions import ACTIONS
from zconnect_tui.tui.api_form import API_KEYS
from zconnect_tui.tui.screens.dialog import Dialog
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


COMMAND = "$ "
"""Starts the line of a help row that is the CLI command behind it (shown dimmed)."""


def _keys(keys: str) -> str:
    return ", ".join(KEY_NAMES.get(k, k) for k in keys.split(","))


WIZARD_STEPS, TOKEN_STATES, DASHBOARD_KEYS = ("The wizard follows Zoho's guide", "Token states",
                                              "Dashboard keys (and the command behind each)")
WIZARD_KEYS_TITLE, API_KEYS_TITLE = "Wizard keys", "API screen keys (p on the dashboard)"
FIRST = {
    "wizard": (WIZARD_STEPS, WIZARD_KEYS_TITLE),
    "dashboard": (DASHBOARD_KEYS, TOKEN_STATES),
    "api": (API_KEYS_TITLE,),
}
"""The sections read first, by the screen the help is opened from: that screen's keys, not three pages down."""


Section = tuple[str, list[tuple[str, str]]]
"""(heading, [(left, right)]): one section of the help page."""


def help_sections(steps: list[type[Step]], opened_from: str = "wizard") -> list[Section]:
    """(heading, [(left, right)]) sections, those of the screen `opened_from` first; plain text, so tests and
    the screen read the same."""
    from zconnect_tui.tui.steps import guide_numbers

    numbers = guide_numbers(steps)
    sections = [
        (WIZARD_STEPS, [(f"{numbers[cls.key]} {cls.title}", cls.guide) for cls in steps]),
        (TOKEN_STATES, [(f"{look.symbol} {look.label}", look.meaning) for look in STATES.values()]),
        # The command on a line of its own: run on after the text, its "$" was left at a line's end.
        (DASHBOARD_KEYS, [(_keys(a.keys), f"{a.title}: {a.described()[0]}.\n{COMMAND}{a.described()[1]}")
                          for a in ACTIONS]),
        (WIZARD_KEYS_TITLE, list(WIZARD_KEYS)),
        (API_KEYS_TITLE, list(API_KEYS)),
        ("Copying", [("c, Copy", f"Copies through the terminal ({OSC52_NOTE}); the value also stays on screen "
                     "to select by hand.")]),
        ("Dialogs and screenshots", [
            ("↑/↓, PgUp/PgDn, Home/End", "Scroll a dialog's text (details, export, edit, this help), from its "
                                         "buttons too"),
            ("F12", "Save an SVG screenshot in the current directory, anywhere (a revealed secret is masked)"),
        ]),
    ]
    first = FIRST.get(opened_from, ())
    return sorted(sections, key=lambda section: first.index(section[0]) if section[0] in first else len(first))


class HelpScreen(Dialog[None]):
    """A scrollable page of help; Esc, q or ? closes it."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close", tooltip="Close the help")]

    def __init__(self, sections: list[Section] | None = None) -> None:
        """`sections`: handed by the screen that opens the help (its `help_sections()`, its own keys first)."""
        super().__init__()
        if sections is None:
            from zconnect_tui.tui.steps import STEPS

            sections = help_sections(STEPS)
        self.sections = sections

    @property
    def text(self) -> str:
        return "\n".join(f"{h}\n" + "\n".join(f"  {a}: {b}" for a, b in rows)
                         for h, rows in self.sections)

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
        for title, rows in self.sections:
            grid = Table.grid(padding=(0, 2))
            grid.add_column(no_wrap=True, style=Style(bold=True))
            grid.add_column(ratio=1)
            for left, right in rows:
                grid.add_row(Text(left), self._right(right))
            parts += [Text(title, style=heading), grid, Text("")]
        self.query_one("#help-body", Static).update(Group(*parts))
        self.query_one("#help-scroll").focus()

    @staticmethod
    def _right(text: str) -> Text:
        """A row's text; its command line (after "\n$ ") dimmed, so the sentence reads first."""
        body = Text(text)
        start = text.find(f"\n{COMMAND}")
        if start >= 0:
            body.stylize("dim", start + 1)
        return body

    def action_close(self) -> None:
        self.dismiss(None)
