"""The standard streams a command reads and writes, handed to every command body (as gh's `iostreams` and
httpie's `Environment`): tests pass their own instead of swapping `sys.stdout`.

Core and CLI only: imports nothing beyond the standard library, so `list`, `show` and `path` stay light.
"""

from __future__ import annotations

import io as _io
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import IO as Stream
from typing import TextIO, cast


class IO:
    """stdin, stdout and stderr, and whether each is a terminal."""

    def __init__(self, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None,
                 *, terminal: bool | None = None, columns: int | None = None) -> None:
        """Unset streams are the process's own (read now, so pytest's capture sees them).

        `terminal` answers `is_terminal` for every stream (None: ask the stream); `columns` is `width()`
        when stdout is a terminal (None: ask the terminal).
        """
        self.stdin: TextIO = stdin if stdin is not None else sys.stdin
        self.stdout: TextIO = stdout if stdout is not None else sys.stdout
        self.stderr: TextIO = stderr if stderr is not None else sys.stderr
        self._terminal = terminal
        self._columns = columns

    def is_terminal(self, stream: Stream[str] | Stream[bytes]) -> bool:
        """Whether `stream` (one of these, or its binary side) is a terminal."""
        if self._terminal is not None:
            return self._terminal
        try:
            return stream.isatty()
        except (AttributeError, ValueError, OSError):  # a closed or odd stream: not a terminal
            return False

    def width(self) -> int | None:
        """The terminal's width in cells when stdout is one, else None (piped: nothing is cut)."""
        if not self.is_terminal(self.stdout):
            return None
        return self._columns if self._columns is not None else shutil.get_terminal_size().columns

    def out(self, text: str = "", *, end: str = "\n") -> None:
        """`text` on stdout, flushed (a script reading it line by line sees each at once)."""
        self.stdout.write(text + end)
        self.stdout.flush()

    def err(self, text: str) -> None:
        """One line on stderr, flushed."""
        self.stderr.write(text + "\n")
        self.stderr.flush()

    @property
    def stdout_bytes(self) -> Stream[bytes]:
        """stdout for bytes (an API's body as Zoho sent it): the stream's buffer, or a UTF-8 bridge to a text one."""
        buffer: Stream[bytes] | None = getattr(self.stdout, "buffer", None)
        # typeshed's io.RawIOBase is not a typing.IO, though it has every method a writer here calls.
        return buffer if buffer is not None else cast("Stream[bytes]", _TextBridge(self.stdout))

    @property
    def stdin_bytes(self) -> Stream[bytes]:
        """stdin for bytes (`--input -`): the stream's buffer, or a text stream's content as UTF-8."""
        buffer: Stream[bytes] | None = getattr(self.stdin, "buffer", None)
        return buffer if buffer is not None else _io.BytesIO(self.stdin.read().encode("utf-8"))


_CURRENT: ContextVar[IO | None] = ContextVar("zconnect_io", default=None)


def current() -> IO | None:
    """The IO of the command running now (argparse's help and usage errors go there), else None."""
    return _CURRENT.get()


@contextmanager
def running(io: IO) -> Iterator[IO]:
    """`io` is `current()` for the block: a parser built once (and cached) still writes to this run's streams."""
    token = _CURRENT.set(io)
    try:
        yield io
    finally:
        _CURRENT.reset(token)


def quiet_stdout(stream: Stream[str] | Stream[bytes] | None = None) -> None:
    """Point `stream`'s file (the process's stdout by default) at /dev/null after its reader went away (a
    BrokenPipeError), so the interpreter's last flush of what nobody reads raises nothing."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, (stream or sys.stdout).fileno())
    except (OSError, ValueError, AttributeError):  # no file behind it (a test's StringIO): nothing to flush
        pass


class _TextBridge(_io.RawIOBase):
    """Bytes written to a text stream (a test's StringIO), decoded as UTF-8 (invalid bytes replaced)."""

    def __init__(self, text: TextIO) -> None:
        super().__init__()
        self._text = text

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview, /) -> int:  # type: ignore[override]  # RawIOBase's stub takes Buffer
        self._text.write(bytes(data).decode("utf-8", errors="replace"))
        return len(data)

    def flush(self) -> None:
        self._text.flush()

    def isatty(self) -> bool:
        return self._text.isatty()
