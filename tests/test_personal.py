"""The personal dataset (core/data/personal.py) and fine-tuning on it (core/train/finetune.py).

Drawings are rendered by the Draw panel's own ``Sketch`` from the stroke
paths in personal_strokes.py (the GUI test draws the same ones through the
canvas); fine-tuning runs for real on a 2,000-image MNIST subset.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from desktop_cnn.core.data.personal import PersonalDataError, PersonalSet
from desktop_cnn.core.data.preprocess import normalize, prepare
from desktop_cnn.core.errors import DesktopCnnError
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.inspect.mistakes import predict_split
from desktop_cnn.core.train.events import BatchEnd, EpochEnd
from desktop_cnn.core.train.finetune import FineTune, FinetuneConfig, Phase, mix
from desktop_cnn.gui.sketch import Sketch

from helpers import cached_test_model, small_dataset
from personal_strokes import handwriting

CONFIG = FinetuneConfig(epochs=2, replay=2000, device="cpu")  # ~3 s on one CPU core


def render(strokes, width) -> Sketch:
    sketch = Sketch(brush=round(width))
    for stroke in strokes:
        sketch.begin(*stroke[0])
        for point in stroke[1:]:
            sketch.extend(*point)
    return sketch


@pytest.fixture(scope="module")
def model(mnist):
    return load_checkpoint(cached_test_model(mnist))


@pytest.fixture(scope="module")
def drawings():
    return [(str(d), render(strokes, w).image) for d, strokes, w in handwriting()]


@pytest.fixture
def personal(tmp_path, drawings):
    p = PersonalSet("mnist", home=tmp_path)
    for label, image in drawings:
        p.add(image, label, predicted="?")
    return p


def test_add_list_delete_survive_a_reopen(tmp_path, drawings):
    p = PersonalSet("mnist", home=tmp_path)
    assert p.items() == [] and len(p) == 0
    for label, image in drawings[:3]:
        p.add(image, label, predicted="7")
    again = PersonalSet("mnist", home=tmp_path)
    assert [(d.id, d.label, d.file) for d in again.items()] == [
        (1, "0", "00001.png"),
        (2, "0", "00002.png"),
        (3, "1", "00003.png"),
    ]
    assert all((p.dir / d.file).exists() for d in again.items())
    assert np.array_equal(np.asarray(again.image(again.items()[2])), np.asarray(drawings[2][1]))
    again.delete(2)
    assert [d.id for d in p.items()] == [1, 3] and not (p.dir / "00002.png").exists()
    again.delete(99)  # gone already: nothing happens
    assert p.add(drawings[0][1], "5").id == 4  # ids are never reused
    index = json.loads((p.dir / "index.json").read_text())
    assert index["dataset"] == "mnist" and [d["id"] for d in index["drawings"]] == [1, 3, 4]
    assert sorted(f.name for f in p.dir.iterdir()) == [
        "00001.png",
        "00003.png",
        "00004.png",
        "index.json",
    ]  # no temp files left behind
    p.clear()
    assert p.items() == [] and [f.name for f in p.dir.iterdir()] == ["index.json"]


def test_the_folder_is_in_the_user_home(monkeypatch, tmp_path):
    monkeypatch.setenv("DESKTOP_CNN_HOME", str(tmp_path))
    assert PersonalSet("mnist").dir == tmp_path / "personal" / "mnist"
    assert PersonalSet("imagefolder:/data/my pets").dir == (
        tmp_path / "personal" / "imagefolder_data_my_pets"
    )


def test_a_damaged_index_is_an_error_not_an_empty_set(personal):
    (personal.dir / "index.json").write_text("{not json")
    with pytest.raises(PersonalDataError, match="index.json"):
        personal.items()
    (personal.dir / "index.json").write_text('{"drawings": [{"nope": 1}]}')
    with pytest.raises(PersonalDataError, match="damaged"):
        personal.items()


def test_the_split_is_what_the_model_sees(personal, model):
    info = model.info
    personal.add(render([[(0, 0), (0, 0)]], 0).image.point(lambda v: 0), "3")  # no ink
    personal.add(personal.image(personal.items()[0]), "cat")  # not one of the classes
    split, kept = personal.load(info.classes, info.input_shape)
    items = personal.items()
    assert len(split) == len(kept) == len(items) - 2 and split.images.dtype == torch.uint8
    assert split.images.shape[1:] == (1, 28, 28)
    assert split.labels.tolist() == [int(d.label) for d in kept]
    for k in (0, 7, len(kept) - 1):  # the Draw panel's input, up to uint8 rounding
        x, _ = prepare(personal.image(kept[k]), info.input_shape, info.mean, info.std)
        stored = normalize(split.images[k].float() / 255, info.mean, info.std)
        assert (x[0] - stored).abs().max() <= 0.5 / 255 / info.std[0] + 1e-6


def test_mix_oversamples_the_drawings(mnist, personal, model):
    split = personal.load(model.info.classes, model.info.input_shape)[0]
    mixed, copies = mix(mnist.train, split, FinetuneConfig(replay=3000, personal_share=0.25))
    assert copies == round(0.25 / 0.75 * 3000 / len(split))
    assert len(mixed) == 3000 + copies * len(split)
    assert torch.equal(mixed.images[-len(split) :], split.images)


def test_fine_tuning_learns_the_drawings_and_reports_both_accuracies(mnist, personal, model):
    info = model.info
    split, _ = personal.load(info.classes, info.input_shape)
    data = small_dataset(mnist, 2000, 1000)
    weights = {k: v.clone() for k, v in model.model.state_dict().items()}
    events = []
    report = FineTune(model, data, split, CONFIG, callback=events.append).run()
    assert report.status == "finished" and report.checkpoint is not None
    before, after = report.personal_before, report.personal_after
    print(
        f"\nfine-tune: personal {before.right}/{before.total} -> {after.right}/{after.total}, "
        f"test {report.test_before.accuracy:.2%} -> {report.test_after.accuracy:.2%} "
        f"in {report.seconds:.1f} s"
    )
    assert before.total == after.total == len(split) == 26
    assert before.right < before.total  # the habits: drawings the quick model gets wrong
    assert after.right >= before.right and after.accuracy >= 0.9
    assert report.test_before.total == report.test_after.total == 1000
    assert 0.85 < report.test_before.accuracy and 0.85 < report.test_after.accuracy
    # The numbers are the fine-tuned model's, measured again here independently.
    ck = report.checkpoint
    again = predict_split(ck.model, split, info.mean, info.std, 10)
    assert again.right == after.right and again.predicted.tolist() == report.predicted_after
    test = predict_split(ck.model, data.test, info.mean, info.std, 10)
    assert test.right == report.test_after.right
    assert ck.info.metrics["test_accuracy"] == pytest.approx(report.test_after.accuracy)
    assert "fine-tuned on 26 personal drawings" in ck.info.notes[-1]
    assert ck.info.mean == info.mean and ck.info.classes == info.classes
    for k, v in model.model.state_dict().items():  # the original model is never touched
        assert torch.equal(v, weights[k]), k
    steps = [e for e in events if isinstance(e, BatchEnd)]
    assert len(steps) == steps[-1].steps * CONFIG.epochs
    assert len([e for e in events if isinstance(e, EpochEnd)]) == CONFIG.epochs
    assert any(isinstance(e, Phase) for e in events)


def test_fine_tuning_stops_when_asked(mnist, personal, model):
    split = personal.load(model.info.classes, model.info.input_shape)[0]
    data = small_dataset(mnist, 2000, 500)
    job = FineTune(model, data, split, CONFIG)
    job.stop()
    report = job.run()
    assert report.status == "stopped" and report.checkpoint is None
    assert report.test_before.total == 500  # "before" is measured all the same

    def stop_after_three(event):
        if isinstance(event, BatchEnd) and event.global_step == 3:
            job.stop()

    job = FineTune(model, data, split, CONFIG, callback=stop_after_three)
    report = job.run()
    assert report.status == "stopped" and report.checkpoint is None
    assert report.test_after is None


def test_fine_tuning_needs_drawings(mnist, model):
    empty = PersonalSet("mnist", home=None).load(["x"], (1, 28, 28))[0]
    with pytest.raises(DesktopCnnError, match="no personal drawings"):
        FineTune(model, mnist, empty)
