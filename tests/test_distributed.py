"""Training in 2 processes (DDP over gloo on the CPU) matches 1 process; failures end it cleanly.

Each run starts 2 Python processes that load MNIST's digits 0 and 1 (3,713 training
images): about a minute on a 2-core machine, so each scenario runs once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from desktop_cnn.core.data.batches import Part, augment_batch
from desktop_cnn.core.data.datasets import load_dataset
from desktop_cnn.core.errors import CheckpointError
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.train.training import TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[1]
# One epoch of 14 global batches of 256 (128 per process), SGD one-cycle, augmented. SGD, not
# AdamW: its step is linear in the gradients, so the float rounding of the CPU's kernels
# stays as small in the weights as in the gradients (see the test below).
CFG = TrainConfig(epochs=1, batch_size=256, seed=5, device="cpu", optimizer="sgd")
COMMON = [
    "--dataset",
    "mnist",
    "--classes",
    "0,1",
    "--epochs",
    "1",
    "--batch-size",
    "256",
    "--seed",
    "5",
    "--optimizer",
    "sgd",
    "--device",
    "cpu",
]


@pytest.mark.parametrize("kind, shape", [("digits", (1, 28, 28)), ("color", (3, 32, 32))])
def test_each_share_of_a_batch_is_augmented_as_the_whole_batch_would_be(kind, shape):
    x = torch.rand(12, *shape)
    whole = augment_batch(x, kind, torch.Generator().manual_seed(4))
    shares = [
        augment_batch(x[lo:hi], kind, torch.Generator().manual_seed(4), Part(lo, hi, 12))
        for lo, hi in ((0, 4), (4, 8), (8, 12))
    ]
    assert torch.equal(torch.cat(shares), whole)


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


@pytest.fixture(scope="module")
def torchrun(shared_data, tmp_path_factory):
    """``torchrun --standalone --nproc_per_node=2 -m desktop_cnn train ...``, run once."""
    out = tmp_path_factory.mktemp("ddp") / "ddp.pt"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            "-m",
            "desktop_cnn",
            "train",
            *COMMON,
            "--data-dir",
            str(shared_data),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env(),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc, out


@pytest.mark.slow  # torchrun: two training processes
def test_two_processes_take_the_same_steps_as_one(torchrun, shared_data):
    """The same global batches, augmentation and averaged gradients: the same weights.

    The only difference is float32 rounding: each process averages the loss over its
    128 images and DDP averages the two means, where one process averages 256 at once, and
    the kernels of a batch of 128 may sum in another order than those of 256 (how, depends
    on the CPU). SGD's step is linear in the gradients (lr times their momentum sum), so
    that rounding (about 1e-7 of a gradient) stays as small in the weights on any CPU; AdamW,
    which divides a gradient by its own running size, turned the rounding of near-zero
    gradients into steps of 1e-3 on an AMD EPYC. A wrong share, different augmentation or
    unaveraged gradients move weights by the order of lr times a gradient (lr is 0.05);
    another seed by 0.37. The bound 1e-4 sits between.
    """
    _, out = torchrun
    ddp = load_checkpoint(out)
    torch.set_num_threads(1)
    data = load_dataset("mnist", shared_data, ["0", "1"], download=False)
    one = Trainer(data, "lenet5", CFG).run().checkpoint
    other = Trainer(data, "lenet5", replace(CFG, seed=6)).run().checkpoint
    ref, theirs = one.model.state_dict(), other.model.state_dict()
    worst = max((ddp.model.state_dict()[k] - ref[k]).abs().max().item() for k in ref)
    far = max((theirs[k] - ref[k]).abs().max().item() for k in ref)
    assert worst < 1e-4 < far
    mine, single = ddp.info.history["epochs"][0], one.info.history["epochs"][0]
    # Evaluation split over the 2 processes and summed: the same counts as one process.
    assert mine["test_accuracy"] == pytest.approx(single["test_accuracy"], abs=1 / 2115)
    assert mine["train_loss"] == pytest.approx(single["train_loss"], rel=1e-3)
    assert len(ddp.info.history["batch_loss"]) == 14


@pytest.mark.slow  # torchrun: two training processes
def test_only_rank_0_reports_and_writes(torchrun):
    proc, out = torchrun
    assert proc.stdout.count("saved ") == 1 and proc.stdout.count("epoch 1:") == 1
    assert load_checkpoint(out).info.metrics["test_accuracy"] > 0.95
    assert sorted(p.name for p in out.parent.iterdir()) == ["ddp.pt"]  # no temp files


def launch(shared_data, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "desktop_cnn",
            "train",
            *COMMON,
            "--data-dir",
            str(shared_data),
            "--nproc",
            "2",
            "--out",
            str(out),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )


def workers_of(pid: int) -> dict[int, int]:
    """rank -> pid of the launcher's child processes, from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                environ = (stat.parent / "environ").read_bytes().split(b"\0")
                rank = next(int(e[5:]) for e in environ if e.startswith(b"RANK="))
                found[rank] = int(stat.parent.name)
        except (OSError, StopIteration, IndexError, ValueError):
            continue
    return found


@pytest.mark.slow  # two training processes
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the worker processes in /proc")
def test_a_killed_rank_ends_the_run_with_one_line(shared_data, tmp_path):
    out = tmp_path / "model.pt"
    out.write_bytes(b"the previous model")
    # --force: the placeholder "previous model" is not a model file, which --out refuses
    proc = launch(shared_data, out, "--epochs", "50", "--checkpoint-every-epoch", "--force")
    assert proc.stderr is not None
    before = []
    for line in proc.stderr:  # rank 0's "training on ...": both ranks are in the first epoch
        before.append(line)
        if line.startswith("training on"):
            break
    os.kill(workers_of(proc.pid)[1], signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    lines = [line for line in "".join(before + [err]).splitlines() if "error" in line.lower()]
    assert proc.returncode == 1
    assert lines == [
        "desktop-cnn: error: training process 1 of 2 was killed (SIGKILL), which ended the run"
    ]
    # Killed before its first epoch ended, or saved atomically: never half a file.
    assert out.read_bytes() == b"the previous model" or load_checkpoint(out)
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]


@pytest.mark.slow  # two training processes
def test_a_bad_file_on_every_rank_is_one_line(shared_data, tmp_path):
    out, bad = tmp_path / "model.pt", tmp_path / "teacher.pt"
    out.write_bytes(b"the previous model")
    bad.write_bytes(b"not a model")
    with pytest.raises(CheckpointError) as refused:
        load_checkpoint(bad)
    proc = launch(shared_data, out, "--teacher", str(bad), "--force")  # a placeholder --out
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert [line for line in err.splitlines() if line.strip()] == [
        f"desktop-cnn: error: {refused.value}"
    ]
    assert out.read_bytes() == b"the previous model"
