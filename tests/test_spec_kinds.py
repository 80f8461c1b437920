"""Layer kinds: each owns its fields, arithmetic, module, code and text; the two kinds added
as one class each (upsample, convtranspose) against real forward passes; the docs' table
written from the kinds; and generated code that stays code of the model whatever a name says."""

from __future__ import annotations

import ast
import json
import keyword
import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from torch import nn

from desktop_cnn.core.spec import analyse, build_spec, layer, spec_code, spec_of
from desktop_cnn.core.spec.kind import LAYER_TYPES, Layer, activation_kinds, param
from desktop_cnn.core.spec.kind_table import with_table
from desktop_cnn.core.spec.kinds import Conv, Upsample
from desktop_cnn.core.spec.layers import NetSpec, SpecError, parse_spec

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


def test_the_docs_table_of_layer_types_is_written_from_the_kinds():
    doc = (ROOT / "docs" / "model-specs.md").read_text(encoding="utf-8")
    assert doc == with_table(doc), "stale: run python docs/layer_table.py"
    for kind in LAYER_TYPES:
        assert f"| `{kind}` |" in doc


@pytest.mark.parametrize("kind", list(LAYER_TYPES))
def test_every_kind_describes_itself_and_round_trips_through_json(kind):
    cls = LAYER_TYPES[kind]
    assert cls.title and cls.summary and cls.prefix
    for info in cls.fields():
        assert info.help, (kind, info.name)
        assert info.kind in (int, float, bool, str)
    made = parse_spec(json.loads(json.dumps(spec_of("one", (2, 8, 8), [cls()]).to_dict())))
    assert type(made.layers[0]) is cls
    assert isinstance(made.layers[0].settings(), str)


def test_pooling_kinds_are_siblings_not_subclasses():
    from desktop_cnn.core.spec.kinds import AvgPool, MaxPool

    assert not issubclass(AvgPool, MaxPool) and not issubclass(MaxPool, AvgPool)
    assert MaxPool.takes_max and not AvgPool.takes_max


def test_one_table_of_activations():
    import desktop_cnn.core.inspect.explain as explain

    names = activation_kinds()
    assert list(names) == ["ReLU", "tanh", "sigmoid", "leaky ReLU"]
    assert list(explain.ACTIVATIONS) == [*names, "none"]
    for name, cls in names.items():
        assert explain.MODULE_NAMES[type(cls().module((1,)))] == name
        assert explain.ACTIVATIONS[name][1](-2.0) == pytest.approx(
            float(cls().module((1,))(torch.tensor(-2.0, dtype=torch.float64)))
        )


def test_ranges_come_from_the_field_description_not_its_name():
    # "padding" may be 0 for conv; "p" below 1 only for dropout; a text choice is checked.
    layer("conv", out_channels=1, kernel=1, padding=0)
    with pytest.raises(SpecError, match="conv1: stride must be at least 1, not 0"):
        layer("conv", "conv1", out_channels=1, kernel=1, stride=0)
    with pytest.raises(SpecError, match="dropout p must be from 0 up to"):
        layer("dropout", p=1.0)
    with pytest.raises(SpecError, match="mode must be one of nearest, bilinear, not 'cubic'"):
        layer("upsample", mode="cubic")
    with pytest.raises(SpecError, match="scale must be from 1 to 16, not 17"):
        layer("upsample", scale=17)
    with pytest.raises(SpecError, match="slope must be a finite number"):
        parse_spec({"input": [1, 4, 4], "layers": [{"type": "leakyrelu", "slope": 1e400}]})
    up = layer("upsample", scale=3, mode="bilinear")
    assert isinstance(up, Upsample) and up.settings() == "x3, bilinear"


def test_a_new_kind_is_one_class():
    """Defining a class registers it: the form, JSON, arithmetic and code follow."""

    @dataclass
    class Negate(Layer):
        type: ClassVar[str] = "negate-test"
        prefix: ClassVar[str] = "neg"
        title: ClassVar[str] = "Negate"
        summary: ClassVar[str] = "-x"
        factor: float = param(1.0, "how much", low=0)

        def module(self, shape):
            return nn.Identity() if self.factor == 0 else _Scale(-self.factor)

        def call_code(self, shape, x):
            return f"-{self.factor!r} * {x}"

    try:
        spec = spec_of("n", (1, 4, 4), [layer("negate-test", factor=2.0)])
        x = torch.randn(1, 1, 4, 4)
        assert torch.equal(build_spec(spec)(x), -2.0 * x)
        assert "x = -2.0 * x" in spec_code(spec)
        assert analyse(spec).rows[0].out_shape == (1, 4, 4)
    finally:
        del LAYER_TYPES["negate-test"]


class _Scale(torch.nn.Module):
    def __init__(self, k: float) -> None:
        super().__init__()
        self.k = k

    def forward(self, x):
        return self.k * x


# --- upsample and convtranspose against real forward passes ---------------------------------


@st.composite
def growing_specs(draw):
    """Chains with upsampling and transposed convolutions between convolutions."""
    layers: list[Layer] = []
    for _ in range(draw(st.integers(1, 4))):
        pick = draw(st.sampled_from(["upsample", "convtranspose", "conv", "relu", "batchnorm"]))
        if pick == "upsample":
            layers.append(
                layer(
                    "upsample",
                    scale=draw(st.integers(1, 3)),
                    mode=draw(st.sampled_from(["nearest", "bilinear"])),
                )
            )
        elif pick == "convtranspose":
            s = draw(st.integers(1, 3))
            layers.append(
                layer(
                    "convtranspose",
                    out_channels=draw(st.integers(1, 4)),
                    kernel=draw(st.integers(1, 4)),
                    stride=s,
                    padding=draw(st.integers(0, 1)),
                    output_padding=draw(st.integers(0, s - 1)),
                    bias=draw(st.booleans()),
                )
            )
        elif pick == "conv":
            layers.append(
                layer(
                    "conv",
                    out_channels=draw(st.integers(1, 4)),
                    kernel=draw(st.integers(1, 3)),
                    padding=draw(st.integers(0, 1)),
                )
            )
        else:
            layers.append(layer(pick))
    n = draw(st.integers(2, 7))
    spec = spec_of("grow", (draw(st.integers(1, 3)), n, n), layers)
    assume(analyse(spec).ok)
    return spec


@pytest.mark.slow
@settings(SETTINGS, max_examples=25)
@given(growing_specs())
def test_growing_layers_shapes_params_macs_and_code_equal_a_real_forward_pass(spec):
    from torch.utils.flop_counter import FlopCounterMode

    a = analyse(spec)
    model = build_spec(spec).eval()
    x = torch.randn(2, *spec.input_shape)
    with torch.no_grad():
        acts = model.activations(x)
    for row in a.rows:
        assert tuple(acts[row.name].shape[1:]) == row.out_shape, row
        assert row.params == sum(p.numel() for p in getattr(model, row.name).parameters())
    with FlopCounterMode(display=False) as flops, torch.no_grad():
        model(x[:1])
    assert 2 * a.total_macs == flops.get_total_flops()  # torch counts a multiply-add as 2
    space: dict = {}
    exec(compile(spec_code(spec), "<generated>", "exec"), space)
    (cls,) = [v for k, v in space.items() if isinstance(v, type) and k not in ("nn",)]
    net = cls().eval()
    net.load_state_dict(model.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(net(x), model(x))


def _extent(spec: NetSpec, unit: int) -> tuple[int, int] | None:
    model = build_spec(spec).double()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
                m.weight.fill_(1.0)
    x = torch.ones(1, *spec.input_shape, dtype=torch.float64, requires_grad=True)
    model(x)[0, 0, unit, unit].backward()
    rows = torch.nonzero(x.grad[0].abs().sum((0, 2)) > 0).flatten()
    return (int(rows.min()), int(rows.max())) if len(rows) else None


@settings(SETTINGS, max_examples=25)
@given(
    st.integers(1, 4),
    st.sampled_from(["nearest", "bilinear"]),
    st.integers(1, 3),
    st.integers(4, 9),
    st.booleans(),
)
def test_upsampling_divides_the_jump_and_the_field_holds_the_gradient(scale, mode, k, n, first):
    """The jump divides by the scale (fields become fractional); each unit's input gradient
    lies inside its field, exactly so for nearest upsampling after a conv."""
    conv = layer("conv", out_channels=1, kernel=k)
    up = layer("upsample", scale=scale, mode=mode)
    spec = spec_of("up", (1, n, n), [up, conv] if first else [conv, up])
    a = analyse(spec)
    f = a.rows[-1].field
    assert f.jump == pytest.approx(1 / scale)
    out = a.output_shape[1]
    for unit in sorted({0, out // 2, out - 1}):
        start = f.start + unit * f.jump
        low, high = max(math.floor(start), 0), min(math.ceil(start + f.size - 1), n - 1)
        got = _extent(spec, unit)
        assert got is not None and low <= got[0] <= got[1] <= high, (unit, f, got)
        if mode == "nearest" and not first:
            assert got == (math.floor(start), math.floor(start) + k - 1)


def test_the_form_fields_of_the_new_kinds():
    from desktop_cnn.core.spec.layers import layer_fields

    up = {f.name: f for f in layer_fields("upsample")}
    assert up["mode"].kind is str and up["mode"].choices == ("nearest", "bilinear")
    assert up["scale"].low == 1 and up["scale"].high == 16
    tc = {f.name: f for f in layer_fields("convtranspose")}
    assert list(tc) == ["out_channels", "kernel", "stride", "padding", "output_padding", "bias"]
    assert tc["output_padding"].low == 0 and tc["output_padding"].hint
    assert layer("convtranspose", out_channels=4, kernel=4, output_padding=1).settings() == (
        "4 out, 4x4, s2, p0, op1"
    )


# --- generated code: names are data, never code ------------------------------------------------

HEADER_IMPORTS = [
    "import torch",
    "import torch.nn.functional as F",
    "from torch import nn",
]


def assert_only_the_model(code: str) -> None:
    """The module compiles and at import does nothing but three imports and one class of two
    methods whose bodies build and apply layers."""
    tree = ast.parse(code)
    *imports, cls = tree.body
    assert [ast.unparse(i) for i in imports] == HEADER_IMPORTS
    assert isinstance(cls, ast.ClassDef) and [ast.unparse(b) for b in cls.bases] == ["nn.Module"]
    doc, init, forward = cls.body
    assert isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
    assert isinstance(doc.value.value, str)
    assert [init.name, forward.name] == ["__init__", "forward"]
    assert cls.decorator_list == [] and not cls.keywords
    for fn in (init, forward):
        assert isinstance(fn, ast.FunctionDef) and not fn.decorator_list
        assert not fn.args.defaults  # a default would be evaluated at import


def run_generated(code: str, tmp_path: Path) -> None:
    """Import the code and build the model, in a folder where a payload would leave a file."""
    import os

    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        space: dict = {"__name__": "generated"}
        exec(compile(code, "generated.py", "exec"), space)
    finally:
        os.chdir(here)
    assert list(tmp_path.iterdir()) == []


PAYLOADS = [
    'x"""\nimport os; open("PWNED", "w")\n"""',
    "\\N{",
    "'''\nopen('PWNED','w')\n'''",
    "a\\",
    "\x1b[31mred\r\n#",
    '"; open("PWNED", "w"); "',
]


@pytest.mark.parametrize("name", PAYLOADS)
def test_a_hostile_spec_name_gives_code_that_only_defines_the_model(name, tmp_path):
    spec = spec_of(name, (1, 8, 8), [layer("conv", out_channels=2, kernel=3), layer("relu")])
    code = spec_code(spec)
    assert_only_the_model(code)
    run_generated(code, tmp_path)
    assert name in ast.literal_eval(ast.parse(code).body[-1].body[0].value)


def test_the_code_command_on_a_hostile_file_and_checkpoint(tmp_path, capsys):
    from desktop_cnn.cli import main
    from desktop_cnn.core.files.checkpoints import ModelInfo, save_checkpoint

    name = PAYLOADS[0]
    spec = spec_of(
        name,
        (1, 8, 8),
        [layer("conv", out_channels=2, kernel=3), layer("gap")],
    )
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(spec.to_dict()))
    assert main(["code", str(path)]) == 0
    code = capsys.readouterr().out
    assert_only_the_model(code)
    info = ModelInfo(
        arch=name,
        arch_args={"spec": spec.to_dict()},
        dataset="mnist",
        classes=["a", "b"],
        input_shape=(1, 8, 8),
        mean=(0.5,),
        std=(0.25,),
    )
    ck = save_checkpoint(tmp_path / "evil.pt", build_spec(spec), info)
    assert main(["code", str(ck)]) == 0
    code = capsys.readouterr().out
    assert_only_the_model(code)
    (tmp_path / "evil.json").unlink()
    ck.unlink()
    run_generated(code, tmp_path)


@settings(SETTINGS, max_examples=30)
@given(st.text(min_size=1, max_size=40) | st.sampled_from(["F", "nn", "torch", "None", "1"]))
def test_any_spec_name_gives_code_that_compiles_and_defines_only_the_model(name):
    spec = spec_of(name, (1, 6, 6), [layer("conv", out_channels=1, kernel=3), layer("flatten")])
    code = spec_code(spec)
    assert_only_the_model(code)
    space: dict = {}
    exec(compile(code, "generated.py", "exec"), space)
    assert sorted(k for k in space if not k.startswith("__")) == sorted(
        ["torch", "F", "nn", ast.parse(code).body[-1].name]
    )


@SETTINGS
@given(st.text(min_size=1, max_size=20))
def test_a_layer_name_that_is_not_an_identifier_never_reaches_code(name):
    """parse_spec refuses such names; a spec made in Python without it is refused by the
    code writer rather than written out."""
    spec = NetSpec("n", (1, 6, 6), [Conv(name=name, out_channels=1, kernel=3)])
    try:
        code = spec_code(spec)
    except SpecError:
        assert not (name.isascii() and name.isidentifier()) or keyword.iskeyword(name)
        return
    assert_only_the_model(code)
    assert f"self.{name} = nn.Conv2d" in code
