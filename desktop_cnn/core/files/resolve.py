"""What a ``--model`` argument names: a registered model, a spec file, or a checkpoint's model.

Apart from models.py because a checkpoint's model needs checkpoints.py, which itself
builds models: here both can be imported without a cycle.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import UnknownNameError
from ..models import MODELS, spec_for
from ..spec import presets
from ..spec.files import load_spec_file
from ..spec.layers import NetSpec
from .checkpoints import load_checkpoint
from .jsonsafe import check_json_file


def resolve_model(text: str) -> str | NetSpec:
    """What ``--model`` names: a registered model, a .json spec file, or a checkpoint's model."""
    if text in MODELS:
        return text
    if text in presets.PRESETS:
        return presets.preset_spec(text)
    path = Path(text)
    if path.suffix.lower() == ".json" or (path.exists() and path.suffix.lower() != ".pt"):
        check_json_file(path)  # nesting and non-finite numbers, before the spec parser
        return load_spec_file(path)
    if path.suffix.lower() == ".pt":
        info = load_checkpoint(path).info
        return spec_for(info.arch, info.arch_args)
    raise UnknownNameError(
        f"unknown model {text!r}: choose one of {', '.join(MODELS)}, or "
        "give a .json spec file or a .pt checkpoint"
    )
