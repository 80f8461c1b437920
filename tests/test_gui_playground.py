"""The Playground panel in the real app on a (virtual) display.

Driven through its widgets: spinboxes typed into and stepped with
<<Increment>>, buttons invoked, the preset combobox selected; what it draws
and states is compared with real torch layers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from desktop_cnn.core.conv.exercises import PRESETS, exercise1_data
from desktop_cnn.core.conv.formulas import conv_formula, transpose_formula

from helpers import launch, pump, screenshot

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"
EXERCISE1 = "Exercise 1: W0, W1, W2 on 5x5"


@pytest.fixture(scope="module")
def app(display):
    app = launch(["--no-model"])  # the playground needs no model
    app.notebook.select(app.tabs["Playground"])
    pump(app.root, 0.2)
    yield app
    if not app.closing:
        app.quit_app()


@pytest.fixture
def pg(app):
    panel = app.panels["Playground"]
    panel.exercise_on.set(False)  # a teacher's view: answers at once (test_gui_chapter asks)
    panel.form.bias.set(True)
    set_layer(
        panel,
        size=5,
        kernel=3,
        stride=1,
        padding=0,
        dilation=1,
        in_channels=1,
        out_channels=1,
        output_padding=0,
        transposed=False,
    )
    assert panel.settings is not None
    return panel


def type_into(panel, name: str, text: str) -> None:
    """Replace a spinbox's text as a person would, then press Return."""
    spin = panel.form.spins[name]
    was_disabled = spin.instate(["disabled"])
    spin.state(["!disabled"])
    spin.focus_force()
    spin.update()
    spin.delete(0, "end")
    spin.insert(0, text)
    spin.event_generate("<Return>")
    if was_disabled:
        spin.state(["disabled"])
    pump(panel, 0.02)


def set_layer(panel, transposed: bool = False, **values: int) -> None:
    kind = "transposed" if transposed else "conv"
    if panel.form.kind.get() != kind:
        panel.form.kind.set(kind)  # what clicking the radio button does
        panel.form.changed()
    for name, value in values.items():
        type_into(panel, name, str(value))


def output_numbers(panel) -> list[list[str]]:
    """The numbers written in the real output cells, as drawn."""
    g = panel.canvas.grids["out"]
    cells = range(g.spec.start, g.spec.stop)
    return [[panel.canvas.itemcget(g.texts[(r, c)], "text") for c in cells] for r in cells]


def as_text(t: torch.Tensor) -> list[list[str]]:
    return [[str(int(v)) for v in row] for row in t.tolist()]


def colour_at(canvas, grid, r: int, c: int) -> str:
    """The fill a person sees in cell (r, c): the topmost filled rectangle there."""
    x0, y0, x1, y1 = grid.box(r, c)
    items = canvas.find_overlapping(x0 + 2, y0 + 2, x1 - 2, y1 - 2)
    fills = [
        canvas.itemcget(i, "fill")
        for i in items
        if canvas.type(i) == "rectangle" and canvas.itemcget(i, "fill")
    ]
    return fills[-1]


def torch_layer(panel) -> nn.Module:
    return eval(panel.line.get(), {"nn": nn})


def test_spinboxes_set_the_layer_and_torch_agrees(app, pg):
    pg.form.spins["padding"].event_generate("<<Increment>>")  # the arrow: padding 0 -> 1
    pump(app.root, 0.05)
    set_layer(pg, size=7, stride=2)
    st = pg.settings
    assert (st.size, st.padding, st.stride) == (7, 1, 2)
    expected = torch_layer(pg)(torch.zeros(1, 1, 7, 7)).shape
    assert expected == (1, 1, 4, 4)
    assert pg.canvas.grids["in"].spec.size == 9  # 7 + 2 padding cells
    assert pg.canvas.grids["out"].spec.size == 4
    f = conv_formula(7, 3, 2, 1)
    assert pg.substituted.cget("text") == f.substituted and f.value == 4
    assert "1x7x7 -> 1x4x4" in pg.shapes.cget("text")
    pad = pg.canvas.grids["in"]
    assert colour_at(pg.canvas, pad, 0, 0) != colour_at(pg.canvas, pad, 1, 1)  # shaded padding
    assert pg.canvas.itemcget(pad.texts[(0, 0)], "text") == "0"


def test_next_steps_the_kernel_and_the_output_fills(app, pg):
    set_layer(pg, size=6, padding=1)
    x, w = pg.run.x, pg.run.w
    y = F.conv2d(x[None], w, padding=1)[0, 0]
    canvas = pg.canvas
    for k in range(1, 4):
        pg.next_button.invoke()
        pump(app.root, 0.02)
        step = pg.run.steps[k - 1]
        assert pg.progress.cget("text") == f"step {k} of 36"
        # the orange outlines sit on the cells the kernel reads
        boxes = [tuple(canvas.coords(m)) for m in canvas.markers]
        assert boxes == [tuple(map(float, canvas.grids["in"].box(*c))) for c in step.reads]
    numbers = output_numbers(pg)
    assert numbers[0][:3] == as_text(y)[0][:3] and numbers[0][3:] == ["", "", ""]
    assert pg.step_text.cget("text").endswith(f"= {int(y[0, 2])}")
    pg.texts.select(1)  # the step's column of the im2col matrix is highlighted
    ranges = pg.matrices.tag_ranges("step")
    cells = [pg.matrices.get(ranges[i], ranges[i + 1]).strip() for i in range(0, len(ranges), 2)]
    window = [str(int(pg.run.source[0, r, c])) for r, c in step.reads]
    assert cells[:10] == ["(0,2)", *window]  # header, then the receptive field it reads
    assert cells[10:] == ["(0,2)", str(int(y[0, 2]))]  # and its cell of W · X
    screenshot(app.root, ARTIFACTS / "playground_steps.png")
    pg.reset_button.invoke()
    pump(app.root, 0.02)
    assert pg.run.done == 0 and all(v == "" for row in output_numbers(pg) for v in row)


def test_play_animates_with_after_and_pause_stops_it(app, pg):
    pg.speed.set(30)  # ~33 ms a step
    seen = set()
    pg.play_button.invoke()
    assert pg.play_button.cget("text") == "Pause"
    pump(app.root, until=lambda: seen.add(pg.run.done) or pg.run.finished, timeout=10)
    assert len(seen) > 5  # it moved step by step, not all at once
    pump(app.root, 0.1)
    assert pg.play_button.cget("text") == "Play" and not pg.playing
    y = F.conv2d(pg.run.x[None], pg.run.w)[0, 0]
    assert output_numbers(pg) == as_text(y)
    pg.speed.set(10)
    pg.play_button.invoke()  # finished: Play starts over
    pump(app.root, until=lambda: pg.run.done >= 2, timeout=5)
    pg.play_button.invoke()  # Pause
    done = pg.run.done
    pump(app.root, 0.4)
    assert pg.run.done == done and pg._job is None


def test_transposed_formula_and_copying_the_line(app, pg):
    set_layer(pg, transposed=True, size=3, kernel=3, stride=2, padding=1, output_padding=1)
    st = pg.settings
    assert st.transposed and st.output_padding == 1
    f = transpose_formula(3, 3, 2, 1, 1)
    assert pg.substituted.cget("text") == f.substituted and f.value == 6
    pg.copy_button.invoke()
    line = app.root.clipboard_get()
    assert line == "nn.ConvTranspose2d(1, 1, kernel_size=3, stride=2, padding=1, output_padding=1)"
    layer = eval(line, {"nn": nn})
    assert layer(torch.zeros(1, 1, 3, 3)).shape == (1, 1, 6, 6)
    pg.end_button.invoke()
    pump(app.root, 0.05)
    y = F.conv_transpose2d(pg.run.x[None], pg.run.w, stride=2, padding=1, output_padding=1)
    assert output_numbers(pg) == as_text(y[0, 0])
    pg.reset_button.invoke()
    for _ in range(5):  # step 5 is input cell (1,1): it scatters onto rows/columns 1..3
        pg.next_button.invoke()
    pump(app.root, 0.05)
    assert "output rows 1..3, columns 1..3" in pg.step_text.cget("text")
    screenshot(app.root, ARTIFACTS / "playground_transposed.png")


def test_exercise1_shows_y0_y1_y2_equal_to_torch(app, pg):
    pg.preset.set(EXERCISE1)
    pg.preset_box.event_generate("<<ComboboxSelected>>")
    pump(app.root, until=lambda: "Working" not in pg.answer.get("1.0", "end"), timeout=10)
    x, w = exercise1_data()
    y = F.conv2d(x[None], w)[0]
    assert torch.equal(pg.run.x, x) and torch.equal(pg.run.w, w)
    pg.end_button.invoke()
    for k in range(3):
        pg.form.channel.set(str(k))
        pg.form.channel_box.focus_force()
        pg.form.channel_box.update()
        pg.form.channel_box.event_generate("<Return>")
        pump(app.root, 0.02)
        assert output_numbers(pg) == as_text(y[k]), f"Y{k}"
        kernel = pg.canvas.grids["kernel"]
        assert pg.canvas.itemcget(kernel.texts[(0, 0)], "text") == str(int(w[k, 0, 0, 0]))
    answer = pg.answer.get("1.0", "end")
    assert "Y0" in answer and "Y2" in answer and " 3 3 3" in answer  # Y0's middle row
    assert pg.line.get() == "nn.Conv2d(1, 3, kernel_size=3, stride=1, padding=0)"
    pg.form.channel.set("0")
    pg.form.channel_box.event_generate("<Return>")
    pg.reset_button.invoke()
    for _ in range(5):
        pg.next_button.invoke()
    pump(app.root, 0.05)
    screenshot(app.root, ARTIFACTS / "playground_exercise1.png")
    pg.form.reroll.invoke()  # other numbers: no longer the exercise
    assert pg.preset.get() == "Your own layer" and not torch.equal(pg.run.x, x)


@pytest.mark.parametrize(
    "name,expect",
    [
        (
            "Exercise 2: three output shapes",
            ["3x64x64 -> 10x31x31", "8x17x17 -> 10x13x13", "3x24x24 -> 3x12x12"],
        ),
        ("Exercise 3: parameter counts", ["= 1090", "= 2010", "= 18090", "18,090"]),
        (
            "11.3.5: DCGAN generator walk",
            ["1 -> 4 -> 8 -> 16 -> 32 -> 64", "(a real forward pass gives 3x64x64)"],
        ),
    ],
)
def test_exercise_presets_show_worked_answers(app, pg, name, expect):
    pg.preset.set(name)
    pg.preset_box.event_generate("<<ComboboxSelected>>")
    pump(app.root, until=lambda: "Working" not in pg.answer.get("1.0", "end"), timeout=20)
    answer = pg.answer.get("1.0", "end")
    for text in expect:
        assert text in answer, text
    st = PRESETS[name].settings
    assert pg.settings == st and pg.preset.get() == name
    shape = torch_layer(pg)(torch.zeros(1, st.in_channels, st.size, st.size)).shape[1:]
    assert "x".join(map(str, shape)) in pg.shapes.cget("text")
    if name.startswith("11.3.5"):
        for _ in range(6):
            pg.next_button.invoke()
        pump(app.root, 0.05)
        screenshot(app.root, ARTIFACTS / "playground_dcgan.png")
    set_layer(pg, size=6)  # a change of settings leaves the preset
    assert pg.preset.get() == "Your own layer"


def test_invalid_settings_show_a_message_not_a_traceback(app, pg):
    type_into(pg, "stride", "abc")
    assert "stride must be a whole number, not 'abc'" in pg.form.error.cget("text")
    assert pg.next_button.instate(["disabled"]) and pg.settings is None
    pg.next_button.invoke()  # disabled: nothing happens, nothing breaks
    type_into(pg, "stride", "1")
    type_into(pg, "kernel", "9")
    assert "the output would be empty" in pg.form.error.cget("text")
    assert pg.line.get() == "" and pg.substituted.cget("text").startswith("(fix")
    screenshot(app.root, ARTIFACTS / "playground_invalid.png")
    assert not app.status.get("message").startswith("internal error")
    type_into(pg, "kernel", "3")
    assert pg.form.error.cget("text") == "" and pg.settings is not None
    assert pg.next_button.instate(["!disabled"])
    assert pg.canvas.grids["out"].spec.size == 3
