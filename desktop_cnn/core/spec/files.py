"""Spec files (JSON) in and out, and the question "does this spec fit that dataset?"."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from ..files import jsonsafe
from .arith import analyse, shape_text
from .layers import NetSpec, SpecError, parse_spec


def spec_json(spec: NetSpec) -> str:
    """The spec as JSON, one layer a line, so a file reads like the network."""
    d = spec.to_dict()
    head = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in d.items() if k != "layers")
    layers = ",\n".join(f"    {json.dumps(x)}" for x in d["layers"])
    return (
        f'{{\n{head},\n  "layers": [\n{layers}\n  ]\n}}\n'
        if layers
        else (f'{{\n{head},\n  "layers": []\n}}\n')
    )


def load_spec_file(path: str | os.PathLike[str], shapes: bool = True) -> NetSpec:
    """Read and check a spec file; SpecError (one line, naming file, layer and field) if bad.

    ``shapes``: also refuse a spec whose shapes cannot flow (the Build tab passes
    False, to open such a file and show the failing layer in its table).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a text file, so not a JSON model spec") from None
    try:  # bounded nesting and finite numbers: a file from anyone, opened in the Build tab too
        data = jsonsafe.loads(text)
    except ValueError as exc:
        raise SpecError(f"{path}: {exc}") from None
    try:
        spec = parse_spec(data)
    except SpecError as exc:
        raise SpecError(f"{path}: {exc}") from None
    if "name" not in data:
        spec = replace(spec, name=path.stem)
    error = analyse(spec).error if shapes else ""
    if error:
        raise SpecError(f"{path}: {error}")
    return spec


def save_spec_file(spec: NetSpec, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    path.write_text(spec_json(spec), encoding="utf-8")
    return path


def dataset_mismatch(
    spec: NetSpec, input_shape: tuple[int, int, int], num_classes: int
) -> list[str]:
    """Why ``spec`` cannot train on images of ``input_shape`` with ``num_classes`` classes
    (empty: it can). Each line says what differs; ``fit_to_data`` fixes the simple ones."""
    problems = []
    c, h, w = spec.input_shape
    dc, dh, dw = input_shape
    if c != dc:
        problems.append(
            f"{spec.name} takes {c}-channel images, the data has {dc} "
            f"({'grey' if dc == 1 else 'colour'})"
        )
    if (h, w) != (dh, dw):
        problems.append(f"{spec.name} takes {h}x{w} images, the data has {dh}x{dw}")
    a = analyse(replace(spec, input_shape=(dc, dh, dw)))
    if a.error:
        problems.append(f"on {dc}x{dh}x{dw} images: {a.error}")
    elif a.output_shape != (num_classes,):
        problems.append(
            f"{spec.name} gives {shape_text(a.output_shape)} numbers, the data has "
            f"{num_classes} classes"
        )
    return problems


def fit_to_data(spec: NetSpec, input_shape: tuple[int, int, int], num_classes: int) -> NetSpec:
    """The spec with the data's input shape and, when the last layer with a size is a linear
    layer (or a conv before global pooling), that many outputs; check the result again.
    Each kind says whether and how it fits (``Layer.fitted``)."""
    layers = list(spec.layers)
    for i in range(len(layers) - 1, -1, -1):
        fitted = layers[i].fitted(num_classes)
        if fitted is not None:
            layers[i] = fitted
            break
    c, h, w = input_shape
    return replace(spec, input_shape=(c, h, w), layers=layers)
