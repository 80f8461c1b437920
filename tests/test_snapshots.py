"""Weight snapshots: taken between optimizer steps, copies, as many as configured, bounded."""

from __future__ import annotations

import threading

import pytest
import torch

from desktop_cnn.core.files.checkpoints import load_checkpoint, save_checkpoint
from desktop_cnn.core.inspect.snapshots import (
    SnapshotRecorder,
    cpu_state,
    describe,
    snapshot_checkpoint,
    snapshot_marks,
    snapshot_step,
    state_bytes,
)
from desktop_cnn.core.train.events import BatchEnd, EpochEnd, Snapshot
from desktop_cnn.core.train.training import TrainConfig, Trainer

from helpers import small_dataset

STEPS = 640 // 64  # batches per epoch of the small dataset
# On the CPU: the live-copy test compares two seeded runs bit for bit, which CUDA's
# non-deterministic kernels would not promise; when copies are taken does not depend on it.


@pytest.fixture(scope="module")
def small(mnist):
    return small_dataset(mnist, 640, 200)


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_marks_are_evenly_spaced_and_end_the_epoch():
    assert snapshot_marks(31, 4) == {8, 16, 23, 31}
    assert snapshot_marks(10, 1) == {10}
    assert snapshot_marks(3, 8) == {1, 2, 3}  # never more than one per batch
    assert snapshot_marks(10, 0) == set()


def test_kept_snapshots_step_0_epoch_ends_and_copies(small):
    events: list = []
    trainer = Trainer(
        small,
        "lenet5",
        TrainConfig(epochs=2, batch_size=64, device="cpu", snapshots_per_epoch=3),
        events.append,
    )
    initial = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    trainer.run()
    snaps = [e for e in events if isinstance(e, Snapshot)]
    assert all(s.kept for s in snaps)  # nobody asked for a live copy
    marks = sorted(snapshot_marks(STEPS, 3))
    assert [s.step for s in snaps] == [0] + marks + [STEPS + m for m in marks]
    assert len(snaps) == 1 + 2 * 3
    assert same(snaps[0].state_dict, initial) and snaps[0].epoch == 0
    final = trainer.model.state_dict()
    assert same(snaps[-1].state_dict, final) and not same(snaps[0].state_dict, final)
    accs = [e.test_accuracy for e in events if isinstance(e, EpochEnd)]
    assert [s.test_accuracy for s in snaps if s.test_accuracy is not None] == accs
    assert [s.info.metrics.get("epochs") for s in snaps] == [None, None, None, 1, 1, 1, 2]
    # copies: changing the model (in place, as the optimizer does) leaves them alone
    kept = cpu_state(trainer.model)
    with torch.no_grad():
        for p in trainer.model.parameters():
            p.add_(1.0)
    assert same(snaps[-1].state_dict, kept)
    assert all(t.device.type == "cpu" for t in snaps[-1].state_dict.values())
    assert all(s.info.history["batch_loss"] == [] for s in snaps)  # light: no per-batch losses


def test_a_live_copy_is_the_weights_between_two_steps(small):
    """A thread asks for copies all the time; each must equal the weights after exactly its
    step, as recorded on the training thread itself in an identical (seeded) run."""
    reference: dict[int, dict] = {}
    cfg = TrainConfig(epochs=1, batch_size=64, device="cpu")

    def record(e) -> None:
        if isinstance(e, BatchEnd):
            reference[e.global_step] = {k: v.clone() for k, v in trainer.model.state_dict().items()}

    trainer = Trainer(small, "lenet5", cfg, record)
    trainer.run()
    live: list[Snapshot] = []
    trainer = Trainer(
        small,
        "lenet5",
        TrainConfig(epochs=1, batch_size=64, device="cpu"),
        lambda e: live.append(e) if isinstance(e, Snapshot) else None,
    )
    done = threading.Event()

    def hammer() -> None:
        while not done.is_set():
            trainer.request_copy()
            done.wait(0.001)

    thread = threading.Thread(target=hammer)
    thread.start()
    try:
        trainer.run()
    finally:
        done.set()
        thread.join()
    assert len(live) >= 3 and not any(s.kept for s in live)
    assert len({s.step for s in live}) == len(live)  # at most one per batch
    for s in live:
        assert same(s.state_dict, reference[s.step]), s.step


def test_no_requests_no_live_copies(small):
    events: list = []
    Trainer(
        small, "lenet5", TrainConfig(epochs=1, batch_size=64, device="cpu"), events.append
    ).run()
    assert not any(isinstance(e, Snapshot) for e in events)


def fake(step: int, size: int = 10) -> Snapshot:
    return Snapshot(step, 1, step, 100, {"w": torch.zeros(size)}, None, True)


def test_the_recorder_is_bounded_and_keeps_both_ends():
    rec = SnapshotRecorder(max_count=10)
    for step in range(0, 500, 5):
        rec.add(fake(step))
        assert len(rec) <= 10
    steps = [s.step for s in rec.snapshots]
    assert steps[0] == 0 and steps[-1] == 495 and steps == sorted(steps)
    assert len(rec) >= 5  # thinned by halving, not emptied
    by_bytes = SnapshotRecorder(max_count=100, max_bytes=4 * state_bytes(fake(0).state_dict))
    for step in range(20):
        by_bytes.add(fake(step))
    assert len(by_bytes) <= 4 and by_bytes.bytes <= by_bytes.max_bytes
    with pytest.raises(ValueError, match="steps must increase"):
        by_bytes.add(fake(3))


def test_a_snapshot_checkpoint_says_what_it_is(small, tmp_path):
    events: list = []
    cfg = TrainConfig(epochs=1, batch_size=64, device="cpu", snapshots_per_epoch=2)
    Trainer(small, "lenet5", cfg, events.append).run()
    first, middle, end = [e for e in events if isinstance(e, Snapshot)]
    ck = snapshot_checkpoint(middle)
    assert same(ck.model.state_dict(), middle.state_dict) and not ck.model.training
    assert snapshot_step(ck) == middle.step and "test_accuracy" not in ck.info.metrics
    assert "not its final model" in ck.info.notes[-1]
    assert describe(first) == "step 0 (random weights)"
    assert describe(middle) == f"step {middle.step} (epoch 1, batch {middle.step} of {STEPS})"
    assert describe(end) == f"step {STEPS} (end of epoch 1)"
    end_ck = snapshot_checkpoint(end)
    assert end_ck.info.metrics["test_accuracy"] == end.test_accuracy
    with torch.no_grad():  # the replayed model is a copy too
        next(ck.model.parameters()).add_(1.0)
    assert not same(ck.model.state_dict(), middle.state_dict)
    path = save_checkpoint(tmp_path / "snap.pt", end_ck.model, end_ck.info)
    again = load_checkpoint(path)
    assert snapshot_step(again) == STEPS and "not its final model" in again.info.notes[-1]
