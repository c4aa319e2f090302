"""Opening the consent URL in a browser, without ever blocking or garbling the terminal.

Pitfalls handled (PRODUCT.md): `webbrowser.open` waits for a `BROWSER` command to exit, so
it runs in a daemon thread; `BROWSER` entries without `%s` get the URL appended (the
standard library would try to run "python script.py" as one file name); the choice is
made per call, not cached per process; text-mode browsers (lynx, w3m, …) are refused
because they would take over the terminal; with no display we do not try at all.
The caller always shows the URL as well.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import threading

TEXT_BROWSERS = {"www-browser", "lynx", "links", "elinks", "w3m", "browsh", "links2"}


def _is_wsl() -> bool:
    try:
        with open("/proc/version", encoding="ascii", errors="ignore") as fh:
            return "microsoft" in fh.read().lower()
    except OSError:
        return False


def browser_available() -> tuple[bool, str]:
    """Whether we should try to open a browser, and if not, why (for the UI)."""
    if os.environ.get("BROWSER"):
        return True, ""
    if sys.platform in ("darwin", "win32"):
        return True, ""
    if _is_wsl():
        return True, ""
    if os.environ.get("SSH_CONNECTION") and not os.environ.get("DISPLAY"):
        return False, "this is an SSH session"
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return False, "no graphical display was found"
    return True, ""


def _run_quietly(argv: list[str]) -> bool:
    """Run a browser command with no access to our terminal; True when it exited 0."""
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        return False
    return proc.wait() == 0


def _open_with_env_browser(url: str, value: str) -> bool:
    for entry in value.split(os.pathsep):
        try:
            argv = shlex.split(entry)
        except ValueError:
            continue
        if not argv or os.path.basename(argv[0]) in TEXT_BROWSERS:
            continue
        if not any("%s" in arg for arg in argv):
            argv.append("%s")
        if _run_quietly([arg.replace("%s", url) for arg in argv]):
            return True
    return False


def open_url(url: str) -> bool:
    """Open `url` in a graphical browser and wait for the launcher; False if none could."""
    env_browser = os.environ.get("BROWSER")
    if env_browser:
        return _open_with_env_browser(url, env_browser)
    if _is_wsl() and shutil.which("wslview"):
        return _run_quietly(["wslview", url])
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    if getattr(browser, "name", "") in TEXT_BROWSERS:
        return False
    try:
        return bool(browser.open(url))
    except Exception:  # a broken launcher must not break the flow: the URL is shown anyway
        return False


def open_in_background(url: str, on_done: object = None) -> threading.Thread | None:
    """Start `open_url` in a daemon thread; `on_done(ok: bool)` is called from that thread.

    Returns None (and opens nothing) when no browser can be used here.
    """
    ok, _why = browser_available()
    if not ok:
        return None

    def run() -> None:
        result = open_url(url)
        if callable(on_done):
            on_done(result)

    thread = threading.Thread(target=run, name="zconnect-browser", daemon=True)
    thread.start()
    return thread
