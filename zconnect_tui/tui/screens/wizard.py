"""The wizard: one screen, a ContentSwitcher with a body per step of Zoho's registration guide.

A reactive step index over `STEPS` drives the visible body, the progress sidebar (a header line
on narrow terminals) and the Back/Next buttons. Step bodies are mounted on first visit and stay
mounted, so Back and Next keep what was typed. Blocking work (the save, the organisation save)
runs in workers owned by this screen; Esc cancels a step's network action before it goes back.
The screen closes with the saved connection's name (None when nothing was saved): it dismisses to
the screen that pushed it, or, as the app's first screen, gives its place to the dashboard. Two roles
are base classes in their own files: leaving (wizard_leave.py) and holding keys (wizard_keys.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Button, ContentSwitcher, Input, Static

from zconnect_tui.errors import ZconnectError
from zconnect_tui.products import PRODUCTS
from zconnect_tui.tui import stylesheet
from zconnect_tui.tui.keybar import KeyBar
from zconnect_tui.tui.screens.wizard_leave import WizardLeave
from zconnect_tui.tui.step_list import StepList
from zconnect_tui.tui.steps import STEPS
from zconnect_tui.tui.steps.base import Commit, Step, WizardContext, WizardDraft
from zconnect_tui.tui.widgets import NavButton, as_error, set_text
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager
    from zconnect_tui.store import Snapshot
    from zconnect_tui.tui.screens.help import Section

def cut(text: str, width: int) -> str:
    """`text` in at most `width` cells (at least 8), its end replaced by "…" when it is longer."""
    width = max(width, 8)
    return text if len(text) <= width else text[:width - 1] + "…"


FOOTER_PALETTE_FROM = 70
"""From this many columns the footer also shows "^p palette" (ctrl+p works at any width)."""
NARROW_BELOW = 90
"""Below this many columns the sidebar gives way to a one-line "Step 3 of 8 · Redirect URL" header."""


class WizardScreen(WizardLeave):
    """Create a connection the way Zoho's guide registers a client, step by step."""

    DEFAULT_CSS = stylesheet("wizard.tcss")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_BELOW, "-wide")]
    # Each step focuses its own field (`_show_step`). Textual's automatic focus would first focus the
    # step's scroll container, and each move restyles the step: off.
    AUTO_FOCUS = ""
    BINDINGS = [
        # Priority: the app runs Next as it dispatches the key, before it hands on the keys typed after
        # it, which then wait for the next step (wizard_keys.KeyHold) instead of landing in this one.
        Binding("ctrl+n", "next", "Next", id="wizard.next", priority=True,
                tooltip="Check this step and go to the next"),
        Binding("enter", "enter_next", "Next", id="wizard.enter", priority=True, show=False,
                tooltip="Next, from a field whose Enter means Next (Step.enter_is_next)"),
        Binding("escape", "back", "Back", id="wizard.back",
                tooltip="Cancel what is running, else the previous step; what you typed is kept"),
        # ctrl+o, not ctrl+w: a focused Input uses ctrl+w (delete word) and would hide the binding.
        Binding("ctrl+o", "close", "Dashboard", id="wizard.close",
                tooltip="Leave the wizard for the dashboard (asks first when something is not saved)"),
        Binding("f1", "help", "Help", id="wizard.help", tooltip="The steps, the token states, the keys"),
        # The app's own ctrl+q (priority, hidden) does the quitting; this one shows it in the footer
        # (a priority binding of the app would replace a plain one here, and hide it).
        Binding("ctrl+q", "app.quit", "Quit", id="wizard.quit", priority=True,
                tooltip="Leave zconnect (what is not saved is lost)"),
    ]

    step: reactive[int] = reactive(0, init=False)
    """Index into `self.steps` of the step shown."""

    def __init__(self, manager: Manager, snapshot: Snapshot, prefill: dict[str, str] | None = None, *,
                 steps: list[type[Step]] | None = None, draft: WizardDraft | None = None,
                 start_at: str | None = None) -> None:
        super().__init__()
        self.steps = list(steps if steps is not None else STEPS)
        prefill = dict(prefill or {})
        self.draft = draft if draft is not None else WizardDraft()
        dcs = snapshot.dcs()
        if prefill.get("service") in PRODUCTS:
            self.draft.service = prefill["service"]
        if prefill.get("dc") in dcs:
            self.draft.dc = prefill["dc"]
        self.draft.name = prefill.get("name", self.draft.name)
        if not self.draft.scopes:
            self.draft.scopes = list(PRODUCTS[self.draft.service].defaults)
        self.ctx = WizardContext(manager, dcs, self.draft, prefill, set(snapshot.connections), self.step_label)
        self._initial = self.draft.scratch()
        self._committing = False
        self._preview_pending = False
        start = self.resolve(start_at) if start_at else 0
        self.set_reactive(WizardScreen.step, start)
        # The breakpoint class now, so the first resize does not restyle every widget once more.
        self.add_class("-narrow" if self.app.size.width < NARROW_BELOW else "-wide")

    # ----- steps ------------------------------------------------------------------------------------
    def index_of(self, key: str) -> int:
        """The index in `self.steps` of the step `key`."""
        return next(i for i, cls in enumerate(self.steps) if cls.key == key)

    def resolve(self, key: str) -> int:
        """The index of the step `key`, or, when it does not apply to these answers, of the step that
        stands for it in this branch (`Step.stands_for`; e.g. the Non-browser branch's own step 6)."""
        index = self.index_of(key)
        if self.steps[index].applies(self.draft):
            return index
        return next((i for i, cls in enumerate(self.steps) if cls.stands_for == key and cls.applies(self.draft)),
                    index)

    def flow(self) -> list[int]:
        """The indexes of the steps that apply to the answers so far (a branch may drop some)."""
        return [i for i, cls in enumerate(self.steps) if cls.applies(self.draft)]

    def step_label(self, key: str) -> str:
        """ "step 3 (Redirect URL)": how text sends the user to another step."""
        index = self.resolve(key)
        flow = self.flow()
        number = flow.index(index) if index in flow else index
        return f"step {number} ({self.steps[index].title})"

    def body(self, key: str | None = None) -> Step:
        """The mounted body of step `key` (the current step when None)."""
        index = self.step if key is None else self.index_of(key)
        return self.query_one(f"#step-{self.steps[index].key}", Step)

    # ----- layout -------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static("", id="wizard-title", markup=False)
        with Horizontal(id="wizard-main"):
            yield StepList(self.steps, id="steps")
            # Only the first step now; each other body is mounted on its first visit (a faster first
            # frame) and then stays mounted, so Back and Next keep what was typed.
            first = self.steps[self.step](self.ctx)
            with ContentSwitcher(initial=first.id, id="body"):
                yield first
        with Horizontal(id="nav"):
            yield NavButton("← Back", id="back")
            yield Static("", id="nav-hint", markup=False)
            yield NavButton("Next →", id="next", variant="primary")
        yield KeyBar(show_command_palette=self.app.size.width >= FOOTER_PALETTE_FROM)

    def on_mount(self) -> None:
        if not self.is_attached:
            return  # the app is closing: quit (a key typed ahead, say) before its first screen was up
        self._show_step(self.step)

    async def _ensure_body(self, index: int) -> Step:
        switcher = self.query_one("#body", ContentSwitcher)
        cls = self.steps[index]
        found = switcher.query_children(f"#step-{cls.key}")
        if found:
            return found.first(Step)
        body = cls(self.ctx)
        await switcher.mount(body)
        return body

    async def watch_step(self, old: int, new: int) -> None:
        old_body = self._mounted_body(old)
        if old_body is not None:
            old_body.leave(self.draft)
        await self._ensure_body(new)
        if not (self.is_attached and self.app.is_running):
            return  # the app is closing meanwhile: the new body was never composed
        self._show_step(new)

    def _mounted_body(self, index: int) -> Step | None:
        found = self.query_one("#body", ContentSwitcher).query_children(f"#step-{self.steps[index].key}")
        return found.first(Step) if found else None

    def _show_step(self, index: int) -> None:
        body = self.body()
        self.query_one("#body", ContentSwitcher).current = body.id
        body.enter(self.draft)
        self._refresh_nav()
        self._schedule_preview()
        target = self.query(body.focus_target) if body.focus_target else None
        widget = target.first() if target else None
        # set_focus, not focus(): that waits for the app's queue, so the first frame would show
        # the screen's automatic focus (the step's scroll container) instead of the name field.
        usable = widget is not None and widget.display and not widget.disabled
        self._release_keys(widget if usable else self.query_one("#next"))

    def _refresh_nav(self) -> None:
        """Sidebar, titles, Back/Next and the hint, from the current step's state."""
        index, flow = self.step, self.flow()
        if index not in flow:
            flow = sorted({*flow, index})
        body = self._mounted_body(index)
        self.query_one("#steps", StepList).show(flow, index)
        title = self.steps[index].title
        where = f"Step {flow.index(index)} of {len(flow) - 1}"
        saved = self.draft.saved
        # Below ~90 columns the sidebar collapses into this line: "Step 3 of 8 · Redirect URL".
        narrow = self.app.size.width < NARROW_BELOW
        line = self.query_one("#wizard-title", Static)
        if saved is None:
            text = f"{where} · {title}" if narrow else f"zconnect · New connection · {where}: {title}"
        else:
            # The name is cut (with "…") to what the line leaves it: the step must show, and some of the name.
            room = self.app.size.width - line.styles.gutter.width
            if narrow:
                text = f"{where} · {title} · {cut(saved.name, room - len(f'{where} · {title} · '))}"
            else:
                head, rest = "zconnect · Connection ", f" · {where}: {title}"
                text = f"{head}{cut(saved.name, room - len(head) - len(rest))}{rest}"
        set_text(line, text)
        back, nxt = self.query_one("#back", Button), self.query_one("#next", Button)
        back.disabled = index == flow[0]
        if body is None:
            return
        if str(nxt.label) != body.next_label:
            nxt.label = body.next_label
            self.refresh_bindings()  # the key bar names ^n as the button does
        nxt.disabled = self._committing or not body.can_advance
        hint = "Working… (Esc cancels)" if self._committing else body.nav_hint
        set_text(self.query_one("#nav-hint", Static), hint)

    def key_description(self, binding: Binding) -> str | None:
        """^n in the key bar says what Next does on this step: "Save", "Finish" (the button's words)."""
        body = self._mounted_body(self.step) if binding.action == "next" and self.is_mounted else None
        return body.next_label.rstrip(" →✔") if body is not None else None

    # ----- navigation -----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter is Next only in a field of the current step whose Enter means Next; elsewhere (a list, a
        button, step 6's paste box) the key goes on to the focused widget."""
        if action != "enter_next":
            return True
        focused, body = self.focused, self._mounted_body(self.step)
        return (not self.holding and focused is not None and body is not None
                and body in focused.ancestors and body.enter_is_next(focused))

    async def action_enter_next(self) -> None:
        await self.action_next()

    async def action_next(self) -> None:
        if self._committing or self.holding:
            return  # repeated presses are ignored while a save runs or the next step mounts
        body = self.body()
        await body.ready()  # Enter may come before the whole form is mounted
        if not body.can_advance or not body.validate(self.draft):
            return
        self._hold_keys()
        job = body.commit(self.draft)
        if job is not None:
            self._commit(body, job)
            return
        self._advance()

    @work(exclusive=True, group="wizard-commit", exit_on_error=False)
    async def _commit(self, body: Step, job: Commit) -> None:
        """Run a step's blocking commit off the UI thread; go on when it succeeds."""
        self._committing = True
        self._refresh_nav()
        try:
            # A commit that completes after Esc still happened: the step records it (no advance).
            result = await off_thread(job, on_drop=lambda value: body.committed(self.draft, value))
        except Exception as exc:  # noqa: BLE001 - shown on the step, never a crash
            self._committing = False
            body.commit_failed(as_error(exc))
            self._refresh_nav()
            self._release_keys(self.focused or self._focus_before)  # what was typed meanwhile stays here
            return
        finally:
            self._committing = False
        body.committed(self.draft, result)
        self._advance()

    def _advance(self) -> None:
        flow = self.flow()
        later = [i for i in flow if i > self.step]
        if not later:
            self._finish()
            return
        self.step = later[0]

    def _finish(self) -> None:
        saved = self.draft.authorized or self.draft.saved
        self._close(saved.name if saved is not None else None)

    def action_back(self) -> None:
        if self._committing:
            self.workers.cancel_group(self, "wizard-commit")
            self._committing = False
            self._release_keys(self._focus_before)
            self.notify("Cancelled. If the save had already reached the file, the connection is saved.",
                        timeout=5, markup=False)
            self._refresh_nav()
            return
        body = self._mounted_body(self.step)
        if body is not None and body.busy:
            body.cancel()  # Esc cancels the step's network action first
            self._refresh_nav()
            return
        earlier = [i for i in self.flow() if i < self.step]
        if earlier:
            self.step = earlier[-1]
        else:
            self.action_close()

    def action_go_to(self, index: int) -> None:
        """Jump back to a finished step (a link in the sidebar)."""
        if index < self.step and not self._committing:
            self.step = index

    def help_sections(self) -> list[Section]:
        """The help page opened here: this wizard's steps and keys first."""
        from zconnect_tui.tui.screens.help import help_sections

        return help_sections(self.steps, "wizard")

    def action_help(self) -> None:
        from zconnect_tui.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.help_sections()))

    # ----- events -----------------------------------------------------------------------------------------
    @on(Button.Pressed, "#next")
    async def _next_pressed(self) -> None:
        await self.action_next()

    @on(Button.Pressed, "#back")
    def _back_pressed(self) -> None:
        self.action_back()

    @on(Input.Submitted)
    async def _submitted(self, event: Input.Submitted) -> None:
        """Enter in a field means Next (the paste box handles its own Enter)."""
        await self.action_next()

    def on_resize(self) -> None:
        if not self.is_attached:
            return  # the app is closing
        self._refresh_nav()  # the title line says more when there is no sidebar
        # Below 70 columns the footer cannot hold every key and "^p palette": keep the keys (^q Quit).
        keys = self.query_one(KeyBar)
        keys.show_command_palette = self.app.size.width >= FOOTER_PALETTE_FROM

    @on(Step.Changed)
    def _step_changed(self) -> None:
        self._refresh_nav()
        self._schedule_preview()

    @on(Step.Advance)
    async def _step_done(self, event: Step.Advance) -> None:
        event.stop()
        if event.step is self._mounted_body(self.step):
            await self.action_next()

    def _schedule_preview(self) -> None:
        """Coalesce changes into one preview update after the next refresh."""
        if not self._preview_pending:
            self._preview_pending = True
            self.call_after_refresh(self._update_previews)

    def _update_previews(self) -> None:
        self._preview_pending = False
        if not (self.is_attached and self.is_current):
            return  # the wizard closed meanwhile (Esc right after a change), or a dialog covers it
        draft = self._read_all()
        for body in self._mounted():
            body.preview(draft)

    def commit_error(self, error: ZconnectError) -> None:
        """Show `error` on the current step (for callers outside the step)."""
        self.body().commit_failed(error)
