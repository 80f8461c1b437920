"""The Trainer's order (max pool before ReLU): the same numbers and gradients as the model's."""

from __future__ import annotations

import threading

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from desktop_cnn.core.models import build_model, classifier_args, spec_for
from desktop_cnn.core.spec.layers import layer, spec_of
from desktop_cnn.core.train import training
from desktop_cnn.core.train.fastgraph import pool_before_relu
from desktop_cnn.core.train.training import TrainConfig, Trainer

from helpers import small_dataset


def _ties_and_negatives(shape: tuple[int, ...]) -> torch.Tensor:
    """Whole numbers in [-3, 3]: windows with equal winners, and windows of no positive number."""
    g = torch.Generator().manual_seed(1)
    return torch.randint(-3, 4, shape, generator=g).float()


def _gradients(model: nn.Module, run: nn.Module, x: torch.Tensor, y: torch.Tensor):
    out = run(x)
    grads = torch.autograd.grad(F.cross_entropy(out, y), list(model.parameters()))
    return out, grads


def _mixed_spec():
    """A designed net with every case: ReLU->pool, tanh->pool, ReLU->avg pool, pool after pool."""
    layers = [
        layer("conv", "conv1", out_channels=4, kernel=3, padding=1),
        layer("relu", "relu1"),
        layer("maxpool", "pool1", kernel=2),
        layer("conv", "conv2", out_channels=4, kernel=3, padding=1),
        layer("tanh", "tanh2"),
        layer("maxpool", "pool2", kernel=2),
        layer("conv", "conv3", out_channels=4, kernel=3, padding=1),
        layer("relu", "relu3"),
        layer("avgpool", "pool3", kernel=2),
        layer("conv", "conv4", out_channels=4, kernel=1),
        layer("relu", "relu4"),
        layer("maxpool", "pool4a", kernel=1),
        layer("maxpool", "pool4b", kernel=1),
        layer("flatten"),
        layer("linear", "fc", out_features=10),
    ]
    return spec_of("mixed", (1, 32, 32), layers)


def _model_and_spec(name: str, shape: tuple[int, int, int]):
    if name == "spec":
        spec = _mixed_spec()
        return build_model(spec), spec
    args = classifier_args(name, shape, 10)
    return build_model(name, **args), spec_for(name, args)


@pytest.mark.parametrize(
    "name,shape",
    [("lenet5", (1, 28, 28)), ("lenet5", (3, 32, 32)), ("widenet", (1, 28, 28)), ("spec", None)],
)
@pytest.mark.parametrize("make_input", [torch.randn, _ties_and_negatives])
def test_the_same_outputs_and_gradients_bit_for_bit(name, shape, make_input):
    torch.manual_seed(0)
    model, spec = _model_and_spec(name, shape)
    graph = pool_before_relu(model, spec)
    assert graph is not model  # each of these has a ReLU -> max pool pair to move
    shape = spec.input_shape
    x, y = make_input((16, *shape)), torch.arange(16) % 10
    out_model, grads_model = _gradients(model, model, x, y)
    out_graph, grads_graph = _gradients(model, graph, x, y)
    assert torch.equal(out_model, out_graph)
    for a, b in zip(grads_model, grads_graph, strict=True):
        assert torch.equal(a, b)


def test_only_relu_then_max_pool_is_reordered():
    spec = _mixed_spec()
    assert pool_before_relu(build_model(spec), spec).order == [
        *("conv1", "pool1", "relu1"),  # moved
        *("conv2", "tanh2", "pool2"),  # tanh can make two numbers equal: kept
        *("conv3", "relu3", "pool3"),  # an average is not a winner: kept
        *("conv4", "pool4a", "pool4b", "relu4"),  # past both pools
        *(spec.layers[-2].name, "fc"),
    ]


def test_the_graph_runs_the_models_own_weights():
    model, spec = _model_and_spec("lenet5", (1, 28, 28))
    graph = pool_before_relu(model, spec)
    assert {id(p) for p in graph.parameters()} == {id(p) for p in model.parameters()}
    with torch.no_grad():
        model.conv1.weight.zero_()
    assert graph.layers["conv1"].weight.abs().sum() == 0


def test_models_with_nothing_to_move_or_without_a_spec_are_used_as_they_are():
    for name, shape in (("cifar-net", (3, 32, 32)), ("lenet5-classic", (1, 28, 28))):
        model, spec = _model_and_spec(name, shape)
        assert pool_before_relu(model, spec) is model  # tanh only
    lenet = build_model("lenet5", **classifier_args("lenet5", (1, 28, 28), 10))
    assert pool_before_relu(lenet, None) is lenet
    other = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2))  # not the spec's layers
    assert pool_before_relu(other, spec_for("lenet5", {})) is other


def test_making_the_graph_leaves_other_threads_models_alone():
    """The GUI predicts on the main thread while a run starts on the worker."""
    model, spec = _model_and_spec("lenet5", (1, 28, 28))
    other = build_model("lenet5", **classifier_args("lenet5", (1, 28, 28), 10)).eval()
    x, stop, errors = torch.randn(1, 1, 28, 28), threading.Event(), []
    with torch.no_grad():
        want = other(x)

    def make_graphs():
        while not stop.is_set():
            pool_before_relu(model, spec)

    thread = threading.Thread(target=make_graphs)
    thread.start()
    try:
        for _ in range(300):
            try:
                with torch.no_grad():
                    got = other(x)  # the pattern network is built on the meta device there
                assert got.device.type == "cpu" and torch.equal(got, want)
            except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
                errors.append(exc)
    finally:
        stop.set()
        thread.join()
    assert errors == []


def test_training_on_the_graph_gives_the_weights_training_on_the_model_gives(mnist, monkeypatch):
    data = small_dataset(mnist, 640, 128)
    cfg = TrainConfig(epochs=2, batch_size=64, seed=3)

    def weights(graph) -> dict[str, torch.Tensor]:
        monkeypatch.setattr(training, "pool_before_relu", graph)
        trainer = Trainer(data, "lenet5", cfg)
        assert trainer.run().status == "finished"
        return {k: v.clone() for k, v in trainer.model.state_dict().items()}

    moved = weights(pool_before_relu)
    kept = weights(lambda model, spec: model)
    assert moved.keys() == kept.keys()
    for key in moved:
        assert torch.equal(moved[key], kept[key]), key
