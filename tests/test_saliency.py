"""Saliency maps against oracles: a hand-built Grad-CAM, finite differences, receptive fields."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.autograd.functional import jacobian

from desktop_cnn.core.inspect.saliency import grad_cam, input_gradient, saliency_map
from desktop_cnn.core.models import build_model

LENET = ("lenet5", {"in_channels": 1, "num_classes": 10, "input_size": 28})
CIFAR = ("cifar-net", {"in_channels": 3, "num_classes": 2, "input_size": 32})


def _model(spec, seed: int = 0, dtype=torch.float32):
    torch.manual_seed(seed)
    name, kwargs = spec
    return build_model(name, **kwargs).to(dtype).eval()


def _input(model, seed: int = 1, dtype=torch.float32) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(1, *model.input_shape, generator=g, dtype=dtype)


def _act(model):
    """The model's activation layers (LeNet-5: relu1..4; the CIFAR net: tanh1..3)."""
    kind = "relu" if hasattr(model, "relu1") else "tanh"
    return lambda i, t: getattr(model, f"{kind}{i}")(t)


def _tail(model, a: torch.Tensor) -> torch.Tensor:
    """The logits from conv2's activation, layer by layer, not through ``activations``."""
    act = _act(model)
    h = torch.flatten(model.pool2(a), 1)
    if hasattr(model, "fc3"):  # LeNet-5
        return model.fc3(act(4, model.fc2(act(3, model.fc1(h)))))
    return model.fc2(act(3, model.fc1(h)))


@pytest.mark.parametrize("spec", [LENET, CIFAR], ids=["lenet5", "cifar-net"])
def test_grad_cam_matches_a_hand_computation(spec):
    model = _model(spec)
    x = _input(model)
    act = _act(model)
    a = act(2, model.conv2(model.pool1(act(1, model.conv1(x))))).detach()  # (1, K, h, w)
    shown = 0
    for target in range(model.fc2.out_features if spec is CIFAR else 10):
        grads = jacobian(lambda a_, t=target: _tail(model, a_)[0, t], a)  # d logit / d A
        alpha = grads.mean((2, 3))[0]  # (K,)
        cam = torch.clamp(torch.einsum("k,khw->hw", alpha, a[0]), min=0)
        big = F.interpolate(
            cam[None, None], size=x.shape[-2:], mode="bilinear", align_corners=False
        )[0, 0]
        expected = big / big.max() if big.max() > 0 else big
        got = grad_cam(model, x, target)
        assert got.shape == x.shape[-2:]
        assert torch.allclose(got, expected, atol=1e-5), (target, (got - expected).abs().max())
        shown += bool(big.max() > 0)
    assert shown >= 1  # not only all-zero maps (an untrained net argues against some classes)


def test_grad_cam_drops_negative_evidence():
    """A class every conv2 feature argues against gets an all-zero map (the ReLU)."""
    model = _model(LENET)
    with torch.no_grad():
        for fc in (model.fc1, model.fc2, model.fc3):
            fc.weight.abs_()
        model.fc3.weight[4].neg_()  # class 4: more of any feature, lower score
    x = _input(model).abs()
    assert torch.equal(grad_cam(model, x, 4), torch.zeros(28, 28))
    assert grad_cam(model, x, 5).max() == 1.0


def test_input_gradient_matches_finite_differences():
    """Smooth models (tanh, average pooling) in float64: central differences are exact to ~1e-8."""
    for spec, name in ((LENET, "lenet5-classic"), (CIFAR, "cifar-net")):
        spec = (name, spec[1])
        model = _model(spec, dtype=torch.float64)
        x = _input(model, dtype=torch.float64)
        target, eps = 1, 1e-6
        got = input_gradient(model, x, target)
        for r, c in [(0, 0), (5, 9), (13, 14), (20, 3), (27, 27)]:
            per_channel = []
            for ch in range(x.shape[1]):
                up, down = x.clone(), x.clone()
                up[0, ch, r, c] += eps
                down[0, ch, r, c] -= eps
                with torch.no_grad():
                    d = (model(up)[0, target] - model(down)[0, target]) / (2 * eps)
                per_channel.append(abs(float(d)))
            assert got[r, c].item() == pytest.approx(max(per_channel), rel=1e-5, abs=1e-9), (
                name,
                r,
                c,
            )


@pytest.mark.parametrize("spec", [LENET, CIFAR], ids=["lenet5", "cifar-net"])
def test_input_gradient_matches_the_jacobian(spec):
    model = _model(spec)
    x = _input(model)
    for target in range(2):
        jac = jacobian(lambda x_, t=target: model(x_)[0, t], x)  # (1, C, H, W)
        assert torch.allclose(input_gradient(model, x, target), jac[0].abs().amax(0), atol=1e-6)


def test_pixels_outside_the_receptive_field_have_zero_gradient():
    """Keep only fc1's inputs from pool2 position (0, 0): it sees input rows and columns 0..13.

    pool2 (0, 0) <- conv2 (0..1) <- pool1 (0..5) <- conv1 (0..11) <- input (0..13, padding 2).
    """
    model = _model(LENET)
    with torch.no_grad():
        w = model.fc1.weight.view(120, 16, 5, 5)
        keep = torch.zeros(5, 5)
        keep[0, 0] = 1
        w.mul_(keep)
    x = _input(model)
    grad = input_gradient(model, x, 3)
    assert torch.all(grad[14:, :] == 0) and torch.all(grad[:, 14:] == 0)
    assert (grad[:14, :14] > 0).float().mean() > 0.5
    full = input_gradient(_model(LENET), x, 3)
    assert (full[14:, 14:] > 0).any()  # the untouched model does look there


@pytest.mark.parametrize("method", ["gradcam", "gradient"])
def test_the_target_class_changes_the_map(method):
    model = _model(LENET)
    x = _input(model)
    maps = [saliency_map(model, x, t, method) for t in range(3)]
    assert not torch.allclose(maps[0], maps[1]) and not torch.allclose(maps[1], maps[2])


@pytest.mark.parametrize("spec", [LENET, CIFAR], ids=["lenet5", "cifar-net"])
@pytest.mark.parametrize("method", ["gradcam", "gradient"])
def test_maps_are_the_input_size_and_scaled_to_one(spec, method):
    model = _model(spec)
    x = _input(model)
    m = saliency_map(model, x[0], 1, method)  # (C, H, W) is accepted too
    assert m.shape == model.input_shape[1:]
    assert m.min() >= 0 and m.max() == 1.0
    assert torch.equal(m, saliency_map(model, x, 1, method))


def test_the_model_is_left_as_found():
    model = _model(LENET)
    model.train()
    model.pool1.eval()  # a mixed state must come back as it was, not as all-train
    model.conv1.weight.requires_grad_(False)
    model.fc3.weight.grad = torch.full_like(model.fc3.weight, 7.0)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x = _input(model)
    with torch.no_grad():  # the GUI's prediction runs without grad; saliency must not care
        grad_cam(model, x, 2)
        input_gradient(model, x, 2)
    assert model.training and model.conv2.training and not model.pool1.training
    assert not model.conv1.weight.requires_grad
    assert all(p.requires_grad for n, p in model.named_parameters() if n != "conv1.weight")
    assert torch.equal(model.fc3.weight.grad, torch.full_like(model.fc3.weight, 7.0))
    assert all(p.grad is None for n, p in model.named_parameters() if n != "fc3.weight")
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
    assert not x.requires_grad and x.grad is None


def test_bad_arguments_are_named():
    model = _model(LENET)
    x = _input(model)
    with pytest.raises(ValueError, match="out of range"):
        grad_cam(model, x, 10)
    with pytest.raises(ValueError, match="out of range"):
        input_gradient(model, x, -1)
    with pytest.raises(ValueError, match="no layer 'conv9'"):
        grad_cam(model, x, 0, layer="conv9")
    with pytest.raises(ValueError, match="fc1"):
        grad_cam(model, x, 0, layer="fc1")
    with pytest.raises(ValueError, match="unknown saliency method"):
        saliency_map(model, x, 0, "lime")
    with pytest.raises(ValueError, match="one input"):
        input_gradient(model, x.repeat(2, 1, 1, 1), 0)
