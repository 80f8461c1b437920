"""Resuming a saved run: more epochs, another batch size, clear refusals (issue 12, item 2)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from desktop_cnn.cli import main as cli_main
from desktop_cnn.core.errors import CheckpointError
from desktop_cnn.core.files.checkpoints import load_checkpoint, save_checkpoint
from desktop_cnn.core.train.events import BatchEnd
from desktop_cnn.core.train.optim import make_schedule
from desktop_cnn.core.train.resume import check_resumable, check_same_data, resume_config
from desktop_cnn.core.train.training import TrainConfig, Trainer

from helpers import small_dataset

CFG = TrainConfig(epochs=2, batch_size=64, seed=3, device="cpu")


@pytest.fixture(scope="module")
def small(mnist):
    """1,280 real training digits (20 batches of 64) and 500 test digits."""
    return small_dataset(mnist, 1280, 500)


@pytest.fixture(scope="module")
def finished(small, tmp_path_factory):
    """A finished 2-epoch run saved as --checkpoint-every-epoch's final save saves it."""
    result = Trainer(small, "lenet5", CFG).run()
    assert result.training_state is not None and result.training_state["epoch"] == 2
    path = tmp_path_factory.mktemp("resume") / "run.pt"
    save_checkpoint(path, result.checkpoint.model, result.checkpoint.info, result.training_state)
    return path


def resume(path, data, wanted: TrainConfig):
    ck = load_checkpoint(path)
    config = resume_config(ck, wanted)
    check_resumable(ck, None)
    check_same_data(ck, data)
    events = []
    return Trainer(data, ck.info.arch, config, events.append, resume=ck).run(), events


def test_more_epochs_rebuild_the_schedule_for_the_new_total(small, finished):
    result, events = resume(finished, small, replace(CFG, epochs=3))
    assert result.status == "finished"
    assert [r.epoch for r in result.history["epochs"]] == [1, 2, 3]
    assert len(result.history["batch_loss"]) == 3 * 20
    # The schedule goes on as a 3-epoch one-cycle would (an event reports the lr set for the
    # next step: after the first resumed step, 41 are done).
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=CFG.peak_lr())
    fresh = make_schedule(opt, replace(CFG, epochs=3), 20, done=41)
    first = next(e for e in events if isinstance(e, BatchEnd))
    assert first.global_step == 41
    assert first.lr == pytest.approx(fresh.get_last_lr()[0], rel=1e-6)
    # ... which is well above where the 2-epoch cycle had annealed to at its end.
    assert (
        first.lr
        > 100 * load_checkpoint(finished).training_state["optimizer"]["param_groups"][0]["lr"]
    )


def test_another_batch_size_resumes_at_the_same_share_of_the_run(small, finished):
    result, events = resume(finished, small, replace(CFG, epochs=3, batch_size=32))
    steps = [e for e in events if isinstance(e, BatchEnd)]
    assert result.status == "finished" and len(steps) == 1280 // 32
    assert steps[0].global_step == 2 * 40 + 1 and steps[-1].epoch == 3
    assert [r.epoch for r in result.history["epochs"]] == [1, 2, 3]


def test_a_finished_run_without_more_epochs_says_why_not(finished):
    with pytest.raises(CheckpointError, match="has trained 2 epochs.*give one above 2"):
        resume_config(load_checkpoint(finished), CFG)


def test_another_recipe_is_refused_with_the_reason(finished):
    with pytest.raises(CheckpointError, match="optimizer sgd: the run used adamw"):
        resume_config(load_checkpoint(finished), replace(CFG, epochs=4, optimizer="sgd"))


def test_another_dataset_or_classes_is_refused(small, finished):
    ck = load_checkpoint(finished)
    with pytest.raises(CheckpointError, match="trained on mnist, not fashion-mnist"):
        check_same_data(ck, replace(small, name="fashion-mnist"))
    with pytest.raises(CheckpointError, match="knows the classes"):
        check_same_data(ck, small.with_classes(["0", "1"]))


def test_a_file_without_training_state_is_refused(finished, tmp_path):
    ck = load_checkpoint(finished)
    bare = save_checkpoint(tmp_path / "bare.pt", ck.model, ck.info)  # the default final save
    with pytest.raises(CheckpointError, match="not its training state.*--checkpoint-every"):
        check_resumable(load_checkpoint(bare), None)


def test_cli_refuses_another_architecture_in_one_line(finished, shared_data, tmp_path, capsys):
    out = tmp_path / "out.pt"
    code = cli_main(
        [
            "train",
            "--dataset",
            "mnist",
            "--data-dir",
            str(shared_data),
            "--model",
            "cifar-net",
            "--resume",
            str(finished),
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and not out.exists()
    assert err == [
        "desktop-cnn: error: run.pt is a lenet5 run, not cifar-net: resume it "
        "without --model, or train a new model without --resume"
    ]


def test_cli_every_epoch_final_save_resumes(shared_data, tmp_path, capsys):
    """The final file of a --checkpoint-every-epoch run keeps its state: --resume goes on."""
    first, second = tmp_path / "first.pt", tmp_path / "second.pt"
    common = [
        "train",
        "--dataset",
        "mnist",
        "--data-dir",
        str(shared_data),
        "--classes",
        "0,1",
        "--batch-size",
        "256",
        "--device",
        "cpu",
    ]
    assert (
        cli_main([*common, "--epochs", "1", "--checkpoint-every-epoch", "--out", str(first)]) == 0
    )
    assert load_checkpoint(first).training_state["epoch"] == 1
    assert cli_main([*common, "--epochs", "2", "--resume", str(first), "--out", str(second)]) == 0
    info = load_checkpoint(second).info
    assert [e["epoch"] for e in info.history["epochs"]] == [1, 2]
    assert info.classes == ["0", "1"]
    capsys.readouterr()
