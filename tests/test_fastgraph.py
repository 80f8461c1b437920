"""The Trainer's graph (max pool before ReLU): the same numbers and gradients as the model's."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import fx, nn

from desktop_cnn.core.models import build_model, classifier_args
from desktop_cnn.core.spec.layers import layer, spec_of
from desktop_cnn.core.train import training
from desktop_cnn.core.train.fastgraph import pool_before_relu
from desktop_cnn.core.train.training import TrainConfig, Trainer

from helpers import small_dataset


def _order(graph_module: fx.GraphModule) -> list[str]:
    """The graph's layers by kind: "pool", "relu" or another op's name."""
    kinds = []
    for node in graph_module.graph.nodes:
        if node.op == "call_module":
            m = graph_module.get_submodule(str(node.target))
            kinds.append({nn.MaxPool2d: "pool", nn.ReLU: "relu"}.get(type(m), type(m).__name__))
        elif node.op == "call_function":
            kinds.append({F.max_pool2d: "pool", torch.relu: "relu"}.get(node.target, "fn"))
    return kinds


def _ties_and_negatives(shape: tuple[int, ...]) -> torch.Tensor:
    """Whole numbers in [-3, 3]: windows with equal winners, and windows of no positive number."""
    g = torch.Generator().manual_seed(1)
    return torch.randint(-3, 4, shape, generator=g).float()


def _gradients(model: nn.Module, run: nn.Module, x: torch.Tensor, y: torch.Tensor):
    out = run(x)
    grads = torch.autograd.grad(F.cross_entropy(out, y), list(model.parameters()))
    return out, grads


def _spec_net():
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
        layer("flatten"),
        layer("linear", "fc", out_features=10),
    ]
    return build_model(spec_of("mixed", (1, 32, 32), layers))


@pytest.mark.parametrize(
    "name,shape",
    [("lenet5", (1, 28, 28)), ("lenet5", (3, 32, 32)), ("widenet", (1, 28, 28)), ("spec", None)],
)
@pytest.mark.parametrize("make_input", [torch.randn, _ties_and_negatives])
def test_the_same_outputs_and_gradients_bit_for_bit(name, shape, make_input):
    torch.manual_seed(0)
    if name == "spec":
        model, shape = _spec_net(), (1, 32, 32)
    else:
        model = build_model(name, **classifier_args(name, shape, 10))
    graph = pool_before_relu(model)
    assert graph is not model  # each of these has a ReLU -> max pool pair to move
    x, y = make_input((16, *shape)), torch.arange(16) % 10
    out_model, grads_model = _gradients(model, model, x, y)
    out_graph, grads_graph = _gradients(model, graph, x, y)
    assert torch.equal(out_model, out_graph)
    for a, b in zip(grads_model, grads_graph, strict=True):
        assert torch.equal(a, b)


def test_only_relu_then_max_pool_is_reordered():
    graph = pool_before_relu(_spec_net())
    assert _order(graph) == [
        *("Conv2d", "pool", "relu"),  # moved
        *("Conv2d", "Tanh", "pool"),  # tanh can make two numbers equal: kept
        *("Conv2d", "relu", "AvgPool2d"),  # an average is not a winner: kept
        *("Flatten", "Linear"),
    ]


def test_the_graph_shares_the_models_weights():
    model = build_model("lenet5", **classifier_args("lenet5", (1, 28, 28), 10))
    graph = pool_before_relu(model)
    assert {id(p) for p in graph.parameters()} == {id(p) for p in model.parameters()}
    with torch.no_grad():
        model.conv1.weight.zero_()
    assert graph.get_submodule("conv1").weight.abs().sum() == 0


def test_models_with_nothing_to_move_or_that_cannot_be_traced_are_used_as_they_are():
    cifar_net = build_model("cifar-net", **classifier_args("cifar-net", (3, 32, 32), 2))
    assert pool_before_relu(cifar_net) is cifar_net  # tanh only

    class Branches(nn.Module):  # a forward that reads its input's values: FX cannot trace it
        def forward(self, x):
            return F.max_pool2d(F.relu(x), 2) if x.sum() > 0 else x

    branches = Branches()
    assert pool_before_relu(branches) is branches


def test_an_in_place_relu_is_left_alone():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2))
    assert pool_before_relu(model) is model


def test_training_on_the_graph_gives_the_weights_training_on_the_model_gives(mnist, monkeypatch):
    data = small_dataset(mnist, 640, 128)
    cfg = TrainConfig(epochs=2, batch_size=64, seed=3)

    def weights(graph) -> dict[str, torch.Tensor]:
        monkeypatch.setattr(training, "pool_before_relu", graph)
        trainer = Trainer(data, "lenet5", cfg)
        assert trainer.run().status == "finished"
        return {k: v.clone() for k, v in trainer.model.state_dict().items()}

    moved = weights(pool_before_relu)
    kept = weights(lambda model: model)
    assert moved.keys() == kept.keys()
    for key in moved:
        assert torch.equal(moved[key], kept[key]), key
