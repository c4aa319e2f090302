"""`zconnect authorize` for a Non-browser connection: Zoho's device flow in a terminal.

It shows the verification URL and the user code, then polls with a countdown: one line that
updates in place on a terminal, an occasional plain line otherwise (logs, CI). Ctrl-C cancels.
"""

from __future__ import annotations

import argparse
from typing import TextIO

from zconnect_tui.cli_io import IO
from zconnect_tui.device import DeviceProgress
from zconnect_tui.errors import FlowCancelled, UsageError
from zconnect_tui.manager import Manager
from zconnect_tui.model import Connection
from zconnect_tui.text import clean

PLAIN_EVERY = 30.0
"""Without a terminal, a countdown line about this often (seconds of the code's life)."""


def clock_text(seconds: float) -> str:
    """4:05"""
    whole = max(int(seconds + 0.5), 0)
    return f"{whole // 60}:{whole % 60:02d}"


class Countdown:
    """Renders DeviceProgress ticks on `out`."""

    def __init__(self, out: TextIO, tty: bool) -> None:
        self.out = out
        self.tty = tty
        self._live = False
        self._bucket: int | None = None

    def __call__(self, progress: DeviceProgress) -> None:
        if progress.note:
            self._line(progress.note + ".")
        text = (f"Waiting for approval: the code expires in {clock_text(progress.remaining)}; "
                f"next check in {clock_text(progress.next_poll)} (Ctrl-C cancels)")
        if self.tty:
            self.out.write("\r" + text + "\x1b[K")  # one line, rewritten in place
            self.out.flush()
            self._live = True
            return
        bucket = int(progress.remaining // PLAIN_EVERY)
        if bucket != self._bucket:
            self._bucket = bucket
            self._line(text + ".")

    def _line(self, text: str) -> None:
        self.end()
        self.out.write(clean(text) + "\n")
        self.out.flush()

    def end(self) -> None:
        """Leave the updating line, so what follows starts on its own."""
        if self._live:
            self.out.write("\n")
            self.out.flush()
            self._live = False


def authorize_device(manager: Manager, args: argparse.Namespace, io: IO) -> Connection:
    """Run the device flow for `args.name` and store the tokens; returns the updated connection."""
    if args.port is not None:
        raise UsageError("--port does not apply to a Non-browser client: it has no redirect URI.",
                         f"Run `zconnect authorize {args.name}` without --port.")
    flow = manager.begin_device(args.name)
    manager.start_device(flow)
    code = flow.code
    assert code is not None
    conn = flow.conn
    out = io.stdout
    # Checked when Zoho's answer was read (device.parse_device_code) and cleaned again here, as every
    # string from Zoho is before a terminal sees it.
    out.write(f"Authorize {conn.name} ({conn.service}, data centre {conn.dc}) from any device with a browser:\n"
              f"\n  1. Open   {clean(code.verification_url)}\n  2. Enter  {clean(code.user_code)}\n\n"
              f"The code expires in {clock_text(code.expires_in)}.\n")
    out.flush()
    countdown = Countdown(out, io.is_terminal(out))
    try:
        result = manager.poll_device(flow, countdown)
    except KeyboardInterrupt:
        flow.cancel()
        raise FlowCancelled("Authorization cancelled.", "Run it again when you are ready.") from None
    finally:
        countdown.end()
    out.write("Approved; storing the tokens…\n")
    return manager.complete_device(flow, result)
