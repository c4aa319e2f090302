"""The TUI's wording of a core error's remedy: keys and steps, where the CLI says commands and flags.

An error with only a free-text hint (no `Remedy`) shows its hint as it is, wrapped in full.
"""

from __future__ import annotations

from collections.abc import Callable

from zconnect_tui.errors import MULTI_DC_SETTING, Fix, Remedy, ZconnectError

StepLabel = Callable[[str], str]
"""In the wizard: a step's key → "step 3 (Redirect URL)"; None on the dashboard."""


def _press(action: str) -> str:
    # Imported here: the wizard words remedies too, and the dashboard's action table is not its to load.
    from zconnect_tui.tui.actions import key_of

    return f"press {key_of(action)}"


def _dashboard(r: Remedy) -> str:
    words: dict[Fix, str] = {
        Fix.AUTHORIZE: f"Select it and {_press('reauthorize')} to authorize it again; its settings are kept.",
        Fix.AUTHORIZE_OR_OFFLINE: (f"{_press('reauthorize').capitalize()} to authorize it again, or "
                                   f"{_press('edit')} (Edit) to switch it to offline access, which keeps a "
                                   "refresh token."),
        Fix.REFRESH: f"{_press('refresh').capitalize()} to refresh the token; if that fails, {_press('reauthorize')}"
                     " to authorize it again.",
        Fix.CHOOSE_PORT: (f"Stop the program using port {r.port}, or {_press('edit')} (Edit) to choose another port "
                          "and register its redirect URI in the API Console."),
        Fix.SET_PORT: f"{_press('edit').capitalize()} (Edit) to give it a loopback port.",
        Fix.EDIT_SCOPES: f"{_press('edit').capitalize()} (Edit) to add the scope, then authorize it again.",
        Fix.OTHER_NAME: "Choose another name.",
        Fix.PICK_CONNECTION: "Pick one from the list (it may have been removed meanwhile).",
        Fix.SHOW: f"Check its settings in the details panel ({_press('details')}).",
        Fix.FIX_CONFIG: f"Fix {r.key or 'it'} in the connections file; the dashboard re-reads it by itself.",
        Fix.WAIT: f"Wait {r.minutes or 10} minutes, then try again.",
        Fix.CHECK_CLIENT: (f"Check the Client ID in the details ({_press('details')}) and {_press('edit')} (Edit) "
                           f"to replace the secret if it is wrong; if the user is in another data centre, "
                           f"{MULTI_DC_SETTING}."),
        Fix.DC_SECRET: (f"Either enable {r.dc} under Multi-DC in the client's Settings tab of the API Console (the "
                        f"same credentials for all data centres), or {_press('reauthorize')} to authorize again "
                        f"and enter {r.dc}'s own Client Secret when it is asked for."),
    }
    return words[r.fix]


def _wizard(r: Remedy, step: StepLabel) -> str:
    words: dict[Fix, str] = {
        Fix.AUTHORIZE: f"Go back to {step('authorize')} and authorize again.",
        Fix.AUTHORIZE_OR_OFFLINE: (f"Go back to {step('connector')}, choose offline access, then authorize again "
                                   f"at {step('authorize')}."),
        Fix.REFRESH: f"Press Check again; if that fails, go back to {step('authorize')}.",
        Fix.CHOOSE_PORT: (f"Go back to {step('redirect')}: choose another port, and register that redirect URI in "
                          "the API Console instead."),
        Fix.SET_PORT: f"Go back to {step('redirect')} to choose a port.",
        Fix.EDIT_SCOPES: f"Go back to {step('connector')} to add the scope, then authorize again.",
        Fix.OTHER_NAME: "Choose another name, or remove that connection in the dashboard.",
        Fix.PICK_CONNECTION: "Close the wizard and pick one in the dashboard.",
        Fix.SHOW: f"Check what you entered at {step('connector')} and {step('credentials')}.",
        Fix.FIX_CONFIG: f"Fix {r.key or 'it'} in the connections file, then try again.",
        Fix.WAIT: f"Wait {r.minutes or 10} minutes, then try again.",
        Fix.CHECK_CLIENT: (f"Back to {step('credentials')} to check the Client ID and Secret (the data centre is "
                           f"at {step('connector')}); if the user is in another data centre, {MULTI_DC_SETTING}."),
        Fix.DC_SECRET: (f"Either enable {r.dc} under Multi-DC in the client's Settings tab of the API Console (the "
                        f"same credentials for all data centres) and authorize again, or enter {r.dc}'s own Client "
                        f"Secret in the field for it at {step('authorize')}."),
    }
    return words[r.fix]


def fix_text(error: ZconnectError, step: StepLabel | None = None) -> str:
    """What to do about `error`, in the TUI's terms (the wizard's when `step` is given)."""
    if error.remedy is None:
        return error.hint
    return _wizard(error.remedy, step) if step is not None else _dashboard(error.remedy)


def error_text(error: ZconnectError, step: StepLabel | None = None) -> str:
    """The sentence and the fix, for an inline error (wrapped, never cut)."""
    fix = fix_text(error, step)
    return f"{error.message} {fix}".strip() if fix else error.message
