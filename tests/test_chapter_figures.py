"""Fig. 2 with every number, pooling, the path to the answer and the exported figures.

The oracles are torch's own: ``F.conv2d``, ``F.max_pool2d``/``F.avg_pool2d``, a
forward pass with hooks of our own and ``predict_proba``. The CLI's SVG is read
back as text: its numbers must be the preset's.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from desktop_cnn.cli import main as cli
from desktop_cnn.core.conv.exercises import FIGURE_NAMES, PRESETS
from desktop_cnn.core.conv.figures import FIG2, fig2_data
from desktop_cnn.core.conv.formulas import conv_formula, number
from desktop_cnn.core.conv.playground import (
    ConvRun,
    LayerSettings,
    SettingsError,
    describe_step,
    pool_winner,
    random_data,
    step_breakdown,
    torch_line,
)
from desktop_cnn.core.inspect.answer_path import answer_path, dense_unit, softmax_text
from desktop_cnn.core.inspect.evaluation import predict_proba
from desktop_cnn.core.models import MODELS, build_model
from desktop_cnn.core.pictures.diagram import diagram_blocks, diagram_figure
from desktop_cnn.core.spec.arith import analyse, shape_text
from desktop_cnn.core.spec.layers import layer, spec_of
from desktop_cnn.core.spec.presets import preset_spec

# --- Fig. 2: every number -----------------------------------------------------------------------


def test_fig2_preset_outputs_equal_conv2d_and_partial_sums_add_up() -> None:
    x, w, b = fig2_data()
    assert tuple(b.tolist()) == (1.0, 0.0)
    want = F.conv2d(x[None], w, b, stride=2, padding=1)[0]
    assert want.shape == (2, 3, 3)  # the chapter's 3x3x2
    for channel in range(2):
        run = ConvRun(FIG2, x, w, b)
        while (step := run.advance()) is not None:
            i, j = step.writes[0]
            got = step_breakdown(run, step, channel)
            assert got is not None and len(got.partials) == 3
            assert got.value == want[channel, i, j]
            # each partial sum is its products, and the partial sums plus the bias are the value
            for p in got.partials:
                assert p.total == sum(a * c for a, c in p.products)
                slice_only = F.conv2d(x[None, p.channel : p.channel + 1],
                                      w[channel : channel + 1, p.channel : p.channel + 1],
                                      stride=2, padding=1)[0, 0, i, j]  # fmt: skip
                assert p.total == slice_only
            assert sum(p.total for p in got.partials) + got.bias == got.value
            text = describe_step(run, step, channel)
            assert text.endswith(f"= {number(float(want[channel, i, j]))}")
            assert f"bias {number(float(b[channel]))}" in text or not b[channel]
        assert torch.equal(run.output(), want)


def test_conv_with_bias_run_to_end_equals_stepping() -> None:
    st = LayerSettings(size=6, kernel=3, stride=2, padding=1, in_channels=4, out_channels=3)
    x, w = random_data(st, 5)
    b = torch.tensor([2.0, -1.0, 0.0])
    a, c = ConvRun(st, x, w, b), ConvRun(st, x, w, b)
    while a.advance():
        pass
    c.run_to_end()
    assert torch.equal(a.output(), c.output())
    assert torch.equal(a.output(), F.conv2d(x[None], w, b, stride=2, padding=1)[0])


# --- pooling ----------------------------------------------------------------------------------


POOLS = [
    LayerSettings(size=n, kernel=f, stride=s, padding=p, in_channels=c, pool=kind)
    for n, f, s, p, c, kind in [
        (4, 2, 2, 0, 1, "max"),
        (5, 3, 2, 1, 2, "max"),
        (7, 3, 1, 1, 3, "avg"),
        (6, 2, 2, 1, 1, "avg"),
        (24, 2, 2, 0, 3, "max"),
    ]
] + [PRESETS[FIGURE_NAMES[k]].settings for k in ("exercise2c", "maxpool", "avgpool")]


@pytest.mark.parametrize("st", POOLS, ids=torch_line)
def test_pooling_equals_torch_step_by_step(st: LayerSettings) -> None:
    st.validate()
    x, w = random_data(st, 1)
    x = x + torch.rand(x.shape)  # no ties: the winner is unique
    pool = F.max_pool2d if st.pool == "max" else F.avg_pool2d
    want = pool(x[None], st.kernel, st.stride, st.padding)[0]
    layer_ = eval(torch_line(st), {"nn": nn})
    assert torch.equal(layer_(x[None])[0], want)
    assert st.output_shape == tuple(want.shape)
    run, end = ConvRun(st, x, w), ConvRun(st, x, w)
    end.run_to_end()
    while (step := run.advance()) is not None:
        i, j = step.writes[0]
        for c in range(st.in_channels):
            if st.pool == "max":
                r, k = pool_winner(run, step, c)
                assert run.source[c, r, k] == want[c, i, j]
        assert f"= {number(float(run.out[0, i, j]))}" in describe_step(run, step, 0)
    torch.testing.assert_close(run.output(), want)
    torch.testing.assert_close(end.output(), want)
    assert st.params == 0


def test_pool_settings_refused_with_a_reason() -> None:
    with pytest.raises(SettingsError, match="half"):
        LayerSettings(size=5, kernel=2, padding=2, pool="max").validate()
    with pytest.raises(SettingsError, match="dilation"):
        LayerSettings(size=5, kernel=2, dilation=2, pool="avg").validate()


def test_book_formula_first_and_pytorch_form_only_when_dilated() -> None:
    f = conv_formula(5, 3, 2, 1)
    assert f.general == "out = ⌊(n + 2p − f) / s⌋ + 1" and not f.note and f.value == 3
    g = conv_formula(7, 3, 1, 0, 2)
    assert "f'" in g.general and "PyTorch" in g.note and g.value == 3
    assert "d·(f − 1) − 1" in g.note


# --- the path to the answer ------------------------------------------------------------------


def _random_spec(seed: int):
    rnd = random.Random(seed)
    layers = [layer("conv", out_channels=rnd.randint(2, 6), kernel=3, padding=1), layer("relu")]
    if rnd.random() < 0.5:
        layers.append(layer("maxpool", kernel=2))
    layers += [layer("conv", out_channels=4, kernel=3), layer("tanh"), layer("flatten")]
    layers += [layer("linear", out_features=rnd.randint(5, 20)), layer("sigmoid")]
    layers.append(layer("linear", out_features=3))
    return spec_of("random", (rnd.choice([1, 3]), 12, 12), layers)


CLASSIFIERS = [n for n, m in MODELS.items() if m.classifier]


@pytest.mark.parametrize("name", [*CLASSIFIERS, "random"])
def test_answer_path_softmax_flatten_and_dense_equal_the_model(name: str) -> None:
    torch.manual_seed(0)
    model = build_model(_random_spec(3)) if name == "random" else build_model(name)
    model.eval()
    x = torch.rand(model.input_shape)
    path = answer_path(model, x)
    torch.testing.assert_close(path.probs, predict_proba(model, x[None])[0])
    assert path.prediction == int(predict_proba(model, x[None])[0].argmax())
    # our own hooks: every Linear's input and output
    seen: list[tuple[str, torch.Tensor, torch.Tensor]] = []
    hooks = [
        m.register_forward_hook(lambda m, a, o, n=n: seen.append((n, a[0][0], o[0])))
        for n, m in model.named_modules()
        if isinstance(m, nn.Linear)
    ]
    with torch.no_grad():
        model(x[None])
    for h in hooks:
        h.remove()
    dense = [s for s in path.stages if s.module == "Linear"]
    assert [s.name for s in dense] == [n for n, _, _ in seen]
    if not dense:  # all-convolutional: global pooling gives the logits
        assert path.logits.numel() == path.probs.numel()
        return
    first_in = seen[0][1]
    before = path.stages[[s.name for s in path.stages].index(dense[0].name) - 1]
    torch.testing.assert_close(before.values, first_in)  # the vector the first dense layer read
    if path.flat_stage:  # maps flattened (not reduced): every number has its source
        assert before.name == path.flat_stage
        assert before.values.numel() == first_in.numel() == path.flat[-1].stop
    for stage, (_, _, out) in zip(dense, seen, strict=True):
        torch.testing.assert_close(stage.values, out)
    u = dense_unit(path, model, dense[0].name, 1)
    assert u.output == pytest.approx(u.total + u.bias, abs=1e-4)
    assert u.output == pytest.approx(float(seen[0][2][1]), abs=1e-5)
    k = path.prediction
    assert f"= {float(path.probs[k]):.4f}" in softmax_text(path, k)


def test_answer_path_labels_conv_before_and_after_activation() -> None:
    path = answer_path(build_model(preset_spec("lenet5")), torch.rand(1, 28, 28))
    labels = {s.name: s.label for s in path.stages}
    assert "before its activation" in labels["conv1"]
    assert labels["relu1"].startswith("conv1 after its ReLU")
    assert path.source_of(0) == "pool2 map 0 (0,0)" and path.source_of(399) == "pool2 map 15 (4,4)"


# --- figures from the command line ---------------------------------------------------------------


def svg_texts(path: Path) -> list[str]:
    raw = re.findall(r"<text[^>]*>([^<]*)</text>", path.read_text(encoding="utf-8"))
    return [t.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&") for t in raw]


def test_figure_fig2_svg_holds_the_numbers_as_text(tmp_path: Path) -> None:
    out = tmp_path / "f.svg"
    assert cli(["figure", "fig2", "--out", str(out)]) == 0
    texts = Counter(svg_texts(out))
    x, w, b = fig2_data()
    padded = F.pad(x, (1, 1, 1, 1))
    y = F.conv2d(x[None], w, b, stride=2, padding=1)[0]
    want = Counter(number(v) for v in padded.flatten().tolist())
    want += Counter(number(v) for v in w[0].flatten().tolist())
    want += Counter(number(v) for v in y[0].flatten().tolist())
    want += Counter([number(float(b[0]))])
    assert not want - texts, want - texts
    assert "input slice 2" in texts and "W0 slice 2" in texts


def test_figure_channel_and_step(tmp_path: Path) -> None:
    out = tmp_path / "f.png"
    assert cli(["figure", "fig2", "--channel", "1", "--step", "2", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figure_diagram_names_every_output_shape(tmp_path: Path) -> None:
    out = tmp_path / "d.svg"
    assert cli(["figure", "diagram", "--model", "lenet5", "--out", str(out)]) == 0
    text = "\n".join(svg_texts(out))
    rows = analyse(preset_spec("lenet5")).rows
    for r in rows:
        assert r.name in text and shape_text(r.out_shape) in text
    assert "6x28x28" in text and "16x5x5" in text and "400" in text


def test_diagram_blocks_join_shape_keeping_layers() -> None:
    blocks = diagram_blocks(preset_spec("lenet5"))
    assert blocks[1].layers == ("conv1", "relu1") and blocks[1].shape == (6, 28, 28)
    assert blocks[-1].layers == ("fc3",) and blocks[-1].shape == (10,)


@pytest.mark.parametrize("size", [(7.0, 2.7), (4.0, 2.0)])  # the Model tab's view, smaller
def test_diagram_squeezed_into_a_view_keeps_its_softmax_inside(size) -> None:
    fig = diagram_figure(preset_spec("lenet5"))
    fig.set_size_inches(*size)
    fig.set_dpi(90)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)  # core's figures come without a canvas of their own
    canvas.draw()
    renderer = canvas.get_renderer()
    (label,) = [t for t in fig.axes[0].texts if "softmax" in t.get_text()]
    box = label.get_window_extent(renderer)
    assert 0 <= box.x0 and box.x1 <= fig.bbox.x1 and 0 <= box.y0 and box.y1 <= fig.bbox.y1


def test_figure_pdf(tmp_path: Path) -> None:
    out = tmp_path / "f.pdf"
    assert cli(["figure", "diagram", "--model", "fig3-convnet", "--out", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["figure", "nope", "--out", "x.png"], "unknown figure 'nope'"),
        (["figure", "fig2", "--out", "x.jpg"], ".png, .svg or .pdf"),
        (["figure", "fig2", "--out", "missing/x.png"], "does not exist"),
        (["figure", "diagram", "--out", "x.png"], "needs --model"),
        (["figure", "diagram", "--model", "nosuch", "--out", "x.png"], "unknown model 'nosuch'"),
        (["figure", "fig2", "--channel", "5", "--out", "x.png"], "--channel"),
    ],
)
def test_figure_bad_input_one_line_exit_1_nothing_written(
    argv: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli(argv) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert list(tmp_path.rglob("*")) == []


def test_figure_diagram_of_the_books_generator(tmp_path: Path) -> None:
    """The chapter's DCGAN generator is a spec of transposed convolutions: it draws."""
    out = tmp_path / "g.svg"
    assert cli(["figure", "diagram", "--model", "dcgan-generator", "--out", str(out)]) == 0
    assert "3x64x64" in out.read_text(encoding="utf-8")


def test_figure_unwritable_folder(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if (folder / "probe").exists() or __import__("os").access(folder, 2):
            pytest.skip("running as a user who can write anywhere")
        assert cli(["figure", "fig2", "--out", str(folder / "f.svg")]) == 1
        assert "cannot write" in capsys.readouterr().err
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


# --- book vs yours, like with like ---------------------------------------------------------------


def test_book_vs_yours_compares_at_the_same_epochs_and_names_cifar2() -> None:
    from desktop_cnn.core.train.recipes import CIFAR2, dataset_label, epoch_lines, recipe

    small = recipe("book", "cifar10", CIFAR2)
    one = epoch_lines(small, [{"train_loss": 0.51, "test_accuracy": 0.8}])
    assert one[0] == "training loss after epoch 1: book 0.463, yours 0.510"
    assert "stopped at epoch 1" in one[1] and "0.176" in one[1]
    assert "1 epoch(s), the chapter's 100" in one[2]
    lenet = recipe("app", "cifar10", None)
    five = epoch_lines(lenet, [{"train_loss": 1.0, "test_accuracy": a} for a in (0.4, 0.55, 0.6)])
    assert five == ["test accuracy after epoch 2: book 59%, yours 55% (your last epoch is 3)"]
    assert dataset_label("cifar10", list(CIFAR2)) == "cifar2"
    assert dataset_label("cifar10", None) == "cifar10" and dataset_label("mnist", None) == "mnist"


@pytest.mark.parametrize("name", ["lenet5", "lenet5-classic", "cifar-net"])
def test_pool_text_equals_the_pooled_number(name: str) -> None:
    from desktop_cnn.core.inspect.answer_path import pool_text

    torch.manual_seed(1)
    model = build_model(name)
    path = answer_path(model, torch.rand(model.input_shape))
    pools = [s for s in path.stages if s.module in ("MaxPool2d", "AvgPool2d")]
    assert [s.name for s in pools] == ["pool1", "pool2"]  # a shared module: one stage per call
    for s in pools:
        fn = F.max_pool2d if s.module == "MaxPool2d" else F.avg_pool2d
        want = fn(s.inputs[None], 2)[0]
        torch.testing.assert_close(s.values, want)
        text = pool_text(path, model, s.name, 1, 2, 3)
        assert f"= {float(want[1, 2, 3]):.4f}\n" in text
        assert ("max(" if s.module == "MaxPool2d" else "/ 4") in text
    with pytest.raises(ValueError):
        pool_text(path, model, "conv1", 0, 0, 0)


def test_quiz_checks_answers_and_names_the_slip() -> None:
    from desktop_cnn.core.conv.quiz import QUIZZES

    y0 = QUIZZES["Exercise 1: W0, W1, W2 on 5x5"][0]
    assert y0.check("1 1 0 / 3 3 3 / 1 1 0").ok
    assert "padded" in y0.check(" ".join(["0"] * 25)).message
    assert "(0,2)" in y0.check("1 1 1 3 3 3 1 1 0").message
    a, b, c = QUIZZES["Exercise 2: three output shapes"]
    assert a.check("[10, 31, 31]").ok and b.check("10x13x13").ok and c.check("3 x 12 x 12").ok
    assert "padding forgotten" in a.check("10x30x30").message
    assert "stride left out" in a.check("10x61x61").message
    assert "keeps the depth" in c.check("10x12x12").message
    p = QUIZZES["Exercise 3: parameter counts"][0]
    assert p.check("1,090").ok and "bias is missing" in p.check("1080").message
