"""Predictions per test image and per confusion cell (core/inspect/mistakes.py) vs evaluate()."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
import torch

from desktop_cnn.core.data.batches import BatchLoader
from desktop_cnn.core.data.preprocess import normalize
from desktop_cnn.core.errors import UnknownNameError
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.inspect.evaluation import evaluate, predict_proba
from desktop_cnn.core.inspect.mistakes import fit_dataset, predict_split

from helpers import cached_test_model, small_dataset


@pytest.fixture(scope="module")
def model(mnist):
    return load_checkpoint(cached_test_model(mnist))


@pytest.fixture(scope="module")
def test_split(mnist):
    return small_dataset(mnist, 10, 3000, seed=1).test


@pytest.fixture(scope="module")
def predictions(model, test_split):
    info = model.info
    return predict_split(model.model, test_split, info.mean, info.std, 10, batch_size=700)


def test_predictions_agree_with_evaluate(model, test_split, predictions):
    info = model.info
    ev = evaluate(
        model.model, BatchLoader(test_split, 1000, info.mean, info.std), 10, keep_mistakes=40
    )
    p = predictions
    assert len(p) == 3000 and 0 < len(p) - p.right < 3000  # the quick model makes mistakes
    assert torch.equal(p.confusion, ev.confusion)
    assert p.accuracy == pytest.approx(ev.accuracy)
    assert p.loss == pytest.approx(ev.loss, rel=1e-5)
    ours = p.mistakes(40)
    assert [m.confidence for m in ours] == pytest.approx([m.confidence for m in ev.mistakes])
    assert {m.index for m in ours} == {m.index for m in ev.mistakes}
    assert all(m.label != m.predicted for m in ours)


def test_cells_partition_the_split_in_their_order(model, test_split, predictions):
    p = predictions
    seen = []
    for i in range(10):
        for j in range(10):
            idx = p.cell(i, j)
            assert len(idx) == p.confusion[i, j]
            seen += idx.tolist()
            conf = p.confidence[idx]
            if i == j:  # right answers: least confident first
                assert torch.all(conf[1:] >= conf[:-1])
            else:  # mistakes: surest first
                assert torch.all(conf[1:] <= conf[:-1])
    assert sorted(seen) == list(range(len(p)))
    # The largest mistake cell, image by image through the model: the oracle for the indices.
    off = p.confusion - torch.diag(p.confusion.diag())
    i, j = divmod(int(off.argmax()), 10)
    idx = p.cell(i, j)
    x = normalize(test_split.images[idx].float() / 255, model.info.mean, model.info.std)
    probs = predict_proba(model.model, x)
    assert torch.all(test_split.labels[idx] == i)
    assert torch.all(probs.argmax(1) == j)
    assert probs.max(1).values.tolist() == pytest.approx(p.confidence[idx].tolist(), abs=1e-5)


def test_stop_and_empty_splits(model, test_split):
    info = model.info
    stop = threading.Event()
    stop.set()
    assert predict_split(model.model, test_split, info.mean, info.std, 10, stop=stop) is None
    empty = replace(test_split, images=test_split.images[:0], labels=test_split.labels[:0])
    p = predict_split(model.model, empty, info.mean, info.std, 10)
    assert len(p) == 0 and p.accuracy == 0 and p.confusion.sum() == 0 and p.mistakes(5) == []


def test_fit_dataset_follows_the_models_classes_and_refuses_other_shapes(mnist, model):
    two = fit_dataset(mnist, replace(model.info, classes=["3", "8"]))
    assert two.classes == ["3", "8"] and set(two.test.labels.tolist()) == {0, 1}
    assert len(two.test) == int(((mnist.test.labels == 3) | (mnist.test.labels == 8)).sum())
    assert fit_dataset(mnist, model.info) is mnist
    with pytest.raises(UnknownNameError, match="the model takes"):
        fit_dataset(mnist, replace(model.info, input_shape=(3, 32, 32)))
