"""Training in several processes with DistributedDataParallel, as torchrun starts them.

torchrun (or ``desktop-cnn train --nproc N``) starts the same command N times with
RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT in the environment. Each
process ("rank") draws the same permutation and the same augmentation numbers, keeps
its share of every batch, and DDP averages the gradients across the ranks (gloo on the
CPU, NCCL on CUDA), so N processes take the steps one process would with that global
batch. The evaluation is split across the ranks and summed here; rank 0 reports and
writes the checkpoint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from ..data.datasets import Split
from ..errors import TrainingError
from ..inspect.evaluation import EvalResult


@dataclass(frozen=True)
class Ranks:
    """Which of ``world`` processes this is; ``Ranks()`` is a single, ordinary process."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0  # the rank within this machine: which GPU to use

    @classmethod
    def from_env(cls) -> Ranks:
        """As torchrun sets them; a plain ``desktop-cnn train`` is rank 0 of 1."""
        env = os.environ
        return cls(
            int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1)), int(env.get("LOCAL_RANK", 0))
        )

    @property
    def distributed(self) -> bool:
        return self.world > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that prints and writes files."""
        return self.rank == 0

    def share(self, split: Split) -> Split:
        """This rank's contiguous share of ``split`` (for the evaluation)."""
        n = len(split)
        lo, hi = n * self.rank // self.world, n * (self.rank + 1) // self.world
        return Split(split.images[lo:hi], split.labels[lo:hi])

    def device(self, device: torch.device) -> torch.device:
        """One GPU per process on a machine: cuda becomes cuda:LOCAL_RANK."""
        if self.distributed and device.type == "cuda":
            return torch.device("cuda", self.local_rank)
        return device


def join(ranks: Ranks, device: torch.device) -> None:
    """Join the process group (blocks until all ranks have joined)."""
    if dist.is_initialized():
        return
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(
        "nccl" if device.type == "cuda" else "gloo", rank=ranks.rank, world_size=ranks.world
    )


def check_shares(ranks: Ranks, batch_size: int, train_size: int) -> None:
    """Every process needs an equal, non-empty share of every batch."""
    if batch_size % ranks.world:
        raise TrainingError(
            f"a batch of {batch_size} cannot be shared evenly by {ranks.world} "
            f"processes: make --batch-size a multiple of {ranks.world}"
        )
    if train_size < batch_size:
        raise TrainingError(f"{train_size} training images do not fill one batch of {batch_size}")


def parallel(model: torch.nn.Module, ranks: Ranks, device: torch.device) -> torch.nn.Module:
    """Join the group and wrap ``model`` in DDP (which first copies rank 0's weights to all)."""
    join(ranks, device)
    ids = [device] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)


def leave() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def all_sum(t: torch.Tensor) -> torch.Tensor:
    """``t`` summed over the ranks (in place); unchanged in a single process."""
    if dist.is_initialized():
        dist.all_reduce(t)
    return t


def all_mean(t: torch.Tensor) -> torch.Tensor:
    """``t`` averaged over the ranks; unchanged in a single process."""
    if dist.is_initialized():
        dist.all_reduce(t)
        t /= dist.get_world_size()
    return t


def combine(result: EvalResult, device: torch.device) -> EvalResult:
    """Each rank evaluated its share: the result over all of them (every rank gets it)."""
    if not dist.is_initialized():
        return result
    # float64 holds the counts exactly; NCCL reduces tensors on the GPU only.
    confusion = result.confusion.to(device, torch.float64)  # (K, K)
    n = confusion.sum()
    packed = all_sum(torch.cat([confusion.flatten(), (result.loss * n).reshape(1)])).cpu()
    k = confusion.shape[0]
    confusion = packed[:-1].view(k, k).round().long()
    total = int(confusion.sum())
    per_class = (confusion.diag() / confusion.sum(1).clamp(min=1)).tolist()
    return EvalResult(
        float(packed[-1]) / max(total, 1),
        int(confusion.diag().sum()) / max(total, 1),
        per_class,
        confusion,
    )
