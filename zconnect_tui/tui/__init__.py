"""The Textual user interface: the guided wizard and the connections dashboard.

Only `zconnect` / `zconnect new` import this package; the core never imports it.
"""

from pathlib import Path


def stylesheet(name: str) -> str:
    """One of this package's `.tcss` files, for a class's `DEFAULT_CSS`.

    zconnect.tcss (the app's `CSS_PATH`) holds what several screens share. What one screen alone shows
    (the wizard, the dashboard, the API screen, the dialogs, the device panel) is in its own file, read
    into its class's `DEFAULT_CSS`: Textual parses a class's DEFAULT_CSS when the class is first shown,
    so the first frame waits only for its own screen's (#10), and a screen's `CSS_PATH` would make
    Textual re-parse every stylesheet instead.
    """
    return (Path(__file__).parent / name).read_text(encoding="utf-8")
