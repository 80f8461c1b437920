"""Why did the network answer that? Two saliency maps over the input.

* Grad-CAM (Selvaraju et al. 2017, arXiv:1610.02391): weight each map of the
  last conv layer by the mean gradient of the class score over that map, sum,
  keep the positive part, and upsample to the input: coarse, class-specific.
* The input gradient (Simonyan et al. 2013, arXiv:1312.6034): |d score / d x|,
  the largest over the colour channels: which pixels would move the score most.

The score is the class's logit, before the softmax, as in both papers. Both
work on any ``NamedActivations`` model, for one input, and leave the model as
they found it: its train/eval mode, its parameters' ``requires_grad`` and
``.grad`` (only the input or the layer's activation is differentiated).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

from ..spec.base import NamedActivations, conv_units

METHODS = ("gradcam", "gradient")


@contextmanager
def _evaluating(model: nn.Module) -> Iterator[None]:
    """Eval mode inside, each submodule's own mode restored after (they may differ)."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with torch.enable_grad():  # callers may sit inside torch.no_grad()
            yield
    finally:
        for m, training in modes:
            m.training = training


def _input(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """A leaf copy of one input, (1, C, H, W) as the model's weights, that records gradients."""
    if x.ndim == 3:
        x = x[None]
    if x.ndim != 4 or x.shape[0] != 1:
        raise ValueError(
            f"saliency takes one input, (C, H, W) or (1, C, H, W), not {tuple(x.shape)}"
        )
    p = next(model.parameters())
    return x.detach().to(p.device, p.dtype).clone().requires_grad_(True)


def _score(logits: torch.Tensor, target: int) -> torch.Tensor:
    k = logits.shape[1]
    if not 0 <= target < k:
        raise ValueError(f"target class {target} is out of range: the model has {k} classes")
    return logits[0, target]


def last_conv_layer(acts: dict[str, torch.Tensor], model: nn.Module | None = None) -> str:
    """The map of the model's last conv layer (after its activation): Grad-CAM's usual choice.

    The model says which its conv layers are (``conv_units``); without a model,
    the last map named conv*.
    """
    if model is not None:
        maps = [u.map for u in conv_units(model) if u.map in acts and acts[u.map].ndim == 4]
    else:
        maps = [name for name, a in acts.items() if a.ndim == 4 and name.startswith("conv")]
    if not maps:
        raise ValueError(f"no conv layer among {', '.join(acts)}")
    return maps[-1]


def grad_cam(
    model: NamedActivations, x: torch.Tensor, target: int, layer: str | None = "conv2"
) -> torch.Tensor:
    """Grad-CAM of class ``target`` at ``layer`` (None: the last conv layer), upsampled.

    Returns an (H, W) float tensor on the CPU, the input's size, scaled to
    0..1 by its maximum (all zeros when no map speaks for the class).
    """
    with _evaluating(model):
        xr = _input(model, x)
        acts = model.activations(xr)
        layer = layer or last_conv_layer(acts, model)
        # A conv's name means the map after its activation (relu2 for conv2), as it did when
        # the built-in networks were classes that named that map after the conv.
        layer = next((u.map for u in conv_units(model) if u.conv == layer), layer)
        if layer not in acts:
            raise ValueError(f"no layer {layer!r}: the model has {', '.join(acts)}")
        a = acts[layer]  # (1, K, h, w)
        if a.ndim != 4:
            raise ValueError(
                f"Grad-CAM needs a layer with maps (N, C, H, W); {layer} is {tuple(a.shape)}"
            )
        score = _score(next(reversed(acts.values())), target)
        (grad,) = torch.autograd.grad(score, a)
    with torch.no_grad():
        alpha = grad.mean((2, 3), keepdim=True)  # (1, K, 1, 1): global-average-pooled gradient
        cam = F.relu((alpha * a).sum(1, keepdim=True))  # (1, 1, h, w)
        cam = F.interpolate(cam, size=xr.shape[-2:], mode="bilinear", align_corners=False)
    return _unit(cam[0, 0].cpu())


def input_gradient(model: NamedActivations, x: torch.Tensor, target: int) -> torch.Tensor:
    """|d logit_target / d x|, the largest over channels: an (H, W) float tensor on the CPU.

    Not rescaled, so it can be checked against finite differences; see ``saliency_map``.
    """
    with _evaluating(model):
        xr = _input(model, x)
        score = _score(model(xr), target)
        (grad,) = torch.autograd.grad(score, xr)  # (1, C, H, W)
    return grad[0].abs().amax(0).cpu()


def saliency_map(
    model: NamedActivations, x: torch.Tensor, target: int, method: str
) -> torch.Tensor:
    """Either map by name ("gradcam" on the last conv layer, "gradient"), scaled to 0..1."""
    if method == "gradcam":
        return grad_cam(model, x, target, layer=None)
    if method == "gradient":
        return _unit(input_gradient(model, x, target))
    raise ValueError(f"unknown saliency method {method!r}: choose one of {', '.join(METHODS)}")


def _unit(m: torch.Tensor) -> torch.Tensor:
    """Divide by the maximum (values are >= 0), so the strongest pixel is 1 and zero stays 0."""
    top = float(m.max())
    return m / top if top > 0 else torch.zeros_like(m)
