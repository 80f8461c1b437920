import math
import threading
import time
from dataclasses import replace

import pytest
import torch

from desktop_cnn.core.data.datasets import Dataset, Split
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.train.events import BatchEnd, EpochEnd, Failed, Finished, Started
from desktop_cnn.core.train.training import TrainConfig, Trainer


@pytest.fixture(scope="module")
def small(mnist) -> Dataset:
    """3,000 real training digits and 1,000 real test digits: a few seconds an epoch."""
    return replace(
        mnist,
        train=Split(mnist.train.images[:3000], mnist.train.labels[:3000]),
        test=Split(mnist.test.images[:1000], mnist.test.labels[:1000]),
    )


def test_events_and_learning(small):
    events = []
    trainer = Trainer(small, "lenet5", TrainConfig(epochs=2, batch_size=64), events.append)
    result = trainer.run()
    kinds = [type(e) for e in events]
    assert kinds[0] is Started and kinds[-1] is Finished and kinds.count(EpochEnd) == 2
    batches = [e for e in events if isinstance(e, BatchEnd)]
    assert len(batches) == 2 * (3000 // 64)
    assert batches[-1].loss < batches[0].loss and batches[-1].images_per_s > 0
    assert batches[-1].eta_s == pytest.approx(0, abs=1e-6)
    epoch = [e for e in events if isinstance(e, EpochEnd)][-1]
    assert epoch.test_accuracy > 0.85 and set(epoch.per_class) == set(small.classes)
    assert result.status == "finished"
    assert result.checkpoint.info.metrics["test_accuracy"] == epoch.test_accuracy
    assert len(result.checkpoint.info.history["batch_loss"]) == len(batches)


def test_a_dry_run_takes_max_steps_batches_per_epoch_and_anneals_over_them(small):
    """``max_steps`` (a dry run): each epoch stops after that many batches, and the schedule,
    the progress and the history count those alone; the run is as repeatable as a full one."""
    cfg = TrainConfig(epochs=2, batch_size=64, max_steps=3, seed=1)
    events = []
    result = Trainer(small, "lenet5", cfg, events.append).run()
    assert result.status == "finished"
    started = next(e for e in events if isinstance(e, Started))
    batches = [e for e in events if isinstance(e, BatchEnd)]
    assert started.steps_per_epoch == 3 and [(b.epoch, b.step, b.steps) for b in batches] == [
        (epoch, step, 3) for epoch in (1, 2) for step in (1, 2, 3)
    ]
    assert [e.global_step for e in batches] == [1, 2, 3, 4, 5, 6]
    assert sum(isinstance(e, EpochEnd) for e in events) == 2
    assert len(result.history["batch_loss"]) == 6
    # The one-cycle schedule ran its whole course in the 6 steps: up to the peak, then down
    # (over a full epoch's 46 steps per epoch, these 6 would all be in its warm-up).
    top = max(b.lr for b in batches)
    assert top == pytest.approx(cfg.peak_lr(), rel=0.2) and batches[-1].lr < 0.2 * top
    again = Trainer(small, "lenet5", cfg).run()
    assert again.history["batch_loss"] == result.history["batch_loss"]


@pytest.mark.slow  # six trainings that must learn
@pytest.mark.parametrize("opt", ["sgd", "adam", "adamw"])
@pytest.mark.parametrize("schedule", ["onecycle", "cosine"])
def test_optimizers_and_schedules_learn(small, opt, schedule):
    # 93 steps: SGD needs more of them than Adam, so the bar is set for SGD (measured 0.85).
    cfg = TrainConfig(
        epochs=1, batch_size=32, optimizer=opt, schedule=schedule, label_smoothing=0.1
    )
    result = Trainer(small, "lenet5", cfg).run()
    assert result.checkpoint.info.metrics["test_accuracy"] > 0.7


def test_stop_from_another_thread_takes_effect_within_a_batch(small):
    # The worker waits at its fifth batch until this thread has called stop(), so the count
    # does not depend on how long a loaded machine lets either thread sleep.
    seen = []
    at_five, stop_called = threading.Event(), threading.Event()

    def record(event):
        seen.append(event)
        if isinstance(event, BatchEnd) and sum(isinstance(e, BatchEnd) for e in seen) == 5:
            at_five.set()
            stop_called.wait(30)

    trainer = Trainer(small, "lenet5", TrainConfig(epochs=50, batch_size=32), record)
    worker = threading.Thread(target=lambda: seen.append(trainer.run()))
    worker.start()
    assert at_five.wait(60)
    trainer.stop()
    stop_called.set()
    worker.join(30)
    assert not worker.is_alive()
    assert seen[-1].status == "stopped"
    assert sum(isinstance(e, BatchEnd) for e in seen) <= 5 + 1  # at most the batch under way


def test_pause_holds_the_step_count(small):
    seen = []

    def pause_after_3(event):
        seen.append(event)
        if sum(isinstance(e, BatchEnd) for e in seen) == 3:
            trainer.pause()  # between two batches: no batch is under way (a fixed wait guessed)

    trainer = Trainer(small, "lenet5", TrainConfig(epochs=50, batch_size=32), pause_after_3)
    worker = threading.Thread(target=trainer.run)
    worker.start()
    while sum(isinstance(e, BatchEnd) for e in seen) < 3:
        time.sleep(0.01)
    n = sum(isinstance(e, BatchEnd) for e in seen)
    time.sleep(0.5)
    assert sum(isinstance(e, BatchEnd) for e in seen) == n and trainer.paused
    trainer.resume()
    deadline = time.monotonic() + 60
    while sum(isinstance(e, BatchEnd) for e in seen) == n and time.monotonic() < deadline:
        time.sleep(0.01)  # the next batch, however long a busy machine takes for it
    assert sum(isinstance(e, BatchEnd) for e in seen) > n
    trainer.stop()
    worker.join(30)
    assert not worker.is_alive()


def test_nan_loss_stops_with_a_clear_event(small):
    events = []
    result = Trainer(
        small,
        "lenet5",
        TrainConfig(epochs=1, lr=1e6, optimizer="sgd", schedule="constant"),
        events.append,
    ).run()
    assert result.status == "failed" and "lower learning rate" in result.message
    assert isinstance(events[-1], Failed)


def test_resume_continues_the_same_run(small, tmp_path):
    cfg = TrainConfig(epochs=2, batch_size=64, seed=3)
    path = tmp_path / "run.pt"
    # Train epoch 1 of a 2-epoch run, checkpointing it, then stop.
    events = []
    t = Trainer(small, "lenet5", cfg, events.append)

    def stop_after_epoch(e):
        events.append(e)
        if isinstance(e, EpochEnd):
            t.stop()

    t.callback = stop_after_epoch
    t.run(checkpoint_path=path)
    ck = load_checkpoint(path)
    assert ck.training_state["epoch"] == 1 and "optimizer" in ck.training_state
    resumed = Trainer(small, "lenet5", cfg, resume=ck)
    result = resumed.run()
    hist = result.checkpoint.info.history["epochs"]
    assert [h["epoch"] for h in hist] == [1, 2]
    assert len(result.checkpoint.info.history["batch_loss"]) == 2 * (3000 // 64)
    # The schedule went on from where it was, ending at the one-cycle's tiny final LR.
    assert resumed.config.epochs == 2 and result.status == "finished"


def test_seed_makes_runs_repeatable(small):
    a = Trainer(small, "lenet5", TrainConfig(epochs=1, seed=7)).run()
    b = Trainer(small, "lenet5", TrainConfig(epochs=1, seed=7)).run()
    assert a.history["batch_loss"] == pytest.approx(b.history["batch_loss"])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_training_step_with_amp_and_cpu_load(small, tmp_path):
    from desktop_cnn.core.files.checkpoints import save_checkpoint

    result = Trainer(small, "lenet5", TrainConfig(epochs=1, device="cuda", amp=True)).run()
    assert next(result.checkpoint.model.parameters()).is_cuda
    p = save_checkpoint(tmp_path / "gpu.pt", result.checkpoint.model, result.checkpoint.info)
    ck = load_checkpoint(p, map_location="cpu")
    assert not next(ck.model.parameters()).is_cuda


def test_mix_batch_blends_each_image_with_a_partner():
    from desktop_cnn.core.data.batches import mix_batch

    x = torch.arange(6.0).view(6, 1, 1, 1)
    mixed, partner = mix_batch(x, torch.Generator().manual_seed(0), 0.75)
    assert sorted(partner.tolist()) == list(range(6))  # a permutation of the batch
    assert torch.equal(mixed.flatten(), 0.75 * x.flatten() + 0.25 * x.flatten()[partner])


@pytest.mark.slow  # three trainings, one must learn
def test_mixup_learns_and_is_repeatable(small):
    cfg = TrainConfig(epochs=2, batch_size=64, seed=3, mixup=0.4)
    a, b = Trainer(small, "lenet5", cfg).run(), Trainer(small, "lenet5", cfg).run()
    # Blended images are harder: 2 epochs gave 0.921 (plain: 0.943).
    assert a.checkpoint.info.metrics["test_accuracy"] > 0.85
    assert a.history["batch_loss"] == b.history["batch_loss"]
    # Training accuracy counts each blend as its larger share's class, so it tracks learning
    # (measured 0.78 in epoch 2; against the first image's label alone it stays below 50%).
    assert a.history["epochs"][1].train_accuracy > 0.65
    plain = Trainer(small, "lenet5", replace(cfg, mixup=0.0)).run()
    assert plain.history["batch_loss"][0] != a.history["batch_loss"][0]  # mixup changed batch 1


def test_epoch_records_are_typed_and_old_dict_histories_load():
    from desktop_cnn.core.train.events import EpochRecord
    from desktop_cnn.core.train.history import plain_history, typed_history

    old = {
        "batch_loss": [2.3, 1.9],
        "epochs": [  # a file from before "seconds" was kept
            {
                "epoch": 1,
                "train_loss": 0.5,
                "train_accuracy": 0.8,
                "test_loss": 0.4,
                "test_accuracy": 0.9,
            }
        ],
    }
    h = typed_history(old)
    assert h["batch_loss"] == [2.3, 1.9] and isinstance(h["epochs"][0], EpochRecord)
    assert h["epochs"][0].test_accuracy == 0.9
    assert math.isnan(h["epochs"][0].seconds)  # not measured: NaN, not a made-up 0
    back = plain_history(h)["epochs"][0]
    assert {k: back[k] for k in old["epochs"][0]} == old["epochs"][0]
