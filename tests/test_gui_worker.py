"""The one background-work mechanism (gui/worker.py), without a display.

A fake scheduler stands in for Tk's ``after``: the tests run its polls by hand,
so what a poll delivers, and when, is exact.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from desktop_cnn.core.errors import DatasetNotFoundError
from desktop_cnn.gui.worker import END, JobFailed, Task, Worker, Workers

pytestmark = pytest.mark.gui  # no display needed, but part of the GUI suite


@dataclass(frozen=True)
class Tick:
    n: int


class FakeTk:
    """``after`` keeps the callbacks; ``run_polls`` runs them the way Tk's loop would."""

    def __init__(self) -> None:
        self.due: list = []
        self.delays: list[int] = []

    def after(self, ms: int, fn) -> str:
        self.due.append(fn)
        self.delays.append(ms)
        return f"after#{len(self.delays)}"

    def poll_once(self) -> None:
        due, self.due = self.due, []
        for fn in due:
            fn()

    def run_polls(self, worker: Worker, timeout: float = 10) -> int:
        """Poll until the worker is idle; how many polls it took."""
        polls, end = 0, time.monotonic() + timeout
        while worker.running:
            assert time.monotonic() < end, "the task never ended"
            self.poll_once()
            polls += 1
            time.sleep(0.001)
        return polls


def make(**kw) -> tuple[FakeTk, Worker, list]:
    tk, got = FakeTk(), []
    return tk, Worker(tk, "the test job", got.append, **kw), got


def test_events_arrive_in_order_with_the_result_last():
    tk, worker, got = make(poll_ms=25)

    def work(task: Task) -> str:
        for n in range(5):
            task.emit(Tick(n))
        return "done"

    worker.start(work)
    assert worker.running and tk.delays == [25]
    tk.run_polls(worker)
    assert got == [Tick(0), Tick(1), Tick(2), Tick(3), Tick(4), "done"]
    assert not worker.running and tk.due == []  # idle: no more polls scheduled


def test_a_users_error_and_a_bug_each_become_one_message(capsys):
    tk, worker, got = make()

    def missing(task: Task) -> None:
        raise DatasetNotFoundError("dataset not found in /nowhere")

    worker.start(missing)
    tk.run_polls(worker)
    assert got == [JobFailed("dataset not found in /nowhere")]
    assert "Traceback" not in capsys.readouterr().err  # not a bug: no trace

    def bug(task: Task) -> None:
        task.emit(Tick(1))
        raise ValueError("boom")

    worker.start(bug)
    tk.run_polls(worker)
    assert got[1:] == [Tick(1), JobFailed("the test job crashed: ValueError: boom")]
    assert "ValueError: boom" in capsys.readouterr().err  # the trace, for the bug report


def test_a_poll_stops_at_its_time_budget():
    tk, worker, got = make(budget_s=0.005)
    slow = lambda event: (got.append(event), time.sleep(0.002))  # noqa: E731
    worker.on_event = slow
    ready = threading.Event()

    def work(task: Task) -> None:
        for n in range(50):
            task.emit(Tick(n))
        ready.set()

    worker.start(work)
    ready.wait(5)
    tk.poll_once()
    assert 1 <= len(got) <= 4  # ~2 ms each within 5 ms: the rest waits for later polls
    tk.run_polls(worker)
    assert got == [Tick(n) for n in range(50)]


def test_after_poll_runs_once_per_visit_that_delivered():
    visits = []
    tk, worker, got = make(after_poll=lambda: visits.append(len(got)))
    release = threading.Event()

    def work(task: Task) -> None:
        task.emit(Tick(0))
        task.emit(Tick(1))
        release.wait(5)

    worker.start(work)
    while len(got) < 2:
        tk.poll_once()
    polls_before = len(visits)
    tk.poll_once()  # nothing new: no after_poll
    assert len(visits) == polls_before and visits[-1] == 2
    release.set()
    tk.run_polls(worker)


def test_cancel_calls_the_hooks_and_the_result_still_arrives():
    tk, worker, got = make()
    started, stopped = threading.Event(), threading.Event()

    def work(task: Task) -> str:
        task.on_cancel(stopped.set)
        started.set()
        stopped.wait(5)
        return "stopped early" if task.cancelled else "ran out"

    worker.start(work)
    started.wait(5)
    worker.cancel()
    tk.run_polls(worker)
    assert got == ["stopped early"]

    task = Task("late", lambda t: None)
    task.cancel()
    called = []
    task.on_cancel(lambda: called.append(1))  # registered after the cancel: runs at once
    assert called == [1]


def test_a_dropped_task_is_not_heard_from_again():
    tk, worker, got = make()
    gate = threading.Event()

    def work(task: Task) -> str:
        gate.wait(5)
        task.emit(Tick(1))
        return "old result"

    first = worker.start(work)
    worker.drop()
    assert first.cancelled and not worker.running
    gate.set()
    assert first.join(5)
    worker.start(lambda task: "new result")
    tk.run_polls(worker)
    assert got == ["new result"]
    assert first.events.get_nowait() == Tick(1)  # it did send them: nobody listened


def test_workers_shutdown_cancels_and_joins_every_task():
    workers = Workers()
    a, b = FakeTk(), FakeTk()
    loop = Worker(a, "a loop", lambda e: None, workers)
    stuck = Worker(b, "a stuck download", lambda e: None, workers)
    never = threading.Event()

    def until_cancelled(task: Task) -> None:
        while not task.cancelled:
            time.sleep(0.005)

    loop_task = loop.start(until_cancelled)
    stuck_task = stuck.start(lambda task: never.wait(10))
    t0 = time.perf_counter()
    left = workers.shutdown(0.3)
    assert time.perf_counter() - t0 < 1.0
    assert left == ["a stuck download"] and not loop_task.alive and stuck_task.alive
    assert not loop.running and not stuck.running
    never.set()
    assert stuck_task.join(5)
    assert stuck_task.events.get_nowait() is True and stuck_task.events.get_nowait() is END
