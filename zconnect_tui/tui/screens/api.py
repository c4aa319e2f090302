"""The API screen: a saved or typed call on the selected connection, and Zoho's answer.

Opened from the dashboard (`p`, one `actions.ACTIONS` entry). The call runs in a worker, off
the UI thread (`api_answer.CallRunner` through `work.off_thread`), with a progress line and
Esc to cancel; the answer shows its status, time and size, and the body as a foldable JSON
tree (`json_tree.JsonTree`) or as text. The token goes only into the request: it is never on
this screen, nor are the connection's other secrets (any that a body echoes are masked).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from zconnect_tui.errors import ZconnectError
from zconnect_tui.model import Connection
from zconnect_tui.products import OTHER, product_of
from zconnect_tui.saved import METHODS
from zconnect_tui.text import clean
from zconnect_tui.tui import api_answer, stylesheet
from zconnect_tui.tui.actions import key_of
from zconnect_tui.tui.api_answer import Answer, CallRunner, redactor, size_text
from zconnect_tui.tui.api_form import CallForm, form_texts, parse_values
from zconnect_tui.tui.json_tree import JsonTree, safe
from zconnect_tui.tui.keybar import KeyBar
from zconnect_tui.tui.remedies import error_text
from zconnect_tui.tui.screens import StyledAtMount
from zconnect_tui.tui.widgets import as_error
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager
    from zconnect_tui.tui.screens.help import Section

class ApiScreen(StyledAtMount, Screen[None]):
    """Run API calls on one connection; dismisses with None (the dashboard re-reads the file)."""

    DEFAULT_CSS = stylesheet("api.tcss")
    BINDINGS = [
        Binding("ctrl+r", "run", "Run", id="api.run", tooltip="Run the call", priority=True),
        Binding("ctrl+s", "save", "Save as", id="api.save", tooltip="Save the typed call as a named API",
                priority=True),
        Binding("escape", "back", "Back/Cancel", id="api.back", tooltip="Cancel the running call, else go back"),
        # F1, not ?: the form's boxes take a typed "?" (a query string).
        Binding("f1", "help", "Help", id="api.help", tooltip="This screen's keys, and every other"),
    ]

    def __init__(self, manager: Manager, conn: Connection) -> None:
        super().__init__()
        self.manager = manager
        self.conn = conn
        self.runner: CallRunner | None = None
        """The call running now (None when idle)."""
        self.answer: Answer | None = None
        """The last answer shown."""
        self.saving = False
        self.picked: str | None = None
        """The saved API the form was filled from (the save dialog proposes its name)."""
        self._started = 0.0
        self._ticker: Timer | None = None
        self._waiting = ""
        self._kept: tuple[str, ...] = ("GET", "", "", "")
        """The form as nothing typed (empty), as a saved API filled it, or as last saved: what Esc loses
        nothing by leaving."""

    def compose(self) -> ComposeResult:
        conn = self.conn
        yield Static(f"API calls · {conn.name} · {conn.service} · {conn.location or conn.dc}", id="api-title",
                     markup=False)
        with Vertical(id="api-request"):
            yield Label("Saved APIs (Enter fills the form)", classes="api-label", id="saved-label")
            yield OptionList(id="saved", compact=True)
            with Horizontal(classes="api-row"):
                yield Select(((m, m) for m in METHODS), value="GET", allow_blank=False, compact=True, id="method")
                yield Input(placeholder=f"path, e.g. {self._example()}", compact=True, id="path")
            for name, label, hint in (
                    ("fields", "Fields", "key=value … typed like -F: 5, true, null; '\"5\"' stays text"),
                    ("headers", "Headers", "'Name: value' … (the token is added for you)"),
                    ("values", "Values", "name=value … for the path's {placeholders}")):
                with Horizontal(classes="api-row", id=f"{name}-row"):
                    yield Label(label, classes="api-label")
                    # Values comes pre-filled (`id=`): typing goes after it, not over it.
                    yield Input(placeholder=hint, compact=True, id=name, select_on_focus=name != "values")
        yield Static("", id="api-status", markup=False)
        yield JsonTree(id="api-json")
        yield TextArea(read_only=True, id="api-text", soft_wrap=True)
        yield KeyBar()

    def _example(self) -> str:
        """The product's first call (its profile's), as the path box's example."""
        product = product_of(self.conn.service)
        return product.first_call.split("?", 1)[0] or "/…"

    def _stored_values(self, names: list[str]) -> dict[str, str]:
        """The `{placeholders}` the stored context fills (Projects' `{portal}`), of `names`."""
        stored = product_of(self.conn.service).context_values(self.conn)
        return {k: v for k, v in stored.items() if k in names}

    def _asked(self, form: CallForm) -> list[str]:
        """The placeholders the Values box asks for: those the stored context does not fill."""
        names = form.placeholders()
        return [n for n in names if n not in self._stored_values(names)]

    def on_mount(self) -> None:
        self.query_one("#api-text").display = False
        self.query_one("#api-json").display = False
        self._list_saved()
        self._show_values()
        self.query_one("#saved" if self.conn.apis else "#path").focus()
        self._status(f"Type a call, or pick a saved API; ctrl+r runs it. {self.conn.name}'s token is added to "
                     "each call and never shown.", "")

    # ----- the form -----------------------------------------------------------------------------
    def _list_saved(self) -> None:
        saved = self.query_one("#saved", OptionList)
        saved.clear_options()
        if not self.conn.apis:
            saved.add_option(Option("No saved APIs yet: type a call, then ctrl+s saves it.", disabled=True))
            return
        width = max(len(key) for key in self.conn.apis) + 2
        paths = {key: safe(api.path, 60) for key, api in self.conn.apis.items()}
        path_width = max(len(path) for path in paths.values()) + 2
        for key, api in sorted(self.conn.apis.items()):
            line = Text(f"@{key}".ljust(width), style="bold")
            line.append(f"{api.method:<7}")
            line.append(paths[key].ljust(path_width))
            if api.description:
                line.append(safe(api.description, 120), style="dim")
            saved.add_option(Option(line, id=key))
        saved.highlighted = 0

    @on(OptionList.OptionSelected, "#saved")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id
        api = self.conn.apis.get(key or "")
        if api is None:
            return
        self.picked = key
        form = CallForm.from_saved(api)
        self.query_one("#method", Select).value = form.method
        path, fields, headers = form_texts(api)  # cleaned: they come from the file
        self.query_one("#path", Input).value = path
        self.query_one("#fields", Input).value = fields
        self.query_one("#headers", Input).value = headers
        self._kept = self._typed()
        names = self._asked(form)
        values = self.query_one("#values", Input)
        values.value = " ".join(f"{name}=" for name in names)
        values.cursor_position = len(names[0]) + 1 if names else 0  # after the first `name=`
        self._show_values()
        self.query_one("#values" if names else "#path", Input).focus()

    @on(Input.Changed, "#path, #fields, #headers")
    def _form_changed(self) -> None:
        self._show_values()

    def _show_values(self) -> None:
        """The Values box only while the call has `{placeholders}` (it names them)."""
        try:
            names = self._asked(self._form())
        except ZconnectError:
            names = []
        row = self.query_one("#values-row")
        row.display = bool(names)
        if names:
            self.query_one("#values", Input).placeholder = " ".join(f"{n}=…" for n in names) + "  (fills {" + \
                "}, {".join(names) + "})"

    def _typed(self) -> tuple[str, ...]:
        """Method, path, fields and headers as the form holds them now."""
        return (str(self.query_one("#method", Select).value),
                *(self.query_one(f"#{name}", Input).value.strip() for name in ("path", "fields", "headers")))

    def unsaved_text(self) -> str | None:
        """What leaving would lose (None: nothing); Esc and the app's ctrl+q ask with it."""
        if self._typed() == self._kept:
            return None
        return "The call typed on the API screen is not saved (ctrl+s saves it by name)."

    def _form(self) -> CallForm:
        return CallForm.read(str(self.query_one("#method", Select).value), self.query_one("#path", Input).value,
                             self.query_one("#fields", Input).value, self.query_one("#headers", Input).value)

    # ----- running --------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Run and Save are greyed out (and their keys ignored) while a call or a save runs."""
        if action in ("run", "save") and (self.runner is not None or self.saving):
            return None
        return True

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        if self.runner is not None or self.saving:
            return  # repeated presses are ignored while the call runs
        try:
            form = self._form()
            typed = parse_values(self.query_one("#values", Input).value) if self._asked(form) else {}
            call = form.filled({**self._stored_values(form.placeholders()), **typed})  # typed ones win
        except ZconnectError as exc:
            self._status(f"✘ {error_text(exc)}", "-error")
            return
        self.runner = CallRunner(self.manager, self.conn.name, call, on_wait=self._on_wait)
        # The last answer goes: under a "Cancelled" or an error line it would pass for this call's.
        self.query_one("#api-json").display = self.query_one("#api-text").display = False
        self._started = time.monotonic()
        self._waiting = ""
        self._ticker = self.set_interval(1, self._tick)
        self._tick()
        self.refresh_bindings()
        self._run(self.runner)

    def _on_wait(self, seconds: float, why: str) -> None:
        # In the worker thread: the next tick shows it.
        self._waiting = f" · waiting {seconds:g} s for {why}"

    def _tick(self) -> None:
        if self.runner is None:
            return
        seconds = int(time.monotonic() - self._started)
        line = safe(self.runner.form.line, 120)
        self._status(f"⟳ {line}… {seconds}s{self._waiting} · Esc cancels", "-busy")

    def _end(self) -> None:
        self.runner = None
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self.refresh_bindings()

    @work(exclusive=True, group="api-call", exit_on_error=False)
    async def _run(self, runner: CallRunner) -> None:
        try:
            answer = await off_thread(runner.run, name="zconnect-api")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every failure is shown, none may crash the app
            self._end()
            self._status(f"✘ {runner.form.method} {safe(runner.form.path, 120)}: {error_text(as_error(exc))}",
                         "-error")
            return
        self._end()
        self._show(answer, runner.form)

    def _cancel(self) -> None:
        runner = self.runner
        assert runner is not None
        runner.cancel()
        self.workers.cancel_group(self, "api-call")
        self._end()
        note = "" if runner.form.method in ("GET", "HEAD", "OPTIONS") else \
            f" If Zoho had already received the {runner.form.method}, it may still take effect."
        self._status(f"Cancelled {safe(runner.form.line, 120)}.{note}", "-error")

    # ----- the answer -----------------------------------------------------------------------------
    def _show(self, answer: Answer, form: CallForm) -> None:
        self.answer = answer
        head = (f"{'✔' if answer.ok else '✘'} {answer.status} {answer.reason} · "
                f"{api_answer.elapsed_text(answer.elapsed)} · {size_text(answer.size)}")
        tree, text = self.query_one("#api-json", JsonTree), self.query_one("#api-text", TextArea)
        tree.display = answer.is_json
        text.display = not answer.is_json and answer.text is not None
        if answer.is_json:
            head += " JSON"
            tree.redact = redactor(answer.secrets)
            tree.show(answer.value)
        elif answer.text is not None:
            text.load_text(answer.text)
            if answer.text_cut:
                head += f"; showing the first {api_answer.MAX_TEXT // 1024} KiB"
        elif answer.size:
            head += (f" of {answer.content_type or 'binary data'}, not shown. Save it from a shell: "
                     f"zconnect api {self.conn.name} '{form.path}' > FILE")
        else:
            head += ", no body"
        if answer.zoho_message:
            head += f" · {answer.zoho_message}"
        hint = self._hint(answer, form)
        self._status(head + (f"\n{hint}" if hint else ""), "-ok" if answer.ok else "-error")

    def _hint(self, answer: Answer, form: CallForm) -> str:
        """What to do about an error answer, in the dashboard's keys."""
        status, message = answer.status, answer.zoho_message
        if answer.rate_limit_wait is not None:
            wait = f"{answer.rate_limit_wait:g} s"
            return (f"Zoho's rate limit: try again in {wait}." if form.method in ("GET", "HEAD", "OPTIONS") else
                    f"Zoho's rate limit: not repeated ({form.method} may not be safe to repeat); try in {wait}.")
        product = product_of(self.conn.service)
        context = product.context
        refusal = context.refusal(status, message) if context is not None else ""
        if context is not None and refusal == OTHER:
            return (f"The token was authorized for another {context.label}: Test ({key_of('test')}) on the "
                    f"dashboard stores the one it works for; or add {context.manual(cli=False)}.")
        if context is not None and refusal:
            return (f"{product.short} needs the {context.noun}: Test ({key_of('test')}) on the dashboard stores it; "
                    f"or add {context.manual(cli=False)}.")
        if status == 401:
            first = "Zoho still refuses the token after a refresh" if answer.refreshed else "Zoho refuses the token"
            return (f"{first}: the connection may lack this API's scope; add it with Edit ({key_of('edit')}) "
                    "on the dashboard and authorize again.")
        if 300 <= status < 400:
            return "zconnect follows no redirects (the token would go along); call the new location itself."
        if status >= 500:
            return "Zoho is having trouble; try again in a minute."
        return ""

    def _status(self, text: str, kind: str) -> None:
        status = self.query_one("#api-status", Static)
        status.update(text)
        status.set_classes(kind)

    @on(JsonTree.ValueCut)
    def _value_cut(self, event: JsonTree.ValueCut) -> None:
        # A toast wraps: the whole row (at most json_tree.MAX_VALUE characters of the value) is read.
        self.notify(event.text, title="Value", markup=False, timeout=15)

    # ----- saving ---------------------------------------------------------------------------------
    def action_save(self) -> None:
        if self.runner is not None or self.saving:
            return
        try:
            api = self._form().checked_for_saving()
        except ZconnectError as exc:
            self._status(f"✘ Not saved: {error_text(exc)}", "-error")
            return
        from zconnect_tui.tui.screens.api_save import SaveApiModal

        def saved(named: tuple[str, str] | None) -> None:
            if named:
                self._save(api, *named)

        picked = self.conn.apis.get(self.picked or "")
        self.app.push_screen(SaveApiModal(self.conn.name, sorted(self.conn.apis), self.picked or "",
                                          clean(picked.description) if picked else ""),
                             callback=saved)

    @work(exclusive=True, group="api-save", exit_on_error=False)
    async def _save(self, api: Any, key: str, description: str) -> None:
        manager, name = self.manager, self.conn.name
        api.description = description
        self.saving = True
        self.refresh_bindings()
        try:
            self.conn = await off_thread(lambda: manager.save_api(name, key, api))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown, never a crash
            self._status(f"✘ Not saved: {error_text(as_error(exc))}", "-error")
            return
        finally:
            self.saving = False
            self.refresh_bindings()
        self.picked = key
        self._kept = self._typed()
        self._list_saved()
        needs = " ".join(f"-p {n}=…" for n in api.placeholders())
        text = f"Saved @{key} on {name}: {api.method} {safe(api.path, 120)}."
        # Once, in the status line where the call's answer shows (a toast said it again, #22 item 9).
        self._status(f"✔ {text} From a shell: zconnect api {name} @{key}{' ' + needs if needs else ''}", "-ok")

    @classmethod
    def help_sections(cls) -> list[Section]:
        """The help page opened here: this screen's keys first."""
        from zconnect_tui.tui.screens.help import help_sections
        from zconnect_tui.tui.steps import STEPS

        return help_sections(STEPS, "api")

    def action_help(self) -> None:
        from zconnect_tui.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.help_sections()))

    # ----- leaving --------------------------------------------------------------------------------
    def action_back(self) -> None:
        """Esc: cancel the running call, else back to the dashboard."""
        if self.runner is not None:
            self._cancel()
            return
        text = self.unsaved_text()
        if text is None:
            self.dismiss(None)
            return
        from zconnect_tui.tui.screens.confirm import ConfirmModal

        def leave(ok: bool | None) -> None:
            if ok:
                self.dismiss(None)

        self.app.push_screen(ConfirmModal("Leave the API screen?", text, "Leave", cancel="Stay"), callback=leave)
