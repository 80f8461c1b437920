"""The chapter's exercises and examples, worked by the core, each answer with its formula.

No Tk here. The numbers are the ones the chapter prints (docs/chapter.md); the
explanations are ours:

* Exercise 1: the 5x5 cross X and the filters W0 (a horizontal line), W1 (a vertical
  line) and W2 (the diagonal), stride 1, no padding; answers Y0, Y1, Y2.
* Exercise 2: the output shapes of [3, 64, 64] with ten 6x6 filters, s=2, p=1; of
  [8, 17, 17] with ten 5x5 filters, s=1, p=0; of [3, 24, 24] under 2x2 max pooling, s=2.
* Exercise 3 asks for a network's parameter count; its network is a figure the text does
  not carry, so the count is worked on the two layers of exercise 2 and on the chapter's
  CIFAR net, whose 18,090 parameters the chapter states.
* The section 11.3.5 walk is the DCGAN generator of ``models.py``; the figures and the
  transposed-convolution cases are in ``figures.py``.

Every number comes from ``arithmetic`` or from ``summary`` (a real forward pass);
``tests/test_playground.py`` and ``tests/test_book_presets.py`` check them against torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..inspect.summary import summary
from ..models import build_model
from .arithmetic import BookExercise1, exercise1, pool_output_shape
from .figures import (
    FIG2,
    FIG3_LAYERS,
    FIG5,
    TRANSPOSED_CASES,
    TransposedCase,
    fig2_data,
    fig2_text,
    fig3_text,
    fig5_text,
    layer_text,
    transposed_text,
)
from .formulas import (
    Formula,
    conv_formula,
    linear_params_formula,
    number,
    params_formula,
    pool_formula,
)
from .playground import LayerSettings, layer_formula, torch_line


def shape(s: tuple[int, ...]) -> str:
    return "x".join(str(v) for v in s)


def grids_side_by_side(named: list[tuple[str, Tensor]], gap: int = 4) -> list[str]:
    """Small 2-D tensors printed next to each other under their names."""
    blocks = []
    for name, m in named:
        cells = [[number(v) for v in row] for row in m.tolist()]
        w = max(len(v) for row in cells for v in row) + 1
        rows = ["".join(v.rjust(w) for v in row) for row in cells]
        width = max(len(name), len(rows[0]))
        blocks.append([name.ljust(width)] + [r.ljust(width) for r in rows])
    height = max(len(b) for b in blocks)
    out = []
    for i in range(height):
        out.append((" " * gap).join(b[i] if i < len(b) else " " * len(b[0]) for b in blocks))
    return [line.rstrip() for line in out]


# --- exercise 1 ------------------------------------------------------------------------------


def exercise1_settings() -> LayerSettings:
    return LayerSettings(size=5, kernel=3, in_channels=1, out_channels=3)


def exercise1_data() -> tuple[Tensor, Tensor]:
    """``x`` (1, 5, 5) and ``w`` (3, 1, 3, 3): the exercise's input and W0, W1, W2."""
    d = BookExercise1()
    x = torch.tensor(d.X, dtype=torch.float32)[None]
    w = torch.tensor([d.W0, d.W1, d.W2], dtype=torch.float32)[:, None]
    return x, w


def exercise1_text() -> str:
    r = exercise1()
    f = conv_formula(5, 3)
    lines = [
        "Exercise 1: the 5x5 input X convolved with each 3x3 filter W_k (stride 1, no "
        "padding) gives Y_k."
    ]
    lines += grids_side_by_side([(k, r[k]) for k in ("X", "W0", "W1", "W2", "Y0", "Y1", "Y2")])
    lines += [
        "",
        "Y_k[i, j] = sum over a, b of X[i + a, j + b] · W_k[a, b]; its size:",
        f"  {f.general}",
        f"  {f.substituted}",
        "",
        "X is a cross; W0 is a horizontal line, W1 a vertical one, W2 the diagonal. Each",
        "Y_k cell counts the filter's ones that land on the cross: 3 where the filter",
        "lies along the cross's bar, 1 where it only crosses it. Press Next to watch each",
        "cell being computed; 'Show output channel' k follows filter W_k.",
        f"PyTorch: {torch_line(exercise1_settings())}",
    ]
    return "\n".join(lines)


# --- exercise 2: three output shapes ---------------------------------------------------------


@dataclass(frozen=True)
class ShapeCase:
    question: str
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]
    formula: Formula
    layer_line: str  # the torch line; ``build()`` is the same layer
    settings: LayerSettings | None  # None for pooling, which the playground does not draw

    def build(self) -> nn.Module:
        layer: nn.Module = eval(self.layer_line, {"nn": nn})  # our own line, never user text
        return layer


def conv_settings(case: ShapeCase) -> LayerSettings:
    """A conv case's settings: only the pooling cases have none."""
    assert case.settings is not None, f"{case.question} is pooling, not a conv layer"
    return case.settings


def _conv_case(question: str, st: LayerSettings) -> ShapeCase:
    return ShapeCase(
        question, st.input_shape, st.output_shape, layer_formula(st), torch_line(st), st
    )


def exercise2_cases() -> list[ShapeCase]:
    pool_in = (3, 24, 24)
    return [
        _conv_case(
            "(a) a 3x64x64 input, ten 6x6 filters, stride 2, padding 1",
            LayerSettings(size=64, kernel=6, stride=2, padding=1, in_channels=3, out_channels=10),
        ),
        _conv_case(
            "(b) an 8x17x17 input, ten 5x5 filters, stride 1, no padding",
            LayerSettings(size=17, kernel=5, in_channels=8, out_channels=10),
        ),
        ShapeCase(
            "(c) 2x2 max pooling, stride 2, of a 3x24x24 input",
            pool_in,
            pool_output_shape(pool_in, 2, 2),
            pool_formula(24, 2, 2),
            "nn.MaxPool2d(kernel_size=2, stride=2)",
            None,
        ),
    ]


def exercise2_text() -> str:
    lines = [
        "Exercise 2: the output shape of three layers.",
        "A filter bank keeps no input channels: the output has one channel per filter;",
        "pooling works on each channel alone and keeps them.",
        "",
    ]
    for case in exercise2_cases():
        lines += [
            case.question,
            f"  {case.formula.general}",
            f"  {case.formula.substituted}",
            f"  shape: {shape(case.in_shape)} -> {shape(case.out_shape)}",
            f"  PyTorch: {case.layer_line}",
            "",
        ]
    lines.append("The playground shows (a); pick it again after changing the settings.")
    return "\n".join(lines)


# --- exercise 3: parameter counts ------------------------------------------------------------


@dataclass(frozen=True)
class ParamRow:
    name: str
    layer: str  # a short description of the layer
    formula: Formula


def module_params_formula(m: nn.Module) -> Formula:
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        return params_formula(m.in_channels, m.out_channels, m.kernel_size[0], m.bias is not None)
    if isinstance(m, nn.Linear):
        return linear_params_formula(m.in_features, m.out_features, m.bias is not None)
    raise TypeError(f"no parameter formula for {type(m).__name__}")


def cifar_net_params() -> tuple[list[ParamRow], int]:
    """The CIFAR net's layers with parameters, and ``summary``'s total (18,090)."""
    model = build_model("cifar-net")
    modules = dict(model.named_modules())
    s = summary(model, model.input_shape)
    rows, before = [], s.input_shape
    for r in s.rows:
        m = modules[r.name]
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0]
            about = f"Conv2d {m.in_channels} -> {m.out_channels}, {k}x{k}"
        else:
            about = f"Linear {getattr(m, 'in_features', '?')} -> {getattr(m, 'out_features', '?')}"
            if len(before) == 3:  # a Linear after a conv block sees the maps flattened
                about += f" (in = {shape(before)} flattened)"
        if r.params:
            rows.append(ParamRow(r.name, about, module_params_formula(m)))
        before = r.output_shape
    return rows, s.total_params


def exercise3_layers() -> list[ShapeCase]:
    return exercise2_cases()[:2]


def exercise3_text() -> str:
    lines = [
        "Exercise 3: how many parameters does a layer (and a model) learn?",
        "A conv layer has C_out filters of C_in·f·f weights and one bias each; the count",
        "does not depend on the image size (weight sharing). A Linear layer has",
        "out·in weights and out biases. (The exercise's own network is a figure the",
        "chapter's text does not carry: here are exercise 2's layers and the CIFAR net,",
        "whose 18,090 parameters the chapter states.)",
        "",
    ]
    for case in exercise3_layers():
        st = conv_settings(case)  # exercise 3's layers are exercise 2's conv cases
        f = params_formula(st.in_channels, st.out_channels, st.kernel, st.bias)
        lines += [case.question, f"  {f.general}", f"  {f.substituted}", ""]
    rows, total = cifar_net_params()
    lines.append("The book's CIFAR net on 3x32x32 (layer by layer, from summary):")
    width = max(len(r.formula.substituted) for r in rows)
    for r in rows:
        lines.append(f"  {r.name:<6}{r.formula.substituted.ljust(width)}   {r.layer}")
    sums = " + ".join(str(r.formula.value) for r in rows)
    lines += [
        f"  total = {sums} = {sum(r.formula.value for r in rows)}",
        f"  summary() counts {total:,} parameters.",
    ]
    return "\n".join(lines)


# --- section 11.3.5: the DCGAN generator's shape walk ----------------------------------------


@dataclass(frozen=True)
class WalkRow:
    name: str
    settings: LayerSettings
    formula: Formula
    measured: tuple[int, ...]  # the shape a real forward pass produced (summary)


def dcgan_walk() -> list[WalkRow]:
    model = build_model("dcgan-generator")
    modules = dict(model.named_modules())
    s = summary(model, model.input_shape)
    rows, n = [], model.input_shape[-1]
    for r in s.rows:
        m = modules[r.name]
        if not isinstance(m, nn.ConvTranspose2d):
            continue
        assert not isinstance(m.padding, str)  # "same"/"valid" exist for Conv2d only
        st = LayerSettings(
            size=n,
            kernel=m.kernel_size[0],
            stride=m.stride[0],
            padding=m.padding[0],
            dilation=m.dilation[0],
            in_channels=m.in_channels,
            out_channels=m.out_channels,
            transposed=True,
            output_padding=m.output_padding[0],
            bias=m.bias is not None,
        )
        rows.append(WalkRow(r.name, st, layer_formula(st), r.output_shape))
        n = st.output_size
    return rows


def dcgan_text() -> str:
    rows = dcgan_walk()
    sizes = " -> ".join([str(rows[0].settings.size)] + [str(r.formula.value) for r in rows])
    lines = [
        "Section 11.3.5: the DCGAN generator turns 100x1x1 noise into a 3x64x64 image.",
        f"Its transposed convolutions walk {sizes}.",
        f"  {rows[0].formula.general}",
        "",
    ]
    for r in rows:
        st = r.settings
        lines += [
            f"{r.name}: {torch_line(st)}",
            f"  {r.formula.substituted}",
            f"  {shape(st.input_shape)} -> {shape(st.output_shape)}"
            f"   (a real forward pass gives {shape(r.measured)})",
            "",
        ]
    lines.append(
        "The playground shows tconv2 (4 -> 8); each input cell is scattered into a "
        "4x4 patch, two cells apart."
    )
    return "\n".join(lines)


# --- presets for the playground --------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    settings: LayerSettings
    text: Callable[[], str]  # may take a few hundred ms (summary): call it off the Tk thread
    data: Callable[[], tuple[Tensor, ...]] | None = None  # x, w (and a bias); None: random


def _example(st: LayerSettings) -> Preset:
    return Preset(st, lambda: layer_text(st))


def _transposed(case: TransposedCase) -> tuple[str, Preset]:
    st = case.settings
    n, m = st.size, st.output_size
    name = f"Transposed {n}x{n}, f{st.kernel} s{st.stride} p{st.padding} -> {m}x{m}"
    return name, Preset(st, lambda: transposed_text(case))


def _output_padding_example() -> tuple[str, Preset]:
    st = LayerSettings(size=3, kernel=3, stride=2, padding=1, transposed=True, output_padding=1)
    return "Transposed 3x3, f3 s2 p1 op1 -> 6x6", _example(st)


# --- pooling ---------------------------------------------------------------------------------


def pool_text(st: LayerSettings) -> str:
    f = layer_formula(st)
    how = (
        "the largest number of each window (outlined) goes through"
        if st.pool == "max"
        else f"each window's mean: its {st.kernel * st.kernel} numbers added, then divided"
        f" by {st.kernel * st.kernel}"
    )
    overlap = (
        " The windows overlap (stride < window): overlapping pooling."
        if st.stride < st.kernel
        else ""
    )
    return "\n".join(
        [
            f"{st.pool.capitalize()} pooling, window {st.kernel}x{st.kernel}, stride {st.stride}"
            + (f", padding {st.padding}" if st.padding else "")
            + f": {shape(st.input_shape)} -> {shape(st.output_shape)}.",
            f"It slides like a kernel but has no weights: {how}.{overlap}",
            "Each map is pooled on its own, so the depth stays the same.",
            f"  {f.general}",
            f"  {f.substituted}",
            "  params = 0 (nothing is learned)",
            f"PyTorch: {torch_line(st)}",
        ]
    )


def _pool(st: LayerSettings, text: Callable[[], str] | None = None) -> Preset:
    return Preset(st, text or (lambda: pool_text(st)))


EXERCISE2C = LayerSettings(size=24, kernel=2, stride=2, in_channels=3, pool="max", bias=False)
POOL_PRESETS: dict[str, Preset] = {
    "Exercise 2(c): max pool 3x24x24, f2 s2": _pool(
        EXERCISE2C,
        lambda: (
            pool_text(EXERCISE2C) + "\n\nExercise 2(c) asks for this shape: 3x24x24 -> 3x12x12."
        ),
    ),
    "Max pool 4x4, f2 s2": _pool(LayerSettings(size=4, kernel=2, stride=2, pool="max", bias=False)),
    "Average pool 4x4, f2 s2": _pool(
        LayerSettings(size=4, kernel=2, stride=2, pool="avg", bias=False)
    ),
    "Overlapping max pool 5x5, f3 s2": _pool(
        LayerSettings(size=5, kernel=3, stride=2, pool="max", bias=False)
    ),
}


PRESETS: dict[str, Preset] = {
    "Exercise 1: W0, W1, W2 on 5x5": Preset(exercise1_settings(), exercise1_text, exercise1_data),
    "Exercise 2: three output shapes": Preset(conv_settings(exercise2_cases()[0]), exercise2_text),
    "Exercise 3: parameter counts": Preset(conv_settings(exercise2_cases()[1]), exercise3_text),
    "Fig. 2: 5x5x3 -> 3x3x2, p1 s2": Preset(FIG2, fig2_text, fig2_data),
    "Fig. 3: ConvNet on 39x39x3": Preset(FIG3_LAYERS[0], fig3_text),
    "Fig. 5: im2col 37x37x10 -> 17x17x20": Preset(FIG5, fig5_text),
    "11.3.5: DCGAN generator walk": Preset(
        LayerSettings(
            size=4,
            kernel=4,
            stride=2,
            padding=1,
            in_channels=512,
            out_channels=256,
            transposed=True,
            bias=False,
        ),
        dcgan_text,
    ),
    "Example: 7x7, f3, dilation 2": _example(LayerSettings(size=7, kernel=3, dilation=2)),
    **POOL_PRESETS,
    # The chapter's six transposed-convolution cases (section 11.3), then output_padding
    **dict(_transposed(case) for case in TRANSPOSED_CASES),
    **dict([_output_padding_example()]),
}


# Short names for ``desktop-cnn figure NAME``: the presets whose numbers a figure can show.
FIGURE_NAMES: dict[str, str] = {
    "fig2": "Fig. 2: 5x5x3 -> 3x3x2, p1 s2",
    "fig3": "Fig. 3: ConvNet on 39x39x3",
    "fig5": "Fig. 5: im2col 37x37x10 -> 17x17x20",
    "exercise1": "Exercise 1: W0, W1, W2 on 5x5",
    "exercise2a": "Exercise 2: three output shapes",
    "exercise2b": "Exercise 3: parameter counts",
    "exercise2c": "Exercise 2(c): max pool 3x24x24, f2 s2",
    "maxpool": "Max pool 4x4, f2 s2",
    "avgpool": "Average pool 4x4, f2 s2",
    "overlap-pool": "Overlapping max pool 5x5, f3 s2",
    "dilation": "Example: 7x7, f3, dilation 2",
    **{
        f"transposed-{k}": name
        for k, name in enumerate((n for n in PRESETS if n.startswith("Transposed")), 1)
    },
}
