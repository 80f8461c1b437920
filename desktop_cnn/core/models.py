"""The chapter's networks, by name.

Layer names follow the book (conv1, conv2, fc1, fc2, fc3), so a bare
``state_dict`` saved the book's way loads into these classes unchanged.
Every model returns its named intermediate activations from
``activations(x)``: the feature-map viewer needs them for one forward pass.

The four classifier classes are exactly the presets of the same names in
``spec/presets.py`` (same keys, same outputs); they stay so every file written
before specs existed rebuilds bit for bit. Any other network is a spec
(``build_model(NetSpec)`` or ``arch_args={"spec": {...}}``), built by one builder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .errors import UnknownNameError
from .spec import presets as _presets
from .spec.base import ConvUnit, NamedActivations, conv_units  # noqa: F401 - re-exported
from .spec.builder import build_spec
from .spec.files import dataset_mismatch
from .spec.layers import NetSpec, SpecError, parse_spec


class LeNet5(NamedActivations):
    """LeNet-5 (LeCun et al. 1998) in the book's two flavours.

    ``classic``: tanh and average pooling, as in the paper (without its
    partially connected C3 and RBF output). ``modern``: ReLU and max pooling.
    For 28x28 input conv1 pads by 2, so the paper's 32x32 geometry holds:
    28 -> 28 -> 14 -> 10 -> 5, and fc1 always sees 16*5*5 = 400 numbers.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        input_size: int = 28,
        variant: str = "modern",
    ) -> None:
        super().__init__()
        if variant not in ("modern", "classic"):
            raise ValueError(f"LeNet5 variant must be 'modern' or 'classic', not {variant!r}")
        if input_size not in (28, 32):
            raise ValueError(f"LeNet5 takes 28x28 or 32x32 input, not {input_size}x{input_size}")
        self.variant = variant
        self.input_shape = (in_channels, input_size, input_size)
        pad = (32 - input_size) // 2  # 2 for MNIST-sized input, 0 for 32x32
        self.conv1 = nn.Conv2d(in_channels, 6, kernel_size=5, padding=pad)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        modern = variant == "modern"
        self.act = nn.ReLU() if modern else nn.Tanh()
        self.pool = nn.MaxPool2d(2) if modern else nn.AvgPool2d(2)

    def activations(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        a: dict[str, torch.Tensor] = {}
        a["conv1"] = x = self.act(self.conv1(x))  # (N, 6, 28, 28)
        a["pool1"] = x = self.pool(x)  # (N, 6, 14, 14)
        a["conv2"] = x = self.act(self.conv2(x))  # (N, 16, 10, 10)
        a["pool2"] = x = self.pool(x)  # (N, 16, 5, 5)
        x = torch.flatten(x, 1)
        a["fc1"] = x = self.act(self.fc1(x))
        a["fc2"] = x = self.act(self.fc2(x))
        a["fc3"] = self.fc3(x)  # logits
        return a


class CifarNet(NamedActivations):
    """The book's small CIFAR net: 18,090 parameters for two classes at 3x32x32."""

    def __init__(self, in_channels: int = 3, num_classes: int = 2, input_size: int = 32) -> None:
        super().__init__()
        if input_size % 4:
            raise ValueError(f"CifarNet needs an input size divisible by 4, not {input_size}")
        self.input_shape = (in_channels, input_size, input_size)
        self.conv1 = nn.Conv2d(in_channels, 16, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.fc1 = nn.Linear(8 * (input_size // 4) ** 2, 32)  # 512 for 32x32
        self.fc2 = nn.Linear(32, num_classes)
        self.act = nn.Tanh()
        self.pool = nn.MaxPool2d(2)

    def activations(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        a: dict[str, torch.Tensor] = {}
        a["conv1"] = x = self.act(self.conv1(x))  # (N, 16, 32, 32)
        a["pool1"] = x = self.pool(x)  # (N, 16, 16, 16)
        a["conv2"] = x = self.act(self.conv2(x))  # (N, 8, 16, 16)
        a["pool2"] = x = self.pool(x)  # (N, 8, 8, 8)
        a["fc1"] = x = self.act(self.fc1(torch.flatten(x, 1)))
        a["fc2"] = self.fc2(x)
        return a


class WideNet(NamedActivations):
    """A wider VGG-style CNN with batch norm: a teacher for distilling into LeNet-5.

    Three stages of 3x3 convolutions (``width``, 2x and 4x filters), each
    followed by 2x2 max pooling, then global average pooling and one linear
    layer. With ``width=16`` it has 35,674 parameters, fewer than LeNet-5's
    61,706, but five conv layers with batch norm and 13 times the multiply-adds
    per image: on MNIST it makes about a fifth fewer mistakes than LeNet-5 (a
    validation run: 99.54% against 99.43%). ``width=32`` (140,458 parameters)
    scored 99.66% there, but did not make a better teacher. ``desktop-cnn
    train --teacher`` passes what it knows (its soft probabilities) to LeNet-5.
    """

    def __init__(
        self, in_channels: int = 1, num_classes: int = 10, input_size: int = 28, width: int = 16
    ) -> None:
        super().__init__()
        if input_size < 8:
            raise ValueError(f"WideNet needs at least 8x8 input, not {input_size}x{input_size}")
        self.input_shape = (in_channels, input_size, input_size)
        w = width
        chans = [(in_channels, w), (w, w), (w, 2 * w), (2 * w, 2 * w), (2 * w, 4 * w)]
        for i, (a, b) in enumerate(chans, 1):
            setattr(self, f"conv{i}", nn.Conv2d(a, b, kernel_size=3, padding=1, bias=False))
            setattr(self, f"bn{i}", nn.BatchNorm2d(b))
        self.fc = nn.Linear(4 * w, num_classes)

    def activations(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        a: dict[str, torch.Tensor] = {}
        for i in range(1, 6):
            conv, bn = getattr(self, f"conv{i}"), getattr(self, f"bn{i}")
            a[f"conv{i}"] = x = torch.relu(bn(conv(x)))
            if i in (2, 4, 5):  # 28 -> 14 -> 7 -> 3
                a[f"pool{(i + 1) // 2}"] = x = F.max_pool2d(x, 2)
        x = x.mean((2, 3))  # global average: any input size gives 4 * width numbers
        a["fc"] = self.fc(x)  # logits
        return a


def _preset_factory(name: str) -> Callable[..., NamedActivations]:
    """A spec-only preset as a registry factory: its arguments are the preset's."""

    def make(**kwargs: Any) -> NamedActivations:
        return build_spec(_presets.preset_spec(name, **kwargs))

    return make


@dataclass(frozen=True)
class ModelSpec:
    """How to build one registered architecture, and what it is for."""

    factory: Callable[..., NamedActivations]
    description: str
    defaults: dict[str, Any] = field(default_factory=dict)
    classifier: bool = True  # False for the generator: no classes, no training here


MODELS: dict[str, ModelSpec] = {
    "lenet5": ModelSpec(LeNet5, "LeNet-5, modern: ReLU and max pooling", {"variant": "modern"}),
    "lenet5-classic": ModelSpec(
        LeNet5, "LeNet-5, classic: tanh and average pooling", {"variant": "classic"}
    ),
    "cifar-net": ModelSpec(
        CifarNet, "the book's small CIFAR net (18,090 parameters for 2 classes)"
    ),
    "widenet": ModelSpec(
        WideNet,
        "a deeper, wider CNN with batch norm (five 3x3 convs, 16-32-64 filters): a "
        "teacher for distilling into LeNet-5 with --teacher",
    ),
    **{
        name: ModelSpec(
            _preset_factory(name), p.description, dict(p.defaults), classifier=p.classifier
        )
        for name, p in _presets.PRESETS.items()
        if name in ("fig3-convnet", "allconv", "mnist-example", "dcgan-generator")
        or not p.classifier
    },
}


def model_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        raise UnknownNameError(
            f"unknown model {name!r}: choose one of {', '.join(MODELS)}"
        ) from None


def build_model(name: str | NetSpec, **kwargs: Any) -> NamedActivations:
    """Build a registered model (``kwargs`` override the registry's defaults), a NetSpec, or
    the spec in ``kwargs["spec"]`` (how a checkpoint of an own design stores it)."""
    if isinstance(name, NetSpec):
        return build_spec(name, force=kwargs.get("force", False))
    if "spec" in kwargs:
        return build_spec(parse_spec(kwargs["spec"]), force=kwargs.get("force", False))
    spec = model_spec(name)
    args = {**spec.defaults, **kwargs}
    try:
        return spec.factory(**args)
    except SpecError:
        raise
    except (TypeError, ValueError) as exc:
        raise UnknownNameError(f"cannot build {name} with {args}: {exc}") from None


def classifier_args(
    name: str | NetSpec, input_shape: tuple[int, int, int], num_classes: int
) -> dict:
    """The constructor arguments that fit a classifier to a dataset's shape and classes.

    A NetSpec must already fit (``spec.files.fit_to_data`` adapts one); its
    arguments are ``{"spec": <the spec as JSON data>}``.
    """
    if isinstance(name, NetSpec):
        problems = dataset_mismatch(name, input_shape, num_classes)
        if problems:
            raise SpecError("; ".join(problems))
        return {"spec": name.to_dict()}
    spec = model_spec(name)
    if not spec.classifier:
        raise UnknownNameError(f"{name} is not a classifier and cannot be trained here")
    c, h, w = input_shape
    if h != w:
        raise UnknownNameError(f"{name} needs square images, not {h}x{w}")
    return {**spec.defaults, "in_channels": c, "num_classes": num_classes, "input_size": h}


def arch_name(arch: str | NetSpec) -> str:
    return arch.name if isinstance(arch, NetSpec) else arch


def spec_for(arch: str, arch_args: dict[str, Any]) -> NetSpec:
    """The spec of a model saved as (arch, arch_args): its own, or its preset's."""
    if "spec" in arch_args:
        return parse_spec(arch_args["spec"])
    if arch not in _presets.PRESETS:
        raise SpecError(f"{arch} is not a network of layers a spec can describe")
    return _presets.preset_spec(arch, **arch_args)
