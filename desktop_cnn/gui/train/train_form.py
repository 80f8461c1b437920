"""The Train panel's settings form: its TrainConfig fields are made from the fields' options."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from tkinter import ttk
from typing import Any

from ...core.data.datasets import Dataset
from ...core.errors import ConfigError
from ...core.files.checkpoints import ModelInfo
from ...core.files.paths import data_dir as default_data_dir
from ...core.files.paths import models_dir
from ...core.models import MODELS
from ...core.train.config import DEFAULT_LR, TrainConfig
from ...core.train.options import FormField, Setting, settings
from ...core.train.recipes import Recipe
from ..common.panel import MODEL_TYPES, PAD
from ..common.scaling import px
from ..requests import ChooseRecipe, ShowTab
from ..state import AppState
from .recipe_choice import RecipeChoice, RecipeReport

DATASETS = {"MNIST": "mnist", "Fashion-MNIST": "fashion-mnist", "CIFAR-10": "cifar10"}
FOLDER = "Image folder..."


@dataclass
class FormValues:
    dataset: str  # a core.data.datasets name, e.g. "mnist" or "imagefolder:/home/me/pets"
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
        self.dataset = tk.StringVar(self, "MNIST")
        self.data_dir = tk.StringVar(self, data_dir)
        self.arch = tk.StringVar(self, "lenet5")
        self.dataset_box = ttk.Combobox(
            self, textvariable=self.dataset, state="readonly", values=[*DATASETS, FOLDER], width=18
        )
        self.dataset_box.bind("<<ComboboxSelected>>", self._dataset_selected)
        folder, self.data_entry, self.browse = self._path_row(self.data_dir, self._browse_data)
        classifiers = [name for name, spec in MODELS.items() if spec.classifier]
        self.arch_box = ttk.Combobox(
            self, textvariable=self.arch, values=classifiers, state="readonly", width=18
        )
        self.recipe_choice = RecipeChoice(self, self.use_recipe)
        rows: list[tuple[str, tk.Widget, ttk.Label | None]] = [
            ("Recipe", self.recipe_choice.box, None),
            ("Dataset", self.dataset_box, None),
            ("Data folder", folder, None),
            ("Model", self.arch_box, None),
        ]
        self.inputs: list[ttk.Widget] = [
            self.recipe_choice.box,
            self.dataset_box,
            self.data_entry,
            self.browse,
            self.arch_box,
        ]
        # TrainConfig's settings that have a form field, in its order: their options say how.
        self.fields = {s.name: self._field(s) for s in FORM_SETTINGS}
        switches = [f for f in self.fields.values() if f.setting.kind is bool]
        rows += [
            (f.form.label, f.widget, f.hint) for f in self.fields.values() if f not in switches
        ]
        for r, (label, widget, hint) in enumerate(rows):
            ttk.Label(self, text=label).grid(row=r, column=0, sticky="w", pady=2)
            widget.grid(row=r, column=1, sticky="ew", pady=2, padx=(PAD, 0))
            if hint is not None:
                hint.grid(row=r, column=2, sticky="w", padx=(4, 0))
        for i, f in enumerate(switches):  # checkboxes, under the rows
            f.widget.grid(row=len(rows) + i, column=0, columnspan=3, sticky="w", pady=2)
        below = len(rows) + len(switches)
        self.inputs += [w for f in self.fields.values() for w in f.inputs]
        self.model_hint = ttk.Label(self, foreground="#666", wraplength=px(330))
        self.model_hint.grid(row=below, column=0, columnspan=3, sticky="w")
        self.recipe_choice.hint.grid(row=below + 1, column=0, columnspan=3, sticky="w")
        self.report: RecipeReport | None = None  # make_report() puts it in the panel
        self.arch_box.bind("<<ComboboxSelected>>", lambda e: self._model_hint())
        self.fields["optimizer"].widget.bind("<<ComboboxSelected>>", lambda e: self._lr_hint())
        self.teacher_browse = self.fields["teacher"].inputs[-1]  # the "..." button
        self._model_hint()
        self.columnconfigure(1, weight=1)
        self._lr_hint()

    def _field(self, s: Setting) -> FormEntry:
        """The widget, variable and hint that show the setting ``s`` as its option says."""
        form = s.option.form
        assert form is not None  # FORM_SETTINGS has only settings with a form field
        value = getattr(self.defaults, s.name)
        hint = ttk.Label(self, text=form.hint, foreground="#666") if form.hint else None
        if s.kind is bool:
            var: tk.Variable = tk.BooleanVar(self, value)
            check = ttk.Checkbutton(self, text=form.label, variable=var)
            return FormEntry(s, form, var, check, [check])
        var = tk.StringVar(self, as_text(value))
        if form.file:
            row, entry, button = self._path_row(var, lambda: self._browse_model(var, form.file))
            return FormEntry(s, form, var, row, [entry, button], hint)
        values = form.values or s.option.choices
        if values:
            readonly = form.readonly or bool(s.option.choices)
            box = ttk.Combobox(self, textvariable=var, values=values, width=8)
            if readonly:
                box.state(["readonly"])
            return FormEntry(s, form, var, box, [box], hint)
        if s.kind is int and s.option.range is not None:  # arrows up to a sensible number
            top = min(s.option.range.hi, SPIN_TOP)
            spin = ttk.Spinbox(self, from_=s.option.range.lo, to=top, textvariable=var, width=8)
            return FormEntry(s, form, var, spin, [spin], hint)
        entry = ttk.Entry(self, textvariable=var, width=10)
        return FormEntry(s, form, var, entry, [entry], hint)

    def __getattr__(self, name: str) -> tk.Variable:
        """``form.epochs``, ``form.lr``...: the variable of a setting on the form."""
        fields = self.__dict__.get("fields", {})
        if name in fields:
            return fields[name].var
        raise AttributeError(name)

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
        for f in self.fields.values():
            if not f.form.machine:  # the device stays: it is this computer's, not the recipe's
                value = getattr(d, f.setting.name)
                f.var.set(value if f.setting.kind is bool else as_text(value))
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
        tabs = self.report.master  # the panel's notebook (make_report)
        if isinstance(tabs, ttk.Notebook):
            tabs.select(self.report)

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
        hint = self.fields["lr"].hint
        if hint is not None:
            hint.configure(text=f"blank: {DEFAULT_LR.get(self.optimizer.get(), '?')}")

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

    def _browse_model(self, var: tk.StringVar, title: str) -> None:
        path = self.ask_file(title=title, filetypes=MODEL_TYPES, initialdir=str(models_dir()))
        if path:
            var.set(path)

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
        values: dict[str, Any] = {name: f.value() for name, f in self.fields.items()}
        config = replace(self.defaults, **values)
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


FORM_SETTINGS = tuple(s for s in settings(TrainConfig) if s.option.form is not None)
SPIN_TOP = 1000  # a spinbox's arrows stop here; typing goes as far as the range allows


@dataclass
class FormEntry:
    """One setting on the form: its variable, the widget in its row, what set_enabled() greys."""

    setting: Setting
    form: FormField
    var: tk.Variable
    widget: tk.Widget
    inputs: list[ttk.Widget]
    hint: ttk.Label | None = None

    def value(self) -> Any:  # the setting's type: int, float, str, bool or None
        """The entry as the setting's value; raises ConfigError naming the field and its range."""
        s, what = self.setting, self.form.label.lower()
        if s.kind is bool:
            return bool(self.var.get())
        text = str(self.var.get()).strip()
        if not text and self.form.blank:
            return s.default  # e.g. a blank learning rate: the optimizer's
        if s.kind is int:
            return _int(text, what)
        if s.kind is float:
            return _float(text, what)
        return text


def as_text(value: object) -> str:
    """A setting as the form shows it: blank for None, 0.001 rather than 0.0010."""
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _allowed(what: str) -> str:
    """The range a field takes, as its option states it: " from 1 to 100000" (or nothing)."""
    for s in FORM_SETTINGS:
        label = s.option.form.label.lower() if s.option.form else ""
        if what in (label, s.name.replace("_", " ")) and s.option.range is not None:
            return f" {s.option.range.text()}"
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
