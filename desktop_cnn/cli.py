"""The command line: the same core as the app, from a terminal.

    desktop-cnn train --dataset mnist --model lenet5 --epochs 5 --out m.pt
    desktop-cnn eval m.pt --dataset mnist --json
    desktop-cnn predict m.pt digit.png --json
    desktop-cnn summary --model cifar-net --input 3x32x32
    desktop-cnn export m.pt --onnx m.onnx
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path

from .core.errors import DesktopCnnError
from .core.training import OPTIMIZERS, SCHEDULES, TrainConfig

PROG = "desktop-cnn"


def _add_train(sub) -> None:
    from .core.data import DATASET_HELP
    from .core.models import MODELS

    d = TrainConfig()
    p = sub.add_parser("train", help="train a model and save it",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dataset", required=True, help=DATASET_HELP)
    p.add_argument("--classes", help="keep only these classes, e.g. airplane,bird")
    p.add_argument("--model", default="lenet5", choices=[n for n, s in MODELS.items()
                                                         if s.classifier])
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=d.lr, help="peak learning rate (None: by optimizer)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer)
    p.add_argument("--schedule", choices=SCHEDULES, default=d.schedule)
    p.add_argument("--weight-decay", type=float, default=d.weight_decay,
                   help="None: 5e-4 for sgd, 0.05 for adamw (decoupled), 0 for adam")
    p.add_argument("--label-smoothing", type=float, default=d.label_smoothing)
    p.add_argument("--teacher", metavar="FILE", help="distil: also learn from this trained "
                   "model's soft answers (e.g. a widenet checkpoint for the same dataset)")
    p.add_argument("--temperature", type=float, default=d.temperature,
                   help="distillation temperature T (with --teacher)")
    p.add_argument("--distill-weight", type=float, default=d.distill_weight,
                   help="share of the loss from the teacher, the rest from the labels")
    p.add_argument("--mixup", type=float, default=d.mixup, metavar="ALPHA",
                   help="blend pairs of images by lam ~ Beta(ALPHA, ALPHA); 0: off")
    p.add_argument("--no-augment", dest="augment", action="store_false",
                   help="turn off batch augmentation")
    p.add_argument("--no-amp", dest="amp", action="store_false", help="no mixed precision on CUDA")
    p.add_argument("--device", default=d.device, help="auto, cpu, cuda, cuda:N or mps")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--data-dir", help="dataset folder (default: $DESKTOP_CNN_DATA or user dir)")
    p.add_argument("--validation", type=float, default=0.0, metavar="FRACTION",
                   help="hold out this share of the training images and report accuracy on "
                   "it instead of the test set (for choosing settings)")
    p.add_argument("--out", required=True, help="checkpoint file to write")
    p.add_argument("--resume", help="continue the run saved in this checkpoint")
    p.add_argument("--checkpoint-every-epoch", action="store_true",
                   help="also save --out after every epoch, with optimizer state for --resume")
    p.set_defaults(func=cmd_train)


def _add_eval(sub) -> None:
    p = sub.add_parser("eval", help="test accuracy, per-class accuracy, confusion matrix")
    p.add_argument("file")
    p.add_argument("--dataset", help="default: the dataset recorded in the checkpoint")
    p.add_argument("--data-dir")
    p.add_argument("--device", default="auto")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_eval)


def _add_predict(sub) -> None:
    p = sub.add_parser("predict", help="classify image files (digits get MNIST preprocessing)")
    p.add_argument("file")
    p.add_argument("images", nargs="+")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p.set_defaults(func=cmd_predict)


def _add_summary(sub) -> None:
    from .core.models import MODELS

    p = sub.add_parser("summary", help="layers, output shapes and parameters of a model")
    p.add_argument("--model", required=True, choices=list(MODELS))
    p.add_argument("--input", help="CxHxW, e.g. 3x32x32 (default: the model's own)")
    p.add_argument("--classes", type=int, help="number of output classes")
    p.set_defaults(func=cmd_summary)


def _add_export(sub) -> None:
    p = sub.add_parser("export", help="write a model in another format (ONNX)")
    p.add_argument("file")
    p.add_argument("--onnx", required=True, metavar="OUT",
                   help="ONNX file to write (needs: pip install onnx onnxscript); its metadata "
                   "holds the classes and the input normalisation x = (pixel/255 - mean) / std")
    p.set_defaults(func=cmd_export)


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog=PROG, description="Learn CNNs: train, evaluate, "
                                     "predict. Run with no arguments to open the app.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_add_train, _add_eval, _add_predict, _add_summary, _add_export):
        add(sub)
    return parser


def parse_shape(text: str) -> tuple[int, int, int]:
    try:
        c, h, w = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise DesktopCnnError(f"bad --input {text!r}: write it as CxHxW, e.g. 1x28x28") from None
    if min(c, h, w) < 1:
        raise DesktopCnnError(f"bad --input {text!r}: every size must be at least 1")
    return c, h, w


def cmd_train(args) -> int:
    from .commands import train

    cfg_fields = {f.name for f in fields(TrainConfig)}
    config = TrainConfig(**{k: v for k, v in vars(args).items() if k in cfg_fields})
    classes = [c.strip() for c in args.classes.split(",")] if args.classes else None
    return train(args.dataset, classes, args.model, config, args.data_dir, Path(args.out),
                 args.resume, args.checkpoint_every_epoch, args.validation)


def cmd_eval(args) -> int:
    from .commands import evaluate_file

    result = evaluate_file(args.file, args.dataset, args.data_dir, args.device)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"test accuracy: {result['accuracy']:.2%} on {result['n']} images "
              f"({result['dataset']})")
        width = max(len(c) for c in result["per_class"])
        for name, acc in result["per_class"].items():
            print(f"  {name:<{width}}  {acc:6.1%}")
    return 0


def cmd_predict(args) -> int:
    from .commands import predict_files

    results = predict_files(args.file, args.images)
    if args.json:
        print(json.dumps(results))
    else:
        for r in results:
            p = r["probabilities"][r["label"]]
            print(f"{r['image']}: {r['label']} ({p:.1%})")
    return 0


def cmd_summary(args) -> int:
    from .core.models import build_model, model_spec
    from .core.summary import format_summary, summary

    kwargs = {}
    shape = parse_shape(args.input) if args.input else None
    if model_spec(args.model).classifier:
        if shape:
            kwargs.update(in_channels=shape[0], input_size=shape[1])
        if args.classes:
            kwargs["num_classes"] = args.classes
    elif shape:
        kwargs["nz"] = shape[0]
    model = build_model(args.model, **kwargs)
    try:
        print(format_summary(summary(model, shape or model.input_shape)))
    except ValueError as exc:
        raise DesktopCnnError(str(exc)) from None
    return 0


def cmd_export(args) -> int:
    from .commands import export_file

    r = export_file(args.file, args.onnx)
    shape = ", ".join(str(d) for d in r["input_shape"])
    print(f"saved {r['onnx']}: input {r['input_name']!r} (N, {shape}) float32, "
          f"{r['normalisation']} with mean={r['mean']} std={r['std']}; "
          f"output {r['output_name']!r}: logits for {len(r['classes'])} classes")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DesktopCnnError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `desktop-cnn eval ... | head`: the reader left
        sys.stderr.close()
        return 0
