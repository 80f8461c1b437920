"""The Train panel's settings form; every default comes from ``TrainConfig()``."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from tkinter import ttk

from ...core.checkpoints import ModelInfo
from ...core.data import Dataset
from ...core.device import DEVICE_CHOICES
from ...core.errors import ConfigError
from ...core.limits import TRAIN_RANGES, range_text
from ...core.models import MODELS
from ...core.paths import data_dir as default_data_dir
from ...core.paths import models_dir
from ...core.train.recipes import Recipe
from ...core.train.training import DEFAULT_LR, OPTIMIZERS, TrainConfig
from ..common.panel import MODEL_TYPES, PAD
from ..common.scaling import px
from ..requests import ChooseRecipe, ShowTab
from ..state import AppState
from .recipe_choice import RecipeChoice, RecipeReport

DATASETS = {"MNIST": "mnist", "Fashion-MNIST": "fashion-mnist", "CIFAR-10": "cifar10"}
FOLDER = "Image folder..."
BATCH_SIZES = ("32", "64", "128", "256", "512")


@dataclass
class FormValues:
    dataset: str  # a core.data name, e.g. "mnist" or "imagefolder:/home/me/pets"
    data_dir: str
    arch: str
    config: TrainConfig
    # The chapter's recipes pick classes and scaling: applied to the loaded dataset.
    prepare: Callable[[Dataset], Dataset] = field(default=lambda data: data)
    recipe: Recipe | None = None


class TrainForm(ttk.LabelFrame):
    def __init__(
        self,
        master: tk.Misc,
        data_dir: str | None,
        ask_directory: Callable[..., str],
        ask_file: Callable[..., str],
    ) -> None:
        super().__init__(master, text="Settings", padding=PAD)
        self.ask_directory, self.ask_file = ask_directory, ask_file
        self.defaults = TrainConfig()  # a chosen recipe replaces these (and its hidden settings)
        self.recipe: Recipe | None = None
        self.running_recipe: Recipe | None = None  # the recipe of the run read() started
        self.folder = ""  # the image folder, when "Image folder..." was chosen
        self.create_widgets(data_dir or str(default_data_dir()))

    def create_widgets(self, data_dir: str) -> None:
        d = self.defaults
        self.dataset = tk.StringVar(self, "MNIST")
        self.data_dir = tk.StringVar(self, data_dir)
        self.arch = tk.StringVar(self, "lenet5")
        self.epochs = tk.StringVar(self, str(d.epochs))
        self.batch_size = tk.StringVar(self, str(d.batch_size))
        self.lr = tk.StringVar(self, "" if d.lr is None else str(d.lr))
        self.optimizer = tk.StringVar(self, d.optimizer)
        self.augment = tk.BooleanVar(self, d.augment)
        self.device = tk.StringVar(self, d.device)
        self.teacher = tk.StringVar(self, d.teacher or "")  # blank: learn from the labels only
        self.mixup = tk.StringVar(self, f"{d.mixup:g}")
        self.adversarial_eps = tk.StringVar(self, f"{d.adversarial_eps:g}")  # Inside tab

        self.dataset_box = ttk.Combobox(
            self, textvariable=self.dataset, state="readonly", values=[*DATASETS, FOLDER], width=18
        )
        self.dataset_box.bind("<<ComboboxSelected>>", self._dataset_selected)
        folder, self.data_entry, self.browse = self._path_row(self.data_dir, self._browse_data)
        classifiers = [name for name, spec in MODELS.items() if spec.classifier]
        self.arch_box = ttk.Combobox(
            self, textvariable=self.arch, values=classifiers, state="readonly", width=18
        )
        self.epochs_box = ttk.Spinbox(self, from_=1, to=1000, textvariable=self.epochs, width=8)
        self.batch_box = ttk.Combobox(
            self, textvariable=self.batch_size, values=BATCH_SIZES, width=8
        )
        self.lr_entry = ttk.Entry(self, textvariable=self.lr, width=10)
        self.optimizer_box = ttk.Combobox(
            self, textvariable=self.optimizer, values=OPTIMIZERS, state="readonly", width=8
        )
        self.optimizer_box.bind("<<ComboboxSelected>>", lambda e: self._lr_hint())
        self.device_box = ttk.Combobox(
            self, textvariable=self.device, values=DEVICE_CHOICES, state="readonly", width=8
        )
        self.augment_check = ttk.Checkbutton(
            self, text="Augment the training images", variable=self.augment
        )
        teacher, self.teacher_entry, self.teacher_browse = self._path_row(
            self.teacher, self._browse_teacher
        )
        self.mixup_entry = ttk.Entry(self, textvariable=self.mixup, width=10)
        self.adversarial_entry = ttk.Entry(self, textvariable=self.adversarial_eps, width=10)
        self.recipe_choice = RecipeChoice(self, self.use_recipe)
        rows = [
            ("Recipe", self.recipe_choice.box),
            ("Dataset", self.dataset_box),
            ("Data folder", folder),
            ("Model", self.arch_box),
            ("Epochs", self.epochs_box),
            ("Batch size", self.batch_box),
            ("Learning rate", self.lr_entry),
            ("Optimizer", self.optimizer_box),
            ("Device", self.device_box),
            ("Teacher", teacher),
            ("Mixup alpha", self.mixup_entry),
            ("Adversarial eps", self.adversarial_entry),
        ]
        for r, (label, widget) in enumerate(rows):
            ttk.Label(self, text=label).grid(row=r, column=0, sticky="w", pady=2)
            widget.grid(row=r, column=1, sticky="ew", pady=2, padx=(PAD, 0))
        self.lr_hint = ttk.Label(self, foreground="#666")
        self.lr_hint.grid(row=6, column=2, sticky="w", padx=(4, 0))
        hints = [(9, "blank: none"), (10, "0: off"), (11, "of 255; 0: off")]  # see the README
        for row, text in hints:
            ttk.Label(self, text=text, foreground="#666").grid(
                row=row, column=2, sticky="w", padx=(4, 0)
            )
        self.augment_check.grid(row=len(rows), column=0, columnspan=3, sticky="w", pady=2)
        self.model_hint = ttk.Label(self, foreground="#666", wraplength=px(330))
        self.model_hint.grid(row=len(rows) + 1, column=0, columnspan=3, sticky="w")
        self.recipe_choice.hint.grid(row=len(rows) + 2, column=0, columnspan=3, sticky="w")
        self.report: RecipeReport | None = None  # make_report() puts it in the panel
        self.arch_box.bind("<<ComboboxSelected>>", lambda e: self._model_hint())
        self._model_hint()
        self.columnconfigure(1, weight=1)
        self.inputs = [
            self.recipe_choice.box,
            self.dataset_box,
            self.data_entry,
            self.browse,
            self.arch_box,
            self.epochs_box,
            self.batch_box,
            self.lr_entry,
            self.optimizer_box,
            self.device_box,
            self.teacher_entry,
            self.teacher_browse,
            self.mixup_entry,
            self.adversarial_entry,
            self.augment_check,
        ]
        self._lr_hint()

    def listen(self, state: AppState) -> None:
        """Answer ``ChooseRecipe`` requests (the chapter guide's buttons) with this form."""

        def choose(request: ChooseRecipe) -> None:
            state.post(ShowTab("Train"))
            if not self.recipe_choice.box.instate(["disabled"]):  # not in the middle of a run
                self.recipe_choice.choose(request.label)

        state.handle(ChooseRecipe, choose)

    def use_recipe(self, r: Recipe | None) -> None:
        """Fill the form with a recipe's settings (None: back to the app's defaults)."""
        self.recipe = r
        self.defaults = r.config if r else TrainConfig()
        d = self.defaults
        if r is not None:
            self.dataset.set("CIFAR-10")
            self.arch.set(r.arch)
        for var, value in (
            (self.epochs, d.epochs),
            (self.batch_size, d.batch_size),
            (self.lr, "" if d.lr is None else f"{d.lr:g}"),
            (self.optimizer, d.optimizer),
            (self.augment, d.augment),
            (self.teacher, d.teacher or ""),
            (self.mixup, f"{d.mixup:g}"),
            (self.adversarial_eps, f"{d.adversarial_eps:g}"),
        ):
            var.set(value)
        self._model_hint()
        self._lr_hint()

    def make_report(self, tabs: ttk.Notebook) -> RecipeReport:
        """The "Book vs yours" page, a tab of the panel's notebook (the form's column is full)."""
        self.report = RecipeReport(tabs)
        return self.report

    def show_result(self, info: ModelInfo) -> None:
        """After a finished run: the chapter's figures beside it, if a recipe started it."""
        if self.running_recipe is None or self.report is None:
            return
        self.report.add(self.running_recipe, info)
        self.report.master.select(self.report)

    def _path_row(self, var: tk.StringVar, browse: Callable[[], None]):
        """An entry for a path with a "..." button that asks for one: (frame, entry, button)."""
        row = ttk.Frame(self)
        entry = ttk.Entry(row, textvariable=var, width=14)
        entry.pack(side="left", fill="x", expand=True)
        button = ttk.Button(row, text="...", width=3, command=browse)
        button.pack(side="left", padx=(2, 0))
        return row, entry, button

    def _model_hint(self) -> None:
        spec = MODELS.get(self.arch.get())
        self.model_hint.configure(text=f"{self.arch.get()}: {spec.description}" if spec else "")

    def _lr_hint(self) -> None:
        self.lr_hint.configure(text=f"blank: {DEFAULT_LR.get(self.optimizer.get(), '?')}")

    def _dataset_selected(self, event=None) -> None:
        if self.dataset.get() != FOLDER:
            return
        path = self.ask_directory(title="A folder with one sub-folder of images per class")
        if not path:
            self.dataset.set("MNIST" if not self.folder else f"Folder: {Path(self.folder).name}")
            return
        self.folder = path
        label = f"Folder: {Path(path).name}"
        self.dataset_box.configure(values=[*DATASETS, label, FOLDER])
        self.dataset.set(label)

    def _browse_teacher(self) -> None:
        path = self.ask_file(
            title="A trained model to learn from (distillation)",
            filetypes=MODEL_TYPES,
            initialdir=str(models_dir()),
        )
        if path:
            self.teacher.set(path)

    def _browse_data(self) -> None:
        path = self.ask_directory(title="Where datasets are stored (or downloaded to)")
        if path:
            self.data_dir.set(path)

    def set_enabled(self, enabled: bool) -> None:
        for w in self.inputs:  # "readonly" is a separate state flag and survives this
            w.state(["!disabled"] if enabled else ["disabled"])

    def dataset_name(self) -> str:
        label = self.dataset.get()
        if label in DATASETS:
            return DATASETS[label]
        return f"imagefolder:{self.folder}"

    def read(self) -> FormValues:
        """The form as values; raises a DesktopCnnError (ConfigError) naming a bad entry."""
        lr_text = self.lr.get().strip()
        config = replace(
            self.defaults,
            epochs=_int(self.epochs.get(), "epochs"),
            batch_size=_int(self.batch_size.get(), "batch size"),
            lr=_float(lr_text, "learning rate") if lr_text else None,
            optimizer=self.optimizer.get(),
            augment=bool(self.augment.get()),
            device=self.device.get(),
            teacher=self.teacher.get().strip() or None,
            mixup=_float(self.mixup.get().strip() or "0", "mixup alpha"),
            adversarial_eps=_float(self.adversarial_eps.get().strip() or "0", "adversarial eps"),
        )
        config.validate()
        r = self.recipe if self.dataset_name() == "cifar10" else None  # a recipe needs CIFAR-10
        self.running_recipe = r
        return FormValues(
            self.dataset_name(),
            self.data_dir.get().strip(),
            self.arch.get(),
            config,
            r.prepare if r else (lambda data: data),
            r,
        )


FIELDS = {"learning rate": "lr", "mixup alpha": "mixup"}  # the form's words -> TrainConfig


def _allowed(what: str) -> str:
    """The range a field takes, as the core states it: " from 1 to 100000" (or nothing)."""
    field = FIELDS.get(what, what.replace(" ", "_"))
    for name, lo, hi, _, lo_open, hi_open in TRAIN_RANGES:
        if name == field:
            return f" {range_text(lo, hi, lo_open, hi_open)}"
    return ""


def _int(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ConfigError(
            f"{what} must be a whole number{_allowed(what)}, not {text!r}", what
        ) from None


def _float(text: str, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"{what} must be a number{_allowed(what)}, not {text!r}", what) from None
