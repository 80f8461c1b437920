"""Small, checked edits of a spec, as a form makes them: each returns a new spec or layer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .kind import kind
from .layers import Layer, NetSpec, SpecError, layer_fields, named


def parse_value(layer: Layer, field: str, text: Any) -> Any:
    """A field's value from what a form holds (text such as "3", "0.25", "true", "" for an
    optional field's default), checked; SpecError naming the layer and field if wrong."""
    infos = {f.name: f for f in layer_fields(layer.type)}
    if field not in infos:
        raise SpecError(f"{layer.name}: unknown field {field!r} for {layer.type}")
    info = infos[field]
    if isinstance(text, str):
        t = text.strip().lower()
        if t in ("", "none") and info.optional:
            return None
        try:
            if info.kind is bool:
                text = {"true": True, "false": False, "1": True, "0": False}[t]
            elif info.kind is str:
                text = text.strip()
            else:
                text = info.kind(t) if info.kind is float or "." not in t else float(t)
        except (KeyError, ValueError):
            word = {bool: "true or false", int: "a whole number"}.get(info.kind, "a number")
            raise SpecError(f"{layer.name}: {field} must be {word}, not {text!r}") from None
    return info.check(layer.name, text, layer.type)


def with_field(layer: Layer, field: str, value: Any) -> Layer:
    """``layer`` with one field changed (``value`` may be a form's text)."""
    return replace(layer, **{field: parse_value(layer, field, value)})


def with_layer(spec: NetSpec, index: int, layer: Layer) -> NetSpec:
    layers = list(spec.layers)
    layers[index] = layer
    return replace(spec, layers=layers)


def insert_layer(spec: NetSpec, index: int, layer_type: str, **values: Any) -> NetSpec:
    """A new ``layer_type`` layer (its defaults, an automatic name) before position ``index``."""
    layers = list(spec.layers)
    layers.insert(index, kind(layer_type)(**values))
    return replace(spec, layers=named(layers))


def remove_layer(spec: NetSpec, index: int) -> NetSpec:
    return replace(spec, layers=[x for i, x in enumerate(spec.layers) if i != index])


def move_layer(spec: NetSpec, index: int, delta: int) -> NetSpec:
    """Move a layer up (delta < 0) or down; it stays put at either end."""
    to = min(max(index + delta, 0), len(spec.layers) - 1)
    layers = list(spec.layers)
    layers.insert(to, layers.pop(index))
    return replace(spec, layers=layers)


def rename_layer(spec: NetSpec, index: int, name: str) -> NetSpec:
    """Give a layer a new (checked, unique) name."""
    from .layers import parse_spec

    layers = list(spec.layers)
    layers[index] = replace(layers[index], name=name)
    return parse_spec(replace(spec, layers=layers).to_dict())
