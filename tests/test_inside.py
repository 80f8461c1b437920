"""Feature visualisation and adversarial examples on the bundled LeNet-5 and real MNIST.

torchattacks is the independent oracle for FGSM and PGD; the rest checks what the issue
asks: accuracy falls with epsilon, the smallest epsilon's 8-bit PNG fools the model and the
whole pixel below does not, and gradient ascent raises its objective far above ordinary.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from desktop_cnn.cli import main as cli_main
from desktop_cnn.cli.attack import attack_file
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.inside.attacks import AttackConfig, attack, probabilities, smallest_eps
from desktop_cnn.core.inside.featurevis import (
    Objective,
    VisConfig,
    mean_objective,
    objectives_for,
    run_to_end,
)
from desktop_cnn.core.inside.images import pixels_from_file, save_png
from desktop_cnn.core.inside.pixels import PixelModel, quantize
from desktop_cnn.core.inside.robustness import robustness_curve

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "assets" / "lenet5_mnist.pt"


@pytest.fixture(scope="module")
def ck():
    return load_checkpoint(MODEL)


@pytest.fixture(scope="module")
def pm(ck):
    return PixelModel(ck.model.eval(), ck.info.mean, ck.info.std)


@pytest.fixture(scope="module")
def batch(mnist):
    return mnist.test.images[:64].float(), mnist.test.labels[:64]


class ZeroOne(nn.Module):
    """The model on 0..1 images, as torchattacks expects it."""

    def __init__(self, pm: PixelModel) -> None:
        super().__init__()
        self.pm = pm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pm(x * 255)


def oracle(pm, name, x, y, target=None, **kw):
    import torchattacks

    atk = getattr(torchattacks, name)(ZeroOne(pm), **kw)
    if target is not None:
        atk.set_mode_targeted_by_label(quiet=True)
        y = torch.full_like(y, target)
    return atk(x / 255, y) * 255


@pytest.mark.parametrize("target", [None, 3])
def test_fgsm_matches_torchattacks(pm, batch, target):
    x, y = batch
    ours = attack(pm, x, y, AttackConfig("fgsm", 16, target, quantize=False))
    theirs = oracle(pm, "FGSM", x, y, target, eps=16 / 255)
    torch.testing.assert_close(ours, theirs, atol=1e-3, rtol=0)  # 1e-3 of 255: float rounding
    assert (ours - x).abs().max() <= 16 + 1e-3


@pytest.mark.parametrize("target", [None, 3])
def test_pgd_matches_torchattacks_for_the_same_seed(pm, batch, target):
    x, y = batch
    cfg = AttackConfig("pgd", 16, target, steps=10, alpha=4, seed=7, quantize=False)
    ours = attack(pm, x, y, cfg)
    torch.manual_seed(7)  # torchattacks draws its random start from the global generator
    theirs = oracle(pm, "PGD", x, y, target, eps=16 / 255, alpha=4 / 255, steps=10)
    torch.testing.assert_close(ours, theirs, atol=1e-3, rtol=0)


@settings(max_examples=50, deadline=None)
@given(st.floats(0, 255), st.integers(0, 2**31 - 1))
def test_quantised_attack_stays_whole_and_inside_the_box(eps, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, 256, (1, 1, 6, 6), generator=g).float()
    raw = x + (torch.rand(x.shape, generator=g) * 2 - 1) * eps
    q = quantize(raw.clamp(0, 255), x, eps)
    assert torch.equal(q, q.round()) and q.min() >= 0 and q.max() <= 255
    assert (q - x).abs().max() <= eps


def test_accuracy_falls_with_epsilon(pm, mnist):
    x, y = mnist.test.images[:1000], mnist.test.labels[:1000]
    curve = robustness_curve(pm, x, y, [0, 8, 32, 0.25 * 255], batch_size=500)
    acc = curve.accuracy
    print("FGSM accuracy at eps 0, 8, 32, 63.75:", acc)  # the record the issue asks for
    assert curve.complete and acc[0] > 0.97
    assert acc[0] > acc[1] > acc[2] > acc[3]
    assert acc[3] < 0.3  # Goodfellow et al.: far below clean accuracy at 0.25


def test_curve_stops_when_cancelled_and_keeps_its_counts(pm, mnist):
    seen = []
    curve = robustness_curve(
        pm,
        mnist.test.images[:300],
        mnist.test.labels[:300],
        [0, 16],
        batch_size=100,
        progress=seen.append,
        cancelled=lambda: len(seen) >= 2,
    )
    assert curve.done == 200 and not curve.complete and len(seen) == 2


def _seven(mnist) -> torch.Tensor:
    i = int((mnist.test.labels == 7).nonzero()[0])
    return mnist.test.images[i].float()


@pytest.mark.parametrize("method", ["fgsm", "pgd"])
def test_smallest_epsilon_png_fools_and_one_less_does_not(pm, mnist, tmp_path, method):
    x = _seven(mnist)
    cfg = AttackConfig(method, target=3, steps=10)
    found = smallest_eps(pm, x, cfg)
    assert found.eps is not None and found.result is not None and found.eps > 1
    png = tmp_path / "adv.png"
    save_png(png, found.result.adversarial)
    back = pixels_from_file(png, (1, 28, 28), pm.mean.flatten(), pm.std.flatten())
    assert int(probabilities(pm, back[None]).argmax()) == 3
    assert (back - x).abs().max() <= found.eps
    below = attack(pm, x[None], torch.tensor([7]), AttackConfig(method, found.eps - 1, 3, 10))
    assert int(probabilities(pm, below).argmax()) != 3


def test_cli_attack_eps0_writes_the_input_and_the_png_is_the_attack(mnist, tmp_path, capsys):
    seven = tmp_path / "seven.png"
    save_png(seven, _seven(mnist))
    e0, adv = tmp_path / "e0.png", tmp_path / "adv.png"
    assert cli_main(["attack", str(MODEL), str(seven), "--eps", "0", "--out", str(e0)]) == 0
    capsys.readouterr()
    args = ["attack", str(MODEL), str(seven), "--smallest", "--out", str(adv), "--json"]
    assert cli_main(args) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["fooled"] and out["eps_fraction"] == pytest.approx(out["eps"] / 255)
    info = load_checkpoint(MODEL).info
    a, b = (pixels_from_file(p, info.input_shape, info.mean, info.std) for p in (e0, adv))
    assert torch.equal(a, pixels_from_file(seven, info.input_shape, info.mean, info.std))
    assert 0 < (b - a).abs().max() <= out["eps"]
    again = attack_file(str(MODEL), str(adv), eps=0)
    assert again["after"]["label"] == out["after"]["label"] != "7"


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert cli_main(["attack", str(MODEL), str(tmp_path / "none.png")]) == 1
    assert cli_main(["attack", str(MODEL), "x.png", "--eps", "300"]) == 1
    assert cli_main(["visualize", str(MODEL), "--layer", "conv9"]) == 1
    assert cli_main(["robustness", str(MODEL), "--eps", "0,abc"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("desktop-cnn: error: ") for line in lines)


def test_cli_robustness_json(shared_data, capsys):
    args = ["robustness", str(MODEL), "--eps", "0,32", "--limit", "200"]
    assert cli_main([*args, "--data-dir", str(shared_data), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["eps"] == [0, 32] and out["images"] == 200 and out["complete"]
    assert out["accuracy"][0] > out["accuracy"][1]


def test_class_visualisation_is_confidently_that_class(pm, mnist):
    obj = Objective("class", 7)
    frame = run_to_end(pm, [obj], VisConfig(steps=128))
    first = run_to_end(pm, [obj], VisConfig(steps=1))
    real = mean_objective(pm, mnist.test.images[:500], obj)
    assert float(probabilities(pm, frame.images * 255)[0, 7]) > 0.9
    assert frame.values[0] > first.values[0] + 10 and frame.values[0] > real + 10


def test_conv2_channels_rise_far_above_real_images(pm, ck, mnist):
    objectives = objectives_for(ck.model, torch.zeros(1, 1, 28, 28), "conv2")
    frame = run_to_end(pm, objectives[:4], VisConfig(steps=96))
    for o, value in zip(objectives[:4], frame.values, strict=True):
        real = mean_objective(pm, mnist.test.images[:500], o)
        assert value > 2 * max(real, 0.05), (o.text, value, real)


def test_visualisation_from_the_drawing_starts_there(pm, mnist):
    x0 = _seven(mnist)[None] / 255
    frame = run_to_end(pm, [Objective("class", 3)], VisConfig(steps=1, start="image"), x0[0])
    assert (frame.images[0] - x0[0]).abs().mean() < 0.1  # one step from the drawing
