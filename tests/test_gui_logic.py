"""The GUI's logic without a display: sketch, settings, state, grids, training job, analysis."""

from __future__ import annotations

import json
import queue
import threading

import numpy as np
import pytest
import torch

from desktop_cnn.core.train.run import TrainRun
from desktop_cnn.core.train.training import TrainConfig
from desktop_cnn.gui.common.images import (
    GridLayout,
    filter_tiles,
    grid,
    layer_tiles,
    layout_for,
    to_rgb,
)
from desktop_cnn.gui.common.plots import smooth
from desktop_cnn.gui.origin import ModelOrigin
from desktop_cnn.gui.settings import MAX_RECENT, Settings
from desktop_cnn.gui.sketch import Sketch
from desktop_cnn.gui.state import AppState
from desktop_cnn.gui.train.train_job import JobDone, Loaded, TrainJob
from desktop_cnn.gui.worker import JobFailed, Task

from helpers import percentile, small_dataset

pytestmark = pytest.mark.gui  # no display needed, but part of the GUI suite


def test_sketch_strokes_are_antialiased_and_undoable():
    s = Sketch(brush=20)
    assert s.empty and np.asarray(s.image).max() == 0
    s.begin(50, 50)
    assert s.extend(200, 200)
    assert not s.extend(200.3, 200.2)  # too close to matter
    s.begin(50, 200)
    s.extend(200, 50)
    a = np.asarray(s.image)
    assert a.shape == (280, 280) and a.max() == 255
    assert ((a > 0) & (a < 255)).sum() > 100  # soft edges: antialiased
    v = s.version
    assert s.undo() and s.version > v and len(s.strokes) == 1
    one = np.asarray(s.image)
    assert one[200, 50] == 0 and one[125, 125] == 255
    s.clear()
    assert s.empty and np.asarray(s.image).max() == 0 and not s.undo()


def test_sketch_brush_sets_the_stroke_width():
    widths = []
    for brush in (10, 30):
        s = Sketch(brush=brush)
        s.begin(40, 140)
        s.extend(240, 140)
        widths.append(int((np.asarray(s.image)[:, 140] > 127).sum()))
    assert abs(widths[0] - 10) <= 2 and abs(widths[1] - 30) <= 2


def test_settings_round_trip_and_recent_list(tmp_path):
    path = tmp_path / "settings.json"
    s = Settings.load(path)
    assert s.recent_models == [] and s.data_dir is None and s.brush == 20
    for i in range(MAX_RECENT + 3):
        s.add_recent(tmp_path / f"m{i}.pt")
    s.add_recent(tmp_path / "m5.pt")
    assert len(s.recent_models) == MAX_RECENT and s.recent_models[0].endswith("m5.pt")
    s.data_dir, s.brush = "/data", 30
    s.save()
    again = Settings.load(path)
    assert again.recent_models == s.recent_models and again.data_dir == "/data"
    assert again.brush == 30
    assert not list(tmp_path.glob("*.tmp"))  # written atomically, nothing left behind


def test_broken_settings_mean_defaults(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert Settings.load(path).recent_models == []
    path.write_text(json.dumps({"recent_models": "oops", "brush": 999}))
    s = Settings.load(path)
    assert s.recent_models == [] and s.brush == 20


def test_state_tells_every_observer(tmp_path):
    state = AppState(Settings(tmp_path / "s.json"))
    seen = []
    state.subscribe("model", lambda: seen.append("model"))
    state.subscribe("analysis", lambda: seen.append("analysis"))
    state.set_analysis(None)
    state.set_model(object(), ModelOrigin.file("x.pt"))  # the state does not look inside
    assert seen == ["analysis", "model"] and state.model_source == "x.pt"


def test_grid_layout_finds_the_clicked_tile():
    layout = layout_for(16, 10)
    assert layout.cols == 8 and layout.rows == 2
    x, y = layout.origin(9)
    assert layout.index_at(x + 1, y + 1) == 9
    assert layout.index_at(x - 1, y + 1) is None  # the gap
    assert layout.index_at(*layout.size) is None
    partial = GridLayout(count=5, cols=4, tile=10)
    assert partial.index_at(*[v + 2 for v in partial.origin(5)]) is None  # no 6th tile
    img = grid(layer_tiles(np.random.rand(16, 10, 10).astype(np.float32)), layout)
    assert img.shape == (layout.size[1], layout.size[0], 3) and img.dtype == np.uint8


def test_colour_helpers():
    assert to_rgb(np.ones((1, 4, 4))).shape == (4, 4, 3)
    assert to_rgb(np.zeros((3, 4, 4))).max() == 0
    tiles = filter_tiles(np.random.randn(6, 1, 5, 5).astype(np.float32))
    assert len(tiles) == 6 and tiles[0].shape == (5, 5, 3)
    assert len(filter_tiles(np.random.randn(6, 3, 5, 5).astype(np.float32))) == 6


def test_smoothing_and_percentiles():
    assert np.allclose(smooth([1.0, 1.0, 1.0]), 1.0)  # bias-corrected: no ramp from zero
    assert percentile([1, 2, 3, 4], 50) == 2 and percentile(list(range(100)), 99) == 98


def _drain(q: queue.Queue, timeout: float = 60):
    events = []
    while not events or not isinstance(events[-1], (JobDone, JobFailed)):
        events.append(q.get(timeout=timeout))
    return events


def test_train_job_reports_through_the_queue(mnist):
    data = small_dataset(mnist, 512, 256)
    run = TrainRun("mnist", "lenet5", TrainConfig(epochs=1, batch_size=64))
    task = Task.start("training", TrainJob(run, lambda r: data))
    events = _drain(task.events)
    assert task.join(5)
    assert isinstance(events[1], Loaded) and events[1].train_size == 512
    done = events[-1]
    assert isinstance(done, JobDone) and done.result.status == "finished"
    assert done.evaluation is not None and done.evaluation.confusion.sum() == 256


def test_train_job_turns_a_missing_dataset_into_a_message():
    from desktop_cnn.core.errors import DatasetNotFoundError

    def missing(run):
        raise DatasetNotFoundError("dataset not found in /nowhere; put these files there: x")

    task = Task.start("training", TrainJob(TrainRun("mnist"), missing))
    last = _drain(task.events)[-1]
    assert isinstance(last, JobFailed) and "/nowhere" in last.message


def test_train_job_stopped_while_loading_never_trains(mnist):
    gate = threading.Event()
    job = TrainJob(TrainRun("mnist"), lambda r: gate.wait(10) and mnist)
    task = Task.start("training", job)
    task.cancel()
    gate.set()
    assert task.join(5) and job.trainer is None


def test_analysis_gives_probabilities_and_maps(mnist):
    from desktop_cnn.core.files.checkpoints import load_checkpoint
    from desktop_cnn.gui.predictor import analyse, conv1_filters, input_from_image

    from helpers import DIGIT_STROKES, cached_test_model

    ck = load_checkpoint(cached_test_model(mnist))
    s = Sketch()
    for stroke in DIGIT_STROKES["7"]:
        s.begin(*stroke[0])
        for p in stroke[1:]:
            s.extend(*p)
    x, steps = input_from_image(s.image, ck.info)
    a = analyse(ck, x, steps)
    assert a.probs.shape == (10,) and abs(a.probs.sum() - 1) < 1e-5
    assert {k: v.shape[0] for k, v in a.maps.items()} == {
        "conv1": 6,
        "relu1": 6,
        "pool1": 6,
        "conv2": 16,
        "relu2": 16,
        "pool2": 16,
    }
    assert torch.allclose(torch.from_numpy(a.seen), steps.tensor, atol=1e-5)
    assert conv1_filters(ck).shape == (6, 1, 5, 5)
    assert input_from_image(Sketch().image, ck.info)[0] is None  # empty: no prediction


@pytest.mark.parametrize("bad", ["0", "x", "-1"])
def test_train_config_rejects_bad_epochs(bad):
    from desktop_cnn.core.errors import DesktopCnnError
    from desktop_cnn.gui.train.train_form import _int

    with pytest.raises(DesktopCnnError):
        TrainConfig(epochs=_int(bad, "epochs")).validate()
