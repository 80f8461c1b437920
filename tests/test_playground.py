"""The playground's engine and the worked exercises, with real torch layers as the oracle.

Every shape, size, parameter count and number the Playground panel states
comes from the functions tested here; each is compared with what
``nn.Conv2d`` / ``nn.ConvTranspose2d`` (built from the very line the panel
shows) actually produce.
"""

from __future__ import annotations

import itertools
import math
import re

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from desktop_cnn.core.conv.arithmetic import exercise1
from desktop_cnn.core.conv.exercises import (
    PRESETS,
    cifar_net_params,
    dcgan_text,
    dcgan_walk,
    exercise1_data,
    exercise1_settings,
    exercise1_text,
    exercise2_cases,
    exercise2_text,
    exercise3_layers,
    exercise3_text,
    grids_side_by_side,
)
from desktop_cnn.core.conv.formulas import params_formula
from desktop_cnn.core.conv.matrix_view import format_view, matrix_view
from desktop_cnn.core.conv.playground import (
    ConvRun,
    LayerSettings,
    SettingsError,
    describe_step,
    input_grid,
    layer_formula,
    output_grid,
    random_data,
    torch_line,
)
from desktop_cnn.core.models import build_model


def evaluate(text: str) -> list[float]:
    """Every '= ...' part of a formula as printed, evaluated as Python arithmetic."""
    python = text.replace("⌊", "math.floor(").replace("⌋", ")").replace("·", "*").replace("−", "-")
    parts = python.split("=")[1:]
    assert parts, text
    return [eval(p, {"math": math}) for p in parts]


def build(st: LayerSettings) -> nn.Module:
    """The layer from the exact line the panel shows (and copies)."""
    return eval(torch_line(st), {"nn": nn})


def torch_shape(layer: nn.Module, c: int, n: int) -> tuple[int, ...] | None:
    """What the layer makes of a (1, c, n, n) input; None when torch refuses or it is empty."""
    try:
        with torch.no_grad():
            out = layer(torch.zeros(1, c, n, n))
    except RuntimeError:
        return None
    return tuple(out.shape[1:]) if out.numel() else None


def reference(st: LayerSettings, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    if st.transposed:
        return F.conv_transpose2d(
            x[None],
            w,
            stride=st.stride,
            padding=st.padding,
            output_padding=st.output_padding,
            dilation=st.dilation,
        )[0]
    return F.conv2d(x[None], w, stride=st.stride, padding=st.padding, dilation=st.dilation)[0]


def sweep(transposed: bool):
    """Settings over a grid, with channels varied so none stays at 1."""
    for k, (n, f, s, p, d) in enumerate(
        itertools.product((1, 3, 5, 8), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2), (1, 2))
    ):
        c_in, c_out = 1 + k % 3, 1 + (k // 3) % 2
        for op in range(max(s, d)) if transposed else (0,):
            yield LayerSettings(
                size=n,
                kernel=f,
                stride=s,
                padding=p,
                dilation=d,
                in_channels=c_in,
                out_channels=c_out,
                transposed=transposed,
                output_padding=op,
                bias=bool(k % 2),
            )


# --- shapes, formulas, parameter counts and the PyTorch line vs torch -------------------------


@pytest.mark.parametrize("transposed", [False, True])
def test_every_stated_shape_matches_a_real_torch_layer(transposed):
    checked = rejected = 0
    for st in sweep(transposed):
        layer = build(st)
        expected = torch_shape(layer, st.in_channels, st.size)
        if expected is None:
            with pytest.raises(SettingsError):
                st.validate()
            rejected += 1
            continue
        st.validate()
        assert st.output_shape == expected, st
        assert st.params == sum(p.numel() for p in layer.parameters()), st
        f = layer_formula(st)
        assert f.value == st.output_size == expected[-1]
        assert all(v == f.value for v in evaluate(f.substituted)), f.substituted
        # the line builds exactly these settings, nothing left to torch's defaults by accident
        assert layer.kernel_size == (st.kernel,) * 2 and layer.stride == (st.stride,) * 2
        assert layer.padding == (st.padding,) * 2 and layer.dilation == (st.dilation,) * 2
        assert (layer.bias is not None) == st.bias
        if transposed:
            assert layer.output_padding == (st.output_padding,) * 2
        checked += 1
    assert checked > (400 if transposed else 200) and rejected > 10


def test_book_transposed_cases_match_torch():
    cases = {name: p.settings for name, p in PRESETS.items() if name.startswith("Transposed")}
    assert len(cases) == 7
    for name, st in cases.items():
        claimed = int(re.search(r"-> (\d+)x\d+$", name).group(1))
        layer = build(st)
        assert claimed == st.output_size == torch_shape(layer, 1, st.size)[-1], name
    assert [PRESETS[n].settings.output_size for n in cases][:6] == [8, 6, 5, 3, 5, 3]


def test_every_preset_is_a_valid_layer_that_torch_agrees_with():
    for name, preset in PRESETS.items():
        st = preset.settings
        st.validate()
        assert torch_shape(build(st), st.in_channels, st.size) == st.output_shape, name


@pytest.mark.parametrize(
    "settings,message",
    [
        (dict(size=0), "input size must be a whole number from 1 to 64"),
        (dict(kernel=12), "kernel size must be a whole number from 1 to 11"),
        (dict(stride=0), "stride must be"),
        (dict(size=3, kernel=5), "the output would be empty"),
        (dict(size=5, kernel=3, dilation=3), "the output would be empty"),
        (dict(output_padding=1), "output padding exists only for a transposed convolution"),
        (dict(transposed=True, stride=2, output_padding=2), "output_padding must be"),
        (dict(transposed=True, size=1, kernel=1, padding=1), "padding removes more"),
    ],
)
def test_impossible_settings_say_why(settings, message):
    with pytest.raises(SettingsError, match=message):
        LayerSettings(**settings).validate()


def test_params_formula_matches_torch():
    for c_in, c_out, f, bias in itertools.product((1, 3), (2, 5), (1, 3, 4), (True, False)):
        layer = nn.Conv2d(c_in, c_out, f, bias=bias)
        p = params_formula(c_in, c_out, f, bias)
        assert p.value == sum(t.numel() for t in layer.parameters())
        assert set(evaluate(p.substituted)) == {p.value}


# --- the steps: what each placement reads and writes ------------------------------------------


@pytest.mark.parametrize("transposed", [False, True])
def test_steps_reproduce_torch_tap_by_tap(transposed):
    checked = 0
    every = 8 if transposed else 3  # keeps this to seconds; the shape test covers them all
    for k, st in enumerate(sweep(transposed)):
        if k % every or torch_shape(build(st), st.in_channels, st.size) is None:
            continue
        x, w = random_data(st, seed=k)
        run = ConvRun(st, x, w)
        while run.advance() is not None:
            pass
        expected = reference(st, x, w)
        torch.testing.assert_close(run.output(), expected, rtol=0, atol=0)  # small integers
        at_once = ConvRun(st, x, w)
        at_once.advance()
        at_once.run_to_end()  # the End button's shortcut: the same sums, drawn grid and all
        torch.testing.assert_close(at_once.out, run.out, rtol=0, atol=0)
        assert at_once.finished and at_once.advance() is None
        # The cells each step names (what the panel outlines) give the same sums.
        gin, gout = input_grid(st), output_grid(st)
        naive = torch.zeros_like(run.out)
        for step in run.steps:
            for (a, b), (r, c), (i, j) in zip(step.taps, step.reads, step.writes, strict=True):
                assert 0 <= r < gin.size and 0 <= c < gin.size
                assert 0 <= i < gout.size and 0 <= j < gout.size
                wt = w[:, :, a, b].T if transposed else w[:, :, a, b]
                naive[:, i, j] += wt @ run.source[:, r, c]
        torch.testing.assert_close(naive, run.out, rtol=0, atol=0)
        assert len(run.steps) == (st.size if transposed else st.output_size) ** 2
        checked += 1
    assert checked > 60


def test_a_half_done_run_is_the_layer_on_what_it_has_seen():
    st = LayerSettings(
        size=5,
        kernel=3,
        stride=2,
        padding=1,
        transposed=True,
        output_padding=1,
        in_channels=2,
        out_channels=2,
    )
    x, w = random_data(st, seed=3)
    run = ConvRun(st, x, w)
    for _ in range(11):
        run.advance()
    seen = x.clone().reshape(2, -1)
    seen[:, 11:] = 0  # a transposed step scatters one input cell: the rest is not in yet
    torch.testing.assert_close(run.output(), reference(st, seen.reshape(x.shape), w))
    conv = LayerSettings(size=6, kernel=3, padding=1, out_channels=2)
    x, w = random_data(conv, seed=4)
    run = ConvRun(conv, x, w)
    for _ in range(8):
        run.advance()
    done = reference(conv, x, w).reshape(2, -1)
    assert torch.equal(run.output().reshape(2, -1)[:, :8], done[:, :8])
    assert not run.output().reshape(2, -1)[:, 8:].any()  # the cells to come are still empty
    run.reset()
    assert run.done == 0 and not run.out.any()


def test_padding_cells_read_as_zero_and_cropped_cells_are_marked():
    st = LayerSettings(size=4, kernel=3, padding=2)
    g = input_grid(st)
    assert (g.size, g.start, g.stop) == (8, 2, 6)
    run = ConvRun(st, *random_data(st))
    pad = [(r, c) for r in range(8) for c in range(8) if not g.real((r, c))]
    assert len(pad) == 64 - 16 and all(run.source[0, r, c] == 0 for r, c in pad)
    t = LayerSettings(size=3, kernel=4, stride=2, padding=1, transposed=True)
    g = output_grid(t)
    assert (g.size, g.stop - g.start) == (8, t.output_size) == (8, 6)


def test_describe_step_shows_products_that_add_up_to_torch():
    x, w = exercise1_data()
    run = ConvRun(exercise1_settings(), x, w)
    y = reference(exercise1_settings(), x, w)
    for _ in range(5):
        step = run.advance()
        i, j = step.writes[0]
        for channel in range(3):
            text = describe_step(run, step, channel)
            assert text.startswith(f"out[{channel}][{i},{j}] = ")
            terms = text.split(" = ")[1].replace("·", "*")
            assert eval(terms) == float(text.split(" = ")[2]) == float(y[channel, i, j])


# --- the matrix view (im2col and weight rows) -------------------------------------------------


def test_matrix_view_is_unfold_and_its_product_is_the_layer():
    checked = 0
    for k, st in enumerate(itertools.chain(sweep(False), sweep(True))):
        if k % 4 or torch_shape(build(st), st.in_channels, st.size) is None:
            continue
        x, w = random_data(st, seed=k)
        view = matrix_view(st, x, w)
        if view is None:
            continue
        if st.transposed:
            if st.output_padding >= st.stride:
                continue  # F.fold cannot place the extra rows dilation allows
            y = F.fold(
                view.product[None],
                st.output_size,
                st.kernel,
                dilation=st.dilation,
                padding=st.padding,
                stride=st.stride,
            )[0]
        else:
            cols = F.unfold(
                x[None], st.kernel, dilation=st.dilation, padding=st.padding, stride=st.stride
            )[0]
            assert torch.equal(view.columns, cols)
            y = view.product.reshape(st.output_shape)
        torch.testing.assert_close(y, reference(st, x, w), rtol=0, atol=0)
        text, spans = format_view(view, st)
        lines = text.splitlines()
        assert len(spans) == len(view.col_names) == view.columns.shape[1]
        for col, where in zip(view.col_names, spans, strict=True):
            line, a, b = where[0]
            assert lines[line - 1][a:b].strip() == col  # the header cell of that column
        checked += 1
    assert checked > 40


def test_matrix_view_refuses_what_is_too_large_to_read():
    st = LayerSettings(size=20, kernel=3)
    assert matrix_view(st, *random_data(st)) is None  # 324 columns


# --- the exercises ------------------------------------------------------------------------------


def test_exercise1_runs_and_gives_torch_answers():
    st = exercise1_settings()
    x, w = exercise1_data()
    expected = F.conv2d(x[None], w)[0]  # (3, 3, 3): Y0, Y1, Y2
    run = ConvRun(st, x, w)
    run.run_to_end()
    assert torch.equal(run.output(), expected)
    r = exercise1()
    for k in range(3):
        assert torch.equal(r[f"Y{k}"], expected[k])
    text = exercise1_text()
    block = grids_side_by_side([("Y0", expected[0]), ("Y1", expected[1]), ("Y2", expected[2])])
    for row in block[1:]:
        assert row.strip() in text
    assert "= 3" in text and "nn.Conv2d(1, 3, kernel_size=3" in text


def test_exercise2_three_shapes_match_torch():
    cases = exercise2_cases()
    assert len(cases) == 3
    text = exercise2_text()
    for case in cases:
        got = torch_shape(case.build(), case.in_shape[0], case.in_shape[1])
        assert got == case.out_shape
        assert evaluate(case.formula.substituted)[-1] == case.out_shape[-1]
        assert case.formula.substituted in text
        assert f"{'x'.join(map(str, case.in_shape))} -> {'x'.join(map(str, got))}" in text
    assert [c.out_shape for c in cases] == [(10, 31, 31), (10, 13, 13), (3, 12, 12)]


def test_exercise3_parameter_counts_match_torch():
    text = exercise3_text()
    for case in exercise3_layers():
        real = sum(p.numel() for p in case.build().parameters())
        st = case.settings
        f = params_formula(st.in_channels, st.out_channels, st.kernel, st.bias)
        assert f.value == real and f.substituted in text
    rows, total = cifar_net_params()
    model = build_model("cifar-net")
    modules = dict(model.named_modules())
    for row in rows:
        assert row.formula.value == sum(p.numel() for p in modules[row.name].parameters())
        assert set(evaluate(row.formula.substituted)) == {row.formula.value}
    assert total == sum(r.formula.value for r in rows) == 18090
    assert total == sum(p.numel() for p in model.parameters())
    assert "= 18090" in text and "18,090" in text


def test_dcgan_walk_matches_the_real_generator():
    rows = dcgan_walk()
    sizes = [rows[0].settings.size] + [r.formula.value for r in rows]
    assert sizes == [1, 4, 8, 16, 32, 64]
    g = build_model("dcgan-generator").eval()
    with torch.no_grad():
        acts = g.activations(torch.zeros(1, 100, 1, 1))
    for r in rows:
        st = r.settings
        assert st.output_shape == r.measured == tuple(acts[r.name].shape[1:])
        assert torch_shape(build(st), st.in_channels, st.size) == st.output_shape
        assert evaluate(r.formula.substituted)[-1] == st.output_size
        assert st.params == sum(p.numel() for p in getattr(g, r.name).parameters())
    text = dcgan_text()
    assert "1 -> 4 -> 8 -> 16 -> 32 -> 64" in text
    assert text.count("(a real forward pass gives") == 5
