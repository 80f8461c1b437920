"""The Build tab: design a net with real widget events, train it, look inside, save, export.

The draft logic first (no Tk), then the real app on the virtual display: key presses
in the layer list and the form, the preset chooser, the code view's Copy and Save,
"Train this" into the Train tab (its ``load_dataset`` seam gives a 2,000-image subset of
the real MNIST), Feature maps and the one-number explanation, File > Save/Open and the
ONNX export (in its child process) checked against onnxruntime.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from desktop_cnn.core.spec import analyse, build_spec, preset_spec, spec_code
from desktop_cnn.core.spec.files import load_spec_file
from desktop_cnn.core.spec.layers import SpecError
from desktop_cnn.gui.build.draft import Draft, fields_of, judge, parse_text

from helpers import draw_digit, launch, pump, screenshot, small_dataset, twenty_layers

ARTIFACTS = Path(__file__).parent / "artifacts"
INVALID = "conv1: (7 + 2*0 - 9)/1 + 1 = -1: a 9x9 kernel does not fit a 7x7 input"


# --- the draft, without Tk --------------------------------------------------------------


def test_draft_edits_keep_names_unique_and_order():
    d = Draft.from_spec(preset_spec("lenet5"))
    assert d.spec() == preset_spec("lenet5")
    i = d.add("conv", 3)
    assert d.layers[i]["name"] == "conv3" and d.layers[i]["kernel"] == 3
    assert d.move(i, -1) == 2 and d.layers[2]["name"] == "conv3"
    assert d.move(0, -1) == 0  # already first: stays
    d.remove(2)
    assert d.spec() == preset_spec("lenet5")
    d.set_value(-1, "channels", 3)
    assert d.spec().input_shape == (3, 28, 28)


def test_judge_names_the_layer_that_cannot_be_built():
    d = Draft("t", [1, 7, 7], [{"type": "conv", "name": "conv1", "out_channels": 4, "kernel": 9}])
    j = judge(d)
    assert not j.ok and j.error == INVALID
    d.layers[0]["kernel"] = 0
    assert "kernel must be at least 1" in judge(d).error
    assert judge(d, "conv1: kernel must be a whole number, not 'x'").spec is None


def test_form_text_is_parsed_or_named():
    kernel = next(f for f in fields_of("conv") if f.name == "kernel")
    stride = next(f for f in fields_of("maxpool") if f.name == "stride")
    assert parse_text("conv1", kernel, " 5 ") == 5
    assert parse_text("pool1", stride, "") is None  # blank: the kernel size
    with pytest.raises(SpecError, match="conv1: kernel must be a whole number, not 'x'"):
        parse_text("conv1", kernel, "x")


def test_compare_architecture_of_a_checkpoint_info():
    from desktop_cnn.core.files.checkpoints import ModelInfo
    from desktop_cnn.core.inspect.compare import curves_from_info

    spec = preset_spec("allconv")
    info = ModelInfo(
        "allconv",
        {"spec": spec.to_dict()},
        "mnist",
        list("0123456789"),
        (1, 28, 28),
        (0.1,),
        (0.3,),
        history={
            "batch_loss": [1.0, 0.5],
            "epochs": [
                {"epoch": 1, "test_loss": 0.5, "test_accuracy": 0.9, "seconds": 4.0},
                {"epoch": 2, "test_loss": 0.6, "test_accuracy": 0.8, "seconds": 6.0},
            ],
        },
    )
    c = curves_from_info(info)
    model = build_spec(spec)
    assert c.params == sum(p.numel() for p in model.parameters())
    assert c.macs == analyse(spec).total_macs > 0
    assert c.seconds_per_epoch == 5.0 and c.best_accuracy == 0.9


# --- the real app ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(display, mnist, shared_data):
    from helpers import cached_test_model

    app = launch(["--model", str(cached_test_model(mnist)), "--data-dir", str(shared_data)])
    yield app
    if not app.closing:
        app.quit_app()


@pytest.fixture
def build(app):
    app.notebook.select(app.tabs["Build"])
    panel = app.panels["Build"]
    panel.views.select(0)
    pump(app.root, 0.05)
    return panel


@pytest.fixture
def small_mnist(app, mnist, monkeypatch):
    """The Train tab trains one epoch on 2,000 real MNIST images (its load_dataset seam)."""
    train = app.panels["Train"]
    small = small_dataset(mnist, 2000, 1000)
    monkeypatch.setattr(train, "load_dataset", lambda name, data_dir: small)
    train.form.dataset.set("MNIST")
    train.form.epochs.set("1")
    train.form.batch_size.set("64")
    train.form.lr.set("")
    return train


def press(widget, *keys: str) -> None:
    """Real key presses into ``widget`` (which takes the focus first): "5", "Insert",
    "Alt-Up" (a modifier and a key)."""
    widget.focus_force()
    widget.update()
    for key in keys:
        if "-" in key:
            widget.event_generate(f"<{key}>")
        else:
            widget.event_generate("<KeyPress>", keysym=key)
    widget.update()


def retype(widget, text: str) -> None:
    """Select a field's text and type ``text`` over it, key by key."""
    widget.focus_force()
    widget.update()
    widget.selection_range(0, "end")
    widget.icursor("end")
    press(widget, *[{"-": "minus", "_": "underscore"}.get(ch, ch) for ch in text])


def field(build, name: str):
    return build.editor.entries[name]


def add_layer(app, build, kind: str) -> None:
    """Choose the type in the list's box and press Insert in the list."""
    build.layers.kind.set(kind)
    press(build.layers.tree, "Insert")
    pump(app.root, 0.02)


def total_params(build) -> str:
    return build.table.cells[-1][4]


@pytest.mark.gui
@pytest.mark.usefixtures("no_real_dialogs")
@pytest.mark.parametrize(
    "label",
    [
        "LeNet-5 (modern)",
        "LeNet-5 (classic)",
        "The book's CIFAR net (18,090 parameters)",
        "The chapter's Fig. 3 ConvNet (39x39x3)",
        "All-convolutional net (strided convs)",
        "pytorch/examples MNIST net",
        "The book's DCGAN generator (100x1x1 -> 3x64x64)",
        "Empty",
    ],
)
def test_each_preset_loads_with_its_total_parameters(app, build, label):
    from desktop_cnn.gui.build.build_panel import PRESET_LABELS

    build.preset.set(label)
    build.preset_box.event_generate("<<ComboboxSelected>>")
    pump(app.root, 0.1)
    spec = preset_spec(PRESET_LABELS[label])
    torch_count = sum(p.numel() for p in build_spec(spec).parameters())
    assert total_params(build) == f"{torch_count:,}"
    if label.startswith("The book's CIFAR"):
        assert total_params(build) == "18,090"
    if label.startswith("The chapter's Fig. 3"):
        assert build.table.cells[3][2] == "20x17x17"  # Fig. 5's layer: 37x37x10 -> 17x17x20
    assert len(build.layers.tree.get_children()) == len(spec.layers) + 1
    assert build.draft.spec() == spec
    screenshot(app.root, ARTIFACTS / f"build_{PRESET_LABELS[label]}.png")


@pytest.mark.gui
@pytest.mark.usefixtures("no_real_dialogs")
def test_typed_layer_types_text_choices_and_formula_columns_that_fit(app, build):
    """The type box completes typing ("ups" -> upsample, Return adds it); a text field is a
    drop-down of its choices; the formula columns show their longest formula whole."""
    from tkinter import font as tkfont

    build.preset.set("The book's CIFAR net (18,090 parameters)")
    build.preset_box.event_generate("<<ComboboxSelected>>")
    pump(app.root, 0.1)
    box = build.layers.kind_box
    build.layers.select(2)  # after pool1
    box.delete(0, "end")
    press(box, "u", "p")
    pump(app.root, 0.05)
    assert box.get() == "upsample" and box.selection_get() == "sample"
    press(box, "Return")
    pump(app.root, 0.05)
    layer = build.draft.layers[3]
    assert layer["type"] == "upsample" and build.table.cells[4][2] == "16x32x32"
    mode = field(build, "mode")
    assert list(mode.cget("values")) == ["nearest", "bilinear"]
    mode.set("bilinear")
    pump(app.root, 0.05)
    assert build.draft.layers[3]["mode"] == "bilinear"
    assert build.layers.tree.set("3", "settings") == "x2, bilinear"
    tree, font = build.table.tree, tkfont.nametofont("TkDefaultFont")
    for col in ("how", "params formula"):
        i = ("layer", "type", "output", "how", "params", "params formula").index(col)
        longest = max(font.measure(cells[i]) for cells in build.table.cells)
        assert int(tree.column(col, "width")) >= longest, col
    assert "16*3*3*3 + 16 = 448" in [c[5] for c in build.table.cells]
    screenshot(app.root, ARTIFACTS / "build_upsample_typed.png")
    box.delete(0, "end")
    press(box, "z", "z", "Return")  # no such type: nothing is added
    assert len(build.draft.layers) == 11


@pytest.mark.gui
@pytest.mark.usefixtures("no_real_dialogs")
def test_an_invalid_layer_is_named_and_nothing_is_trained(app, build, errors):
    build.preset.set("Empty")
    build.preset_box.event_generate("<<ComboboxSelected>>")
    pump(app.root, 0.05)
    assert build.layers.index == -1  # the input row, its fields in the form
    retype(field(build, "height"), "7")
    retype(field(build, "width"), "7")
    add_layer(app, build, "conv")
    retype(field(build, "kernel"), "9")
    pump(app.root, 0.05)
    assert str(build.table.message.cget("text")) == f"Cannot build: {INVALID}"
    row = build.table.tree.get_children()[1]
    assert tuple(build.table.tree.item(row, "tags")) == ("error",)
    assert tuple(build.layers.tree.item("0", "tags")) == ("error",)
    arch = app.panels["Train"].form.arch.get()
    build.train_button.invoke()
    assert errors[-1] == ("Cannot train this", INVALID)
    assert app.panels["Train"].form.arch.get() == arch  # nothing handed over
    screenshot(app.root, ARTIFACTS / "build_invalid_layer.png")
    retype(field(build, "kernel"), "x")
    assert "conv1: kernel must be a whole number, not 'x'" in build.table.message.cget("text")
    retype(field(build, "kernel"), "3")
    assert build.judged.ok and build.table.cells[1][2] == "8x5x5"


@pytest.mark.gui
@pytest.mark.usefixtures("no_real_dialogs")
def test_the_code_view_is_spec_code_and_copies_and_saves(app, build, monkeypatch, tmp_path):
    build.load_preset("cifar-net")
    build.views.select(1)
    pump(app.root, 0.1)
    spec = preset_spec("cifar-net")
    shown = build.code.text.get("1.0", "end-1c")
    assert shown == spec_code(spec)
    assert str(build.code.text.cget("state")) == "disabled"
    build.code.copy_button.invoke()
    assert app.root.clipboard_get() == shown
    out = tmp_path / "cifar_net.py"
    monkeypatch.setattr(build, "ask_save_filename", lambda **kw: str(out))
    build.code.save_button.invoke()
    assert out.read_text() == shown
    screenshot(app.root, ARTIFACTS / "build_code.png")
    # The saved file runs on its own and loads the spec model's weights.
    model = build_spec(spec).eval()
    torch.save(model.state_dict(), tmp_path / "w.pt")
    x = torch.randn(2, 3, 32, 32)
    torch.save(x, tmp_path / "x.pt")
    script = (
        "import sys, torch; sys.path.insert(0, sys.argv[1]); import cifar_net as m; "
        "net = m.CifarNet(); net.load_state_dict(torch.load(sys.argv[1] + '/w.pt')); "
        "net.eval(); print(net(torch.load(sys.argv[1] + '/x.pt')).tolist())"
    )
    got = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    with torch.no_grad():
        assert np.abs(np.array(json.loads(got)) - model(x).numpy()).max() < 1e-6
    # An edit while the code is shown redraws it
    build.layers.select(0)
    pump(app.root, 0.05)
    retype(field(build, "out_channels"), "12")
    assert build.code.text.get("1.0", "end-1c") == spec_code(build.draft.spec())
    assert "nn.Conv2d(3, 12, kernel_size=3, padding=1)" in build.code.text.get("1.0", "end")
    build.views.select(0)


class CountingTree:
    """Counts what the table asks its Treeview to change: each change costs Tk a redraw."""

    def __init__(self, tree, monkeypatch) -> None:
        self.sets = self.items = 0
        real_set, real_item = tree.set, tree.item

        def counted_set(*args, **kw):
            self.sets += len(args) == 3  # a write, not a read
            return real_set(*args, **kw)

        def counted_item(*args, **kw):
            self.items += bool(kw)
            return real_item(*args, **kw)

        monkeypatch.setattr(tree, "set", counted_set)
        monkeypatch.setattr(tree, "item", counted_item)


@pytest.mark.gui
@pytest.mark.usefixtures("no_real_dialogs")
def test_typing_into_a_20_layer_spec_redraws_only_the_cells_that_changed(app, build, monkeypatch):
    """Each key press is one edit, shown by the next update, touching only changed cells.

    The time per edit (issue 16: p95 under 50 ms) is measured by bench/build_latency.py,
    not asserted here: on a shared 2-core machine a wall clock measures the neighbours.
    """
    spec = twenty_layers()
    assert len(spec.layers) == 20
    build.set_draft(Draft.from_spec(spec))
    build.layers.select(2)  # conv2
    pump(app.root, 0.05)
    spin = field(build, "kernel")
    spin.focus_force()
    spin.update()
    spin.icursor("end")
    counted = CountingTree(build.table.tree, monkeypatch)
    for i in range(40):  # BackSpace, 5, BackSpace, 3, ...: an empty field is an edit too
        key = "BackSpace" if i % 2 == 0 else ("5" if i % 4 == 1 else "3")
        before = list(build.table.cells)
        sets, items = counted.sets, counted.items
        spin.event_generate("<KeyPress>", keysym=key)
        app.root.update()
        if key == "BackSpace":  # nothing to compute: the table keeps its rows, says why
            assert build.table.cells == before and not build.judged.ok
            assert (counted.sets, counted.items) == (sets, items)
            continue
        kernel = int(key)
        assert build.draft.layers[2]["kernel"] == kernel and build.judged.ok
        side = 28 + 2 - kernel + 1
        assert build.table.cells[3][2] == f"9x{side}x{side}"
        changed = sum(
            a != b
            for old, new in zip(before, build.table.cells, strict=True)
            for a, b in zip(old[1:], new[1:], strict=True)
        )
        assert changed > 20  # the kernel moves every later shape, parameter and field
        assert counted.sets - sets == changed and counted.items == items
    # Judging the same draft again changes no cell, so Tk has nothing to redraw
    sets = counted.sets
    build.update_views()
    app.root.update()
    assert counted.sets == sets


@pytest.mark.gui
@pytest.mark.usefixtures("no_real_dialogs")
def test_a_too_big_spec_asks_before_it_is_handed_over(app, build, monkeypatch):
    build.load_preset("lenet5")
    build.layers.select(7)  # fc1
    pump(app.root, 0.05)
    retype(field(build, "out_features"), "200000")
    assert build.judged.arith.too_big and "Too big" in build.table.message.cget("text")
    asked = []
    monkeypatch.setattr(build, "ask_yes_no", lambda t, m: asked.append(m) or False)
    arch = app.panels["Train"].form.arch.get()
    build.train_button.invoke()
    assert asked and "too big for a desktop" in asked[0]
    assert app.panels["Train"].form.arch.get() == arch


@pytest.mark.gui
@pytest.mark.usefixtures("no_real_dialogs")
def test_a_design_that_does_not_fit_the_data_is_explained_and_fitted(
    app, build, small_mnist, monkeypatch
):
    build.load_preset("fig3-convnet")  # 3x39x39: neither MNIST's channels nor its size
    build.train_button.invoke()
    assert app.notebook.tab(app.notebook.select(), "text") == "Train"
    train = small_mnist
    assert train.form.arch.get() == "fig3-convnet (from Build)"
    asked = []
    monkeypatch.setattr(train.spec_choice, "ask_yes_no", lambda t, m: asked.append(m) or False)
    before = app.app_state.checkpoint
    train.start_button.invoke()
    pump(app.root, until=lambda: not train.running, timeout=60)
    assert train.last_status == "mismatch" and app.app_state.checkpoint is before
    assert "fig3-convnet takes 3-channel images, the data has 1 (grey)" in asked[0]
    assert "fig3-convnet takes 39x39 images, the data has 28x28" in asked[0]
    assert "Fit it: input 1x28x28 and 10 outputs" in asked[0]


@pytest.mark.gui
@pytest.mark.usefixtures("no_real_dialogs")
def test_a_design_no_fit_can_fix_is_refused_with_the_reason(app, build, small_mnist, errors):
    build.load_preset("empty")  # no layers: the output is the image, no fix gives 10 numbers
    build.train_button.invoke()
    small_mnist.start_button.invoke()
    pump(app.root, until=lambda: not small_mnist.running, timeout=60)
    title, message = errors[-1]
    assert title == "This design does not fit the data"
    assert "gives 1x28x28 numbers, the data has 10 classes" in message


@pytest.mark.slow  # trains, then exports
@pytest.mark.gui
@pytest.mark.usefixtures("no_real_dialogs")
def test_build_train_look_inside_save_reopen_and_export(
    app, build, small_mnist, monkeypatch, tmp_path, errors
):
    # 1. Build "tiny" from the empty preset with key presses: conv 4 5x5, relu, pool, fc 10
    build.preset.set("Empty")
    build.preset_box.event_generate("<<ComboboxSelected>>")
    pump(app.root, 0.05)
    retype(build.name_entry, "tiny")
    add_layer(app, build, "conv")
    press(build.layers.tree, "Return")  # the keyboard way into the form
    assert app.root.focus_get() is field(build, "out_channels")
    press(field(build, "out_channels"), "4")  # its text was selected: typing replaces it
    assert build.draft.layers[0]["out_channels"] == 4
    press(field(build, "out_channels"), "Escape")
    assert app.root.focus_get() is build.layers.tree
    retype(field(build, "kernel"), "5")
    for kind in ("relu", "maxpool", "flatten", "linear"):
        add_layer(app, build, kind)
    add_layer(app, build, "dropout")
    press(build.layers.tree, "Alt-Up")  # the dropout goes before the linear layer
    pump(app.root, 0.02)
    assert [x["type"] for x in build.draft.layers] == [
        "conv",
        "relu",
        "maxpool",
        "flatten",
        "dropout",
        "linear",
    ]
    build.layers.select(5)
    press(build.layers.tree, "Delete")  # the linear layer: gone, then back
    assert len(build.draft.layers) == 5
    add_layer(app, build, "linear")
    spec = build.draft.spec()
    assert spec.name == "tiny" and total_params(build) == f"{4 * 25 + 4 + 10 * 576 + 10:,}"

    # 2. Save the spec and open it again
    path = tmp_path / "tiny.json"
    monkeypatch.setattr(build, "ask_save_filename", lambda **kw: str(path))
    build.save_button.invoke()
    assert load_spec_file(path) == spec
    build.load_preset("lenet5")
    monkeypatch.setattr(build, "ask_open_filename", lambda **kw: str(path))
    build.open_button.invoke()
    assert build.draft.spec() == spec

    # 3. Train it for one epoch on real MNIST (2,000 images) through the Train tab
    build.train_button.invoke()
    train = small_mnist
    assert train.form.arch.get() == "tiny (from Build)"
    train.start_button.invoke()
    pump(app.root, until=lambda: not train.running, timeout=180)
    screenshot(app.root, ARTIFACTS / "build_trained_in_train_tab.png")
    assert train.last_status == "finished", train.log.lines
    ck = app.app_state.checkpoint
    assert ck.info.arch == "tiny" and ck.info.spec == spec
    assert ck.info.metrics["test_accuracy"] > 0.5

    # 4. Its feature maps and the one-number explanation of a conv1 pixel
    app.notebook.select(app.tabs["Feature maps"])
    maps = app.panels["Feature maps"]
    app.panels["Draw"].clear()
    draw_digit(maps.pad.canvas, "7", scale=maps.pad.side / 280, each=app.root.update)
    pump(
        app.root,
        until=lambda: app.app_state.analysis is not None and "conv1" in maps.grids,
        timeout=10,
    )
    pump(app.root, 0.3)
    g = maps.grids["conv1"]
    x, y = g.layout.origin(1)
    scale = g.layout.tile / g.side
    g.canvas.event_generate("<Button-1>", x=x + int(10.5 * scale), y=y + int(8.5 * scale))
    pump(app.root, 0.1)
    assert maps.selected == ("conv1", 1) and maps.pixel == (8, 10)
    assert set(maps.grids) >= {"input", "conv1", "relu1", "pool1"}
    screenshot(app.root, ARTIFACTS / "build_own_model_feature_maps.png")
    maps.explain_button.invoke()
    pump(app.root, 0.3)
    e = maps.explain_view.explanation
    assert (e.layer, e.channel, e.row, e.col) == ("conv1", 1, 8, 10)
    assert abs(e.value - float(app.app_state.analysis.maps["conv1"][1, 8, 10])) < 1e-5
    screenshot(maps.explain_view, ARTIFACTS / "build_own_model_explained.png")
    maps.explain_view.withdraw()

    # 5. File > Save model as, then File > Open: the same outputs
    model_path = tmp_path / "tiny.pt"
    assert app.save_model_as(model_path)
    assert app.open_model(model_path)
    again = app.app_state.checkpoint
    xb = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(again.model(xb), ck.model(xb))

    # 6. File > Export to ONNX (a child process): onnxruntime agrees with torch
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    onnx_path = tmp_path / "tiny.onnx"
    assert app.export_onnx(onnx_path)
    pump(app.root, until=lambda: not app.exporter.running, timeout=180)
    assert not errors, errors
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (got,) = session.run(["logits"], {"image": xb.numpy()})
    with torch.no_grad():
        assert np.abs(got - again.model(xb).numpy()).max() < 1e-4

    # 7. The Compare window's architecture table names its cost and results
    window = app.compare_models()
    pump(app.root, 0.2)
    window.panel.add_current()
    row = window.panel.table.get_children()[-1]
    values = window.panel.table.item(row, "values")
    assert values[2] == f"{sum(p.numel() for p in again.model.parameters()):,}"
    assert values[3] == f"{analyse(spec).total_macs:,}"
    assert float(values[4]) > 0 and values[5].endswith("%")
    pump(app.root, 0.5)
    screenshot(window, ARTIFACTS / "build_compare_architecture.png")
    window.withdraw()

    # 8. The current model's spec opens in the Build tab, to start a variation
    app.notebook.select(app.tabs["Build"])
    build.load_preset("empty")
    build.current_button.invoke()
    assert build.draft.spec() == spec


@pytest.mark.gui
@pytest.mark.usefixtures("no_real_dialogs")
def test_other_tabs_open_a_preset_here_by_request(app, build):
    from desktop_cnn.gui.requests import BuildPreset

    app.notebook.select(app.tabs["Draw"])
    assert app.app_state.post(BuildPreset("Fig. 3 ConvNet"))  # as the chapter guide asks
    assert app.notebook.tab(app.notebook.select(), "text") == "Build"
    assert build.draft.spec() == preset_spec("fig3-convnet")
    assert build.preset.get() == "The chapter's Fig. 3 ConvNet (39x39x3)"
    with pytest.raises(SpecError, match="no Build preset called 'ResNet-152'"):
        app.app_state.post(BuildPreset("ResNet-152"))
