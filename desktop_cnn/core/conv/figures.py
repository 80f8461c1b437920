"""The chapter's figures and worked cases as playground layers, each with its explanation.

No Tk here. Fig. 2 (one strided, padded layer), Fig. 3 (a small ConvNet on a 39x39x3
image), Fig. 5 (im2col at its real size) and the six transposed-convolution cases of
section 11.3. Sizes come from ``arithmetic``; ``tests/test_book_presets.py`` checks each
against a real torch layer and against the numbers in the chapter.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from .formulas import params_formula
from .matrix_view import matrix_summary
from .playground import LayerSettings, layer_formula, random_data, torch_line


def shape(s: tuple[int, ...]) -> str:
    return "x".join(str(v) for v in s)


def hwc(st_shape: tuple[int, int, int]) -> str:
    """(C, H, W) as the chapter writes volumes: H x W x C."""
    c, h, w = st_shape
    return f"{h}x{w}x{c}"


def layer_text(st: LayerSettings) -> str:
    f = layer_formula(st)
    p = params_formula(st.in_channels, st.out_channels, st.kernel, st.bias)
    kind = "transposed convolution" if st.transposed else "convolution"
    return "\n".join(
        [
            f"A {kind}: {shape(st.input_shape)} -> {shape(st.output_shape)}",
            f"  {f.general}",
            f"  {f.substituted}",
            f"  {p.substituted}",
            f"  PyTorch: {torch_line(st)}",
        ]
    )


# --- Fig. 2 ----------------------------------------------------------------------------------

FIG2 = LayerSettings(size=5, kernel=3, stride=2, padding=1, in_channels=3, out_channels=2)
FIG2_BIAS = (1.0, 0.0)  # b0, b1: one number per filter, added after the three partial sums
FIG2_SEED = 2


def fig2_data() -> tuple[Tensor, Tensor, Tensor]:
    """The Fig. 2 preset's numbers: ``x`` (3, 5, 5), ``w`` (2, 3, 3, 3) and the bias (2,).

    The chapter's text does not list the figure's pixel values, so these are small
    whole numbers of ours, the same every time.
    """
    x, w = random_data(FIG2, FIG2_SEED)
    return x, w, torch.tensor(FIG2_BIAS)


def fig2_text() -> str:
    f = layer_formula(FIG2)
    return "\n".join(
        [
            "Fig. 2: a 5x5x3 input, two 3x3x3 filters (W0 and W1), padding 1, stride 2.",
            "Each filter spans all three input channels and gives one output map, so two filters",
            "give two maps. The padded input is 7x7; the filter fits at columns 0, 2 and 4.",
            f"  {f.general}",
            f"  {f.substituted}",
            f"  volume: {hwc(FIG2.input_shape)} -> {hwc(FIG2.output_shape)} (the chapter's 3x3x2)",
            "Every output number is three partial sums (one per input slice: 9 products each)",
            f"plus its filter's bias (b0 = {FIG2_BIAS[0]:g}, b1 = {FIG2_BIAS[1]:g}); press Next to",
            "see them add up. The chapter's text does not list the figure's pixel values, so the",
            "numbers are small whole numbers of ours. Pick 'Show output channel' 1 to follow W1.",
            f"PyTorch: {torch_line(FIG2)}",
        ]
    )


# --- Fig. 3: a small ConvNet -----------------------------------------------------------------

# The text gives the input (39x39x3) and the first layer (ten 3x3 filters, s=1, p=0 ->
# 37x37x10). Layer 2 is Fig. 5's im2col case (twenty 5x5 filters, stride 2 -> 17x17x20);
# layer 3 (forty 5x5 filters, stride 2 -> 7x7x40) follows the usual version of this figure.
FIG3_LAYERS = (
    LayerSettings(size=39, kernel=3, in_channels=3, out_channels=10),
    LayerSettings(size=37, kernel=5, stride=2, in_channels=10, out_channels=20),
    LayerSettings(size=17, kernel=5, stride=2, in_channels=20, out_channels=40),
)
FIG3_CLASSES = 10  # the figure's softmax output; the count of classes is ours


def fig3_text() -> str:
    lines = [
        "Fig. 3: a ConvNet on a 39x39x3 image. The chapter gives the first layer (ten 3x3",
        "filters, stride 1, no padding -> 37x37x10); layer 2 is Fig. 5's case and layer 3",
        "follows the usual version of this figure. The playground shows layer 1.",
        "",
    ]
    for k, st in enumerate(FIG3_LAYERS, 1):
        f = layer_formula(st)
        p = params_formula(st.in_channels, st.out_channels, st.kernel)
        lines += [
            f"layer {k}: {st.out_channels} filters {st.kernel}x{st.kernel}x"
            f"{st.in_channels}, s={st.stride}, p={st.padding}: "
            f"{hwc(st.input_shape)} -> {hwc(st.output_shape)}",
            f"  {f.substituted};  {p.substituted}",
        ]
    last = FIG3_LAYERS[-1]
    flat = last.out_channels * last.output_size**2
    lines += [
        f"then flatten: {last.output_size}·{last.output_size}·{last.out_channels} = "
        f"{flat} numbers -> a fully connected softmax layer ({FIG3_CLASSES} classes here: "
        f"{flat}·{FIG3_CLASSES} + {FIG3_CLASSES} = {flat * FIG3_CLASSES + FIG3_CLASSES}"
        " parameters).",
        "The maps shrink (39 -> 37 -> 17 -> 7) while the channels grow (3 -> 10 -> 20 -> 40).",
    ]
    return "\n".join(lines)


# --- Fig. 5: im2col at the chapter's size ----------------------------------------------------

FIG5 = LayerSettings(size=37, kernel=5, stride=2, in_channels=10, out_channels=20)


def fig5_text() -> str:
    return "\n".join(
        [
            "Fig. 5: a convolution as one matrix product, at the chapter's size: a 37x37x10 input,",
            "twenty 5x5x10 filters, stride 2 -> 17x17x20. The 'Matrix view (im2col)' tab shows the",
            "sizes and a corner of each matrix with the numbers drawn here.",
            "",
            matrix_summary(FIG5),
            "",
            f"PyTorch: {torch_line(FIG5)}",
        ]
    )


# --- section 11.3: transposed convolution ----------------------------------------------------


@dataclass(frozen=True)
class TransposedCase:
    label: str  # what the chapter calls the case
    settings: LayerSettings
    book_output: int  # the side the chapter states


def _t(n: int, f: int, s: int, p: int) -> LayerSettings:
    return LayerSettings(size=n, kernel=f, stride=s, padding=p, transposed=True)


TRANSPOSED_CASES = (
    TransposedCase("no padding", _t(5, 4, 1, 0), 8),
    TransposedCase("padding 1", _t(5, 4, 1, 1), 6),
    TransposedCase("same padding", _t(5, 3, 1, 1), 5),
    TransposedCase("full padding", _t(5, 3, 1, 2), 3),
    TransposedCase("stride 2", _t(2, 3, 2, 0), 5),
    TransposedCase("stride 2, padding 1", _t(2, 3, 2, 1), 3),
)


def transposed_text(case: TransposedCase) -> str:
    st, m, f, s, p = (
        case.settings,
        case.settings.size,
        case.settings.kernel,
        case.settings.stride,
        case.settings.padding,
    )
    # The chapter's view: pad the input by p' = f - p - 1 (and put s - 1 zeros between
    # cells), then run an ordinary stride-1 convolution over it.
    p2 = f - p - 1
    stretched = m + (m - 1) * (s - 1)
    lines = [
        f"Section 11.3, {case.label}: a {m}x{m} input, f={f}, s={s}, p={p} -> "
        f"{st.output_size}x{st.output_size} (the chapter's {case.book_output}x"
        f"{case.book_output}).",
        "As an ordinary convolution:"
        + (
            f" put {s - 1} zero(s) between neighbouring cells ({m} -> {stretched}),"
            if s > 1
            else ""
        ),
        f"  pad by p' = f − p − 1 = {f} − {p} − 1 = {p2} and slide the flipped kernel "
        "with stride 1:",
        f"  out = m + (m − 1)(s − 1) + f − 1 − 2p = {m} + {(m - 1) * (s - 1)} + {f} − 1 "
        f"− {2 * p} = {stretched + f - 1 - 2 * p}",
        f"  PyTorch's form: {layer_formula(st).substituted}",
        f"PyTorch: {torch_line(st)}",
    ]
    return "\n".join(lines)
