"""The chapter's training recipes: their settings are the chapter's, and a short run of the
book recipe goes through the [-1, 1] scaling into the checkpoint."""

from __future__ import annotations

import argparse
import functools
from dataclasses import replace

import pytest
import torch

from desktop_cnn.cli import build_parser, main
from desktop_cnn.core.data.batches import BatchLoader
from desktop_cnn.core.errors import UnknownNameError
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.models import build_model, classifier_args
from desktop_cnn.core.train import recipes
from desktop_cnn.core.train.training import TrainConfig, make_optimizer


def test_book_lenet_recipe_is_the_chapters():
    r = recipes.recipe("book", "cifar10")
    c = r.config
    assert (r.arch, r.classes, r.book_scaling) == ("lenet5", None, True)
    assert (c.optimizer, c.peak_lr(), c.batch_size, c.epochs) == ("adam", 1e-3, 4, 2)
    assert (c.schedule, c.decay(), c.augment, c.label_smoothing, c.mixup) == (
        "constant",
        0.0,
        False,
        0.0,
        0.0,
    )
    model = build_model("lenet5", **classifier_args("lenet5", (3, 32, 32), 10))
    opt = make_optimizer(model, c)
    assert type(opt) is torch.optim.Adam and opt.defaults["weight_decay"] == 0
    # the chapter's LeNet-5: conv 3->6 5x5, conv 6->16 5x5, fc 400->120->84->10
    assert [tuple(p.shape) for p in model.parameters()][::2] == [
        (6, 3, 5, 5),
        (16, 6, 5, 5),
        (120, 400),
        (84, 120),
        (10, 84),
    ]
    assert r.figures.test_accuracy == 0.59 and r.figures.per_class["bird"] == 0.30
    assert sum(r.figures.per_class.values()) == pytest.approx(5.92)


def test_book_cifar2_recipe_is_the_chapters():
    r = recipes.recipe("book", "cifar10", ["airplane", "bird"])
    c = r.config
    assert (r.arch, r.classes) == ("cifar-net", ("airplane", "bird"))
    assert (c.optimizer, c.peak_lr(), c.momentum, c.batch_size, c.epochs) == (
        "sgd",
        1e-2,
        0.0,
        64,
        100,
    )
    model = build_model("cifar-net", **classifier_args("cifar-net", (3, 32, 32), 2))
    opt = make_optimizer(model, c)
    assert type(opt) is torch.optim.SGD
    assert (opt.defaults["momentum"], opt.defaults["nesterov"], opt.defaults["weight_decay"]) == (
        0.0,
        False,
        0.0,
    )
    assert sum(p.numel() for p in model.parameters()) == 18_090
    assert (r.figures.test_accuracy, r.figures.train_accuracy) == (0.88, 0.93)
    assert r.figures.train_loss == {1: 0.463, 100: 0.176}


def test_app_recipe_is_the_apps_defaults_on_the_same_data():
    r = recipes.recipe("app", "cifar10")
    assert r.config == TrainConfig() and not r.book_scaling and r.arch == "lenet5"
    changes = {c.setting for c in recipes.changes(recipes.recipe("book"), r)}
    assert {"augmentation", "lr schedule", "batch size", "optimizer"} <= changes


def test_recipes_refuse_other_data():
    with pytest.raises(UnknownNameError, match="airplane,bird"):
        recipes.recipe("book", "mnist")
    with pytest.raises(UnknownNameError, match="airplane,bird"):
        recipes.recipe("book", "cifar10", ["cat", "dog"])
    with pytest.raises(UnknownNameError, match="book or app"):
        recipes.recipe("paper")


def _train_args(*extra: str) -> argparse.Namespace:
    return build_parser().parse_args(
        ["train", "--dataset", "cifar10", "--out", "x.pt", "--recipe", "book", *extra]
    )


def test_cli_recipe_takes_the_chapters_settings_and_keeps_what_you_changed():
    r, cfg = recipes.apply_to_args("book", _train_args())
    assert cfg == recipes.BOOK_LENET
    r, cfg = recipes.apply_to_args(
        "book", _train_args("--classes", "airplane,bird", "--epochs", "5")
    )
    assert r.arch == "cifar-net" and cfg == replace(recipes.BOOK_CIFAR2, epochs=5)


def test_comparison_text_puts_the_chapters_figures_beside_yours():
    r = recipes.recipe("book")
    text = recipes.comparison_text(
        r, {"test_accuracy": 0.612, "per_class": {"bird": 0.4, "frog": 0.8}}
    )
    rows = {line.split()[0]: line.split()[-2:] for line in text.splitlines()[2:14] if line.strip()}
    assert rows["test"] == ["59%", "61%"] and rows["bird"] == ["30%", "40%"]
    assert rows["cat"] == ["36%", "-"] and text.splitlines()[1].split() == ["book", "yours"]
    assert "augmentation: book none" in text


def test_book_scaling_maps_pixels_to_minus_one_one(cifar_zip):
    data = recipes.book_scaling(recipes.load_dataset("cifar10", cifar_zip.parent))
    assert data.mean == data.std == (0.5, 0.5, 0.5)
    x, _ = next(iter(BatchLoader(data.train, 500, data.mean, data.std)))
    assert x.min().item() == -1.0 and x.max().item() == 1.0


def test_short_book_run_records_its_scaling(cifar_zip, tmp_path, monkeypatch, capsys):
    torch.set_num_threads(1)
    r = recipes.recipe("book")
    result, data = recipes.train_recipe(r, replace(r.config, epochs=1), cifar_zip.parent, limit=200)
    assert result.status == "finished" and len(data.train) == 200
    info = result.checkpoint.info
    assert (info.mean, info.std) == ((0.5,) * 3, (0.5,) * 3)
    assert info.train_config["batch_size"] == 4 and info.train_config["augment"] is False
    assert len(info.history["batch_loss"]) == 50  # 200 images, 4 at a time
    assert 0.0 <= info.metrics["train_accuracy"] <= 1.0
    # the CLI path: the same run, saved, with the chapter's figures printed beside it
    monkeypatch.setattr(recipes, "train_recipe", functools.partial(recipes.train_recipe, limit=200))
    out = tmp_path / "book.pt"
    assert (
        main(
            [
                "train",
                "--dataset",
                "cifar10",
                "--data-dir",
                str(cifar_zip.parent),
                "--recipe",
                "book",
                "--epochs",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    loaded = load_checkpoint(out)
    assert loaded.info.mean == loaded.info.std == (0.5, 0.5, 0.5)
    out = capsys.readouterr().out
    assert any(line.split()[:3] == ["test", "accuracy", "59%"] for line in out.splitlines())


def test_cli_recipe_refuses_resume_and_validation(capsys):
    assert (
        main(
            [
                "train",
                "--dataset",
                "cifar10",
                "--recipe",
                "book",
                "--validation",
                "0.1",
                "--out",
                "x.pt",
            ]
        )
        == 1
    )
    assert "leave out --resume and --validation" in capsys.readouterr().err
