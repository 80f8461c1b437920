"""``desktop-cnn export``: write a saved model as ONNX, with how to feed it in its metadata."""

from __future__ import annotations

import argparse
from typing import Any

from ..core.files.checkpoints import load_checkpoint
from ..core.files.export import INPUT_NAME, NORMALISATION, OUTPUT_NAME, export_onnx
from ..core.files.outputs import ONNX, check_output


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="write a model in another format (ONNX)")
    p.add_argument("file", help="a model file (.pt) saved by train or the app")
    p.add_argument(
        "--onnx",
        required=True,
        metavar="OUT",
        help="ONNX file to write (needs: pip install onnx onnxscript); its metadata "
        "holds the classes and the input normalisation x = (pixel/255 - mean) / std",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace an OUT that is not our export; export a model over the size limits",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    r = export_file(args.file, args.onnx, args.force)
    shape = ", ".join(str(d) for d in r["input_shape"])
    print(
        f"saved {r['onnx']}: input {r['input_name']!r} (N, {shape}) float32, "
        f"{r['normalisation']} with mean={r['mean']} std={r['std']}; "
        f"output {r['output_name']!r}: logits for {len(r['classes'])} classes"
    )
    return 0


def export_file(path: str, onnx_out: str, force: bool = False) -> dict[str, Any]:
    check_output(onnx_out, ONNX, [path], force, flag="--onnx")  # before the model is read
    ck = load_checkpoint(path, force=force)
    info = ck.info
    out = export_onnx(ck, onnx_out)
    return {
        "file": str(path),
        "onnx": str(out),
        "input_name": INPUT_NAME,
        "input_shape": list(info.input_shape),
        "output_name": OUTPUT_NAME,
        "normalisation": NORMALISATION,
        "mean": list(info.mean),
        "std": list(info.std),
        "classes": list(info.classes),
    }
