"""One number of a conv map, explained: every intermediate checked against torch as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from desktop_cnn.core.data.preprocess import normalize
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.files.paths import resource_path
from desktop_cnn.core.inspect.explain import conv_layers, explain
from desktop_cnn.core.models import build_model
from desktop_cnn.core.spec.base import NamedActivations

TOL = 1e-5


class Odd(NamedActivations):
    """Geometry LeNet-5 lacks: stride 2, padding 3, dilation 2, no bias, no activation."""

    def __init__(self) -> None:
        super().__init__()
        self.input_shape = (2, 13, 11)
        self.conv1 = nn.Conv2d(2, 4, kernel_size=3, stride=2, padding=3, dilation=2, bias=False)
        self.conv2 = nn.Conv2d(4, 3, kernel_size=(3, 2), padding="same")

    def activations(self, x):
        a = {}
        a["conv1"] = x = self.conv1(x)
        a["conv2"] = torch.sigmoid(self.conv2(x))
        return a


def pixels(shape: tuple[int, ...], n: int, rng: np.random.Generator) -> list[tuple[int, ...]]:
    """Every corner and edge midpoint of every channel's map (the padded ones), plus n random."""
    c, h, w = shape
    border = [
        (ch, r, col) for ch in range(c) for r in (0, h // 2, h - 1) for col in (0, w // 2, w - 1)
    ]
    return border + [tuple(int(v) for v in rng.integers(0, (c, h, w))) for _ in range(n)]


def oracle_window(src: torch.Tensor, conv: nn.Conv2d, row: int, col: int, pad) -> np.ndarray:
    """The window cut from a zero-padded copy of the source: torch's own padding."""
    padded = F.pad(src, (pad[1], pad[1] + 2, pad[0], pad[0] + 2))  # extra: "same" may pad more
    (kh, kw), (sh, sw), (dh, dw) = conv.kernel_size, conv.stride, conv.dilation
    r0, c0 = row * sh, col * sw
    return padded[:, r0 : r0 + dh * (kh - 1) + 1 : dh, c0 : c0 + dw * (kw - 1) + 1 : dw].numpy()


MODELS = {
    "lenet5 1x28x28": lambda: build_model("lenet5"),
    "lenet5-classic": lambda: build_model("lenet5-classic"),
    "lenet5 3x32x32": lambda: build_model("lenet5", in_channels=3, input_size=32),
    "cifar-net": lambda: build_model("cifar-net"),
    "odd geometry": Odd,
}


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on Odd.conv2
@pytest.mark.parametrize("name", MODELS)
def test_the_explained_value_is_the_maps_value(name):
    torch.manual_seed(1)
    model = MODELS[name]()
    with torch.no_grad():  # larger weights than the default init: values far from zero
        for p in model.parameters():
            p.mul_(3)
    x = torch.randn(1, *model.input_shape) * 2
    with torch.no_grad():
        acts = model.activations(x)
    rng = np.random.default_rng(0)
    checked = 0
    for layer in conv_layers(model, list(acts)):
        for c, r, col in pixels(tuple(acts[layer].shape[1:]), 40, rng):
            e = explain(model, x, layer, c, r, col)
            conv = getattr(model, e.layer)  # the conv of this map (its own or its activation's)
            truth = float(acts[layer][0, c, r, col])
            assert e.map_value == pytest.approx(truth, abs=1e-7)
            assert abs(e.value - truth) <= TOL, (layer, c, r, col, e.value, truth)
            src = x[0] if e.source == "input" else acts[e.source][0]
            assert np.array_equal(e.window, oracle_window(src, conv, r, col, e.padding))
            assert np.array_equal(e.weights, conv.weight[c].detach().numpy())
            assert np.allclose(e.products, e.window * e.weights, atol=1e-6)
            assert e.channel_sums.shape == (conv.in_channels,)
            assert e.total == pytest.approx(e.channel_sums.sum())
            assert e.pre_activation == pytest.approx(e.total + e.bias)
            assert not np.any(e.window[:, e.padded])  # the padding is zeros
            checked += 1
    assert checked > 100


def test_lenet5_wiring_padding_and_activation():
    torch.manual_seed(0)
    model = build_model("lenet5")
    x = torch.randn(1, 1, 28, 28)
    e = explain(model, x, "relu1", 2, 0, 27)  # the top-right corner: 2 rows and cols of padding
    assert (e.source, e.activation, e.origin, e.padding) == ("input", "ReLU", (-2, 25), (2, 2))
    assert e.layer == "conv1" and explain(model, x, "conv1", 2, 0, 27).activation == "none"
    assert e.padded[:2].all() and e.padded[:, 3:].all() and not e.padded[2:, :3].any()
    assert e.window.shape == e.weights.shape == e.products.shape == (1, 5, 5)
    e2 = explain(model, x, "conv2", 15, 9, 9)
    assert (e2.source, e2.products.shape, e2.padded.any()) == ("pool1", (6, 5, 5), False)
    assert np.array_equal(e2.source_map, model.activations(x)["pool1"][0].detach().numpy())
    classic = build_model("lenet5-classic")
    assert explain(classic, x, "tanh2", 0, 4, 4).activation == "tanh"
    assert explain(Odd(), torch.randn(1, 2, 13, 11), "conv1", 0, 0, 0).activation == "none"


def test_the_bundled_models_on_a_real_digit(mnist):
    """Trained weights, a real test digit: the value the Feature maps panel shows."""
    ck = load_checkpoint(resource_path("assets/lenet5_mnist.pt"))
    x = normalize(mnist.test.images[0].float() / 255, ck.info.mean, ck.info.std)[None]
    with torch.no_grad():
        acts = ck.model.activations(x)
    for layer, (c, r, col) in (
        ("conv1", (0, 14, 14)),
        ("conv1", (5, 0, 0)),
        ("conv2", (7, 5, 4)),
        ("conv2", (0, 9, 0)),
    ):
        e = explain(ck.model, x, layer, c, r, col)
        assert abs(e.value - float(acts[layer][0, c, r, col])) <= TOL
    assert conv_layers(ck.model, list(acts)) == ["conv1", "relu1", "conv2", "relu2"]
    cifar = load_checkpoint(resource_path("assets/lenet5_cifar10.pt"))
    x3 = torch.randn(1, 3, 32, 32)
    e = explain(cifar.model, x3, "conv1", 4, 27, 0)  # 32 -> 28: no padding at 32x32
    assert e.window.shape == (3, 5, 5) and not e.padded.any()
    assert abs(e.value - float(cifar.model.activations(x3)["conv1"][0, 4, 27, 0].detach())) <= TOL


def test_what_cannot_be_explained_says_why():
    model = build_model("lenet5")
    x = torch.zeros(1, 1, 28, 28)
    with pytest.raises(ValueError, match="not a Conv2d"):
        explain(model, x, "pool1", 0, 0, 0)
    with pytest.raises(ValueError, match="outside conv2's 16 maps of 10x10"):
        explain(model, x, "conv2", 0, 10, 0)
    assert conv_layers(model, ["conv1", "pool1", "conv2", "fc1"]) == ["conv1", "conv2"]
    assert conv_layers(model, ["relu1", "pool1", "relu3"]) == ["relu1"]


class ConvBnRelu(NamedActivations):
    """A hand-written model whose map "conv1" is ReLU(batch norm(conv)), as old classes had."""

    def __init__(self) -> None:
        super().__init__()
        self.input_shape = (1, 28, 28)
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)

    def activations(self, x):
        return {"conv1": torch.relu(self.bn1(self.conv1(x)))}


def test_batch_norm_between_conv_and_activation_is_refused_clearly():
    # conv -> batch norm -> ReLU under the conv's name: not a function of the conv's sum alone.
    model = ConvBnRelu().eval()
    with torch.no_grad():  # a fresh batch norm is almost the identity: give it a scale
        model.bn1.weight.fill_(2.0)
    with pytest.raises(ValueError, match="batch norm"):
        explain(model, torch.rand(1, 1, 28, 28), "conv1", 0, 5, 5)
