"""The Generate tab in the real app: a short run started with its buttons, the grid changing,
the latent slider moved, the generator's steps shown, and a fake sent to the Draw tab."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from helpers import launch, pump, screenshot

pytestmark = [pytest.mark.gui, pytest.mark.slow, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def app(display, shared_data):
    app = launch(["--data-dir", str(shared_data)])
    app.notebook.select(app.tabs["Generate"])
    pump(app.root, 0.2)
    yield app
    if not app.closing:
        app.quit_app()


def test_a_short_run_draws_walks_steps_and_sends_a_fake_to_draw(app):
    panel = app.panels["Generate"]
    panel.nametowidget("left.buttons.new").invoke()  # not the bundled generator: from scratch
    spin = panel.nametowidget("left.form.steps")
    spin.delete(0, "end")
    spin.insert(0, "60")
    start = panel.nametowidget("left.buttons.start")
    assert start.instate(["!disabled"])
    start.invoke()
    pump(app.root, until=lambda: panel.fakes is not None, timeout=120)
    first = panel.fakes.clone()
    assert "not digits yet" in panel.read_text.get()  # grey blobs, all read as one digit
    screenshot(app.root, ARTIFACTS / "generate_start.png")
    pause = panel.nametowidget("left.buttons.pause")
    pump(app.root, until=lambda: panel.last_step is not None, timeout=120)
    pause.invoke()  # Pause: the step count stands still
    pump(app.root, 0.5)
    held = panel.last_step.step
    pump(app.root, 1.0)
    assert panel.last_step.step <= held + 1 and pause.cget("text") == "Resume"
    pause.invoke()
    pump(app.root, until=lambda: panel.grid_updates >= 2, timeout=120)
    screenshot(app.root, ARTIFACTS / "generate_mid.png")
    pump(app.root, until=lambda: not panel.worker.running, timeout=300)
    assert panel.gan is not None and panel.gan.step == 60, panel.status_text.get()
    assert panel.grid_updates >= 3  # step 0, 25, 50, 60
    assert not torch.equal(first, panel.fakes)  # the generator learned something
    assert "%" in panel.read_text.get()  # the bundled LeNet-5 read the fakes
    screenshot(app.root, ARTIFACTS / "generate_end.png")

    # Continue goes on from step 60; Stop ends it with the generator kept
    assert start.cget("text") == "Continue"
    start.invoke()
    pump(app.root, until=lambda: panel.last_step.step > 62, timeout=120)
    panel.nametowidget("left.buttons.stop").invoke()
    pump(app.root, until=lambda: not panel.worker.running, timeout=120)
    assert panel.status_text.get().startswith("Stopped") and 62 < panel.gan.step < 120

    # B is another fake (a right-click on its tile), then the walk's slider moves
    grid = panel.grid_view
    x, y = grid._origin(5)
    grid.event_generate("<Button-3>", x=x + 10, y=y + 10)
    assert panel.b == 5
    panel.views.select(1)
    pump(app.root, 0.2)
    slider = panel.nametowidget("views.walk.slider")
    before = panel.walk_image.photo
    slider.event_generate("<Button-1>", x=slider.winfo_width() - 3, y=slider.winfo_height() // 2)
    pump(app.root, 0.3)
    assert panel.walk_t.get() > 0.5
    assert panel.walk_image.photo is not before
    screenshot(app.root, ARTIFACTS / "generate_walk.png")

    panel.views.select(2)
    pump(app.root, 0.3)
    assert [r.caption.cget("text").split(":")[0] for r in panel.step_rows] == [
        "tconv1",
        "tconv2",
        "tconv3",
    ]
    assert "= 7" in panel.step_rows[0].caption.cget("text")
    assert "= 28" in panel.step_rows[-1].caption.cget("text")
    screenshot(app.root, ARTIFACTS / "generate_steps.png")

    panel.nametowidget("middle.!frame.send").invoke()
    pump(app.root, 0.5)
    assert app.notebook.tab("current", "text") == "Draw"
    assert app.app_state.source.caption.startswith("Generated image A")
    assert app.app_state.source.tensor.shape == (1, 28, 28)


def test_the_generator_and_discriminator_are_build_presets(app):
    from desktop_cnn.core.spec import build_spec, preset_spec

    app.notebook.select(app.tabs["Build"])
    build = app.panels["Build"]
    for label, name in (
        ("DCGAN generator, 28x28 (Generate tab)", "dcgan-g28"),
        ("DCGAN discriminator, 28x28", "dcgan-d28"),
    ):
        build.preset.set(label)
        build.preset_box.event_generate("<<ComboboxSelected>>")
        pump(app.root, 0.2)
        spec = preset_spec(name)
        assert build.draft.spec() == spec
        count = sum(p.numel() for p in build_spec(spec).parameters())
        assert build.table.cells[-1][4] == f"{count:,}"  # the table's total parameters
        screenshot(app.root, ARTIFACTS / f"build_{name}.png")
