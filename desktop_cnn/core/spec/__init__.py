"""Models as data: a spec (input shape + named layers), its arithmetic, builder, code, presets."""

from .arith import LayerArith, SpecArith, analyse, check
from .base import ConvUnit, NamedActivations, conv_units
from .builder import SpecNet, build_spec
from .code import spec_code
from .files import dataset_mismatch, fit_to_data, load_spec_file, save_spec_file, spec_json
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
from .table import COLUMNS, format_table, table_rows

__all__ = [
    "COLUMNS",
    "LAYER_TYPES",
    "PRESETS",
    "ConvUnit",
    "FieldInfo",
    "Layer",
    "LayerArith",
    "NamedActivations",
    "NetSpec",
    "SpecArith",
    "SpecError",
    "SpecNet",
    "analyse",
    "build_spec",
    "check",
    "conv_units",
    "dataset_mismatch",
    "fit_to_data",
    "format_table",
    "layer",
    "layer_fields",
    "load_spec_file",
    "parse_spec",
    "preset_spec",
    "save_spec_file",
    "spec_code",
    "spec_json",
    "spec_of",
    "table_rows",
]
