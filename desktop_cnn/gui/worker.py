"""The one way the app runs long work: a thread, a queue of typed events, ``after()`` polls.

A long task is a function ``work(task)`` that runs on its own thread, reports with
``task.emit(event)`` (frozen dataclasses), looks at ``task.cancelled`` now and then (or
registers ``task.on_cancel(fn)``), and returns its result, which arrives as its last
event. A ``Worker`` belongs to one panel: it starts a task, drains its queue on the Tk
thread every ``poll_ms`` for at most ``budget_s`` (the window keeps answering however fast
events come), and hands each event to the panel's ``on_event``. Any exception becomes
one ``JobFailed`` event: a ``DesktopCnnError`` with its own one-line message, a bug as
"... crashed: Type: message" with the trace on stderr. Nothing here calls Tk off the Tk
thread. ``Workers`` is the app's list of them, so quitting cancels and joins every task
before the interpreter exits (a thread killed inside torch aborts the process).
"""

from __future__ import annotations

import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ..core.errors import DesktopCnnError

POLL_MS = 50  # 20 visits a second: progress looks continuous, the queue never grows long
BUDGET_S = 0.015  # per visit; what is left waits for the next one


@dataclass(frozen=True)
class JobFailed:
    """The task could not run or crashed; ``message`` is one line for a person."""

    message: str


class _End:
    """Put after the last event: the thread is about to end."""


END = _End()


class Scheduler(Protocol):
    """What a Worker needs of a widget: Tk's ``after`` (a panel's ``schedule`` seam fits)."""

    def after(self, ms: int, func: Callable[[], Any]) -> str: ...


class Task:
    """One run of a work function on its own thread; what the function itself sees."""

    def __init__(self, name: str, work: Callable[[Task], Any]) -> None:
        self.name, self.work = name, work
        self.events: queue.Queue = queue.Queue()
        self.cancel_event = threading.Event()  # for loops that take a threading.Event
        self._hooks: list[Callable[[], None]] = []
        self._lock = threading.Lock()  # orders on_cancel() against cancel()
        # Daemon: a load stuck in a download must not keep a closed app alive; Workers
        # still joins it on the way out so torch is never mid-call at interpreter exit.
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    @classmethod
    def start(cls, name: str, work: Callable[[Task], Any]) -> Task:
        """Run ``work`` on a new thread now (without Tk: read ``events`` yourself)."""
        task = cls(name, work)
        task.thread.start()
        return task

    # --- for the work function (any thread) ---------------------------------------------
    def emit(self, event: object) -> None:
        self.events.put(event)

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def on_cancel(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` when the task is cancelled (at once if it already is)."""
        with self._lock:
            if not self.cancelled:
                self._hooks.append(fn)
                return
        fn()

    # --- for the owner --------------------------------------------------------------------
    def cancel(self) -> None:
        with self._lock:
            self.cancel_event.set()
            hooks, self._hooks = self._hooks, []
        for fn in hooks:
            fn()

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def join(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s; True when the thread has ended."""
        if self.thread.is_alive():
            self.thread.join(max(0.0, timeout))
        return not self.thread.is_alive()

    def _run(self) -> None:
        try:
            result = self.work(self)
            if result is not None:
                self.emit(result)
        except DesktopCnnError as exc:  # the user's to fix: the message says how
            self.emit(JobFailed(str(exc)))
        except Exception as exc:  # a bug: the trace on stderr, one line for the window
            traceback.print_exc()
            self.emit(JobFailed(f"{self.name} crashed: {type(exc).__name__}: {exc}"))
        finally:
            self.emit(END)


class Workers:
    """Every worker of the app, so that closing the window ends every task."""

    def __init__(self) -> None:
        self.all: list[Worker] = []

    def add(self, worker: Worker) -> None:
        self.all.append(worker)

    def shutdown(self, timeout: float) -> list[str]:
        """Cancel every task, wait up to ``timeout`` s in all; the names still running."""
        tasks = [t for w in self.all for t in w.forget_all()]
        for t in tasks:
            t.cancel()
        deadline = time.monotonic() + timeout
        return [t.name for t in tasks if not t.join(deadline - time.monotonic())]


class Worker:
    """Runs one task at a time for its owner and delivers the events on the Tk thread.

    ``on_event(event)`` gets every event in order, the work function's result and any
    ``JobFailed`` last; ``after_poll()`` (optional) runs after each visit that delivered
    something, for work better done once per visit than per event (redraws).
    """

    def __init__(
        self,
        widget: Scheduler,
        name: str,
        on_event: Callable[[Any], None],  # takes what this worker's work emits
        workers: Workers | None = None,
        *,
        poll_ms: int = POLL_MS,
        budget_s: float = BUDGET_S,
        after_poll: Callable[[], None] | None = None,
    ) -> None:
        self.widget, self.name, self.on_event = widget, name, on_event
        self.poll_ms, self.budget_s, self.after_poll = poll_ms, budget_s, after_poll
        self.task: Task | None = None
        self._dropped: list[Task] = []  # abandoned, still finishing on their own
        self._polling = False
        if workers is not None:
            workers.add(self)

    @property
    def running(self) -> bool:
        return self.task is not None

    def start(self, work: Callable[[Task], Any]) -> Task:
        """Run ``work(task)`` on a new thread; a task still running is dropped first."""
        self.drop()
        self.task = Task.start(self.name, work)
        if not self._polling:
            self._polling = True
            self.widget.after(self.poll_ms, self._poll)
        return self.task

    def cancel(self) -> None:
        """Ask the task to stop; its events, the result included, still arrive."""
        if self.task is not None:
            self.task.cancel()

    def drop(self) -> None:
        """Cancel the task and ignore whatever it still sends (it ends on its own)."""
        if self.task is not None:
            self.task.cancel()
            self._dropped.append(self.task)
            self.task = None
        self._dropped = [t for t in self._dropped if t.alive]

    def forget_all(self) -> list[Task]:
        """Drop the task; every task of this worker that may still run (for ``Workers``)."""
        self.drop()
        tasks, self._dropped = self._dropped, []
        return tasks

    def _poll(self) -> None:
        self._polling = False
        task = self.task
        if task is None:
            return
        try:
            delivered = self._drain(task)
        finally:  # even after a bug in a handler: a dead poll would freeze the panel
            if self.task is not None and not self._polling:
                self._polling = True
                self.widget.after(self.poll_ms, self._poll)
        if delivered and self.after_poll is not None:
            self.after_poll()

    def _drain(self, task: Task) -> bool:
        deadline = time.perf_counter() + self.budget_s
        delivered = False
        while self.task is task and time.perf_counter() < deadline:
            try:
                event = task.events.get_nowait()
            except queue.Empty:
                break
            if event is END:
                self.task = None
                break
            delivered = True
            self.on_event(event)
        return delivered
