"""What the two consent panels share: the browser one (`authorize_panel.AuthorizePanel`) and Zoho's
device flow (`device_panel.DevicePanel`). Both run in the wizard's step 6 and in the dashboard's
authorize dialog, post the same messages, and offer the same Multi-DC way out: when a data centre
other than the client's own refuses it (`MultiDCRejected`), a masked field takes that data centre's
Client Secret, the Manager stores it (in a worker) and the panel tries again.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Static

from zconnect_tui.errors import MultiDCRejected, ZconnectError
from zconnect_tui.model import Connection, validate_secret
from zconnect_tui.tui.remedies import StepLabel
from zconnect_tui.tui.widgets import FieldError, as_error
from zconnect_tui.tui.work import off_thread

if TYPE_CHECKING:
    from zconnect_tui.manager import Manager


class Phase(StrEnum):
    """Where the attempt is."""

    IDLE = "idle"
    REGISTER = "register"
    """Waiting for the user to register a changed redirect URI before the consent (nothing runs)."""
    STARTING = "starting"
    WAITING = "waiting"
    EXCHANGING = "exchanging"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


def multi_dc_words(error: MultiDCRejected, retry: str = "Retry") -> str:
    """The refusal and both fixes, as a panel that shows the secret field says them."""
    return (f"{error.message} Either enable {error.dc} under Multi-DC in the client's Settings tab of the API "
            f"Console (the same credentials for all data centres), then {retry}; or enter {error.dc}'s own Client "
            "Secret below: zconnect stores it for the users of that data centre and authorizes again.")


class DcSecretForm(Vertical):
    """Multi-DC: the Client Secret of the data centre that refused the client (masked, with a reveal toggle,
    like step 5). Save stores it through the Manager off the UI thread, then posts `Saved`."""

    DEFAULT_CSS = """
    DcSecretForm {
        height: auto;
    }
    """

    class Saved(Message):
        """`dc`'s own secret is stored; `conn` is the connection as the file has it now."""

        def __init__(self, conn: Connection, dc: str) -> None:
            super().__init__()
            self.conn, self.dc = conn, dc

    def __init__(self, manager: Manager, *, step: StepLabel | None = None) -> None:
        super().__init__(classes="dc-secret")
        self.manager = manager
        self.step = step
        self.name_ = ""
        self.dc = ""
        self.display = False

    def compose(self) -> ComposeResult:
        yield Static("", classes="field-label", id="dc-secret-label")
        with Horizontal(classes="secret-row"):
            # class "secret": the app's screenshot key (F12) masks it even while revealed.
            yield Input(placeholder="paste that data centre's Client Secret", password=True, id="dc-secret",
                        classes="secret")
            yield Checkbox("Reveal", id="dc-secret-reveal", tooltip="Show the secret while you check it")
        yield FieldError(id="dc-secret-error", step=self.step)
        with Horizontal(classes="buttons"):
            yield Button("Save and authorize again", id="dc-secret-save", variant="primary", compact=True)

    @property
    def saving(self) -> bool:
        return any(w.group == "dc-secret" and w.is_running for w in self.workers)

    def ask(self, name: str, dc: str) -> None:
        """Show the field for `dc`'s secret of connection `name`, empty and focused."""
        self.name_, self.dc = name, dc
        self.query_one("#dc-secret-label", Static).update(f"{dc}'s own Client Secret (Multi-DC)")
        self.query_one("#dc-secret", Input).value = ""
        self.query_one("#dc-secret-error", FieldError).clear()
        self.display = True
        field = self.query_one("#dc-secret", Input)
        field.focus(scroll_visible=False)
        # In view once the refusal above it is laid out: the focused control always is (at 60×20 it was below).
        self.call_after_refresh(field.scroll_visible, animate=False)

    def hide(self) -> None:
        """Hide the form and what was typed (the secret never stays on screen)."""
        self.workers.cancel_group(self, "dc-secret")
        self.query_one("#dc-secret-reveal", Checkbox).value = False
        self.query_one("#dc-secret", Input).value = ""
        self.display = False

    @on(Checkbox.Changed, "#dc-secret-reveal")
    def _reveal(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.query_one("#dc-secret", Input).password = not event.value

    @on(Input.Submitted, "#dc-secret")
    @on(Button.Pressed, "#dc-secret-save")
    def _save(self, event: Message) -> None:
        event.stop()  # Enter here saves; it is not the wizard's Next
        if self.saving:
            return  # repeated presses are ignored while it saves
        error = self.query_one("#dc-secret-error", FieldError)
        try:
            secret = validate_secret(self.query_one("#dc-secret", Input).value.strip())
        except ZconnectError as exc:
            error.show(exc)
            self.query_one("#dc-secret", Input).focus()
            return
        error.clear()
        self._store(self.name_, self.dc, secret)

    @work(exclusive=True, group="dc-secret", exit_on_error=False)
    async def _store(self, name: str, dc: str, secret: str) -> None:
        manager, button = self.manager, self.query_one("#dc-secret-save", Button)
        button.disabled = True
        try:
            conn = await off_thread(lambda: manager.set_secret(name, secret, dc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown under the field, never a crash
            self.query_one("#dc-secret-error", FieldError).show(as_error(exc))
            return
        finally:
            button.disabled = False
        self.hide()
        self.post_message(self.Saved(conn, dc))


class ConsentPanel(Vertical):
    """A consent attempt for the connection `name_` (one at a time; Retry starts a fresh one)."""

    # A Vertical defaults to height 1fr with hidden overflow: the panel grows, so the scroll container
    # around it (the wizard step, the authorize dialog) can reach the long consent URL.
    DEFAULT_CSS = """
    ConsentPanel {
        height: auto;
    }
    """

    class Succeeded(Message):
        """Zoho issued the tokens and they are stored."""

        def __init__(self, conn: Connection) -> None:
            super().__init__()
            self.conn = conn

    class PhaseChanged(Message):
        """The attempt moved on (the wizard updates Back/Next)."""

    retry_label: ClassVar[str] = "Retry"
    """The button that starts a fresh attempt, as text names it."""

    def __init__(self, manager: Manager, *, step: StepLabel | None = None, id: str | None = None,  # noqa: A002
                 classes: str = "") -> None:
        super().__init__(id=id, classes=f"authorize-panel {classes}".strip())
        self.manager = manager
        self.step = step
        """The wizard's step labels, so a remedy says "Go back to step 3" (None in the dashboard)."""
        self.name_: str | None = None
        self.conn: Connection | None = None
        """The authorized connection, once this panel succeeded."""
        self.error: ZconnectError | None = None
        self.phase = Phase.IDLE

    @property
    def busy(self) -> bool:
        """An attempt is starting, waiting or exchanging."""
        return self.phase in (Phase.STARTING, Phase.WAITING, Phase.EXCHANGING)

    def start(self, name: str, *, register: str | None = None) -> None:
        """Begin a new attempt for `name` (ending any previous one); `register`: a changed redirect URI to
        have the user register first (the browser flow's; None for the others)."""
        raise NotImplementedError

    def stop(self) -> None:
        """End the current attempt; safe to call twice."""
        raise NotImplementedError

    def on_resize(self) -> None:
        """The text grew or shrank, or the terminal did: the focused control (the paste box, a secret field,
        Retry) stays in view, with as much of the text above it as fits (#22: at 60×20 the focused paste
        box was below the fold while a red Cancel looked focused, and Enter went where nobody looked)."""
        focused = self.screen.focused
        if focused is not None and self in focused.ancestors:
            self.scroll_visible(top=True, animate=False, immediate=True)
            focused.scroll_visible(animate=False)

    @on(Button.Pressed, ".consent-retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        if self.name_ is not None and not self.busy:
            self.start(self.name_)

    @on(Button.Pressed, ".consent-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.cancel()

    def cancel(self) -> None:
        """The user's cancel (Esc, the Cancel button)."""
        raise NotImplementedError

    def secret_form(self) -> DcSecretForm:
        return self.query_one(DcSecretForm)

    def _set_phase(self, phase: Phase) -> None:
        self.phase = phase
        self.post_message(self.PhaseChanged())

    def _show_error(self, widget: FieldError, error: ZconnectError) -> None:
        """Show `error`; another data centre's refusal also opens the field for its secret."""
        form = self.secret_form()
        if isinstance(error, MultiDCRejected) and self.name_ is not None:
            widget.show(multi_dc_words(error, self.retry_label))
            form.ask(self.name_, error.dc)
        else:
            widget.show(error)
            form.hide()

    @on(DcSecretForm.Saved)
    def _secret_saved(self, event: DcSecretForm.Saved) -> None:
        """The other data centre's secret is stored: try again (a fresh attempt, which uses it)."""
        self.notify(f"Saved {event.dc}'s own Client Secret for {event.conn.name}; authorizing again.",
                    timeout=4, markup=False)
        if self.name_ is not None and not self.busy:
            self.start(self.name_)
