"""The Train tab's recipe choice: the book's recipe fills the form, trains with the chapter's
scaling, and puts the chapter's figures beside the result (on a small CIFAR-10 subset)."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop_cnn.core.data.datasets import load_dataset
from desktop_cnn.core.train import recipes

from helpers import launch, pump, screenshot, small_dataset

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def app(display, cifar_zip):
    app = launch(["--no-model", "--data-dir", str(cifar_zip.parent)])
    app.notebook.select(app.tabs["Train"])
    yield app
    if not app.closing:
        app.quit_app()


@pytest.fixture(scope="module")
def cifar(cifar_zip):
    return small_dataset(load_dataset("cifar10", cifar_zip.parent), 400, 300)


def run(app, panel) -> None:
    panel.start_button.invoke()
    pump(app.root, until=lambda: not panel.running, timeout=180)
    assert panel.last_status == "finished"


def test_book_recipe_then_apps_side_by_side(app, cifar, monkeypatch):
    panel = app.panels["Train"]
    form = panel.form
    monkeypatch.setattr(panel, "load_dataset", lambda name, data_dir: cifar)
    form.recipe_choice.choose("Book: LeNet-5 on CIFAR-10")
    assert (
        form.dataset.get(),
        form.arch.get(),
        form.batch_size.get(),
        form.lr.get(),
        form.optimizer.get(),
        form.epochs.get(),
        form.augment.get(),
    ) == ("CIFAR-10", "lenet5", "4", "0.001", "adam", "2", False)
    assert form.read().config == recipes.BOOK_LENET
    form.epochs.set("1")
    run(app, panel)
    info = app.app_state.checkpoint.info
    assert info.mean == info.std == (0.5, 0.5, 0.5)  # the chapter's scaling went through
    assert info.train_config["schedule"] == "constant" and info.train_config["batch_size"] == 4
    table = form.report.table.cget("text")
    assert panel.tabs.select() == str(form.report)  # its tab comes to the front
    assert "book recipe" in table and "59%" in table and "bird" in table
    assert "augmentation" in form.report.why.cget("text")

    form.recipe_choice.choose("App: LeNet-5 on CIFAR-10")
    assert form.read().config == recipes.TrainConfig() and form.batch_size.get() == "128"
    form.epochs.set("1")
    run(app, panel)
    info = app.app_state.checkpoint.info
    assert info.mean != (0.5, 0.5, 0.5)  # the data's own statistics
    lines = form.report.table.cget("text").splitlines()
    assert "book recipe" in lines[0] and "app recipe" in lines[0]
    assert lines[1].split()[:3] == ["test", "accuracy", "59%"] and len(lines[1].split()) == 5
    screenshot(app.root, ARTIFACTS / "train_book_vs_app.png")


def test_cifar2_recipe_keeps_two_classes(app, cifar, monkeypatch):
    panel = app.panels["Train"]
    monkeypatch.setattr(panel, "load_dataset", lambda name, data_dir: cifar)
    panel.form.recipe_choice.choose("Book: small net, airplane vs bird")
    v = panel.form.read()
    assert v.arch == "cifar-net" and v.config == recipes.BOOK_CIFAR2
    data = v.prepare(cifar)
    assert data.classes == ["airplane", "bird"] and data.mean == (0.5, 0.5, 0.5)
    assert "momentum 0" in panel.form.recipe_choice.hint.cget("text")
    panel.form.recipe_choice.choose("Your own settings")
    assert panel.form.read().config == recipes.TrainConfig()
