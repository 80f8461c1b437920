"""What the CLI's subcommands do, as functions that return data (the CLI prints it)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .core.batches import BatchLoader
from .core.checkpoints import load_checkpoint, save_checkpoint
from .core.data import load_dataset
from .core.device import pick_device
from .core.errors import DesktopCnnError
from .core.evaluation import evaluate, predict_proba
from .core.events import BatchEnd, EpochEnd, Event, Failed, Started
from .core.export import INPUT_NAME, NORMALISATION, OUTPUT_NAME, export_onnx
from .core.preprocess import load_image, prepare
from .core.training import TrainConfig, Trainer


class ProgressPrinter:
    """Turns trainer events into a tqdm bar per epoch and a line per epoch."""

    def __init__(self, held_out: str = "test") -> None:
        self.bar = None
        self.held_out = held_out  # "val" when --validation replaced the test set

    def __call__(self, e: Event) -> None:
        from tqdm import tqdm

        if isinstance(e, Started):
            print(f"training on {e.device}: {e.train_size} train / {e.test_size} test images, "
                  f"{e.steps_per_epoch} batches per epoch", file=sys.stderr)
        elif isinstance(e, BatchEnd):
            if self.bar is None:
                self.bar = tqdm(total=e.steps, desc=f"epoch {e.epoch}/{e.epochs}", unit="batch",
                                leave=False, file=sys.stderr, dynamic_ncols=True)
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{e.loss:.3f}", img_s=f"{e.images_per_s:,.0f}",
                                 eta=f"{e.eta_s:.0f}s", refresh=False)
        elif isinstance(e, EpochEnd):
            if self.bar is not None:
                self.bar.close()
                self.bar = None
            print(f"epoch {e.epoch}: train loss {e.train_loss:.4f} acc {e.train_accuracy:.2%} | "
                  f"{self.held_out} loss {e.test_loss:.4f} acc {e.test_accuracy:.2%} "
                  f"({e.seconds:.1f}s)")
        elif isinstance(e, Failed):
            if self.bar is not None:
                self.bar.close()
                self.bar = None


def train(dataset: str, classes: list[str] | None, arch: str, config: TrainConfig,
          data_dir: str | None, out: Path, resume: str | None, every_epoch: bool,
          validation: float = 0.0) -> int:
    resume_ck = load_checkpoint(resume) if resume else None
    if resume_ck is not None and classes is None:
        classes = list(resume_ck.info.classes)  # the resumed run's class subset, if it had one
    data = load_dataset(dataset, data_dir, classes)
    if validation:
        data = data.holdout(validation, config.seed)
        print(f"validation: {len(data.test)} training images held out; the test set is unused",
              file=sys.stderr)
    trainer = Trainer(data, arch, config, ProgressPrinter("val" if validation else "test"),
                      resume=resume_ck)
    result = trainer.run(out if every_epoch else None)
    if result.status == "failed":
        raise DesktopCnnError(result.message)
    save_checkpoint(out, result.checkpoint.model, result.checkpoint.info)
    acc = result.checkpoint.info.metrics.get("test_accuracy")
    held_out = "validation" if validation else "test"
    print(f"saved {out}" + (f" ({held_out} accuracy {acc:.2%})" if acc is not None else ""))
    return 0


def evaluate_file(path: str, dataset: str | None, data_dir: str | None,
                  device: str = "auto") -> dict[str, Any]:
    ck = load_checkpoint(path)
    info = ck.info
    subset = info.classes if dataset is None or dataset == info.dataset else None
    data = load_dataset(dataset or info.dataset, data_dir)
    if set(info.classes) != set(data.classes):
        if not set(info.classes) <= set(data.classes):
            raise DesktopCnnError(f"{path} knows classes {info.classes}, which {data.name} "
                                  f"does not have")
        subset = info.classes
    if subset and list(subset) != data.classes:
        data = data.with_classes(subset)
    if data.input_shape != tuple(info.input_shape):
        raise DesktopCnnError(f"{path} takes {info.input_shape} images, {data.name} has "
                              f"{data.input_shape}")
    dev = pick_device(device)
    loader = BatchLoader(data.test, 1000, info.mean, info.std, dev)  # the model's own stats
    result = evaluate(ck.model.to(dev), loader, len(info.classes))
    return {"file": str(path), "dataset": data.name, "n": len(data.test),
            "accuracy": result.accuracy, "loss": result.loss,
            "per_class": result.per_class_named(info.classes),
            "confusion": result.confusion.tolist(), "classes": info.classes}


def predict_files(path: str, images: list[str]) -> list[dict[str, Any]]:
    ck = load_checkpoint(path)
    info = ck.info
    out = []
    for image in images:
        x, _ = prepare(load_image(image), info.input_shape, info.mean, info.std)
        if x is None:
            raise DesktopCnnError(f"{image}: the image is empty (no ink found)")
        probs = predict_proba(ck.model, x)[0].tolist()
        label = max(range(len(probs)), key=probs.__getitem__)
        out.append({"image": image, "label": info.classes[label], "index": label,
                    "probabilities": dict(zip(info.classes, probs, strict=True))})
    return out


def export_file(path: str, onnx_out: str) -> dict[str, Any]:
    ck = load_checkpoint(path)
    info = ck.info
    out = export_onnx(ck, onnx_out)
    return {"file": str(path), "onnx": str(out), "input_name": INPUT_NAME,
            "input_shape": list(info.input_shape), "output_name": OUTPUT_NAME,
            "normalisation": NORMALISATION, "mean": list(info.mean), "std": list(info.std),
            "classes": list(info.classes)}
