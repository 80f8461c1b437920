"""Adversarial training: a short run with PGD examples mixed in resists attacks better than
the same run without, on the same data and epochs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop_cnn.core.data.datasets import Dataset, Split
from desktop_cnn.core.inside.attacks import AttackConfig
from desktop_cnn.core.inside.pixels import PixelModel
from desktop_cnn.core.inside.robustness import robustness_curve
from desktop_cnn.core.train.training import TrainConfig, Trainer


def _subset(mnist: Dataset, n: int, m: int) -> Dataset:
    train = Split(mnist.train.images[:n], mnist.train.labels[:n])
    test = Split(mnist.test.images[:m], mnist.test.labels[:m])
    return replace(mnist, train=train, test=test)


def _robust_accuracy(result, data: Dataset, eps: float) -> float:
    info = result.checkpoint.info
    pm = PixelModel(result.checkpoint.model.eval().float(), info.mean, info.std)
    cfg = AttackConfig("pgd", steps=10)
    curve = robustness_curve(pm, data.test.images, data.test.labels, [0, eps], cfg)
    return curve.accuracy[1]


@pytest.mark.slow
def test_adversarial_training_resists_pgd_better(mnist):
    data = _subset(mnist, 4000, 500)
    cfg = TrainConfig(epochs=2, batch_size=64, augment=False, device="cpu", seed=1)
    normal = Trainer(data, "lenet5", cfg).run()
    robust = Trainer(data, "lenet5", replace(cfg, adversarial_eps=48)).run()
    assert normal.status == robust.status == "finished"
    assert robust.checkpoint.info.train_config["adversarial_eps"] == 48
    plain, hard = _robust_accuracy(normal, data, 48), _robust_accuracy(robust, data, 48)
    print(f"PGD-10 accuracy at eps 48/255: normal {plain:.1%}, adversarially trained {hard:.1%}")
    assert hard > plain + 0.15


def test_config_refuses_an_epsilon_outside_0_255():
    from desktop_cnn.core.errors import ConfigError

    with pytest.raises(ConfigError, match="--adversarial-eps"):
        TrainConfig(adversarial_eps=300).validate()
