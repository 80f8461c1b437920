"""core/inspect/compare.py: histories as curves on an epoch axis; files without one flagged."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from desktop_cnn.core.files.checkpoints import load_checkpoint, save_checkpoint
from desktop_cnn.core.inspect.compare import (
    batch_epochs,
    curves_from_info,
    load_curves,
    smooth,
)

from helpers import cached_test_model


def test_smooth_is_a_bias_corrected_moving_average():
    values = [4.0, 2.0, 3.0, 1.0]
    avg, expected = 0.0, []
    for i, v in enumerate(values):  # the recurrence written out by hand
        avg = 0.9 * avg + 0.1 * v
        expected.append(avg / (1 - 0.9 ** (i + 1)))
    assert np.allclose(smooth(values), expected)
    assert smooth(values)[0] == 4.0  # no pull towards zero at the start
    assert np.allclose(smooth([2.5] * 50), 2.5)


@pytest.mark.parametrize(
    "batches, epochs, first, last",
    [
        (10, 2, 0.2, 2.0),  # 5 batches per epoch
        (469, 1, 1 / 469, 1.0),
        (7, 2, 1 / 3, 7 / 3),  # stopped a batch into epoch 3: a little high, never lost
    ],
)
def test_batches_sit_on_the_epoch_axis(batches, epochs, first, last):
    x = batch_epochs(batches, epochs)
    assert len(x) == batches
    assert x[0] == pytest.approx(first) and x[-1] == pytest.approx(last)


@pytest.fixture(scope="module")
def ck(mnist):
    return load_checkpoint(cached_test_model(mnist))


def test_real_checkpoint_curves(ck, mnist):
    path = cached_test_model(mnist)
    c = load_curves(path)
    hist = ck.info.history
    assert c.ok and c.source == str(path) and c.name == path.name
    assert c.title == ck.info.title and c.title in c.label and path.name in c.label
    assert c.epochs == [1]
    assert c.test_accuracy == [hist["epochs"][0]["test_accuracy"]]
    assert c.test_loss == [hist["epochs"][0]["test_loss"]]
    assert np.allclose(c.loss, smooth(hist["batch_loss"]))
    assert len(c.loss_epoch) == len(hist["batch_loss"]) and c.loss_epoch[-1] == 1.0


def test_files_without_history_or_unreadable_are_flagged(ck, mnist, tmp_path):
    bare = tmp_path / "no_history.pt"
    save_checkpoint(bare, ck.model, replace(ck.info, history={}))
    early = tmp_path / "stopped_early.pt"
    save_checkpoint(
        early, ck.model, replace(ck.info, history={"batch_loss": [2.3, 2.1], "epochs": []})
    )
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"\x00" * 50)
    loaded = [load_curves(p) for p in (cached_test_model(mnist), bare, early, broken)]
    good, flagged = [c for c in loaded if c.ok], [c for c in loaded if not c.ok]
    assert [c.name for c in good] == ["lenet5_mnist_quick.pt"]
    problems = {c.name: c.problem for c in flagged}
    assert problems["no_history.pt"] == "no training history saved"
    assert "first epoch" in problems["stopped_early.pt"]
    assert problems["broken.pt"] == "broken.pt is not a PyTorch model file"  # no folders
    assert all(len(c.loss) == 0 and not c.epochs for c in flagged)


def test_resumed_run_spans_all_its_epochs(ck):
    losses = [2.0 - 0.01 * i for i in range(30)]
    epochs = [
        {"epoch": e, "test_loss": 1.0 / e, "test_accuracy": 0.8 + 0.05 * e} for e in (1, 2, 3)
    ]
    c = curves_from_info(
        replace(ck.info, history={"batch_loss": losses, "epochs": epochs}), name="current model"
    )
    assert c.name == "current model" and c.epochs == [1, 2, 3]
    assert c.loss_epoch[9] == pytest.approx(1.0) and c.loss_epoch[-1] == pytest.approx(3.0)
    assert c.test_accuracy == pytest.approx([0.85, 0.9, 0.95])
