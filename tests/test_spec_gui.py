"""An own 20-layer design in the Feature maps tab: every layer is found by asking the model,
the Activations area scrolls to the last layer, and the explanation of a 1x1 and an 11x11
kernel keeps its columns apart."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from desktop_cnn.core.files.checkpoints import Checkpoint, ModelInfo
from desktop_cnn.core.spec import build_spec, layer, spec_of
from desktop_cnn.gui.common.scaling import px
from desktop_cnn.gui.origin import ModelOrigin

from helpers import draw_digit, pump, screenshot

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("no_real_dialogs")]
ARTIFACTS = Path(__file__).parent / "artifacts"


def deep_spec():
    """Twenty layers, kernels from 1x1 to 11x11, names that are not conv1, conv2, ..."""
    layers = [
        layer("conv", "first", out_channels=4, kernel=11, padding=5),
        layer("relu"),
        layer("conv", "squeeze", out_channels=3, kernel=1),
        layer("tanh"),
    ]
    for k in (3, 5, 7):
        layers += [layer("conv", out_channels=4, kernel=k, padding=k // 2), layer("relu")]
    layers += [
        layer("maxpool", kernel=2),
        layer("conv", out_channels=6, kernel=3),
        layer("batchnorm"),
        layer("leakyrelu", slope=0.1),
        layer("avgpool", kernel=2),
        layer("conv", "mix", out_channels=8, kernel=1),
        layer("sigmoid"),
        layer("gap"),
        layer("dropout", p=0.1),
        layer("linear", out_features=10),
    ]
    assert len(layers) == 20
    return spec_of("deep-own", (1, 28, 28), layers)


def click_tile(app, maps, name: str, index: int = 0) -> None:
    g = maps.grids[name]
    x, y = g.layout.origin(index)
    g.canvas.event_generate("<Button-1>", x=x + 2, y=y + 2)
    pump(app.root, 0.05)


def overlaps(canvas, ids) -> bool:
    boxes = sorted(canvas.bbox(i) for i in ids)
    return any(a[2] > b[0] for a, b in zip(boxes, boxes[1:], strict=False))


def test_an_own_deep_design_in_feature_maps(app):
    torch.manual_seed(0)
    spec = deep_spec()
    model = build_spec(spec).eval()
    info = ModelInfo(
        arch=spec.name,
        arch_args={"spec": spec.to_dict()},
        dataset="mnist",
        classes=[str(i) for i in range(10)],
        input_shape=(1, 28, 28),
        mean=(0.1307,),
        std=(0.3081,),
    )
    app.app_state.set_model(Checkpoint(model, info), ModelOrigin.trained())
    app.notebook.select(app.tabs["Feature maps"])
    maps = app.panels["Feature maps"]
    app.panels["Draw"].clear()
    draw_digit(maps.pad.canvas, "7", scale=maps.pad.side / 280, each=app.root.update)
    pump(app.root, 0.3)
    four_d = [r for r in spec.layers if r.type not in ("gap", "dropout", "linear")]
    assert [n for n in maps.grids if n != "input"] == [r.name for r in four_d]
    assert maps.filters_box.cget("text") == "first filters"  # the model's first conv
    scroller = maps.scroller
    assert scroller.inner.winfo_reqheight() > scroller.canvas.winfo_height()  # it must scroll
    screenshot(app.root, ARTIFACTS / "spec_deep_features_top.png")
    scroller.canvas.yview_moveto(1.0)
    pump(app.root, 0.2)
    screenshot(app.root, ARTIFACTS / "spec_deep_features_bottom.png")
    click_tile(app, maps, "sigmoid1", 7)  # the last map: reachable and clickable
    assert maps.selected == ("sigmoid1", 7) and maps.explainable("sigmoid1")
    for name in ("mix", "first"):  # a 1x1 and an 11x11 kernel
        click_tile(app, maps, name, 0)
        maps.explain_button.invoke()
        pump(app.root, 0.3)
        view = maps.explain_view
        ex = view.explanation
        assert ex is not None and ex.layer == name and ex.error <= 1e-5
        cv = view.canvas
        top = px(2)  # where the view writes its column titles, at this dpi
        titles = [i for i in cv.find_all() if cv.type(i) == "text" and cv.coords(i)[1] == top]
        assert len(titles) == 5 and not overlaps(cv, titles), [cv.bbox(i) for i in titles]
        screenshot(view, ARTIFACTS / f"spec_explain_{name}.png")
    view.withdraw()
    pump(app.root, 0.1)
