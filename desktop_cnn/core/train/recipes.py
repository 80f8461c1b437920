"""The chapter's two training recipes and the app's own, as data, with the chapter's results.

A recipe is what the chapter fixes about a run: model, optimizer, batch size, epochs and
how pixels are scaled. ``book`` reproduces section 11.4 exactly (LeNet-5 on CIFAR-10, or
the 18,090-parameter net on airplane vs bird); ``app`` keeps the same data and model but
trains the way this app does by default, so the two results can be read side by side.
No Tk here: the CLI and the Train tab both read these values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

import torch

from ..data.batches import BatchLoader
from ..data.datasets import Dataset, load_dataset
from ..data.split import Split
from ..errors import UnknownNameError
from ..inspect.evaluation import evaluate
from .config import TrainConfig
from .training import Trainer, TrainResult

RECIPES = ("book", "app")
CIFAR2 = ("airplane", "bird")  # the chapter's two-class subset, labels 0 and 1
BOOK_MEAN = BOOK_STD = (0.5, 0.5, 0.5)  # the chapter maps every channel to [-1, 1]


@dataclass(frozen=True)
class BookFigures:
    """What the chapter reports for its run (accuracies as fractions)."""

    test_accuracy: float
    train_accuracy: float | None = None
    per_class: dict[str, float] = field(default_factory=dict)
    train_loss: dict[int, float] = field(default_factory=dict)  # epoch -> mean training loss
    where: str = ""


@dataclass(frozen=True)
class Recipe:
    name: str  # "book" or "app"
    title: str
    dataset: str
    classes: tuple[str, ...] | None  # None: all ten CIFAR-10 classes
    arch: str
    config: TrainConfig
    book_scaling: bool  # True: mean = std = 0.5 per channel, as the chapter's Normalize
    figures: BookFigures
    minutes_here: str  # how long the run takes on one CPU thread here (measured)

    @property
    def key(self) -> str:
        """Names this recipe among the four: "book-cifar10", "app-cifar2", ..."""
        return f"{self.name}-{'cifar2' if self.classes else 'cifar10'}"

    def prepare(self, data: Dataset) -> Dataset:
        """The dataset as this recipe sees it: its classes, then its scaling."""
        if self.classes and tuple(data.classes) != self.classes:
            data = data.with_classes(list(self.classes))  # recomputes mean and std
        return book_scaling(data) if self.book_scaling else data


def book_scaling(data: Dataset) -> Dataset:
    """x = (pixel/255 - 0.5)/0.5: the same fixed scaling on every channel, not the data's stats.

    The checkpoint stores mean and std from the Dataset, so a saved model predicts with the
    scaling it was trained with.
    """
    return replace(data, mean=BOOK_MEAN[: data.input_shape[0]], std=BOOK_STD[: data.input_shape[0]])


LENET_FIGURES = BookFigures(
    test_accuracy=0.59,
    per_class={
        "airplane": 0.64,
        "automobile": 0.74,
        "bird": 0.30,
        "cat": 0.36,
        "deer": 0.60,
        "dog": 0.36,
        "frog": 0.81,
        "horse": 0.70,
        "ship": 0.74,
        "truck": 0.67,
    },
    where="section 11.4.5: LeNet-5 on CIFAR-10",
)
CIFAR2_FIGURES = BookFigures(
    test_accuracy=0.88,
    train_accuracy=0.93,
    train_loss={1: 0.463, 100: 0.176},
    where="sections 11.4.2-11.4.3: the small net on airplane vs bird",
)

# The chapter's loops: constant lr, no weight decay, no augmentation, no label smoothing.
_PLAIN: dict[str, Any] = dict(
    schedule="constant",
    weight_decay=0.0,
    augment=False,
    label_smoothing=0.0,
    mixup=0.0,
    teacher=None,
)
BOOK_LENET = TrainConfig(epochs=2, batch_size=4, optimizer="adam", lr=1e-3, **_PLAIN)
# momentum=0: the chapter's optim.SGD(lr=1e-2) has none (and so no Nesterov either).
BOOK_CIFAR2 = TrainConfig(
    epochs=100, batch_size=64, optimizer="sgd", lr=1e-2, momentum=0.0, **_PLAIN
)


def _is_cifar2(dataset: str, classes: tuple[str, ...] | list[str] | None) -> bool:
    return dataset == "cifar10" and classes is not None and tuple(classes) == CIFAR2


def recipe(
    name: str, dataset: str = "cifar10", classes: tuple[str, ...] | list[str] | None = None
) -> Recipe:
    """The ``book`` or ``app`` recipe for CIFAR-10 (LeNet-5) or cifar2 (the small net)."""
    if name not in RECIPES:
        raise UnknownNameError(f"unknown recipe {name!r}: use {' or '.join(RECIPES)}")
    if dataset != "cifar10" or (classes and not _is_cifar2(dataset, classes)):
        raise UnknownNameError(
            "the chapter trains on cifar10 (LeNet-5) or on cifar10 with "
            "--classes airplane,bird (its small net): pick one of those"
        )
    two = _is_cifar2(dataset, classes)
    arch = "cifar-net" if two else "lenet5"
    figures = CIFAR2_FIGURES if two else LENET_FIGURES
    if name == "book":
        return Recipe(
            "book",
            "the chapter's recipe",
            dataset,
            CIFAR2 if two else None,
            arch,
            BOOK_CIFAR2 if two else BOOK_LENET,
            True,
            figures,
            MINUTES_HERE["book-cifar2" if two else "book-cifar10"],
        )
    return Recipe(
        "app",
        "the app's own recipe",
        dataset,
        CIFAR2 if two else None,
        arch,
        TrainConfig(),
        False,
        figures,
        MINUTES_HERE["app-cifar2" if two else "app-cifar10"],
    )


# Measured once each on a shared 2-core build machine, one CPU thread (docs/chapter.md).
MINUTES_HERE = {
    "book-cifar10": "about 10 minutes on one CPU thread (25,000 steps of 4 images)",
    "book-cifar2": "about 40 minutes for 100 epochs on one CPU thread",
    "app-cifar10": "about 19 minutes for 10 epochs on one CPU thread",
    "app-cifar2": "about 7 minutes for 10 epochs on one CPU thread",
}


def apply_to_args(name: str | None, args: Any) -> tuple[Recipe | None, TrainConfig | None]:
    """Fold ``--recipe`` into parsed CLI arguments; options set away from their defaults win.

    Returns the recipe and its config (None, None without ``--recipe``); sets ``args.model``
    and ``args.classes`` to the recipe's.
    """
    if not name:
        return None, None
    classes = [c.strip() for c in args.classes.split(",")] if args.classes else None
    r = recipe(name, args.dataset, classes)
    default, given = TrainConfig(), {}
    for f in fields(TrainConfig):
        value = getattr(args, f.name, getattr(default, f.name))
        if value != getattr(default, f.name):
            given[f.name] = value
    args.model = r.arch
    args.classes = ",".join(r.classes) if r.classes else None
    return r, replace(r.config, **given)


@dataclass(frozen=True)
class Change:
    setting: str
    book: str
    app: str
    why: str  # why the app's choice helps, in one line


def changes(book: Recipe, app: Recipe) -> list[Change]:
    """What the app's recipe does differently from the chapter's, and why each helps."""
    b, a = book.config, app.config
    return [
        Change(
            "augmentation",
            "none",
            "random crops and flips",
            "The net sees a slightly different image each epoch, so it memorises less",
        ),
        Change(
            "lr schedule",
            "constant",
            a.schedule,
            "Warm up, then lower the rate: big steps early, fine steps at the end",
        ),
        Change(
            "batch size",
            str(b.batch_size),
            str(a.batch_size),
            "Steadier steps, and a CPU or GPU works through many images at once far faster",
        ),
        Change(
            "optimizer",
            _opt(b),
            _opt(a),
            "Decoupled weight decay keeps the weights small, which generalises better",
        ),
        Change(
            "epochs",
            str(b.epochs),
            str(a.epochs),
            "More passes pay off when augmentation keeps each one new"
            if a.epochs > b.epochs
            else "Augmentation and the schedule get further in fewer passes",
        ),
        Change(
            "input scaling",
            "mean = std = 0.5",
            "the training set's own mean and std",
            "Each channel gets mean 0 and std 1, the range the initial weights expect",
        ),
    ]


def _opt(c: TrainConfig) -> str:
    extra = f", momentum {c.momentum:g}" if c.optimizer == "sgd" and c.momentum else ""
    return f"{c.optimizer} lr {c.peak_lr():g}{extra}, weight decay {c.decay():g}"


@dataclass(frozen=True)
class Row:
    label: str
    book: float | None
    yours: float | None


def result_rows(figures: BookFigures, metrics: dict[str, Any]) -> list[Row]:
    """The chapter's figures beside a run's ``ModelInfo.metrics`` (test, then each class)."""
    rows = [Row("test accuracy", figures.test_accuracy, metrics.get("test_accuracy"))]
    if figures.train_accuracy is not None:
        rows.append(Row("train accuracy", figures.train_accuracy, metrics.get("train_accuracy")))
    per_class = metrics.get("per_class") or {}
    for name, book in figures.per_class.items():
        rows.append(Row(f"  {name}", book, per_class.get(name)))
    return rows


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.0%}"


def comparison_table(figures: BookFigures, runs: dict[str, dict[str, Any]]) -> list[str]:
    """The chapter's column, then one column per run (``runs``: column title -> metrics)."""
    titles = list(runs)
    width = max([7] + [len(t) + 2 for t in titles])
    lines = [f"{'':22}{'book':>6}" + "".join(t.rjust(width) for t in titles)]
    tables = [result_rows(figures, m) for m in runs.values()] or [result_rows(figures, {})]
    for k, row in enumerate(tables[0]):
        yours = "".join(_pct(t[k].yours).rjust(width) for t in tables) if runs else ""
        lines.append(f"{row.label:<22}{_pct(row.book):>6}{yours}")
    return lines


def comparison_text(
    r: Recipe,
    metrics: dict[str, Any] | None = None,
    seconds: float | None = None,
    runs: dict[str, dict[str, Any]] | None = None,
) -> str:
    """A plain-text report: the chapter's figures beside yours, then what the app changes.

    ``metrics`` is one run of ``r``; ``runs`` several, titled (e.g. the book's and the app's
    recipe run one after the other in the Train tab).
    """
    took = f" in {seconds / 60:.1f} min" if seconds else ""
    runs = runs if runs is not None else {"yours": metrics or {}}
    lines = [f"{r.title} ({r.figures.where}){took}"] + comparison_table(r.figures, runs)
    book, app = recipe("book", r.dataset, r.classes), recipe("app", r.dataset, r.classes)
    lines += ["", "What the app's own recipe changes, and why it helps:"]
    for c in changes(book, app):
        lines.append(f"  {c.setting}: book {c.book}; app {c.app}. {c.why}")
    return "\n".join(lines)


def dataset_label(dataset: str, classes: tuple[str, ...] | list[str] | None) -> str:
    """ "cifar2" for the chapter's airplane-vs-bird subset of CIFAR-10, else the dataset."""
    return "cifar2" if _is_cifar2(dataset, tuple(classes) if classes else None) else dataset


def epoch_lines(r: Recipe, epochs: list[dict[str, Any]]) -> list[str]:
    """Like with like: the chapter's per-epoch figures beside the run's at the same epochs,
    and a line saying so when the run had fewer epochs than the chapter's."""
    epochs = [e if isinstance(e, dict) else e.as_dict() for e in epochs]  # records or dicts
    n, book_n = len(epochs), recipe("book", r.dataset, r.classes).config.epochs
    lines = []
    for e, book in sorted(r.figures.train_loss.items()):
        if e <= n:
            mine = f"yours {epochs[e - 1]['train_loss']:.3f}"
        elif n:
            mine = f"your run stopped at epoch {n} ({epochs[-1]['train_loss']:.3f}): no match"
        else:
            mine = "no epoch of yours to compare"
        lines.append(f"training loss after epoch {e}: book {book:.3f}, {mine}")
    if n > book_n and not r.figures.train_loss:  # accuracy: the book's epoch, from the history
        acc = epochs[book_n - 1]["test_accuracy"]
        lines.append(
            f"test accuracy after epoch {book_n}: book {r.figures.test_accuracy:.0%}, "
            f"yours {acc:.0%} (your last epoch is {n})"
        )
    if n < book_n:
        lines.append(
            f"Your run had {n} epoch(s), the chapter's {book_n}: "
            "the accuracies above are not like with like."
        )
    return lines


def train_accuracy(result: TrainResult, data: Dataset, batch_size: int = 1000) -> float:
    """Accuracy on the training images after training, as the chapter's validate() reports."""
    model = result.checkpoint.model
    device = next(model.parameters()).device
    loader = BatchLoader(data.train, batch_size, data.mean, data.std, device)
    return evaluate(model, loader, len(data.classes)).accuracy


def train_recipe(
    r: Recipe,
    config: TrainConfig,
    data_dir: str | None = None,
    callback: Callable[[Any], None] | None = None,
    limit: int | None = None,
) -> tuple[TrainResult, Dataset]:
    """Train ``r`` (with ``config``, usually ``r.config``); ``limit``: only that many images.

    The chapter's scaling goes through the Dataset, so the Trainer, the checkpoint and later
    predictions all use it. Adds ``train_accuracy`` to the result's metrics.
    """
    data = r.prepare(load_dataset(r.dataset, data_dir))
    if limit:
        data = replace(data, train=_first(data.train, limit), test=_first(data.test, limit))
    result = Trainer(data, r.arch, config, callback).run()
    if result.status == "finished":
        result.checkpoint.info.metrics["train_accuracy"] = train_accuracy(result, data)
    return result, data


def _first(split: Split, n: int) -> Split:
    """``n`` images drawn at random (the files are stored class by class), same every time."""
    keep = torch.randperm(len(split), generator=torch.Generator().manual_seed(0))[:n]
    return type(split)(split.images[keep], split.labels[keep])
