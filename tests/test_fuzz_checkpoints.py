"""Property-based fuzzing of the model-file loader: a mutated valid checkpoint (its bytes, its
metadata dict, its weights) either loads correctly or raises CheckpointError with one line.
No other exception type may escape. Deterministic (derandomize) and modest, for CI."""

import io
import math
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_cnn.core.errors import CheckpointError
from desktop_cnn.core.files.checkpoints import FORMAT, ModelInfo, _plain, load_checkpoint
from desktop_cnn.core.models import build_model

FUZZ = settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

INFO = ModelInfo(
    arch="cifar-net",
    arch_args={"in_channels": 3, "num_classes": 2, "input_size": 32},
    dataset="cifar10",
    classes=["airplane", "bird"],
    input_shape=(3, 32, 32),
    mean=(0.49, 0.48, 0.45),
    std=(0.25, 0.24, 0.26),
    metrics={"test_accuracy": 0.89},
    history={"batch_loss": [0.7, 0.5]},
)
torch.manual_seed(0)
MODEL = build_model("cifar-net")  # 18,090 weights: small files, fast examples
STATE = {k: v.clone() for k, v in MODEL.state_dict().items()}


def payload(info: dict | object = None, state: dict | object = None) -> dict:
    return {
        "format": FORMAT,
        "format_version": 1,
        "info": _plain(INFO) if info is None else info,
        "state_dict": STATE if state is None else state,
        "training_state": None,
    }


def valid_bytes() -> bytes:
    buf = io.BytesIO()
    torch.save(payload(), buf)
    return buf.getvalue()


VALID = valid_bytes()


@pytest.fixture(scope="module")
def folder():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def load_or_refuse(path: Path):
    """The property: a Checkpoint that works, or one CheckpointError line."""
    try:
        ck = load_checkpoint(path)
    except CheckpointError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg, msg
        return None
    # Loaded: it must be usable as its metadata says.
    assert all(
        torch.isfinite(v).all() for v in ck.model.state_dict().values() if v.is_floating_point()
    )
    out = ck.model(torch.zeros(1, *ck.info.input_shape))
    assert out.shape == (1, len(ck.info.classes)) and torch.isfinite(out).all()
    assert "nan" not in ck.info.title.lower() or "nan" in ck.info.arch + ck.info.dataset
    return ck


def test_the_valid_file_loads(folder):
    (folder / "valid.pt").write_bytes(VALID)
    assert load_or_refuse(folder / "valid.pt") is not None


@FUZZ
@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ),
    st.one_of(st.none(), st.integers(0, len(VALID))),
)
def test_mutated_bytes(folder, flips, cut):
    data = bytearray(VALID)
    for at, value in flips:
        data[at] = value
    if cut is not None:
        data = data[:cut]
    (folder / "bytes.pt").write_bytes(bytes(data))
    load_or_refuse(folder / "bytes.pt")


# Values weights_only loading can read back: builtins, nested, and tensors.
leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.just(torch.zeros(0)),
    st.just(torch.tensor([math.nan])),
)
value = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=8,
)
FIELDS = [
    "arch",
    "arch_args",
    "dataset",
    "classes",
    "input_shape",
    "mean",
    "std",
    "train_config",
    "metrics",
    "history",
    "versions",
    "created",
    "notes",
]


@FUZZ
@given(
    st.lists(
        st.tuples(st.sampled_from(FIELDS), st.one_of(value, st.just("<delete>"))),
        min_size=1,
        max_size=3,
    )
)
def test_mutated_metadata(folder, changes):
    info = _plain(INFO)
    for name, new in changes:
        if new == "<delete>":
            info.pop(name, None)
        else:
            info[name] = new
    torch.save(payload(info=info), folder / "meta.pt")
    load_or_refuse(folder / "meta.pt")


@FUZZ
@given(st.sampled_from(["classes", "input_shape", "mean", "std", "arch_args"]), st.data())
def test_plausible_metadata_edits(folder, name, data):
    # Edits of the right type but wrong size are the dangerous ones: they reach the model.
    info = _plain(INFO)
    if name == "classes":
        info[name] = data.draw(st.lists(st.text(max_size=3), max_size=12))
    elif name in ("mean", "std"):
        info[name] = data.draw(st.lists(st.floats(-2, 2), max_size=4))
    elif name == "input_shape":
        info[name] = data.draw(st.lists(st.integers(-1, 5000), min_size=2, max_size=4))
    else:
        info[name] = {
            **info[name],
            data.draw(
                st.sampled_from(["in_channels", "num_classes", "input_size", "width", "bogus"])
            ): data.draw(st.integers(-3, 10**12)),
        }
    torch.save(payload(info=info), folder / "plausible.pt")
    load_or_refuse(folder / "plausible.pt")


@FUZZ
@given(
    st.sampled_from(sorted(STATE)),
    st.sampled_from(["drop", "shape", "dtype", "nan", "value", "extra"]),
)
def test_mutated_weights(folder, key, how):
    state = dict(STATE)
    t = state[key]
    if how == "drop":
        del state[key]
    elif how == "shape":
        state[key] = torch.zeros(*(d + 1 for d in t.shape))
    elif how == "dtype":
        state[key] = t.to(torch.int64)
    elif how == "nan":
        state[key] = t.clone().fill_(math.nan)
    elif how == "value":
        state[key] = [1, 2]
    else:
        state["extra.weight"] = torch.zeros(3)
    torch.save(payload(state=state), folder / "weights.pt")
    load_or_refuse(folder / "weights.pt")


@FUZZ
@given(value)
def test_anything_in_place_of_the_whole_file(folder, obj):
    torch.save(obj, folder / "anything.pt")
    load_or_refuse(folder / "anything.pt")
