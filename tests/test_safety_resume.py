"""Every field of a ``--resume`` training state is checked before use (issue class 4).

A state built the way the Trainer builds it resumes; each damaged or crafted field is one
CheckpointError line naming the field: no segfault from an optimizer buffer of the wrong
shape, no traceback, no "epoch -4". Hypothesis then mutates whole states.
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from infos import lenet5_info

from desktop_cnn.cli import main as cli_main
from desktop_cnn.core.errors import CheckpointError
from desktop_cnn.core.files.checkpoints import Checkpoint, load_checkpoint, save_checkpoint
from desktop_cnn.core.models import build_model
from desktop_cnn.core.train.optim import make_optimizer
from desktop_cnn.core.train.resume import resume_config
from desktop_cnn.core.train.training import TrainConfig


def good_state(optimizer: str = "sgd") -> tuple[torch.nn.Module, dict]:
    torch.manual_seed(0)
    model = build_model("lenet5")
    cfg = TrainConfig(optimizer=optimizer, epochs=2)
    opt = make_optimizer(model, cfg)
    model(torch.randn(2, 1, 28, 28)).sum().backward()
    opt.step()
    return model, {
        "epoch": 1,
        "optimizer": opt.state_dict(),
        "scheduler": {},
        "config": asdict(cfg),
        "loader_rng": torch.Generator().get_state(),
    }


def resume(model, state) -> TrainConfig:
    ck = Checkpoint(model, lenet5_info(), state, Path("run.pt"))
    return resume_config(ck, TrainConfig(epochs=3))


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_a_good_state_resumes(optimizer):
    model, state = good_state(optimizer)
    assert resume(model, state).epochs == 3


def damage(state: dict, what: str) -> dict:
    s = copy.deepcopy(state)
    buffers = s["optimizer"]["state"]
    first = next(iter(buffers.values()))
    if what == "issue: wrong buffer shape":
        key = next(iter(first))
        first[key] = torch.zeros(3, 3)
    elif what == "issue: epoch -5":
        s["epoch"] = -5
    elif what == "epoch a string":
        s["epoch"] = "x"
    elif what == "epoch a bool":
        s["epoch"] = True
    elif what == "settings not a dict":
        s["config"] = [1, 2]
    elif what == "a setting out of range":
        s["config"]["lr"] = -1.0
    elif what == "a setting of the wrong type":
        s["config"]["batch_size"] = "many"
    elif what == "loader_rng short":
        s["loader_rng"] = torch.zeros(5, dtype=torch.uint8)
    elif what == "loader_rng floats":
        s["loader_rng"] = torch.zeros(torch.Generator().get_state().numel())
    elif what == "optimizer not a dict":
        s["optimizer"] = "sgd"
    elif what == "a parameter missing":
        s["optimizer"]["param_groups"][0]["params"].pop()
    elif what == "a parameter twice":
        s["optimizer"]["param_groups"][0]["params"][0] = 1
    elif what == "a buffer of another optimizer":
        first["exp_avg_sq"] = torch.zeros(1)
    elif what == "a NaN buffer":
        key = next(iter(first))
        first[key] = torch.full_like(first[key], float("nan"))
    elif what == "a buffer for no parameter":
        buffers[999] = dict(first)
    elif what == "lr inf in a group":
        s["optimizer"]["param_groups"][0]["lr"] = float("inf")
    elif what == "betas a string":
        s["optimizer"]["param_groups"][0]["momentum"] = "fast"
    return s


DAMAGES = [
    "issue: wrong buffer shape",
    "issue: epoch -5",
    "epoch a string",
    "epoch a bool",
    "settings not a dict",
    "a setting out of range",
    "a setting of the wrong type",
    "loader_rng short",
    "loader_rng floats",
    "optimizer not a dict",
    "a parameter missing",
    "a parameter twice",
    "a buffer of another optimizer",
    "a NaN buffer",
    "a buffer for no parameter",
    "lr inf in a group",
    "betas a string",
]


@pytest.mark.parametrize("what", DAMAGES)
def test_each_damaged_field_is_one_line(what):
    model, state = good_state()
    with pytest.raises(CheckpointError, match="damaged training state") as e:
        resume(model, damage(state, what))
    assert "\n" not in str(e.value)


def test_the_issues_wrong_shape_state_never_reaches_the_optimizer(tmp_path, capsys):
    """Before: a segfault (rc 139) or an abort in free(); now: one line, exit 1."""
    model, state = good_state()
    info = lenet5_info(train_config=state["config"])
    f = save_checkpoint(
        tmp_path / "run.pt", model, info, damage(state, "issue: wrong buffer shape")
    )
    args = [
        "train",
        "--dataset",
        "mnist",
        "--resume",
        f,
        "--epochs",
        "3",
        "--out",
        tmp_path / "o.pt",
    ]
    assert cli_main([*map(str, args)]) == 1
    err = capsys.readouterr().err
    assert "damaged training state" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o.pt").exists()


def test_a_resume_message_never_says_none():
    model, state = good_state()
    del state["config"]["lr"]  # an older file without this setting
    ck = Checkpoint(model, lenet5_info(), state, Path("run.pt"))
    with pytest.raises(CheckpointError) as e:
        resume_config(ck, TrainConfig(epochs=3, lr=0.5))
    assert "None" not in str(e.value) and "the default" in str(e.value)


# --- fuzzing: any mutation of a valid state resumes or is one CheckpointError line ----------
FUZZ = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
MODEL, STATE = good_state("adam")
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.builds(torch.zeros, st.integers(0, 4)),
    st.builds(lambda n: torch.full((n,), float("nan")), st.integers(1, 3)),
)


def paths(obj, prefix=()):
    """Every (path, value) in a nested dict/list state."""
    yield prefix, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from paths(v, (*prefix, i))


PATHS = [p for p, _ in paths(STATE) if p]


@pytest.mark.slow
@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=3))
def test_fuzzed_states_resume_or_fail_with_one_line(changes):
    state = copy.deepcopy(STATE)
    for path, value in changes:
        target = state
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    try:
        resume(MODEL, state)
    except CheckpointError as exc:
        assert "\n" not in str(exc)
        return
    # It resumed: then the optimizer really takes it, with buffers that fit its weights.
    opt = make_optimizer(MODEL, TrainConfig(optimizer="adam"))
    opt.load_state_dict(state["optimizer"])
    for p in MODEL.parameters():
        for name, t in opt.state.get(p, {}).items():
            if name != "step":
                assert t.shape == p.shape
    MODEL(torch.randn(2, 1, 28, 28)).sum().backward()
    opt.step()  # and steps with it


def test_a_resumed_file_loads(tmp_path):
    model, state = good_state()
    f = save_checkpoint(tmp_path / "run.pt", model, lenet5_info(), state)
    assert resume_config(load_checkpoint(f), TrainConfig(epochs=3)).epochs == 3
