"""ONNX export: onnxruntime gives torch's outputs on real MNIST test images; the metadata
says how to normalise them; the CLI's ``export`` gives one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from desktop_cnn import __version__, cli
from desktop_cnn.core.data.batches import BatchLoader
from desktop_cnn.core.errors import DesktopCnnError
from desktop_cnn.core.files import export
from desktop_cnn.core.files.checkpoints import load_checkpoint

from helpers import cached_test_model

ROOT = Path(__file__).resolve().parents[1]
N_IMAGES = 200


@pytest.fixture(scope="module")
def model_file(mnist) -> Path:
    return cached_test_model(mnist)


@pytest.fixture(scope="module")
def exported(model_file, tmp_path_factory) -> Path:
    pytest.importorskip("onnxscript")
    return export.export_onnx(
        load_checkpoint(model_file), tmp_path_factory.mktemp("onnx") / "lenet5.onnx"
    )


def normalise_from_metadata(images: torch.Tensor, props: dict[str, str]) -> np.ndarray:
    """What a program in another language would do, knowing only the file's metadata."""
    assert props["normalisation"].startswith("x = (pixel/255 - mean) / std")
    mean = np.array(json.loads(props["mean"]), dtype=np.float32).reshape(1, -1, 1, 1)
    std = np.array(json.loads(props["std"]), dtype=np.float32).reshape(1, -1, 1, 1)
    return ((images.numpy().astype(np.float32) / 255 - mean) / std).astype(np.float32)


def test_onnxruntime_matches_torch_on_real_test_images(exported, model_file, mnist):
    ort = pytest.importorskip("onnxruntime")
    ck = load_checkpoint(model_file)
    images, labels = mnist.test.images[:N_IMAGES], mnist.test.labels[:N_IMAGES]
    x, _ = next(iter(BatchLoader(mnist.test, N_IMAGES, ck.info.mean, ck.info.std)))
    with torch.no_grad():
        expected = ck.model(x).numpy()  # (200, 10), fed as the app evaluates
    session = ort.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    props = session.get_modelmeta().custom_metadata_map
    feed = normalise_from_metadata(images, props)
    assert np.abs(feed - x.numpy()).max() < 1e-6  # the metadata's recipe is the app's
    (got,) = session.run(["logits"], {"image": feed})
    assert got.shape == (N_IMAGES, 10)
    assert np.abs(got - expected).max() < 1e-4
    assert (got.argmax(1) == labels.numpy()).mean() > 0.8  # a trained model, not noise
    (one,) = session.run(None, {"image": feed[:1]})  # the batch dimension is dynamic
    assert np.abs(one - expected[:1]).max() < 1e-4


def test_metadata_parses_back_to_the_checkpoint(exported, model_file):
    info = load_checkpoint(model_file).info
    onnx = pytest.importorskip("onnx")
    props = {p.key: p.value for p in onnx.load(str(exported)).metadata_props}
    assert json.loads(props["mean"]) == list(info.mean)
    assert json.loads(props["std"]) == list(info.std)
    assert json.loads(props["classes"]) == info.classes == [str(i) for i in range(10)]
    assert json.loads(props["input_shape"]) == ["batch", 1, 28, 28]
    assert props["arch"] == "lenet5" and props["dataset"] == "mnist"
    assert props["channel_order"] == "grayscale" and props["input_layout"].startswith("NCHW")
    assert props["desktop_cnn_version"] == __version__
    assert "white ink on black" in props["preprocessing"]


def test_failed_export_leaves_the_old_file_and_no_temp(model_file, tmp_path, monkeypatch):
    pytest.importorskip("onnxscript")
    out = tmp_path / "m.onnx"
    out.write_bytes(b"the previous export")

    def broken(*args, **kwargs):
        raise RuntimeError("unsupported operator aten::frobnicate\nand a long trace")

    monkeypatch.setattr(torch.onnx, "export", broken)
    with pytest.raises(
        DesktopCnnError,
        match="cannot export lenet5 to ONNX: unsupported operator aten::frobnicate$",
    ):
        export.export_onnx(load_checkpoint(model_file), out)
    assert out.read_bytes() == b"the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_missing_onnx_is_one_line_with_the_fix(model_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxscript", None)  # as if not installed
    assert export.missing_packages() == ["onnxscript"]
    rc = cli.main(["export", str(model_file), "--onnx", str(tmp_path / "m.onnx")])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1
    assert err.startswith(
        "desktop-cnn: error: exporting to ONNX needs the Python package onnxscript"
    )
    assert "pip install onnx onnxscript" in err
    assert not (tmp_path / "m.onnx").exists()


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "desktop_cnn", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.slow  # torch.export in a fresh interpreter
def test_cli_export_writes_a_model_onnxruntime_runs(model_file, tmp_path, mnist):
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnxscript")
    out = tmp_path / "sub" / "cli.onnx"
    proc = run_cli("export", model_file, "--onnx", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(
        f"saved {out}: input 'image' (N, 1, 28, 28) float32, "
        "x = (pixel/255 - mean) / std with mean="
    )
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    feed = normalise_from_metadata(
        mnist.test.images[:8], session.get_modelmeta().custom_metadata_map
    )
    (logits,) = session.run(None, {"image": feed})
    assert logits.shape == (8, 10)
    assert oct(out.stat().st_mode & 0o777) == "0o644"


@pytest.mark.slow  # a fresh interpreter
def test_cli_export_of_a_bad_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a model at all")
    proc = run_cli("export", bad, "--onnx", tmp_path / "out.onnx")
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"desktop-cnn: error: {bad}")
    assert not (tmp_path / "out.onnx").exists()
