"""The wizard's steps, in order: step 0 is the connector form; 1-8 are the steps of Zoho's guide.

Adding a step is one `Step` subclass (see `base.py`) and one entry in `STEPS`. Step modules import
only Textual and light core modules at the top; the HTTP stack waits for first use.
"""

from __future__ import annotations

from zconnect_tui.tui.steps.accepted import AcceptedStep
from zconnect_tui.tui.steps.authorize import AuthorizeStep
from zconnect_tui.tui.steps.base import Step, WizardDraft
from zconnect_tui.tui.steps.client_type import ClientTypeStep
from zconnect_tui.tui.steps.connector import ConnectorStep
from zconnect_tui.tui.steps.console import ConsoleStep
from zconnect_tui.tui.steps.credentials import CredentialsStep
from zconnect_tui.tui.steps.device import DeviceStep
from zconnect_tui.tui.steps.organization import OrganizationStep
from zconnect_tui.tui.steps.redirect import RedirectStep
from zconnect_tui.tui.steps.secret_tab import SecretTabStep

STEPS: list[type[Step]] = [
    ConnectorStep,
    ConsoleStep,
    ClientTypeStep,
    RedirectStep,
    SecretTabStep,
    CredentialsStep,
    AuthorizeStep,
    DeviceStep,  # the Non-browser branch's step 6 (Zoho's device flow)
    OrganizationStep,
    AcceptedStep,
]



def guide_numbers(steps: list[type[Step]]) -> dict[str, int]:
    """Each step's number in Zoho's guide; a branch's own step shares the number of the step it stands
    for (the Non-browser step 6 beside the browser one), so the numbers are the guide's whichever branch."""
    numbers: dict[str, int] = {}
    for cls in steps:
        numbers[cls.key] = (numbers[cls.stands_for] if cls.stands_for in numbers
                            else len(set(numbers.values())))
    return numbers


__all__ = ["STEPS", "Step", "WizardDraft", "guide_numbers"]
