"""One ModelInfo for tests that save and load checkpoints: LeNet-5 on MNIST."""

from __future__ import annotations

from desktop_cnn.core.files.checkpoints import ModelInfo


def lenet5_info(**overrides) -> ModelInfo:
    """What a LeNet-5 trained on MNIST carries, with ``overrides`` replacing fields."""
    fields = dict(
        arch="lenet5",
        arch_args={"variant": "modern", "in_channels": 1, "num_classes": 10, "input_size": 28},
        dataset="mnist",
        classes=[str(i) for i in range(10)],
        input_shape=(1, 28, 28),
        mean=(0.13,),
        std=(0.31,),
    )
    return ModelInfo(**{**fields, **overrides})
