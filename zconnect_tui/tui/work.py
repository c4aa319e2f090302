"""Core calls off the UI thread, cancellable from the UI.

`off_thread(fn)` runs a blocking core call (a file lock, a call to Zoho) in a daemon thread and
awaits its result from an async worker. Cancelling the worker (Esc) returns control at once; the
thread cannot be interrupted, so the core call runs to its end and its result is dropped. The
core makes that safe: every change is one locked transaction of the file (written whole or not at
all), so a refresh that completes after its cancel stores valid tokens and a revoke still clears
them; the dashboard's next re-read shows the outcome. A daemon thread also never holds up quitting.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar, cast

T = TypeVar("T")


async def off_thread(fn: Callable[[], T], *, on_drop: Callable[[T], object] | None = None,
                     name: str = "zconnect-core") -> T:
    """Run `fn` in a daemon thread; return its result or raise its exception.

    `on_drop` receives a result that arrives after the caller was cancelled (to close what it opened).
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def deliver(result: T | None, error: BaseException | None) -> None:
        if future.done():  # cancelled meanwhile: the outcome is dropped
            if on_drop is not None and error is None:
                on_drop(cast(T, result))
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(cast(T, result))

    def run() -> None:
        result: T | None = None
        error: BaseException | None = None
        try:
            result = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting worker
            error = exc
        with contextlib.suppress(RuntimeError):  # the app's loop has closed: nobody waits any more
            loop.call_soon_threadsafe(deliver, result, error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return await future
