"""Step 8, Accepted: the connection is authorized; a summary and how to use it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Static

from zconnect_tui.model import Connection
from zconnect_tui.products import PRODUCTS, product_of
from zconnect_tui.text import clean
from zconnect_tui.tui.steps.base import Step, WizardDraft
from zconnect_tui.tui.widgets import Guide

if TYPE_CHECKING:
    from zconnect_tui.verify import Verification


def summary_rows(conn: Connection, verification: Verification | None) -> list[tuple[str, str]]:
    """What the summary shows; no secret, and nothing that changes from run to run but the expiry."""
    service = PRODUCTS.get(conn.service)
    context = product_of(conn.service).context
    rows = [
        ("Name", conn.name),
        ("Service", service.label if service else conn.service),
        ("Data centre", conn.location or conn.dc),
        ((context.noun if context else "organization").capitalize(),
         f"{conn.org_name} ({conn.org_id})" if conn.org_id else conn.user or "-"),
        *((("Zoho account", conn.user),) if conn.org_id and conn.user else ()),  # the account check
        ("Access token", conn.token_state()),
        ("Refresh token", "stored (offline access)" if conn.token.refresh_token else "none (online access)"),
        ("Scopes", ", ".join(conn.scopes)),
    ]
    if verification is not None:
        rows.append(("Verified", verification.summary))
    return rows


class AcceptedStep(Step):
    """The end of the guide: the connector is authorized."""

    DEFAULT_CSS = """
    AcceptedStep #summary {
        height: auto;
        margin: 1 0 0 0;
        padding: 0 1;
        background: $boost;
    }
    AcceptedStep .summary-row {
        height: auto;
        & > .key { width: 14; color: $text-accent; }
        & > .value { width: 1fr; }
    }
    AcceptedStep #usage {
        margin: 1 0 0 0;
    }
    """

    key = "accepted"
    title = "Accepted"
    guide = "The connector is authorized: you can now call the APIs you need."
    next_label = "Finish ✔"

    def compose(self) -> ComposeResult:
        yield Guide("[b]8. Accepted: the connector is authorized.[/] You can now call the APIs you need.")
        yield Vertical(id="summary")
        yield Guide("", id="usage", classes="muted")

    def enter(self, draft: WizardDraft) -> None:
        """Attributes down: the connection as steps 6 and 7 left it (no file read here)."""
        conn = draft.authorized
        if conn is None:
            return
        summary = self.query_one("#summary", Vertical)
        summary.remove_children()
        summary.mount_all(Horizontal(Label(key, classes="key"), Static(clean(value), classes="value", markup=False),
                                     classes="summary-row") for key, value in summary_rows(conn, draft.verification))
        self.query_one("#usage", Guide).update(
            f"From a shell or a script, [b]zconnect token {conn.name}[/] prints a valid access token "
            "(refreshed when needed).\n[b]Finish[/] opens the dashboard: refresh, test, re-authorize, "
            "edit, export, revoke or remove connections there.")
