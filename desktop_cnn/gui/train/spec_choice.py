"""A model spec sent from the Build tab, as a choice of the Train form's Model box.

The spec is checked against the data only once the data is loaded (an image
folder's size is unknown before): the job then hands back a ``SpecMismatch``
instead of training, and this explains it and, where only the input size,
channels or number of classes differ, offers ``fit_to_data`` and starts again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from tkinter import messagebox

from ...core.spec.files import dataset_mismatch, fit_to_data
from ...core.spec.layers import NetSpec
from .train_form import TrainForm


@dataclass(frozen=True)
class SpecMismatch:
    """The job's answer instead of training: the spec does not fit the loaded data."""

    spec: NetSpec
    problems: list[str]
    input_shape: tuple[int, int, int]
    num_classes: int


def mismatch(
    spec: NetSpec, input_shape: tuple[int, int, int], num_classes: int
) -> SpecMismatch | None:
    """Runs in the job, after loading: None when the spec fits the data."""
    c, h, w = input_shape  # a plain tuple, whatever sequence came
    problems = dataset_mismatch(spec, (c, h, w), num_classes)
    return SpecMismatch(spec, problems, (c, h, w), num_classes) if problems else None


class SpecChoice:
    """The spec offered in the form (``label`` in the Model box) and what to do on mismatch."""

    def __init__(self, form: TrainForm, show_error: Callable[[str, str], None]) -> None:
        self.form, self.show_error = form, show_error
        self.spec: NetSpec | None = None
        self.force = False  # the person agreed to build a spec too big for a desktop
        self.label = ""

    def ask_yes_no(self, title: str, message: str) -> bool:  # a seam tests replace
        return messagebox.askyesno(title, message, parent=self.form.winfo_toplevel())

    def offer(self, spec: NetSpec, force: bool = False) -> None:
        """Put the spec in the Model box and choose it."""
        self.spec, self.force = spec, force
        values = [v for v in self.form.arch_box.cget("values") if v != self.label]
        self.label = f"{spec.name} (from Build)"
        self.form.arch_box.configure(values=[*values, self.label])
        self.form.arch.set(self.label)
        self.form.model_hint.configure(
            text=f"{spec.name}: your design from the Build tab, {len(spec.layers)} layers"
        )

    def arch(self, chosen: str) -> str | NetSpec:
        """What the trainer gets for the Model box's text: the spec for its label."""
        return self.spec if self.spec is not None and chosen == self.label else chosen

    def resolve(self, m: SpecMismatch, start: Callable[[], None]) -> bool:
        """Explain the mismatch; offer the fix when fitting it is enough. True: restarted."""
        why = "\n".join(f"- {p}" for p in m.problems)
        fixed = fit_to_data(m.spec, m.input_shape, m.num_classes)
        c, h, w = m.input_shape
        if dataset_mismatch(fixed, m.input_shape, m.num_classes):
            self.show_error(
                "This design does not fit the data", f"{why}\nChange its layers in the Build tab."
            )
            return False
        if not self.ask_yes_no(
            "Fit the design to the data?",
            f"{why}\nFit it: input {c}x{h}x{w} and {m.num_classes} outputs, then train?",
        ):
            return False
        self.offer(fixed, self.force)
        start()
        return True
