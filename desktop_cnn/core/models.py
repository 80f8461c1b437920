"""The chapter's networks, by name: every one is a preset spec, built by one builder.

Layer names follow the book (conv1, conv2, fc1, fc2, fc3), so a bare
``state_dict`` saved the book's way loads unchanged, and every checkpoint
written when LeNet-5, the CIFAR net and WideNet were hand-written classes
(stored as the registry name and its arguments) rebuilds with the same outputs.
Every model returns its named intermediate activations from ``activations(x)``.
Any other network is a spec (``build_model(NetSpec)`` or
``arch_args={"spec": {...}}``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import UnknownNameError
from .spec import presets as _presets
from .spec.base import NamedActivations
from .spec.builder import build_spec
from .spec.files import dataset_mismatch
from .spec.layers import NetSpec, SpecError, parse_spec


def _preset_factory(name: str) -> Callable[..., NamedActivations]:
    """A preset as a registry factory: its arguments are the preset maker's (whose defaults
    are the dataset it was designed for); a bad one raises TypeError or ValueError, which
    ``build_model`` turns into one line naming the model."""
    maker = _presets.PRESETS[name].make

    def make(force: bool = False, **kwargs: Any) -> NamedActivations:
        return build_spec(maker(**kwargs), force=force)

    return make


@dataclass(frozen=True)
class ModelSpec:
    """How to build one registered architecture, and what it is for."""

    factory: Callable[..., NamedActivations]
    description: str
    defaults: dict[str, Any] = field(default_factory=dict)
    classifier: bool = True  # False for the generator: no classes, no training here


MODELS: dict[str, ModelSpec] = {
    name: ModelSpec(_preset_factory(name), p.description, dict(p.defaults), classifier=p.classifier)
    for name, p in _presets.PRESETS.items()
    if name != "empty"
}
# The classes these names were once built from, for anything that wrote a class's name.
OLD_NAMES = {
    "LeNet5": "lenet5",
    "CifarNet": "cifar-net",
    "WideNet": "widenet",
    "DCGANGenerator": "dcgan-generator",
}


def model_spec(name: str) -> ModelSpec:
    try:
        return MODELS[OLD_NAMES.get(name, name)]
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
) -> dict[str, Any]:
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
    arch = OLD_NAMES.get(arch, arch)
    if arch not in _presets.PRESETS:
        raise SpecError(f"{arch} is not a network of layers a spec can describe")
    return _presets.preset_spec(arch, **arch_args)
