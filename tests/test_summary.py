"""Model summary: shapes from a real forward pass, parameter counts from the model."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from desktop_cnn.core.inspect.summary import LayerRow, format_summary, summary


def _model() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.Tanh(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 16 * 16, 10),
    )


def test_rows_shapes_and_params():
    model = _model()
    s = summary(model, (3, 32, 32))
    assert s.rows == [
        LayerRow("0", "Conv2d", (16, 32, 32), 16 * 3 * 9 + 16),
        LayerRow("1", "Tanh", (16, 32, 32), 0),
        LayerRow("2", "MaxPool2d", (16, 16, 16), 0),
        LayerRow("3", "Flatten", (4096,), 0),
        LayerRow("4", "Linear", (10,), 4096 * 10 + 10),
    ]
    total = sum(p.numel() for p in model.parameters())
    assert s.total_params == total == sum(r.params for r in s.rows)
    assert s.trainable_params == total
    assert s.input_shape == (3, 32, 32)


def test_nested_names_trainable_and_mode_restored():
    model = nn.Sequential()
    model.add_module("features", nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU()))
    model.add_module("head", nn.Sequential(nn.Flatten(), nn.Dropout(), nn.Linear(4 * 26 * 26, 10)))
    for p in model.features.parameters():
        p.requires_grad_(False)
    model.train()
    bn_stats = model.features[1].running_mean.clone()
    s = summary(model, (1, 28, 28))
    assert [r.name for r in s.rows] == [
        "features.0",
        "features.1",
        "features.2",
        "head.0",
        "head.1",
        "head.2",
    ]
    assert s.rows[-1].output_shape == (10,)
    frozen = 4 * 9 + 4 + 4 + 4
    assert s.trainable_params == s.total_params - frozen
    assert model.training and model.features[1].training  # mode restored
    assert torch.equal(model.features[1].running_mean, bn_stats)  # eval: stats untouched
    assert not model.features[0]._forward_hooks  # hooks removed


def test_format_summary():
    s = summary(_model(), (3, 32, 32))
    text = format_summary(s)
    lines = text.splitlines()
    assert lines[-1] == f"Total parameters: {s.total_params}"
    assert lines[-1] == "Total parameters: 41418"
    header = next(line for line in lines if line.startswith("Layer"))
    assert header.split() == ["Layer", "Type", "Output", "shape", "Params"]
    assert "16x16x16" in text and "MaxPool2d" in text
    # Fixed width: every table row is as long as the header or shorter (rstripped).
    body = lines[lines.index(header) + 2 : lines.index(header) + 7]
    assert len(body) == 5 and all(len(line) <= len(header) for line in body)


def test_wrong_input_shape_raises_value_error():
    model = _model()
    model.train()
    with pytest.raises(ValueError, match=r"^input shape 1x28x28 does not fit model Sequential: "):
        summary(model, (1, 28, 28))
    assert model.training
    assert not model[0]._forward_hooks


def test_invalid_shape_rejected():
    with pytest.raises(ValueError):
        summary(_model(), (3, 0, 32))


def test_leaf_model():
    s = summary(nn.Linear(5, 2), (5,))
    assert s.rows == [LayerRow("Linear", "Linear", (2,), 12)]
    assert format_summary(s).splitlines()[-1] == "Total parameters: 12"
