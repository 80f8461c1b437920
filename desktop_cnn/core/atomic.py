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
import tempfile
import time
from pathlib import Path

STALE_AFTER_S = 60.0  # no save of ours takes this long; a younger pid-less file may be live
REUSED_PID_AFTER_S = 3600.0  # a "live" writer this old is another process with a reused pid
# mkstemp's random part is 8 characters of [a-z0-9_]; older versions wrote no pid.
_TEMP = re.compile(r"^\.(?P<name>.+?)\.(?:(?P<pid>\d+)\.)?[a-z0-9_]{8}\.tmp$")


def temp_beside(path: Path) -> tuple[int, str]:
    """An open (fd, name) for a new temp file beside ``path``, named so it can be cleaned up."""
    return tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)


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
