"""Where a command may write: checked before any work, and held while it writes.

Every command that writes a file asks ``check_output`` first. It refuses, with one line:

- an output that is also an input of the same command (``export m.pt --onnx m.pt``,
  ``train --model net.json --out net.json``, ``--out`` onto the dataset);
- something that is not a regular file: a folder, fifo, socket or block device (a
  character device such as ``/dev/null`` is written through, never renamed over);
- an existing file that is not ours of the same kind (a desktop-cnn model for a model,
  an export of ours for ``--onnx``): somebody's document, a spec, a dataset. Only the
  person's ``--force`` replaces it, never a field in a file;
- a name longer than the file system takes, in bytes.

``OutputLock`` then marks the output as being written by this run, so a second run to the
same file says so instead of both saying "saved".
"""

from __future__ import annotations

import contextlib
import os
import stat
import zipfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import SaveError
from .atomic import fit_bytes, name_max

CHECKPOINT = "checkpoint"  # a desktop-cnn model file (.pt)
ONNX = "onnx"  # an ONNX file written by desktop-cnn export
_KIND_TEXT = {CHECKPOINT: "a desktop-cnn model file", ONNX: "an ONNX file exported by desktop-cnn"}
_TAIL = 1 << 20  # ONNX keeps its metadata after the graph: the last MiB holds our key


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they would be
        return a.expanduser().resolve() == b.expanduser().resolve()


def is_ours(path: Path, kind: str) -> bool:
    """Whether the file at ``path`` is one desktop-cnn wrote, of ``kind`` (a cheap look)."""
    try:
        if kind == CHECKPOINT:
            with zipfile.ZipFile(path) as zf:
                pkl = [n for n in zf.namelist() if n.endswith("data.pkl")]
                return bool(pkl) and b"desktop-cnn-checkpoint" in zf.read(pkl[0])[:4096]
        with open(path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - _TAIL))
            return b"desktop_cnn_version" in f.read()
    except (OSError, zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        return False


def check_output(
    out: str | os.PathLike[str],
    kind: str,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    force: bool = False,
    flag: str = "--out",
) -> Path:
    """Refuse ``out`` (SaveError, one line) when writing it would destroy what it should not."""
    path = Path(out).expanduser()
    limit = name_max(path.parent if path.parent.is_dir() else Path("."))
    if len(path.name.encode("utf-8", "surrogateescape")) > limit:
        raise SaveError(
            f"cannot write {path.name[:40]}...: the name is longer than the {limit} bytes a "
            "file name may have; choose a shorter one"
        )
    for given in inputs:
        if given is not None and str(given) and _same(path, Path(given)):
            raise SaveError(
                f"{flag} {path} is also an input of this command ({given}): writing it would "
                "destroy what is being read; choose another file name"
            )
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return path  # nothing there yet
    if stat.S_ISDIR(mode):
        raise SaveError(
            f"cannot write {path}: it is a folder; give a file name such as {path / 'model.pt'}"
        )
    if stat.S_ISCHR(mode):
        return path  # /dev/null: written through (atomic.replace_with), never replaced
    if not stat.S_ISREG(mode):
        raise SaveError(f"cannot write {path}: it is not a regular file (a device, fifo or socket)")
    if force or os.stat(path).st_size == 0 or is_ours(path, kind):
        return path
    raise SaveError(
        f"{path} exists and is not {_KIND_TEXT[kind]}: choose another name, or pass --force "
        "to replace it"
    )


class OutputLock:
    """While held, ``.<name>.lock`` beside the output says which run is writing it.

    An OS lock (``fcntl.flock``) on that file: the OS drops it when the process dies, so a
    killed run never leaves the output locked. Where flock is missing, nothing is locked.
    """

    def __init__(self, out: str | os.PathLike[str]) -> None:
        out = Path(out).expanduser()
        limit = name_max(out.parent if out.parent.is_dir() else Path("."))
        self.path = out.with_name(fit_bytes(f".{out.name}", limit - len(".lock")) + ".lock")
        self.out = out
        self.fd: int | None = None

    def __enter__(self) -> OutputLock:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks to rely on
            return self
        if stat.S_ISCHR(_mode(self.out)):
            return self  # /dev/null: many runs may write through it
        for _ in range(3):  # a lock file the previous holder just removed: take a new one
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:
                return self  # the write itself will say what is wrong with the folder
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                other = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
                os.close(fd)
                raise SaveError(
                    f"another run (process {other}) is writing {self.out}: wait for it to "
                    "finish, or choose another --out"
                ) from None
            if os.fstat(fd).st_ino == _inode(self.path):
                break
            os.close(fd)
        else:
            return self
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # while still held: a waiting run then makes its own
        os.close(self.fd)
        self.fd = None


def _mode(path: Path) -> int:
    try:
        return os.stat(path).st_mode
    except OSError:
        return 0


def _inode(path: Path) -> int:
    try:
        return os.stat(path).st_ino
    except OSError:
        return -1
