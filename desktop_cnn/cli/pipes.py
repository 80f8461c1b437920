"""A reader that leaves (``desktop-cnn train ... | head -1``) ends the output, not the run.

Writing to a pipe whose reader is gone raises BrokenPipeError. Left alone, that error
would end a training run at its next progress line, before the model is saved. The
guard swallows it: from then on the stream's output goes to the null device, and the
command finishes its work (and its save) as if nobody were reading.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, TextIO


class PipeGuard:
    """Wraps stdout or stderr: writes after the reader left are dropped, not raised."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    def _left(self) -> None:
        """Point the file descriptor at the null device, so the final flush at exit is quiet."""
        self.gone = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._left()
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._left()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_output() -> None:
    """Guard ``sys.stdout`` and ``sys.stderr`` (once)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, PipeGuard):
            setattr(sys, name, PipeGuard(stream))
