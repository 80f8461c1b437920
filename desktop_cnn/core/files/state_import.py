"""Recognise a bare ``state_dict`` saved the book's way (``torch.save(model.state_dict())``).

Such a file has weights but no word on what they are for, so the import says
what it assumed (dataset, classes, normalisation); the user can change it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..errors import CheckpointError
from ..models import build_model

Norm = tuple[tuple[float, ...], tuple[float, ...]]  # (mean, std) per channel
MNIST_NORM: Norm = ((0.1307,), (0.3081,))  # the usual MNIST statistics (pytorch/examples)
CIFAR_NORM: Norm = ((0.4915, 0.4823, 0.4468), (0.2470, 0.2435, 0.2616))  # the book's cifar2 values
TUTORIAL_NORM: Norm = ((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))  # the PyTorch CIFAR tutorial's LeNet
CIFAR10 = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def _candidates(sd: dict[str, torch.Tensor]) -> list[tuple[str, dict[str, Any]]]:
    """Architectures and arguments whose parameter shapes might match ``sd``."""
    out: list[tuple[str, dict[str, Any]]] = []
    w1 = sd.get("conv1.weight")
    if w1 is None or w1.ndim != 4:
        return out
    c = w1.shape[1]
    if "fc3.weight" in sd:
        k = sd["fc3.weight"].shape[0]
        size = 28 if c == 1 else 32
        out.append(
            (
                "lenet5",
                {"variant": "modern", "in_channels": c, "num_classes": k, "input_size": size},
            )
        )
    elif "fc2.weight" in sd and "fc1.weight" in sd:
        k = sd["fc2.weight"].shape[0]
        side = int(round((sd["fc1.weight"].shape[1] / 8) ** 0.5)) * 4
        out.append(("cifar-net", {"in_channels": c, "num_classes": k, "input_size": side}))
    return out


def _fits(arch: str, args: dict[str, Any], sd: dict[str, torch.Tensor]) -> bool:
    try:
        ref = build_model(arch, **args).state_dict()
    except Exception:
        return False
    return ref.keys() == sd.keys() and all(ref[k].shape == sd[k].shape for k in ref)


def guess_architecture(sd: dict[str, torch.Tensor], info_cls: Callable[..., Any]) -> Any:
    """A ModelInfo for the one registered architecture ``sd`` fits, with notes on assumptions."""
    for arch, args in _candidates(sd):
        if not _fits(arch, args, sd):
            continue
        c, k, size = args["in_channels"], args["num_classes"], args["input_size"]
        if c == 1:
            dataset, classes, (mean, std) = "mnist", [str(i) for i in range(k)], MNIST_NORM
        elif k == 2:
            dataset, classes, (mean, std) = "cifar10", ["airplane", "bird"], CIFAR_NORM
        else:
            dataset = "cifar10"
            classes = CIFAR10[:k] if k <= 10 else [str(i) for i in range(k)]
            mean, std = TUTORIAL_NORM if arch == "lenet5" else CIFAR_NORM
        notes = [
            f"bare state_dict: recognised as {arch} ({k} classes, {c}x{size}x{size} input)",
            f"assumed dataset {dataset} with classes {', '.join(classes)}",
            f"assumed normalisation mean={mean} std={std}",
        ]
        if arch == "lenet5":
            notes.append(
                "the weights do not say ReLU/max pooling or tanh/average pooling: "
                "assumed the modern variant (ReLU, max pooling)"
            )
        return info_cls(
            arch=arch,
            arch_args=args,
            dataset=dataset,
            classes=classes,
            input_shape=(c, size, size),
            mean=mean,
            std=std,
            notes=notes,
        )
    shapes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in list(sd.items())[:4])
    raise CheckpointError(
        f"these weights match no known architecture (lenet5, cifar-net): {shapes}, ..."
    )
