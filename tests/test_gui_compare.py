"""File > Compare models and File > Export to ONNX in the real app, on a (virtual) display."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from desktop_cnn.core.data.batches import BatchLoader
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.inspect.compare import batch_epochs, smooth
from desktop_cnn.gui.inspect.compare_window import CompareWindow

from helpers import pump, quick_model, screenshot

pytestmark = [
    pytest.mark.gui,
    pytest.mark.usefixtures("no_real_dialogs"),
    # a Tk object freed in the export's worker thread shows up as one of these
    pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning"),
]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def saved_models(mnist, tmp_path_factory) -> list[Path]:
    """Two short runs that differ: 2 epochs on 1,024 images, 1 epoch on 3,072."""
    folder = tmp_path_factory.mktemp("compare")
    return [
        quick_model(mnist, folder / "small_2ep.pt", epochs=2, n_train=1024),
        quick_model(mnist, folder / "larger_1ep.pt", epochs=1, n_train=3072),
    ]


def invoke_file_menu(app, label: str) -> None:
    menu = app.menu.file_menu
    assert menu.entrycget(label, "state") == "normal"
    menu.invoke(menu.index(label))
    pump(app.root, 0.05)


def compare_windows(app) -> list[CompareWindow]:
    return [w for w in app.root.winfo_children() if isinstance(w, CompareWindow)]


def test_compare_two_saved_models(app, saved_models, tmp_path):
    invoke_file_menu(app, "Compare models...")
    (win,) = compare_windows(app)
    panel, fig = win.panel, win.panel.figure
    pump(app.root, until=lambda: win.winfo_ismapped(), timeout=10)
    asked = []
    panel.ask_open_filenames = lambda **kw: asked.append(kw) or tuple(map(str, saved_models))
    panel.add_button.invoke()
    pump(app.root, until=lambda: len(fig.lines) == 2, timeout=10)
    assert asked and asked[0]["title"] == "Add models to compare"
    assert len(fig.loss_ax.lines) == 2 * 2 and len(fig.acc_ax.lines) == 2  # per model
    rows = panel.table.get_children()
    assert [panel.table.item(r, "text") for r in rows] == [
        "\u25a0 small_2ep.pt",
        "\u25a0 larger_1ep.pt",
    ]
    for row, path in zip(rows, saved_models, strict=True):
        hist = load_checkpoint(path).info.history
        lines, color = fig.lines[row], panel.entries[row].color
        assert {ln.get_color() for ln in lines.values()} == {color}
        assert np.allclose(lines["train_loss"].get_ydata(), smooth(hist["batch_loss"]))
        assert np.allclose(
            lines["train_loss"].get_xdata(),
            batch_epochs(len(hist["batch_loss"]), len(hist["epochs"])),
        )
        assert list(lines["test_accuracy"].get_ydata()) == [
            e["test_accuracy"] for e in hist["epochs"]
        ]
        assert list(lines["test_loss"].get_xdata()) == [e["epoch"] for e in hist["epochs"]]
        assert lines["test_accuracy"].axes is fig.acc_ax
    colors = [panel.entries[r].color for r in rows]
    assert colors[0] != colors[1]
    # the curves differ: 16 + 16 batches over 2 epochs against 48 in one
    assert len(fig.lines[rows[0]]["train_loss"].get_xdata()) == 32
    assert len(fig.lines[rows[1]]["train_loss"].get_xdata()) == 48
    legend = [t.get_text() for t in fig.figure.legends[0].get_texts()]
    assert legend == [panel.entries[r].curves.label for r in rows]
    assert all("lenet5 on mnist, test accuracy" in text for text in legend)

    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a model")
    assert panel.add_files([str(broken), str(saved_models[0])]) == 0  # bad, already listed
    assert panel.note.cget("text") == "Not drawn: broken.pt is not a PyTorch model file"
    screenshot(win, ARTIFACTS / "compare_models_flagged.png")
    panel.add_current_button.invoke()
    pump(app.root, until=lambda: len(fig.lines) == 3, timeout=10)
    assert panel.table.item(panel.table.get_children()[-1], "text") == "\u25a0 current model"
    pump(app.root, 0.3)
    screenshot(win, ARTIFACTS / "compare_models.png")

    panel.table.selection_set(rows[0])
    panel.remove_button.invoke()
    pump(app.root, until=lambda: len(fig.lines) == 2, timeout=10)
    assert rows[0] not in fig.lines and len(fig.acc_ax.lines) == 2
    assert panel.entries[rows[1]].color == colors[1]  # the others keep their colours
    win.event_generate("<Escape>")  # closing hides it: its list is there next time
    pump(app.root, until=lambda: not win.winfo_ismapped(), timeout=10)
    invoke_file_menu(app, "Compare models...")
    pump(app.root, until=lambda: win.winfo_ismapped(), timeout=10)
    assert compare_windows(app) == [win] and len(panel.entries) == 2
    win.withdraw()


@pytest.mark.slow  # torch.export
def test_export_to_onnx_from_the_menu(app, mnist, tmp_path, monkeypatch, errors):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    out = tmp_path / "exported.onnx"
    asked = []
    monkeypatch.setattr(app, "ask_save_filename", lambda **kw: asked.append(kw) or str(out))
    invoke_file_menu(app, "Export to ONNX...")
    assert asked[0]["initialfile"] == "lenet5_mnist.onnx"
    assert app.status.get("message") == f"exporting to {out}..."
    pump(app.root, until=lambda: app.status.get("message").startswith("exported"), timeout=180)
    assert not errors and out.exists()
    info, model = app.app_state.checkpoint.info, app.app_state.checkpoint.model
    x, _ = next(iter(BatchLoader(mnist.test, 50, info.mean, info.std)))
    with torch.no_grad():
        expected = model(x).numpy()
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (got,) = session.run(["logits"], {"image": x.numpy()})
    assert np.abs(got - expected).max() < 1e-4


@pytest.mark.slow  # torch.export
def test_export_failure_is_shown(app, tmp_path, monkeypatch, errors):
    pytest.importorskip("onnxscript")
    (tmp_path / "afile").write_text("a file, not a folder")
    out = tmp_path / "afile" / "x.onnx"
    monkeypatch.setattr(app, "ask_save_filename", lambda **kw: str(out))
    invoke_file_menu(app, "Export to ONNX...")
    pump(app.root, until=lambda: errors, timeout=180)
    assert errors == [
        ("Cannot export the model", f"cannot write {out}: {out.parent} is not a folder")
    ]
    assert app.status.get("message") == "export failed"


def test_export_without_onnx_says_how_to_install(app, monkeypatch, errors):
    monkeypatch.setitem(sys.modules, "onnx", None)  # as in an install without the extras
    asked = []
    monkeypatch.setattr(app, "ask_save_filename", lambda **kw: asked.append(kw) or "x.onnx")
    invoke_file_menu(app, "Export to ONNX...")
    assert not asked  # no file dialog for an export that cannot run
    assert errors == [
        (
            "Export to ONNX",
            "Exporting to ONNX needs the Python package onnx, "
            "which is not installed: pip install onnx onnxscript",
        )
    ]
