"""Training through the Train panel's own controls, on real MNIST ($DESKTOP_CNN_TEST_DATA).

The panel's ``load_dataset`` seam hands it a 2,000-image subset (the worker
still calls it, on its own thread); Start, Pause and Stop are the real
buttons' ``invoke()``.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from helpers import cached_test_model, launch, pump, screenshot, small_dataset

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def app(display, mnist, shared_data):
    app = launch(["--model", str(cached_test_model(mnist)), "--data-dir", str(shared_data)])
    app.notebook.select(app.tabs["Train"])
    yield app
    if not app.closing:
        app.quit_app()


@pytest.fixture
def train(app, mnist, monkeypatch):
    panel = app.panels["Train"]
    small = small_dataset(mnist, 2000, 1000)
    monkeypatch.setattr(panel, "load_dataset", lambda name, data_dir: small)
    panel.form.epochs.set("1")
    panel.form.batch_size.set("64")
    panel.form.lr.set("")
    yield panel
    if panel.running:
        panel.stop_button.invoke()
        pump(app.root, until=lambda: not panel.running, timeout=10)


def test_a_short_run_trains_and_becomes_the_current_model(app, train):
    before = app.app_state.checkpoint
    train.start_button.invoke()
    assert train.mode == "loading" and str(train.stop_button.cget("text")) == "Cancel"
    pump(app.root, until=lambda: not train.running, timeout=120)
    assert train.last_status == "finished"
    assert train.curves.loss_ax.get_ylabel() == "cross-entropy"
    assert train.progress.cget("value") == train.progress.cget("maximum") == 31  # 2000 // 64
    assert train.curves.points == 31 and train.curves.draws >= 2
    assert list(train.curves.acc_line.get_xdata()) == [1]
    assert list(train.curves.test_loss_line.get_xdata()) == [31]  # at the epoch's last batch
    assert app.app_state.checkpoint is not before
    assert app.app_state.checkpoint.info.history["batch_loss"] == train.batch_loss
    assert len(train.results.table.get_children()) == 10
    assert train.results.confusion.matrix.sum() == 1000
    assert any(line.startswith("epoch 1:") for line in train.log.lines)
    assert "(not saved yet)" in app.app_state.model_source
    assert str(train.start_button.state()) == "()"  # idle again: Start is enabled
    pump(app.root, 0.3)
    screenshot(app.root, ARTIFACTS / "train.png")
    train.tabs.select(1)
    pump(app.root, 0.3)
    screenshot(app.root, ARTIFACTS / "train_results.png")
    train.tabs.select(0)
    app.notebook.select(app.tabs["Model"])  # the Model panel follows (drawn when shown)
    pump(app.root, 0.3)
    assert len(app.panels["Model"].history.loss_ax.lines) == 2
    app.notebook.select(app.tabs["Train"])


def test_stop_ends_a_run_within_a_second(app, train, mnist, monkeypatch):
    # An epoch of ~270 batches (seconds): the stop lands inside the first epoch however late
    # a loaded machine lets the pump see step 5 (an epoch of 31 batches could end first).
    large = small_dataset(mnist, len(mnist.train), 1000)
    monkeypatch.setattr(train, "load_dataset", lambda name, data_dir: large)
    before = app.app_state.checkpoint
    train.form.epochs.set("50")
    train.start_button.invoke()
    pump(app.root, until=lambda: train.step >= 5, timeout=60)
    t0 = time.perf_counter()
    train.stop_button.invoke()
    pump(app.root, until=lambda: not train.running, timeout=10)
    assert time.perf_counter() - t0 < 1.0
    assert train.last_status == "stopped"
    assert app.app_state.checkpoint is before  # stopped before any evaluation: nothing to keep


def test_pause_holds_the_step_count(app, train):
    train.form.epochs.set("50")
    train.start_button.invoke()
    pump(app.root, until=lambda: train.step >= 3, timeout=60)
    train.pause_button.invoke()
    assert str(train.pause_button.cget("text")) == "Resume"
    pump(app.root, 0.3)  # the batch in flight when Pause was pressed still lands
    held = train.step
    pump(app.root, 1.0)
    assert train.step == held
    train.pause_button.invoke()
    pump(app.root, until=lambda: train.step > held, timeout=10)


def test_cancel_abandons_a_slow_load(app, train, monkeypatch):
    gate = threading.Event()
    monkeypatch.setattr(train, "load_dataset", lambda name, data_dir: gate.wait(20) and None)
    train.start_button.invoke()
    assert str(train.progress.cget("mode")) == "indeterminate"
    train.stop_button.invoke()
    assert not train.running and train.last_status == "cancelled"
    gate.set()


def test_a_missing_dataset_names_the_folder_and_files(app, train, errors, monkeypatch, tmp_path):
    monkeypatch.delattr(train, "load_dataset")  # the real loader: MNIST is not in tmp_path
    train.form.data_dir.set(str(tmp_path))
    train.form.epochs.set("1")
    before = app.app_state.checkpoint
    train.start_button.invoke()
    pump(app.root, until=lambda: not train.running, timeout=120)
    assert train.last_status == "failed" and app.app_state.checkpoint is before
    title, message = errors[-1]
    assert str(tmp_path) in message and "t10k-images-idx3-ubyte" in message
    app.settings.data_dir = None


def test_a_diverging_run_reports_nan_and_keeps_the_model(app, train, errors):
    before = app.app_state.checkpoint
    train.form.lr.set("1e6")
    train.form.optimizer.set("sgd")
    train.start_button.invoke()
    pump(app.root, until=lambda: not train.running, timeout=60)
    train.form.optimizer.set("adamw")
    assert train.last_status == "failed"
    assert errors and "loss became" in errors[-1][1]
    assert app.app_state.checkpoint is before


def test_bad_settings_are_refused_before_starting(app, train, errors):
    train.form.epochs.set("many")
    train.start_button.invoke()
    assert not train.running and "epochs" in errors[-1][1]


def test_an_image_folder_trains_through_the_folder_dialog(app, train, monkeypatch, tmp_path):
    from PIL import Image, ImageDraw

    for cls, shape in (("circle", "ellipse"), ("square", "rectangle")):
        (tmp_path / "shapes" / cls).mkdir(parents=True)
        for i in range(36):
            img = Image.new("L", (28, 28), 0)
            r = 6 + i % 6
            getattr(ImageDraw.Draw(img), shape)(
                (14 - r, 14 - r, 14 + r, 14 + r), outline=255, width=2
            )
            img.save(tmp_path / "shapes" / cls / f"{i}.png")
    monkeypatch.delattr(train, "load_dataset")  # the real loader, reading the folder
    monkeypatch.setattr(train, "ask_directory", lambda **kw: str(tmp_path / "shapes"))
    train.form.dataset.set("Image folder...")
    train.form.dataset_box.event_generate("<<ComboboxSelected>>")
    assert train.form.dataset_name() == f"imagefolder:{tmp_path / 'shapes'}"
    train.form.batch_size.set("16")
    train.start_button.invoke()
    pump(app.root, until=lambda: not train.running, timeout=120)
    assert train.last_status == "finished"
    info = app.app_state.checkpoint.info
    assert info.classes == ["circle", "square"] and info.dataset.startswith("imagefolder:")
    assert app.panels["Draw"].bars.classes == ["circle", "square"]
    train.form.dataset.set("MNIST")


def test_distillation_with_mixup_through_the_form(app, train, mnist, errors, monkeypatch, tmp_path):
    teacher = cached_test_model(mnist)
    asked = []
    monkeypatch.setattr(train, "ask_open_filename", lambda **kw: asked.append(kw) or str(teacher))
    train.form.teacher_browse.invoke()
    assert asked and train.form.teacher.get() == str(teacher)
    train.form.mixup.set("0.4")
    try:
        train.start_button.invoke()
        pump(app.root, until=lambda: not train.running, timeout=120)
        assert train.last_status == "finished"
        config = app.app_state.checkpoint.info.train_config
        assert config["teacher"] == str(teacher) and config["mixup"] == 0.4
        assert train.curves.loss_ax.get_ylabel() == "distillation loss"
        assert (
            app.app_state.checkpoint.info.metrics["test_accuracy"] > 0.5
        )  # measured 0.71, 1 epoch
        # A file that is no model: one clear message, and the current model stays.
        bad = tmp_path / "not_a_model.pt"
        bad.write_bytes(b"no checkpoint here")
        train.form.teacher.set(str(bad))
        before = app.app_state.checkpoint
        train.start_button.invoke()
        pump(app.root, until=lambda: not train.running, timeout=60)
        assert train.last_status == "failed" and app.app_state.checkpoint is before
        assert "not_a_model.pt" in errors[-1][1] and "Traceback" not in errors[-1][1]
        train.form.mixup.set("-1")
        train.start_button.invoke()
        assert not train.running and "mixup" in errors[-1][1]
    finally:
        train.form.teacher.set("")
        train.form.mixup.set("0")
