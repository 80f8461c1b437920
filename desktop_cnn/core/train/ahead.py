"""Make the next batches on a second thread while the current one trains.

PyTorch's operators release the GIL, so on a CPU with a core that the training
step does not use, indexing and augmenting batch k+1 runs at the same time as the
step on batch k: augmentation costs no time. The batches come out in the same order,
made by the same calls on the loader's generator as without this thread, so a run is
bit for bit the same; only nothing else may draw from that generator meanwhile (mixup
does, so the Trainer does not read ahead then).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar, cast

import torch

T = TypeVar("T")
_END = object()


def spare_core(device: torch.device) -> bool:
    """True on a CPU where torch's threads leave a core free for a second thread."""
    return device.type == "cpu" and torch.get_num_threads() < (os.cpu_count() or 1)


def ahead(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """``items``, made up to ``depth`` ahead on a thread that ends with them.

    Leaving the loop early (a stop, an error) closes this generator, which stops the
    thread and waits for it, so the loader's generator is never used by two threads.
    """
    out: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put(exc)

    thread = threading.Thread(target=make, name="next batches", daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(T, item)  # neither _END nor an error: one of ``items``
    finally:
        stop.set()
        thread.join()
