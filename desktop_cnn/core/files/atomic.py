"""Atomic writes, what they leave behind when killed, and why a write failed.

Every file the app writes (model files, settings) goes to a hidden temp file
``.<name>.<pid>.<random>.tmp`` beside its target and is renamed over it, so a
crash never leaves half a file. A ``kill -9`` between the two steps leaves the
temp file; ``remove_stale_temps`` deletes such leftovers on the next save into
the same folder: only names of exactly that form, and only when their writer
is dead (its pid is in the name; or the file is over an hour old, as a pid can be
reused) or, for names without a pid, older than a minute.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

STALE_AFTER_S = 60.0  # no save of ours takes this long; a younger pid-less file may be live
REUSED_PID_AFTER_S = 3600.0  # a "live" writer this old is another process with a reused pid
# mkstemp's random part is 8 characters of [a-z0-9_]; older versions wrote no pid.
_TEMP = re.compile(r"^\.(?P<name>.+?)\.(?:(?P<pid>\d+)\.)?[a-z0-9_]{8}\.tmp$")


NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems


def name_max(folder: Path) -> int:
    """The longest file name (in bytes) ``folder``'s file system takes."""
    try:
        return min(NAME_MAX, os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):  # no such folder yet, or Windows
        return NAME_MAX


def fit_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8, never inside a character."""
    return text.encode("utf-8", "surrogateescape")[: max(limit, 0)].decode("utf-8", "ignore")


def temp_beside(path: Path) -> tuple[int, str]:
    """An open (fd, name) for a new temp file beside ``path``, named so it can be cleaned up.

    The name holds as much of ``path``'s name as fits: a legal 255-byte target name must not
    make a temp name the file system refuses.
    """
    tail = len(f"..{os.getpid()}.") + 8 + len(".tmp")  # mkstemp's random part is 8 characters
    name = fit_bytes(path.name, name_max(path.parent) - tail)
    return tempfile.mkstemp(prefix=f".{name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)


def is_device(path: Path) -> bool:
    """A character device such as /dev/null: written through, never renamed over."""
    try:
        return stat.S_ISCHR(path.stat().st_mode)
    except OSError:
        return False


def replace_with(tmp: str | Path, path: Path) -> None:
    """Move the finished temp file onto ``path``; only ever renamed over a regular file.

    A character device (``/dev/null``) gets the bytes written through it and keeps being a
    device; a folder, fifo, socket or block device in the way is an OSError, untouched.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is None or stat.S_ISREG(mode):
        os.replace(tmp, path)
        return
    if not stat.S_ISCHR(mode):
        raise OSError(errno.EEXIST, "it is not a regular file", str(path))
    with open(tmp, "rb") as src, open(path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.unlink(tmp)


@contextlib.contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl+C (and SIGTERM) until the block ends, then raise it: a save is finished
    whole rather than cut off in the middle. Only the main thread can hold signals; on
    another thread this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s, handler in old.items():
        if handler not in (signal.SIG_IGN, None):
            signal.signal(s, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for s, handler in old.items():
            if handler is not None:
                signal.signal(s, handler)
    if caught:
        if caught[0] == signal.SIGINT:
            raise KeyboardInterrupt
        handler = old[signal.SIGTERM]
        if callable(handler):
            handler(signal.SIGTERM, None)
        else:
            raise SystemExit(128 + signal.SIGTERM)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):  # exists but is someone else's, or cannot tell
        return True
    return True


def is_stale(path: Path, now: float | None = None) -> bool:
    """Whether ``path`` is one of our temp files whose writer is gone."""
    m = _TEMP.match(path.name)
    if not m:
        return False
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except OSError:  # already gone
        return False
    if m["pid"] is not None and os.name == "posix":
        return age > REUSED_PID_AFTER_S or not _pid_alive(int(m["pid"]))
    return age > STALE_AFTER_S


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete our leftover temp files in ``folder``; returns what was removed. Never raises."""
    removed: list[Path] = []
    try:
        candidates = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    except OSError:
        return removed
    for p in candidates:
        if p.is_file() and is_stale(p):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def write_failure(exc: BaseException, path: Path) -> str:
    """One line for a failed write: the OS's reason, or 'the disk is full'."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC or free_bytes(path) < 64 * 1024:
        return "the disk is full"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower() if exc.strerror[1:].islower() else exc.strerror
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


def free_bytes(path: Path) -> int:
    """Free bytes where ``path`` would go (its nearest existing folder); huge when unknown."""
    for folder in (path, *path.parents):
        if folder.is_dir():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                break
    return 1 << 62
