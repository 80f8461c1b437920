"""One number explained in the Feature maps panel; following training; replaying a run.

The real app on the virtual display, driven through its widgets: clicks on the
layer grids and on the enlarged map, the Train panel's Start button (on a
2,000-image subset through the ``load_dataset`` seam), the Follow checkbox and
the replay slider.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import (
    draw_digit,
    draw_stroke,
    pump,
    screenshot,
    small_dataset,
)

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"
TOL = 1e-5


@pytest.fixture
def maps(app):
    app.notebook.select(app.tabs["Feature maps"])
    app.panels["Draw"].clear()
    pump(app.root, 0.2)
    return app.panels["Feature maps"]


def click_tile(app, maps, layer: str, index: int, row: int, col: int) -> None:
    """A real click on pixel (row, col) of tile ``index`` of a layer's grid."""
    g = maps.grids[layer]
    x, y = g.layout.origin(index)
    scale = g.layout.tile / g.side
    g.canvas.event_generate(
        "<Button-1>", x=x + int((col + 0.5) * scale), y=y + int((row + 0.5) * scale)
    )
    pump(app.root, 0.05)


def map_value(app, layer: str, c: int, r: int, col: int) -> float:
    return float(app.app_state.analysis.maps[layer][c, r, col])


def test_clicking_a_pixel_explains_its_value(app, maps):
    draw_digit(maps.pad.canvas, "7", scale=maps.pad.side / 280, each=app.root.update)
    pump(app.root, 0.2)
    click_tile(app, maps, "conv1", 2, 0, 0)  # a corner: the window lies half in the padding
    assert maps.selected == ("conv1", 2) and maps.pixel == (0, 0)
    assert "row 0, col 0" in maps.detail_text.cget("text")
    assert maps.detail.find_withtag("mark")  # the pixel is boxed on the enlarged map
    assert not maps.explaining  # a tile click alone opens no window
    maps.explain_button.invoke()
    pump(app.root, 0.2)
    view = maps.explain_view
    assert maps.explaining and view.winfo_ismapped()
    e = view.explanation
    assert (e.layer, e.channel, e.row, e.col, e.source) == ("conv1", 2, 0, 0, "input")
    assert e.padded[:2].all() and e.padded[:, :2].all()
    assert abs(e.value - map_value(app, "conv1", 2, 0, 0)) <= TOL
    assert f"{map_value(app, 'conv1', 2, 0, 0):.6f}" in view.value_text.cget("text")

    # A pixel of the enlarged conv2 map (its brightest): the window follows, with 6 channels.
    click_tile(app, maps, "conv2", 5, 0, 0)
    m = app.app_state.analysis.maps["conv2"][5]
    r, c = (int(i) for i in np.unravel_index(m.argmax(), m.shape))
    size, (h, w) = maps.detail.side, m.shape
    maps.detail.event_generate(
        "<Button-1>", x=1 + int((c + 0.5) * size / w), y=1 + int((r + 0.5) * size / h)
    )
    pump(app.root, 0.2)
    e = view.explanation
    assert (e.layer, e.channel, e.row, e.col, e.source) == ("conv2", 5, r, c, "pool1")
    assert e.products.shape == (6, 5, 5) and len(e.channel_sums) == 6 and e.value > 0
    assert abs(e.value - map_value(app, "conv2", 5, r, c)) <= TOL
    assert f"{e.value:.6f}" in view.value_text.cget("text")
    assert len(view.canvas.find_all()) > 6 * 3 * 25  # a cell per number, for every channel
    pump(app.root, 0.3)
    screenshot(view, ARTIFACTS / "explain_conv2.png")
    view.tk.call(view.protocol("WM_DELETE_WINDOW"))  # what the close button runs: it hides
    pump(app.root, 0.3)
    assert not maps.explaining and maps.pixel == (r, c)
    screenshot(app.root, ARTIFACTS / "feature_maps_pixel.png")  # (the window would cover it)
    maps.explain_button.invoke()  # open again, on the same pixel
    pump(app.root, 0.2)
    assert maps.explaining and (view.explanation.row, view.explanation.col) == (r, c)

    # Drawing on updates the explanation in place, still equal to the map.
    before = e.pre_activation
    draw_stroke(maps.pad.canvas, [(20, 100), (150, 110)])
    pump(app.root, 0.2)
    e = view.explanation
    assert (e.row, e.col) == (r, c) and abs(e.value - map_value(app, "conv2", 5, r, c)) <= TOL
    assert e.pre_activation != before
    click_tile(app, maps, "conv1", 0, 13, 13)  # with the window open, a tile click follows
    e = view.explanation
    assert (e.layer, e.row, e.col) == ("conv1", 13, 13)
    screenshot(view, ARTIFACTS / "explain_conv1.png")
    assert abs(e.value - map_value(app, "conv1", 0, 13, 13)) <= TOL

    def pads_shown() -> int:
        cv = view.canvas
        return sum(
            cv.type(i) == "text" and cv.itemcget(i, "text") == "0 pad" for i in cv.find_all()
        )

    assert pads_shown() == 0
    click_tile(app, maps, "conv1", 0, 0, 0)  # the same geometry: the cells are repainted
    assert view.explanation.padded.sum() == pads_shown() == 16  # 2 rows + 2 columns of 5x5
    assert abs(view.explanation.value - map_value(app, "conv1", 0, 0, 0)) <= TOL
    click_tile(app, maps, "conv1", 0, 27, 13)  # the bottom edge: 2 rows of padding
    assert pads_shown() == 10
    click_tile(app, maps, "pool1", 0, 3, 3)  # pooling: explained in words beside the map
    assert str(maps.explain_button.state()) == "()"
    assert "pool1 map 0 at (3, 3) = the largest" in maps.detail_text.cget("text")
    assert view.explanation is None and "conv layer" in view.header.cget("text")
    view.tk.call(view.protocol("WM_DELETE_WINDOW"))
    pump(app.root, 0.1)


@pytest.fixture
def train(app, mnist, monkeypatch):
    panel = app.panels["Train"]
    small = small_dataset(mnist, 2000, 500)
    monkeypatch.setattr(panel, "load_dataset", lambda name, data_dir: small)
    panel.form.epochs.set("2")
    panel.form.batch_size.set("64")
    yield panel
    if panel.running:
        panel.stop_button.invoke()
        pump(app.root, until=lambda: not panel.running, timeout=10)
    panel.timeline.follow.set(True)


@pytest.mark.slow  # a training followed live
def test_follow_training_then_replay_it(app, train, monkeypatch):
    from desktop_cnn.core.inspect.snapshots import snapshot_checkpoint, snapshot_step
    from desktop_cnn.gui.common.images import filter_tiles
    from desktop_cnn.gui.predictor import analyse

    app.notebook.select(app.tabs["Draw"])
    draw = app.panels["Draw"]
    draw.clear()
    draw_digit(draw.pad.canvas, "7", each=app.root.update)
    pump(app.root, 0.1)
    x = app.app_state.analysis.x
    app.notebook.select(app.tabs["Train"])
    assert train.timeline.follow.get()  # Follow is on by default
    seen: list[tuple[int, np.ndarray]] = []  # (step, the Draw panel's probabilities)
    shown = train.timeline.show_preview  # called right after each model the panel makes current

    def record(ck) -> None:
        shown(ck)
        if app.app_state.model_source.startswith("following"):
            seen.append((snapshot_step(ck), draw.bars.probs.copy()))

    monkeypatch.setattr(train.timeline, "show_preview", record)
    # A copy every 100 ms instead of 300: this 2-second run shows several even on a fast machine
    monkeypatch.setattr("desktop_cnn.gui.train.timeline.FOLLOW_MS", 100)
    train.start_button.invoke()
    pump(app.root, until=lambda: not train.running, timeout=120)
    assert train.last_status == "finished"
    steps = [step for step, _ in seen]
    assert len(seen) >= 3 and steps == sorted(steps) and steps[-1] <= 2 * (2000 // 64)
    changed = sum(not np.allclose(a[1], b[1]) for a, b in zip(seen, seen[1:], strict=False))
    assert changed >= 2  # the drawing's probabilities moved as the model learned
    timeline = train.timeline
    assert timeline.follows == len(seen)  # every followed model reached the Draw panel
    assert (
        app.app_state.checkpoint is timeline.final and "not saved yet" in app.app_state.model_source
    )
    print(
        f"follow updates: {len(seen)}, Tk thread per update: median "
        f"{np.median(timeline.follow_ms):.1f} ms, max {max(timeline.follow_ms):.1f} ms"
    )

    # The replay: 1 + 4 snapshots per epoch, the last one being the final model.
    rec = timeline.recorder
    assert len(rec) == 9 and rec[0].step == 0 and rec[-1].step == 2 * (2000 // 64)
    assert str(timeline.slider.state()) == "()" and timeline.index == 8
    final_probs = draw.bars.probs.copy()
    timeline.slider.event_generate("<Button-1>", x=1, y=timeline.slider.winfo_height() // 2)
    pump(app.root, 0.3)
    assert timeline.index == 0 and snapshot_step(app.app_state.checkpoint) == 0
    assert app.app_state.model_source.startswith("replay of the last run: step 0")
    step0 = analyse(snapshot_checkpoint(rec[0]), x).probs
    assert np.allclose(draw.bars.probs, step0) and not np.allclose(step0, final_probs)
    maps = app.panels["Feature maps"]
    maps.select("filters", 0)  # conv1's first filter, enlarged

    def filter_on_show() -> np.ndarray:
        """The Feature maps panel as one sees it: it redraws when its tab is shown."""
        app.notebook.select(app.tabs["Feature maps"])
        pump(app.root, 0.2)
        shown = maps.detail.array
        app.notebook.select(app.tabs["Train"])
        pump(app.root, 0.1)
        return shown

    w0 = rec[0].state_dict["conv1.weight"].numpy()
    assert np.array_equal(filter_on_show(), filter_tiles(w0[:1])[0])
    assert "random weights" in timeline.text.cget("text")
    screenshot(app.root, ARTIFACTS / "train_replay.png")

    timeline.slider.event_generate(
        "<Button-1>", x=timeline.slider.winfo_width() - 2, y=timeline.slider.winfo_height() // 2
    )
    pump(app.root, 0.3)
    assert app.app_state.checkpoint is train.timeline.final and timeline.index == 8
    assert np.allclose(draw.bars.probs, final_probs)
    w_end = train.timeline.final.model.conv1.weight.detach().numpy()
    assert np.array_equal(filter_on_show(), filter_tiles(w_end[:1])[0])
    assert not np.array_equal(filter_tiles(w0[:1])[0], filter_tiles(w_end[:1])[0])
    assert "the final model" in timeline.text.cget("text")

    timeline.prev_button.invoke()  # one step back: a mid-run snapshot, labelled as such
    assert snapshot_step(app.app_state.checkpoint) == rec[7].step
    assert "not its final model" in app.app_state.checkpoint.info.notes[-1]
    app.notebook.select(app.tabs["Feature maps"])
    pump(app.root, 0.3)
    assert "replay of the last run" in maps.layers.cget("text")
    assert maps.grids["conv1"].count == 6  # the maps of the replayed model, on show
    screenshot(app.root, ARTIFACTS / "feature_maps_replay.png")
    app.notebook.select(app.tabs["Train"])
    pump(app.root, 0.1)
    timeline.next_button.invoke()
    assert app.app_state.checkpoint is train.timeline.final


def test_unfollowing_mid_run_gives_the_old_model_back(app, train, mnist, monkeypatch):
    long = small_dataset(mnist, 30000, 500)  # 468 batches: the run is stopped within epoch 1
    monkeypatch.setattr(train, "load_dataset", lambda name, data_dir: long)
    # paused well within epoch 1
    monkeypatch.setattr("desktop_cnn.gui.train.timeline.FOLLOW_MS", 100)
    before = app.app_state.checkpoint
    start = train.timeline.follows
    train.start_button.invoke()
    pump(app.root, until=lambda: train.timeline.follows >= start + 2, timeout=60)
    assert app.app_state.checkpoint is not before
    train.pause_button.invoke()  # (paused, so the batches left in epoch 1 last the test)
    train.timeline.follow_box.invoke()  # Follow off
    assert app.app_state.checkpoint is before
    follows = train.timeline.follows
    pump(app.root, 0.8)
    assert train.timeline.follows == follows and app.app_state.checkpoint is before
    train.timeline.follow_box.invoke()  # on again: the latest weights after the next batch
    train.pause_button.invoke()
    pump(app.root, until=lambda: train.timeline.follows > follows, timeout=10)
    assert app.app_state.model_source.startswith("following training")
    train.stop_button.invoke()
    pump(app.root, until=lambda: not train.running, timeout=10)
    assert not train.epochs and train.last_status == "stopped"
    assert app.app_state.checkpoint is before  # stopped before any evaluation: the old model back
