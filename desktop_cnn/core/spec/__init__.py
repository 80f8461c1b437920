"""Models as data: a spec (input shape + named layers), its arithmetic, builder, code, presets."""

from .arith import LayerArith, SpecArith, analyse, check
from .base import ConvUnit, NamedActivations, conv_units
from .builder import SpecNet, build_spec
from .code import spec_code
from .layers import (
    LAYER_TYPES,
    FieldInfo,
    Layer,
    NetSpec,
    SpecError,
    layer,
    layer_fields,
    parse_spec,
    spec_of,
)
from .presets import PRESETS, preset_spec

__all__ = ["LAYER_TYPES", "PRESETS", "ConvUnit", "FieldInfo", "Layer", "LayerArith",
           "NamedActivations", "NetSpec", "SpecArith", "SpecError", "SpecNet", "analyse",
           "build_spec", "check", "conv_units", "layer", "layer_fields", "parse_spec",
           "preset_spec", "spec_code", "spec_of"]
