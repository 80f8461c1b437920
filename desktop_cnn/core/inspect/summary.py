"""A layer-by-layer summary of a model: output shapes and parameter counts.

Shapes are found by running the model, not by reading its definition: one
forward pass of a zero image with a forward hook on every leaf module records
what actually comes out of each layer. That works for any ``nn.Module``, at
the price of one (cheap, batch-size-1) forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import Tensor, nn


@dataclass(frozen=True)
class LayerRow:
    """One executed leaf module.

    ``params`` counts the module's own parameters only (not its children's),
    so summing the rows never counts a weight twice.
    """

    name: str  # dotted name as in model.named_modules(), e.g. "features.0"
    type: str  # class name, e.g. "Conv2d"
    output_shape: tuple[int, ...]  # without the batch dimension
    params: int


@dataclass
class ModelSummary:
    """The rows in execution order plus totals over all of the model's parameters."""

    rows: list[LayerRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    input_shape: tuple[int, ...] = ()


def _shape_str(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape) if shape else "-"


def _first_tensor(out: object) -> Tensor | None:
    # Most layers return a tensor; a few (RNNs, custom blocks) return tuples.
    if isinstance(out, Tensor):
        return out
    if isinstance(out, (tuple, list)):
        for item in out:
            t = _first_tensor(item)
            if t is not None:
                return t
    return None


def summary(model: nn.Module, input_shape: tuple[int, ...]) -> ModelSummary:
    """Summarise ``model`` for one input of ``input_shape`` (without batch dim, e.g. (1, 28, 28)).

    Raises ``ValueError`` when the input shape does not fit the model.
    """
    input_shape = tuple(int(d) for d in input_shape)
    model_name = type(model).__name__
    if not input_shape or any(d < 1 for d in input_shape):
        raise ValueError(f"input shape {_shape_str(input_shape)} is not a valid shape")

    names = {id(m): name for name, m in model.named_modules()}
    rows: list[LayerRow] = []
    seen: set[int] = set()

    def hook(module: nn.Module, _inputs: object, output: object) -> None:
        out = _first_tensor(output)
        shape = tuple(out.shape[1:]) if out is not None else ()
        # A module called twice (shared weights) gets a row per call, but its
        # parameters are listed only once.
        own = 0 if id(module) in seen else sum(p.numel() for p in module.parameters(recurse=False))
        seen.add(id(module))
        name = names.get(id(module)) or model_name
        rows.append(LayerRow(name, type(module).__name__, shape, own))

    leaves = [m for m in model.modules() if not any(True for _ in m.children())]
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    dtype = first.dtype if first is not None and first.is_floating_point() else torch.float32

    was_training = model.training
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        model.eval()  # dropout/batch-norm must not behave like training (or update stats)
        with torch.no_grad():
            model(torch.zeros((1, *input_shape), device=device, dtype=dtype))
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if len(reason) > 160:
            reason = reason[:157] + "..."
        raise ValueError(
            f"input shape {_shape_str(input_shape)} does not fit model {model_name}: {reason}"
        ) from exc
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)

    params = list(model.parameters())
    return ModelSummary(
        rows=rows,
        total_params=sum(p.numel() for p in params),
        trainable_params=sum(p.numel() for p in params if p.requires_grad),
        input_shape=input_shape,
    )


def format_summary(s: ModelSummary) -> str:
    """A fixed-width text table; the last line is exactly ``Total parameters: N``."""
    header = ("Layer", "Type", "Output shape", "Params")
    body = [(r.name, r.type, _shape_str(r.output_shape), str(r.params)) for r in s.rows]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(4)]

    def line(cells: tuple[str, str, str, str]) -> str:
        # Text columns left-aligned, the number right-aligned so digits line up.
        left = [c.ljust(w) for c, w in zip(cells[:3], widths[:3], strict=True)]
        return "  ".join([*left, cells[3].rjust(widths[3])]).rstrip()

    rule = "-" * len(line(header))
    lines = [f"Input shape: {_shape_str(s.input_shape)}", line(header), rule]
    lines += [line(row) for row in body]
    lines += [rule, f"Trainable parameters: {s.trainable_params}"]
    lines.append(f"Total parameters: {s.total_params}")
    return "\n".join(lines)
