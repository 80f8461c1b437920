"""Export a model to ONNX, with how to feed it written into the file's metadata.

Since torch 2.9 ``torch.onnx.export`` uses the ``torch.export``-based exporter by
default (``dynamo=True``); it needs the ``onnx`` and ``onnxscript`` packages
(https://docs.pytorch.org/docs/stable/onnx_dynamo.html#dependencies). Both are
optional for desktop-cnn: they are imported inside these functions only, so the
app and its PyInstaller bundle run without them and say how to install them.

An ONNX file holds no preprocessing, so everything a program in another language
needs to turn pixels into the model's input goes into ``metadata_props`` (string
key/value pairs every ONNX runtime can read): lists are JSON, e.g.
``json.loads(props["mean"])``.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from ... import __version__
from ..errors import DesktopCnnError
from .atomic import replace_with, temp_beside

if TYPE_CHECKING:
    from onnx import ModelProto

    from .checkpoints import Checkpoint, ModelInfo

REQUIRED = ("onnx", "onnxscript")  # what torch.onnx.export(dynamo=True) imports
INSTALL_HINT = "pip install onnx onnxscript"
INPUT_NAME = "image"
OUTPUT_NAME = "logits"
NORMALISATION = "x = (pixel/255 - mean) / std"
EXAMPLE_BATCH = 2  # torch.export specialises a size-1 dimension, so trace with 2


def missing_packages() -> list[str]:
    """The exporter's packages that are not installed (cheap: imports nothing)."""
    return [name for name in REQUIRED if find_spec(name) is None]


def require_exporter() -> None:
    missing = missing_packages()
    if missing:
        raise DesktopCnnError(
            f"exporting to ONNX needs the Python package"
            f"{'s' * (len(missing) > 1)} {' and '.join(missing)}, which "
            f"{'are' if len(missing) > 1 else 'is'} not installed: "
            f"{INSTALL_HINT}"
        )


def metadata(info: ModelInfo) -> dict[str, str]:
    """How to use the exported model, as the string pairs ONNX metadata holds."""
    c, h, w = info.input_shape
    props = {
        "arch": info.arch,
        "arch_args": json.dumps(info.arch_args),
        "dataset": info.dataset,
        "classes": json.dumps(list(info.classes)),  # output column k is classes[k]
        "input_name": INPUT_NAME,
        "input_shape": json.dumps(["batch", c, h, w]),
        "input_layout": "NCHW, float32",
        "channel_order": "grayscale" if c == 1 else "RGB",
        "mean": json.dumps(list(info.mean)),
        "std": json.dumps(list(info.std)),
        "normalisation": f"{NORMALISATION}, per channel, with pixel in 0..255",
        "output_name": OUTPUT_NAME,
        "output": "logits (N, classes): softmax gives probabilities",
        "desktop_cnn_version": __version__,
    }
    if c == 1:  # the app's digit preprocessing (core/data/preprocess.py), which the model expects
        props["preprocessing"] = (
            "as MNIST: white ink on black; the ink cropped, its longer "
            "side scaled to 20 px, centred by mass in 28x28"
        )
    acc = info.metrics.get("test_accuracy")
    if isinstance(acc, float):
        props["test_accuracy"] = f"{acc:.4f}"
    return props


def _doc(info: ModelInfo) -> str:
    c, h, w = info.input_shape
    return (
        f"{info.title}. Input '{INPUT_NAME}' (N, {c}, {h}, {w}) float32, "
        f"{NORMALISATION} per channel with mean={list(info.mean)} std={list(info.std)}; "
        f"output '{OUTPUT_NAME}' (N, {len(info.classes)}): logits for {info.classes}."
    )


def _to_proto(checkpoint: Checkpoint) -> ModelProto:
    """Trace the model with torch.export and translate it: an onnx.ModelProto."""
    import torch

    info = checkpoint.info
    model = copy.deepcopy(checkpoint.model).float().cpu().eval()
    example = torch.zeros(EXAMPLE_BATCH, *info.input_shape)
    batch = torch.export.Dim("batch", min=1)
    try:
        program = torch.onnx.export(
            model,
            (example,),
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_shapes=({0: batch},),  # any batch size; C, H, W stay fixed
            dynamo=True,
            verbose=False,
        )
        assert program is not None  # dynamo=True returns the program (None: the old exporter)
        return program.model_proto
    except ImportError as exc:  # present but broken, or too old for this torch
        raise DesktopCnnError(
            f"the ONNX exporter cannot start ({exc}): {INSTALL_HINT} --upgrade"
        ) from None
    except Exception as exc:  # the exporter raises many kinds; the person needs one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DesktopCnnError(f"cannot export {info.arch} to ONNX: {first}") from None


def _write(data: bytes, out: Path) -> None:
    """Atomically, like checkpoints: a temp file beside ``out``, fsync, rename."""
    if out.parent.exists() and not out.parent.is_dir():  # mkdir would say "File exists"
        raise DesktopCnnError(f"cannot write {out}: {out.parent} is not a folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = temp_beside(out)  # fits a legal 255-byte name
    except OSError as exc:
        raise DesktopCnnError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide an ordinary document
        replace_with(tmp, out)  # never renames over /dev/null or another non-regular file
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise DesktopCnnError(f"cannot write {out}: {exc.strerror or exc}") from None
        raise


def export_onnx(checkpoint: Checkpoint, out_path: str | os.PathLike[str]) -> Path:
    """Write ``checkpoint``'s model as ONNX with a dynamic batch size; returns the path.

    Takes seconds (torch.export traces the model); the app runs it in an ExportProcess.
    """
    require_exporter()
    try:
        import onnx
    except ImportError as exc:
        raise DesktopCnnError(f"cannot import onnx ({exc}): {INSTALL_HINT}") from None
    out = Path(out_path)
    proto = _to_proto(checkpoint)
    onnx.helper.set_model_props(proto, metadata(checkpoint.info))
    proto.doc_string = _doc(checkpoint.info)
    _write(proto.SerializeToString(), out)
    return out


def export_command(model_file: Path, out: Path) -> list[str]:
    """``desktop-cnn export`` as this installation runs it (the bundle is its own Python)."""
    # --force: the person chose ``out`` in a save dialog, which asked before replacing a file.
    args = ["export", str(model_file), "--onnx", str(out), "--force"]
    if getattr(sys, "frozen", False):
        return [sys.executable, *args]
    return [sys.executable, "-m", "desktop_cnn", *args]


class ExportProcess:
    """``desktop-cnn export`` in a child process, for the app; ``done()`` and ``result()``.

    Not a thread: the exporter holds the GIL for up to ~0.9 s at a time (imports, C++
    passes), which would freeze the window, and switches mkldnn and cuDNN off for the
    whole process while it traces, which would change a prediction or a training run
    going on at the same time.
    """

    def __init__(self, checkpoint: Checkpoint, out_path: str | os.PathLike[str]) -> None:
        from .checkpoints import save_checkpoint

        self.out = Path(out_path).absolute()
        self.folder = Path(tempfile.mkdtemp(prefix="desktop-cnn-export-"))
        try:  # the model as it is now: it may exist only in memory
            model = save_checkpoint(
                self.folder / "model.pt", checkpoint.model, replace(checkpoint.info)
            )
            self.stderr = open(self.folder / "stderr.txt", "w+", encoding="utf-8")
            env = {**os.environ, "OMP_NUM_THREADS": "1"}  # leave the other cores to the app
            package_parent = str(Path(__file__).resolve().parents[3])
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [package_parent, env.get("PYTHONPATH")])
            )
            self.proc = subprocess.Popen(
                export_command(model, self.out),
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self.stderr,
            )
        except OSError as exc:
            if hasattr(self, "stderr"):
                self.stderr.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            raise DesktopCnnError(f"cannot start the export: {exc.strerror or exc}") from None

    def done(self) -> bool:
        return self.proc.poll() is not None

    def result(self) -> Path:
        """Wait for the child; the path, or its one-line error as a DesktopCnnError."""
        code = self.proc.wait()
        self.stderr.seek(0)
        lines = self.stderr.read().splitlines()
        self.stderr.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        if code == 0:
            return self.out
        prefix = "desktop-cnn: error: "
        errors = [ln[len(prefix) :] for ln in lines if ln.startswith(prefix)]
        raise DesktopCnnError(
            errors[-1]
            if errors
            else f"the export failed (exit status {code}): {lines[-1] if lines else 'no message'}"
        )
