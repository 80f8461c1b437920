"""From the input to the answer: every layer's output, the flatten, the dense layers, softmax.

No Tk. One forward pass with hooks on every leaf module of any ``nn.Module``
(built-in or built from a spec), so the values are the model's own: a module
used twice (a shared ``act`` or ``pool``) gives one stage per call. A flatten the
model does with ``torch.flatten`` (no module) is found where a Linear layer
receives a vector after maps. The path ends with the logits and the softmax,
whose probabilities are ``model(x).softmax(1)``, the ones ``predict`` reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

ACTIVATIONS = ("ReLU", "Tanh", "Sigmoid", "LeakyReLU", "GELU", "ELU", "SiLU", "Softplus")
WEIGHTED = (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)


@dataclass(frozen=True)
class Stage:
    """One value on the path: ``values`` is one image's tensor, without the batch axis."""

    name: str  # the module's name; a module called k times gives name1..namek (pool1, pool2)
    module: str  # its class, e.g. "Conv2d", "ReLU", or "Flatten" / "Softmax" added here
    values: Tensor
    label: str = ""  # what it is, e.g. "conv output, before its activation"
    inputs: Tensor | None = None  # what the module received (a dense layer's explanation)
    module_name: str = ""  # the module in ``named_modules`` ("" for stages added here)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


@dataclass(frozen=True)
class Segment:
    """A run of the flattened vector and the map it came from."""

    start: int
    stop: int  # exclusive
    source: str  # the stage the maps came from
    channel: int  # the map, counted from 0 (as the Playground counts channels)


@dataclass
class AnswerPath:
    stages: list[Stage]
    flat: list[Segment] = field(default_factory=list)
    flat_stage: str = ""  # the stage holding the flattened vector

    @property
    def logits(self) -> Tensor:
        return self.stages[-2].values

    @property
    def probs(self) -> Tensor:
        return self.stages[-1].values

    @property
    def prediction(self) -> int:
        return int(self.probs.argmax())

    def stage(self, name: str) -> Stage:
        for s in self.stages:
            if s.name == name:
                return s
        raise KeyError(name)

    def source_of(self, index: int) -> str:
        """Where number ``index`` of the flattened vector came from, e.g. "pool2 map 3 (1,4)"."""
        for seg in self.flat:
            if seg.start <= index < seg.stop:
                src = self.stage(seg.source)
                h, w = src.shape[1], src.shape[2]
                r, c = divmod(index - seg.start, w)
                del h
                return f"{seg.source} map {seg.channel} ({r},{c})"
        return f"input {index}"


def answer_path(model: nn.Module, x: Tensor) -> AnswerPath:
    """The path of one image ``x`` (C, H, W) or (1, C, H, W) through ``model``, in eval mode."""
    if x.dim() == 3:
        x = x[None]
    calls: list[tuple[str, nn.Module, Tensor, Tensor]] = []
    handles = []
    for name, m in model.named_modules():
        if name and not any(True for _ in m.children()):

            def hook(mod: nn.Module, args: Any, out: Any, name: str = name) -> None:
                if isinstance(out, Tensor) and args and isinstance(args[0], Tensor):
                    calls.append((name, mod, args[0].detach(), out.detach()))

            handles.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(x).float()
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return _path(x, calls, out)


def _path(x: Tensor, calls: list[tuple[str, nn.Module, Tensor, Tensor]], out: Tensor) -> AnswerPath:
    stages = [Stage("input", "Input", x[0].float(), "the input, as the model sees it")]
    path = AnswerPath(stages)
    count: dict[str, int] = {}
    calls_of = {name: sum(1 for c in calls if c[0] == name) for name, *_ in calls}
    taken = set(calls_of)
    for name, mod, inp, outp in calls:
        count[name] = count.get(name, 0) + 1
        kind = type(mod).__name__
        prev = stages[-1]
        shown = name
        if calls_of[name] > 1:  # a shared module (LeNet-5's act, pool): one stage per call
            shown = f"{name}{count[name]}"
            if shown in taken:
                shown = f"{name}@{count[name]}"
        if isinstance(mod, nn.Linear) and prev.values.dim() == 3 and inp.dim() == 2:
            # the model turned maps into a vector itself: a flatten, or a reduction (a mean)
            flat = inp[0].numel() == prev.values.numel()
            stages.append(
                Stage(
                    "flatten" if flat else "reduce",
                    "Flatten" if flat else "Reduce",
                    inp[0].float(),
                    "",
                    prev.values,
                )
            )
        stages.append(Stage(shown, kind, outp[0].float(), "", inp[0].float(), name))
    stages.append(Stage("logits", "Logits", out[0], "the logits: the last layer's output"))
    stages.append(Stage("softmax", "Softmax", out[0].softmax(0), "softmax: the probabilities"))
    for i, s in enumerate(stages):
        if (
            s.module == "Flatten"
            and i > 0
            and stages[i - 1].values.dim() == 3
            and s.values.numel() == stages[i - 1].values.numel()
        ):
            c, h, w = stages[i - 1].shape
            path.flat = [
                Segment(k * h * w, (k + 1) * h * w, stages[i - 1].name, k) for k in range(c)
            ]
            path.flat_stage = s.name
    path.stages = [_labelled(stages, i) for i in range(len(stages))]
    return path


def _labelled(stages: list[Stage], i: int) -> Stage:
    s = stages[i]
    if s.label:
        return s
    nxt = stages[i + 1] if i + 1 < len(stages) else None
    prev = stages[i - 1]
    activated = nxt is not None and nxt.module in ACTIVATIONS and nxt.shape == s.shape
    what = {
        "Conv2d": "conv output",
        "ConvTranspose2d": "transposed conv output",
        "Linear": "dense layer output",
    }.get(s.module)
    if what:
        label = f"{what}, before its activation" if activated else f"{what} (no activation module)"
    elif s.module in ACTIVATIONS:
        label = f"{prev.name} after its {s.module}"
    elif s.module == "Flatten":
        label = f"flatten: {_shape(prev.shape)} -> {s.values.numel()} numbers"
    elif s.module == "Reduce":
        label = f"the model's own function (e.g. a mean per map): {_shape(prev.shape)} ->"
        label += f" {s.values.numel()} numbers"
    else:
        label = s.module
    return Stage(
        s.name, s.module, s.values, f"{label} ({_shape(s.shape)})", s.inputs, s.module_name
    )


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape)


# --- one number explained ----------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    index: int
    weight: float
    value: float
    source: str

    @property
    def product(self) -> float:
        return self.weight * self.value


@dataclass(frozen=True)
class DenseUnit:
    """A dense unit: its largest contributions, the sum of all, the bias, the activation."""

    stage: str
    unit: int
    top: tuple[Contribution, ...]
    inputs: int  # how many products the sum has
    total: float  # the sum of every product
    bias: float
    output: float  # total + bias, the stage's value
    activation: str  # "" when none follows
    activated: float | None

    def text(self) -> str:
        lines = [
            f"{self.stage} unit {self.unit} = sum of {self.inputs} weight·input products + bias",
            f"the {len(self.top)} largest products:",
        ]
        lines += [
            f"  w[{c.index}]·x[{c.index}] = {c.weight:.3f}·{c.value:.3f} = {c.product:+.3f}"
            f"   (x from {c.source})"
            for c in self.top
        ]
        rest = self.total - sum(c.product for c in self.top)
        lines += [
            f"  the other {self.inputs - len(self.top)} products add {rest:+.3f}",
            f"sum {self.total:.3f} + bias {self.bias:.3f} = {self.output:.3f}",
        ]
        if self.activation and self.activated is not None:
            lines.append(f"{self.activation}({self.output:.3f}) = {self.activated:.3f}")
        return "\n".join(lines)


def dense_unit(
    path: AnswerPath, model: nn.Module, stage: str, unit: int, top: int = 5
) -> DenseUnit:
    """Explain unit ``unit`` of the Linear stage ``stage`` from the model's weights."""
    i = [s.name for s in path.stages].index(stage)
    s = path.stages[i]
    module = dict(model.named_modules()).get(s.module_name)
    if not isinstance(module, nn.Linear) or s.inputs is None:
        raise ValueError(f"{stage} is not a dense (Linear) layer")
    w = module.weight.detach()[unit].float()
    xin = s.inputs.flatten()
    products = w * xin
    order = products.abs().argsort(descending=True)[:top].tolist()
    fed_flat = i > 0 and path.stages[i - 1].name == path.flat_stage
    prev = path.stages[i - 1].name
    contribs = tuple(
        Contribution(
            k,
            float(w[k]),
            float(xin[k]),
            path.source_of(k) if fed_flat else f"{prev} unit {k}",
        )
        for k in order
    )
    bias = float(module.bias.detach()[unit]) if module.bias is not None else 0.0
    nxt = path.stages[i + 1] if i + 1 < len(path.stages) else None
    act = nxt.module if nxt is not None and nxt.module in ACTIVATIONS else ""
    return DenseUnit(
        stage,
        unit,
        contribs,
        int(xin.numel()),
        float(products.sum()),
        bias,
        float(s.values[unit]),
        act,
        float(nxt.values[unit]) if act and nxt is not None else None,
    )


def softmax_text(path: AnswerPath, k: int, classes: list[str] | None = None) -> str:
    """Output ``k`` of the softmax with the formula and its numbers."""
    z = path.logits.tolist()
    e = [math.exp(v - max(z)) for v in z]  # shifted by max(z): the same ratio, no overflow
    name = classes[k] if classes and k < len(classes) else str(k)
    terms = " + ".join(f"{v:.3f}" for v in e)
    return "\n".join(
        [
            "p_k = e^(z_k) / (e^(z_0) + ... + e^(z_K-1)), z = the logits",
            f"logits z = [{', '.join(f'{v:.3f}' for v in z)}]",
            f"with every z shifted by max z = {max(z):.3f} (the ratio does not change):",
            f"p_{k} ({name}) = {e[k]:.3f} / ({terms})",
            f"      = {e[k]:.3f} / {sum(e):.3f} = {e[k] / sum(e):.4f}",
            f"the prediction is the largest p: class {path.prediction}"
            + (f" ({classes[path.prediction]})" if classes else ""),
        ]
    )


def pool_text(path: AnswerPath, model: nn.Module, stage: str, channel: int, r: int, c: int) -> str:
    """How a max or average pooling output number is made from its window, with the numbers.

    Raises ValueError for a stage that is not a pooling module's output.
    """
    s = path.stage(stage)
    module = dict(model.named_modules()).get(s.module_name)
    if not isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)) or s.inputs is None:
        raise ValueError(f"{stage} is not a pooling layer")
    k, st, p = (_one(v) for v in (module.kernel_size, module.stride, module.padding))
    fill = float("-inf") if isinstance(module, nn.MaxPool2d) else 0.0
    src = torch.nn.functional.pad(s.inputs[channel], (p, p, p, p), value=fill)
    window = src[r * st : r * st + k, c * st : c * st + k]
    rows = [", ".join(f"{v:.3f}" for v in row) for row in window.tolist()]
    top, left = r * st - p, c * st - p
    where = f"rows {top}..{top + k - 1}, columns {left}..{left + k - 1} of the map before it"
    value = float(s.values[channel, r, c])
    if isinstance(module, nn.MaxPool2d):
        how = f"the largest of the {k}x{k} window: max([{']; ['.join(rows)}])"
        check = float(window.max())
    else:
        how = f"the mean of the {k}x{k} window: ([{']; ['.join(rows)}]) summed / {k * k}"
        check = float(window.sum()) / (k * k)
    return (
        f"{stage} map {channel} at ({r}, {c}) = {how} = {check:.4f}\n"
        f"The window: {where} (stride {st}). The forward pass put {value:.4f} there."
    )


def _one(v: int | tuple[int, ...]) -> int:
    return v if isinstance(v, int) else int(v[0])
