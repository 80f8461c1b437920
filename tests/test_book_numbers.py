"""The chapter's numbers (docs/chapter.md) in the exercises, presets and handout.

Each fact is checked twice: against the number the chapter prints (typed here from the
book, the oracle a learner holds) and against a real torch layer.
"""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from desktop_cnn.cli import main
from desktop_cnn.core.conv.arithmetic import BookExercise1, exercise1, pool_output_shape
from desktop_cnn.core.conv.exercises import PRESETS, cifar_net_params, exercise2_cases
from desktop_cnn.core.conv.figures import (
    FIG2,
    FIG3_LAYERS,
    FIG5,
    TRANSPOSED_CASES,
    fig5_text,
)
from desktop_cnn.core.conv.handout import handout_data, handout_text, one_cell
from desktop_cnn.core.conv.matrix_view import matrix_summary
from desktop_cnn.core.conv.playground import has_values, random_data

# --- the README's table, typed in --------------------------------------------------------------
BOOK_X = [[0, 1, 0, 0, 0], [0, 1, 0, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 0, 0], [0, 1, 0, 0, 0]]
BOOK_W = [
    [[0, 0, 0], [1, 1, 1], [0, 0, 0]],
    [[0, 1, 0], [0, 1, 0], [0, 1, 0]],
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
]
BOOK_Y = [
    [[1, 1, 0], [3, 3, 3], [1, 1, 0]],
    [[3, 1, 1], [3, 1, 1], [3, 1, 1]],
    [[2, 2, 1], [1, 2, 1], [2, 1, 1]],
]
BOOK_EX2 = [((3, 64, 64), (10, 31, 31)), ((8, 17, 17), (10, 13, 13)), ((3, 24, 24), (3, 12, 12))]
BOOK_TRANSPOSED = [
    (5, 4, 1, 0, 8),
    (5, 4, 1, 1, 6),
    (5, 3, 1, 1, 5),
    (5, 3, 1, 2, 3),
    (2, 3, 2, 0, 5),
    (2, 3, 2, 1, 3),
]  # m, f, s, p -> side
CIFAR_NET_PARAMS = [432, 16, 1152, 8, 16384, 32, 64, 2]


def conv_of(st) -> nn.Module:
    cls = nn.ConvTranspose2d if st.transposed else nn.Conv2d
    return cls(st.in_channels, st.out_channels, st.kernel, st.stride, st.padding)


def torch_shape(st) -> tuple[int, ...]:
    return tuple(conv_of(st)(torch.zeros(1, *st.input_shape)).shape[1:])


def test_exercise1_is_the_books_and_torchs():
    d = BookExercise1()
    assert [list(r) for r in d.X] == BOOK_X
    assert [[list(r) for r in w] for w in (d.W0, d.W1, d.W2)] == BOOK_W
    x = torch.tensor(BOOK_X, dtype=torch.float32)[None, None]
    y = F.conv2d(x, torch.tensor(BOOK_W, dtype=torch.float32)[:, None])[0]
    assert y.tolist() == BOOK_Y  # the chapter's answers are right
    r = exercise1()
    assert [r[f"Y{k}"].tolist() for k in range(3)] == BOOK_Y
    assert [[list(map(list, a))] for a in d.ANSWERS] == [[a] for a in BOOK_Y]


def test_one_cell_shows_eq2_with_its_nine_products():
    assert one_cell(0, 1, 0) == (
        "Y0[1,0] = 0·0 + 1·0 + 0·0 + 1·1 + 1·1 + 1·1 + 0·0 + 1·0 + 0·0 = 3"
    )
    assert one_cell(2, 0, 0).endswith("= 2")


def test_exercise2_shapes_are_the_books_and_torchs():
    cases = exercise2_cases()
    assert [(c.in_shape, c.out_shape) for c in cases] == BOOK_EX2
    for c in cases:
        assert tuple(c.build()(torch.zeros(1, *c.in_shape)).shape[1:]) == c.out_shape
    assert pool_output_shape((3, 24, 24), 2, 2) == (3, 12, 12)


def test_exercise3_counts_are_the_books_and_torchs():
    rows, total = cifar_net_params()
    assert total == 18_090 == sum(CIFAR_NET_PARAMS)
    # weights and biases in the chapter's order pair up into the layer rows
    pairs = [a + b for a, b in zip(CIFAR_NET_PARAMS[::2], CIFAR_NET_PARAMS[1::2], strict=True)]
    assert [r.formula.value for r in rows] == pairs
    layers = [c.build() for c in exercise2_cases()[:2]]
    assert [sum(p.numel() for p in m.parameters()) for m in layers] == [1090, 2010]


def test_fig2_preset_is_5x5x3_two_filters_p1_s2_to_3x3x2():
    assert FIG2.input_shape == (3, 5, 5) and FIG2.weight_shape == (2, 3, 3, 3)
    assert (FIG2.padding, FIG2.stride) == (1, 2)
    assert FIG2.output_shape == (2, 3, 3) == torch_shape(FIG2)
    assert PRESETS["Fig. 2: 5x5x3 -> 3x3x2, p1 s2"].settings == FIG2


def test_fig3_convnet_sizes():
    first = FIG3_LAYERS[0]
    assert first.input_shape == (3, 39, 39) and first.output_shape == (10, 37, 37)
    assert (first.kernel, first.stride, first.padding) == (3, 1, 0)
    for a, b in zip(FIG3_LAYERS, FIG3_LAYERS[1:], strict=False):
        assert a.output_shape == b.input_shape
    assert [torch_shape(st) for st in FIG3_LAYERS] == [(10, 37, 37), (20, 17, 17), (40, 7, 7)]
    assert FIG3_LAYERS[1] == FIG5  # layer 2 is Fig. 5's im2col case


def test_fig5_im2col_at_the_books_size():
    assert FIG5.input_shape == (10, 37, 37) and FIG5.weight_shape == (20, 10, 5, 5)
    assert FIG5.output_shape == (20, 17, 17) == torch_shape(FIG5)
    assert has_values(FIG5)  # the preset carries real numbers, not only shapes
    x, w = random_data(FIG5)
    cols = F.unfold(x[None], 5, stride=2)[0]
    assert cols.shape == (250, 289)  # X_col
    assert w.reshape(20, -1).shape == (20, 250)  # W_row
    y = (w.reshape(20, -1) @ cols).reshape(20, 17, 17)
    torch.testing.assert_close(y, F.conv2d(x[None], w, stride=2)[0])
    text = matrix_summary(FIG5, x, w)
    for fact in (
        "[250 x 289]",
        "[20 x 250]",
        "[20 x 289]",
        "(37 + 2·0 − 5) / 2 + 1 = 17",
        "17x17x20",
        "10·5·5 = 250",
    ):
        assert fact in text
    # the corner shown is the real product's corner
    corner = text.split("W_row · X_col, top-left corner")[1].splitlines()[2].split()
    assert corner[0] == "f0" and [float(v) for v in corner[1:7]] == y[0, 0, :6].tolist()
    assert "[250 x 289]" in fig5_text()


def test_six_transposed_cases_are_the_books_and_torchs():
    got = [
        (c.settings.size, c.settings.kernel, c.settings.stride, c.settings.padding, c.book_output)
        for c in TRANSPOSED_CASES
    ]
    assert got == BOOK_TRANSPOSED
    for c in TRANSPOSED_CASES:
        m = c.book_output
        assert c.settings.output_size == m and torch_shape(c.settings) == (1, m, m)
        name = next(n for n, p in PRESETS.items() if p.settings == c.settings)
        assert name.endswith(f"-> {m}x{m}")
        assert f"-> {m}x{m} (the chapter's {m}x{m})" in PRESETS[name].text()


def test_dcgan_walk_preset_is_4_to_8():
    st = PRESETS["11.3.5: DCGAN generator walk"].settings
    assert (
        (st.input_shape, st.output_shape)
        == ((512, 4, 4), (256, 8, 8))
        == ((512, 4, 4), torch_shape(st))
    )


@pytest.mark.parametrize("answers", [True, False])
def test_handout_text(answers):
    text = handout_text(answers)
    assert "0 1 0 0 0" in text and "(a) a 3x64x64 input" in text
    assert ("shape [10, 31, 31]" in text) == answers
    assert ("= 18,090" in text) == answers
    assert ("Y0[1,0] = " in text) == answers


def test_exercises_command_prints_the_handout_and_json(capsys):
    assert main(["exercises"]) == 0
    out = capsys.readouterr().out
    assert out == handout_text(True)
    assert main(["exercises", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == json.loads(json.dumps(handout_data()))
    assert data["exercise1"]["Y1"] == BOOK_Y[1] == data["exercise1"]["book_answers"][1]
    assert [e["output"] for e in data["exercise2"]] == [list(o) for _, o in BOOK_EX2]
    assert data["exercise3"]["cifar_net"]["total"] == 18_090
