"""``train --nproc N``: N training processes on this machine, and one line if any fails.

A small torchrun for one machine: it starts N workers with the environment torchrun
gives them (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), each running the
same ``TrainRun``. When one fails, the others are ended (SIGTERM: a save in progress
removes its temp file, so ``--out`` is either the previous file or a whole new one)
and the one line printed is the first failure's: its message, or how it was killed.
Under torchrun itself, ``as_rank`` keeps rank 0 the only one that prints.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import torch.distributed as dist

from ..core.errors import DesktopCnnError
from ..core.train.distributed import Ranks, leave
from ..core.train.run import TrainRun

ERRORS_ENV = "DESKTOP_CNN_ERRORS"  # a folder where each worker leaves its failure, if any
# The launched process runs cli/train.py's worker(): named here as text, not imported, so
# this module and train.py do not import each other.
PR_SET_PDEATHSIG = 1  # linux/prctl.h
WORKER = "import sys; from desktop_cnn.cli.train import worker; sys.exit(worker(sys.argv[1]))"


def as_rank(work: Callable[[], int], ranks: Ranks) -> int:
    """Run one process's part of a distributed run; a failure is reported once, not N times."""
    signal.signal(signal.SIGTERM, _exit_quietly)  # ended by the launcher: unwind, clean up
    if os.environ.get(ERRORS_ENV):  # started by launch(): live no longer than the launcher
        tie_to_parent()
    try:
        return work()
    except DesktopCnnError as exc:
        where = os.environ.get(ERRORS_ENV)
        if where:  # the launcher prints it, as the one line
            (Path(where) / f"{ranks.rank}.txt").write_text(str(exc), encoding="utf-8")
            return 1
        if ranks.is_main:  # every rank meets the same files and the same (averaged) losses
            raise
        return 1
    except (dist.DistError, RuntimeError) as exc:
        if _peer_failed(exc):
            return 1  # another process failed first: it (or the launcher) says why
        raise
    except KeyboardInterrupt:  # Ctrl-C reaches every process: the launcher says it once
        return 130
    finally:
        leave()


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _die_with_parent() -> None:
    """In the child before it runs (Linux): the kernel sends SIGTERM when the launcher dies,
    however it dies (SIGKILL included)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def tie_to_parent(every_s: float = 1.0) -> None:
    """A watchdog thread: when the launcher is gone (this process is re-parented), end this
    worker with SIGTERM, so its save is finished or removed; for systems without prctl."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="launcher-watchdog", daemon=True).start()


def _peer_failed(exc: BaseException) -> bool:
    """A collective that failed because another process ended (gloo or NCCL says so)."""
    text = str(exc).lower()
    return isinstance(exc, dist.DistError) or any(
        w in text
        for w in (
            "connection closed",
            "connection reset",
            "broken pipe",
            "gloo",
            "nccl",
            "timed out",
        )
    )


def launch(run: TrainRun, nproc: int) -> int:
    """Train ``run`` in ``nproc`` processes; the exit status, after one line on failure."""
    with tempfile.TemporaryDirectory(prefix="desktop-cnn-") as tmp:
        spec = Path(tmp) / "run.pickle"
        spec.write_bytes(pickle.dumps(run))
        env = {
            **os.environ,
            "WORLD_SIZE": str(nproc),
            "LOCAL_WORLD_SIZE": str(nproc),
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(_free_port()),
            ERRORS_ENV: tmp,
        }
        # As torchrun does: one thread each unless told, or N processes fight for the cores.
        env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
        linux = sys.platform.startswith("linux")
        workers: list[subprocess.Popen[bytes]] = []
        # SIGTERM or SIGHUP to the launcher ends its workers too (SIGKILL: prctl and watchdog).
        ended = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
        for s in ended:
            signal.signal(s, _exit_quietly)
        try:
            for r in range(nproc):
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "-c", WORKER, str(spec)],
                        env={**env, "RANK": str(r), "LOCAL_RANK": str(r)},
                        preexec_fn=_die_with_parent if linux else None,  # noqa: PLW1509
                    )
                )
            failed = _wait(workers)
        except BaseException:  # interrupted or ended: no worker outlives the launcher
            _end(workers)
            raise
        finally:
            for s, handler in ended.items():
                signal.signal(s, handler)
        if failed is None:
            return 0
        print(f"desktop-cnn: error: {_why(failed, nproc, Path(tmp))}", file=sys.stderr)
        return 1


def _wait(workers: list[subprocess.Popen[bytes]]) -> dict[int, int] | None:
    """Wait for all; at the first failure end the rest. The exit codes of those that failed
    first (before the others were ended), or None when all succeeded."""
    while True:
        codes = [w.poll() for w in workers]
        bad = {r: c for r, c in enumerate(codes) if c not in (None, 0)}
        if bad:
            _end(workers)
            return bad
        if all(c == 0 for c in codes):
            return None
        time.sleep(0.1)


def _end(workers: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM the workers still running, then wait (SIGKILL after 10 s)."""
    for w in workers:
        if w.poll() is None:
            w.terminate()
    for w in workers:
        try:  # a save under way finishes or removes its temp file well within this
            w.wait(timeout=10)
        except subprocess.TimeoutExpired:
            w.kill()


def _why(failed: dict[int, int], nproc: int, tmp: Path) -> str:
    """A process's own message (the lowest rank's), else which one was killed or failed.

    A process whose partner died exits quietly with status 1, perhaps in the same
    instant: so a message, then a killed process, tell the cause better than an order.
    """
    messages = sorted(tmp.glob("*.txt"), key=lambda p: int(p.stem))
    if messages:
        return messages[0].read_text(encoding="utf-8")
    rank, code = min(failed.items(), key=lambda rc: (rc[1] >= 0, rc[0]))
    how = (
        f"was killed ({signal.Signals(-code).name})" if code < 0 else (f"exited with status {code}")
    )
    return f"training process {rank} of {nproc} {how}, which ended the run"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
