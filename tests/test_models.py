import pytest
import torch

from desktop_cnn.core.errors import UnknownNameError
from desktop_cnn.core.models import MODELS, build_model, classifier_args


def n_params(m):
    return sum(p.numel() for p in m.parameters())


def test_cifar_net_has_the_books_18090_parameters():
    assert n_params(build_model("cifar-net")) == 18090


@pytest.mark.parametrize("name", ["lenet5", "lenet5-classic"])
@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32)])
def test_lenet5_geometry_and_activations(name, shape):
    args = classifier_args(name, shape, 10)
    model = build_model(name, **args)
    acts = model.activations(torch.zeros(2, *shape))
    act = "relu" if name == "lenet5" else "tanh"
    named = ["conv1", "pool1", "conv2", "pool2", "fc1", "fc2", "fc3"]
    assert [n for n in acts if not n.startswith((act, "flatten"))] == named
    assert [n for n in acts if n.startswith(act)] == [f"{act}{i}" for i in range(1, 5)]
    assert acts["conv1"].shape == (2, 6, 28, 28)  # 28 padded by 2, or 32 unpadded
    assert acts["pool1"].shape == (2, 6, 14, 14)
    assert acts["conv2"].shape == (2, 16, 10, 10)
    assert acts["pool2"].shape == (2, 16, 5, 5)
    assert model(torch.zeros(2, *shape)).shape == (2, 10)
    # LeNet-5's classic parameter count for one input channel: 61,706.
    assert n_params(model) == 61706 + (shape[0] - 1) * 6 * 25


def test_variants_differ_in_activation_and_pooling():
    modern, classic = build_model("lenet5"), build_model("lenet5-classic")
    assert isinstance(modern.relu1, torch.nn.ReLU) and isinstance(modern.pool1, torch.nn.MaxPool2d)
    assert isinstance(classic.tanh1, torch.nn.Tanh)
    assert isinstance(classic.pool1, torch.nn.AvgPool2d)
    # Same parameter names: a book-style state_dict fits either.
    assert modern.state_dict().keys() == classic.state_dict().keys()


def test_books_layer_names():
    keys = set(build_model("lenet5").state_dict())
    assert {"conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight", "fc3.weight"} <= keys
    assert set(build_model("cifar-net").state_dict()) == {
        f"{n}.{p}" for n in ("conv1", "conv2", "fc1", "fc2") for p in ("weight", "bias")
    }


def test_dcgan_shape_walk():
    g = build_model("dcgan-generator")
    acts = g.activations(torch.randn(2, 100, 1, 1))
    assert [acts[f"tconv{i}"].shape[-1] for i in range(1, 6)] == [4, 8, 16, 32, 64]
    assert acts["tconv5"].shape == (2, 3, 64, 64)
    out = g(torch.randn(2, 100, 1, 1))
    assert out.shape == (2, 3, 64, 64) and out.abs().max() <= 1  # tanh output


def test_every_built_in_network_is_a_preset_spec():
    """No second copy: each registered name builds its preset's spec, and the names of the
    classes these networks once were still open."""
    from desktop_cnn.core.models import OLD_NAMES, spec_for
    from desktop_cnn.core.spec import SpecNet, preset_spec

    for name in MODELS:
        model = build_model(name)
        assert isinstance(model, SpecNet) and model.spec == preset_spec(name)
    for old, new in OLD_NAMES.items():
        assert build_model(old).spec == preset_spec(new) == spec_for(old, {})


def test_unknown_model_is_a_clear_error():
    with pytest.raises(UnknownNameError, match="unknown model 'resnet'"):
        build_model("resnet")
    with pytest.raises(UnknownNameError, match="not a classifier"):
        classifier_args("dcgan-generator", (3, 64, 64), 10)
    assert set(MODELS) >= {"lenet5", "lenet5-classic", "cifar-net", "dcgan-generator"}
