"""Step 8, Accepted: the connection is authorized; a summary and how to use it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Label, Static

from zconnect_tui.model import Connection
from zconnect_tui.services import SERVICES
from zconnect_tui.text import clean
from zconnect_tui.tui.widgets import Guide
from zconnect_tui.verify import Verification


def summary_rows(conn: Connection, verification: Verification | None) -> list[tuple[str, str]]:
    """What the summary shows; no secret, and nothing that changes from run to run but the expiry."""
    service = SERVICES.get(conn.service)
    rows = [
        ("Name", conn.name),
        ("Service", service.label if service else conn.service),
        ("Data centre", conn.location or conn.dc),
        ("Organization", f"{conn.org_name} ({conn.org_id})" if conn.org_id else conn.user or "-"),
        *((("Zoho account", conn.user),) if conn.org_id and conn.user else ()),  # the account check
        ("Access token", conn.token_state()),
        ("Refresh token", "stored (offline access)" if conn.token.refresh_token else "none (online access)"),
        ("Scopes", ", ".join(conn.scopes)),
    ]
    if verification is not None:
        rows.append(("Verified", verification.summary))
    return rows


class AcceptedStep(VerticalScroll):
    """The end of the guide: the connector is authorized."""

    def compose(self) -> ComposeResult:
        yield Guide("[b]8. Accepted: the connector is authorized.[/] You can now call the APIs you need.")
        yield Vertical(id="summary")
        yield Guide("", id="usage", classes="muted")

    def show(self, conn: Connection, verification: Verification | None) -> None:
        """Attributes down: the wizard passes the stored connection and what step 7 found."""
        summary = self.query_one("#summary", Vertical)
        summary.remove_children()
        summary.mount_all(Horizontal(Label(key, classes="key"), Static(clean(value), classes="value", markup=False),
                                     classes="summary-row") for key, value in summary_rows(conn, verification))
        self.query_one("#usage", Guide).update(
            f"From a shell or a script, [b]zconnect token {conn.name}[/] prints a valid access token "
            "(refreshed when needed).\n[b]Finish[/] opens the dashboard: refresh, test, re-authorize, "
            "revoke or remove connections there.")
