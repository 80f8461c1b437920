"""Knowledge distillation: a small model learns from a larger model's soft answers.

Hinton, Vinyals and Dean (2015), "Distilling the knowledge in a neural network".
A teacher that says "this 7 is 90% a 7, 9% a 1, 1% a 2" tells the student more
per image than the label "7" does: which digits look alike, and how sure to be.
Both sets of logits are softened by a temperature T so the small probabilities
carry weight; the KL term is scaled by T² so its gradients keep their size as T
changes (the paper's section 2).

The teacher sees exactly the augmented batch the student sees ("consistent
teaching", Beyer et al. 2022), so augmentation keeps producing new soft
targets instead of the same ones every epoch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn.functional as F

from ..errors import DesktopCnnError
from ..files.checkpoints import load_checkpoint


def distillation_loss(
    student: torch.Tensor,
    teacher: torch.Tensor,
    targets: torch.Tensor,
    temperature: float,
    weight: float,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """``weight`` * T² * KL(teacher_T || student_T) + (1 - ``weight``) * cross-entropy."""
    t = temperature
    soft = F.kl_div(
        F.log_softmax(student / t, 1),
        F.log_softmax(teacher / t, 1),
        reduction="batchmean",
        log_target=True,
    ) * (t * t)
    if weight >= 1.0:
        return soft
    hard = F.cross_entropy(student, targets, label_smoothing=label_smoothing)
    return weight * soft + (1.0 - weight) * hard


def training_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    teacher: torch.Tensor | None,
    lam: float = 1.0,
    partner: torch.Tensor | None = None,
    label_smoothing: float = 0.0,
    temperature: float = 4.0,
    weight: float = 0.9,
) -> torch.Tensor:
    """Cross-entropy on the labels, or distillation from ``teacher``'s logits; under mixup
    (``partner`` given) blended by ``lam`` between each image's label and its partner's."""

    def on(target: torch.Tensor) -> torch.Tensor:
        if teacher is None:
            return F.cross_entropy(logits, target, label_smoothing=label_smoothing)
        return distillation_loss(logits, teacher, target, temperature, weight, label_smoothing)

    if partner is None:
        return on(labels)
    # Both terms are linear in the one-hot target, so blending the losses blends the
    # targets; the teacher's part is the same in both (it saw the blended image).
    return lam * on(labels) + (1.0 - lam) * on(labels[partner])


class Teacher:
    """A trained classifier, frozen, answering for batches normalised the student's way."""

    def __init__(
        self,
        path: str | Path,
        classes: Sequence[str],
        input_shape: tuple[int, int, int],
        mean: Sequence[float],
        std: Sequence[float],
        device: torch.device,
    ) -> None:
        ck = load_checkpoint(path)
        info = ck.info
        if list(info.classes) != list(classes):
            raise DesktopCnnError(
                f"the teacher {Path(path).name} knows classes {info.classes}, "
                f"the data has {list(classes)}: they must be the same"
            )
        if tuple(info.input_shape) != tuple(input_shape):
            raise DesktopCnnError(
                f"the teacher {Path(path).name} takes {tuple(info.input_shape)} "
                f"images, the data has {tuple(input_shape)}"
            )
        self.model = ck.model.to(device).eval().requires_grad_(False)

        def column(v: Sequence[float]) -> torch.Tensor:
            return torch.tensor(list(v), device=device).view(1, -1, 1, 1)

        # Batches arrive normalised with the student's statistics. A teacher trained on a
        # different split (or dataset copy) has its own: x_t = (x * std + mean - mean_t) / std_t.
        self.scale = column(std) / column(info.std)
        self.shift = (column(mean) - column(info.mean)) / column(info.std)

    @torch.no_grad()
    def logits(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.model(x * self.scale + self.shift)
        return out.float()
