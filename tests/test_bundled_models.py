"""The bundled models score what their files and docs/bundled-models.md say, on real data."""

import re
from pathlib import Path

import pytest
import torch

from desktop_cnn.core.data.batches import BatchLoader
from desktop_cnn.core.data.datasets import load_dataset
from desktop_cnn.core.files.checkpoints import load_checkpoint
from desktop_cnn.core.files.paths import resource_path
from desktop_cnn.core.inspect.evaluation import evaluate

README = Path(__file__).resolve().parents[1] / "docs" / "bundled-models.md"  # its table


def check(name: str, data, floor: float) -> None:
    path = resource_path(f"assets/{name}")
    if not path.exists():
        pytest.skip(f"{path} is missing")
    ck = load_checkpoint(path)
    assert ck.info.arch == "lenet5" and ck.info.metrics["evaluated_on"] == "test"
    loader = BatchLoader(data.test, 1000, ck.info.mean, ck.info.std, torch.device("cpu"))
    result = evaluate(ck.model, loader, len(data.classes))
    assert len(data.test) == 10_000
    # The file's own record, the README's table and a fresh evaluation agree.
    assert result.accuracy == pytest.approx(ck.info.metrics["test_accuracy"], abs=1e-9)
    row = next(
        line
        for line in README.read_text().splitlines()
        if f"`assets/{name}`" in line and line.startswith("|")
    )
    assert f"{result.accuracy:.2%}" in re.sub(r"\s+", " ", row)
    assert result.accuracy >= floor
    assert path.stat().st_size < 1_000_000  # "well under 1 MB"


def test_mnist_model(mnist):
    check("lenet5_mnist.pt", mnist, 0.99)


@pytest.mark.slow
def test_cifar10_model(shared_data):
    check("lenet5_cifar10.pt", load_dataset("cifar10", shared_data, download=False), 0.75)
