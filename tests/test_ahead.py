"""Batches made on a second thread: the same batches, errors passed on, the thread ended."""

from __future__ import annotations

import threading

import pytest
import torch

from desktop_cnn.core.train import training
from desktop_cnn.core.train.ahead import ahead
from desktop_cnn.core.train.training import TrainConfig, Trainer

from helpers import small_dataset


def test_the_same_items_in_the_same_order():
    assert list(ahead(iter(range(100)), depth=2)) == list(range(100))


def test_an_error_while_making_a_batch_reaches_the_loop():
    def broken():
        yield 1
        raise ValueError("bad batch")

    got = []
    with pytest.raises(ValueError, match="bad batch"):
        for item in ahead(broken()):
            got.append(item)
    assert got == [1]


def test_leaving_early_ends_the_thread():
    made = []

    def endless():
        i = 0
        while True:
            made.append(i)
            yield i
            i += 1

    before = threading.active_count()
    for item in ahead(endless(), depth=2):
        if item == 3:
            break
    assert threading.active_count() == before  # joined when the loop left
    assert len(made) <= 3 + 1 + 2 + 1  # at most depth ahead (and one in hand) was made


def test_a_run_reading_ahead_is_bit_identical_to_one_that_does_not(mnist, monkeypatch):
    """The loader's generator is used in the same order either way: same weights."""
    data = small_dataset(mnist, 640, 128)
    cfg = TrainConfig(epochs=2, batch_size=64, seed=3)

    def weights(spare: bool) -> dict[str, torch.Tensor]:
        monkeypatch.setattr(training, "spare_core", lambda device: spare)
        trainer = Trainer(data, "lenet5", cfg)
        assert trainer.run().status == "finished"
        return {k: v.clone() for k, v in trainer.model.state_dict().items()}

    ahead_w, plain_w = weights(True), weights(False)
    assert all(torch.equal(ahead_w[k], plain_w[k]) for k in plain_w)
