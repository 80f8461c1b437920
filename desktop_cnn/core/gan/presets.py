"""DCGAN generator and discriminator presets, as spec layers scaled to the data.

A generator reads noise of shape (nz, 1, 1) and grows it with transposed
convolutions, batch norm and ReLU to an image, with tanh last (pixels in
-1..1). A discriminator shrinks an image with strided convolutions, leaky
ReLU and batch norm to one logit (the sigmoid is in the loss). Sizes:
28 (1 -> 7 -> 14 -> 28), 32 (1 -> 4 -> 8 -> 16 -> 32) and the chapter's
64 (1 -> 4 -> 8 -> 16 -> 32 -> 64, ngf 64).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..spec.layers import NetSpec

SIZES = (28, 32, 64)
# Each transposed conv: (out-channel multiple of ngf, kernel, stride, padding); 0 = nc.
_G_PLANS: dict[int, list[tuple[int, int, int, int]]] = {
    28: [(4, 7, 1, 0), (2, 4, 2, 1), (0, 4, 2, 1)],
    32: [(4, 4, 1, 0), (2, 4, 2, 1), (1, 4, 2, 1), (0, 4, 2, 1)],
    64: [(8, 4, 1, 0), (4, 4, 2, 1), (2, 4, 2, 1), (1, 4, 2, 1), (0, 4, 2, 1)],
}
# Each conv: (out-channel multiple of ndf, kernel, stride, padding); the last one reads
# the whole remaining map into one logit.
_D_PLANS: dict[int, list[tuple[int, int, int, int]]] = {
    28: [(1, 4, 2, 1), (2, 4, 2, 1), (0, 7, 1, 0)],
    32: [(1, 4, 2, 1), (2, 4, 2, 1), (4, 4, 2, 1), (0, 4, 1, 0)],
    64: [(1, 4, 2, 1), (2, 4, 2, 1), (4, 4, 2, 1), (8, 4, 2, 1), (0, 4, 1, 0)],
}
DEFAULT_WIDTH = {28: 16, 32: 24, 64: 64}  # ngf = ndf: small enough for a CPU, but 64 is the book's


def _check_size(size: int) -> None:
    if size not in SIZES:
        raise ValueError(
            f"a DCGAN here makes {', '.join(map(str, SIZES))} pixel images, not {size}"
        )


def generator_layers(size: int, nc: int, ngf: int) -> list[dict[str, Any]]:
    """The generator's layers as spec JSON: tconvN, bnN, reluN ..., then tanh."""
    _check_size(size)
    plan = _G_PLANS[size]
    out: list[dict[str, Any]] = []
    for i, (mult, k, s, p) in enumerate(plan, 1):
        last = i == len(plan)
        out.append(
            {
                "type": "convtranspose",
                "name": f"tconv{i}",
                "out_channels": nc if last else mult * ngf,
                "kernel": k,
                "stride": s,
                "padding": p,
                "bias": False,
            }
        )
        if last:
            out.append({"type": "tanh", "name": "tanh"})
        else:
            out += [{"type": "batchnorm", "name": f"bn{i}"}, {"type": "relu", "name": f"relu{i}"}]
    return out


def discriminator_layers(size: int, ndf: int) -> list[dict[str, Any]]:
    """The discriminator's layers as spec JSON: convN (+ bnN after the first), lreluN, logit."""
    _check_size(size)
    plan = _D_PLANS[size]
    out: list[dict[str, Any]] = []
    for i, (mult, k, s, p) in enumerate(plan, 1):
        last = i == len(plan)
        out.append(
            {
                "type": "conv",
                "name": f"conv{i}",
                "out_channels": 1 if last else mult * ndf,
                "kernel": k,
                "stride": s,
                "padding": p,
                "bias": False,
            }
        )
        if last:
            out.append({"type": "flatten", "name": "logit"})
            break
        if i > 1:  # DCGAN: no batch norm on the discriminator's input layer
            out.append({"type": "batchnorm", "name": f"bn{i}"})
        out.append({"type": "leakyrelu", "name": f"lrelu{i}", "slope": 0.2})
    return out


def generator_spec(
    size: int = 28, nc: int = 1, ngf: int | None = None, nz: int = 100, **_: Any
) -> NetSpec:
    """The generator as a NetSpec: input (nz, 1, 1), output (nc, size, size)."""
    # Imported here: the spec package registers these presets when it loads, so a
    # module-level import would make "import core.gan.presets" first a cycle.
    from ..spec.layers import parse_spec

    width = DEFAULT_WIDTH.get(size, 16) if ngf is None else ngf
    return parse_spec(
        {"name": f"dcgan-g{size}", "input": [nz, 1, 1], "layers": generator_layers(size, nc, width)}
    )


def discriminator_spec(size: int = 28, nc: int = 1, ndf: int | None = None, **_: Any) -> NetSpec:
    """The discriminator as a NetSpec: input (nc, size, size), output one logit."""
    from ..spec.layers import parse_spec  # here, not above: see generator_spec

    width = DEFAULT_WIDTH.get(size, 16) if ndf is None else ndf
    return parse_spec(
        {
            "name": f"dcgan-d{size}",
            "input": [nc, size, size],
            "layers": discriminator_layers(size, width),
        }
    )


def _maker(kind: str, size: int) -> Callable[..., NetSpec]:
    def make(nc: int = 1 if size == 28 else 3, width: int | None = None, nz: int = 100) -> NetSpec:
        if kind == "g":
            return generator_spec(size, nc, width, nz)
        return discriminator_spec(size, nc, width)

    return make


def gan_presets(preset: Callable[..., Any]) -> dict[str, Any]:
    """Entries for the spec system's preset table, made with its ``Preset`` class."""
    out: dict[str, Any] = {}
    for size, data in ((28, "MNIST"), (32, "CIFAR-10")):
        nc, w = (1 if size == 28 else 3), DEFAULT_WIDTH[size]
        g_in, d_in = (100, 1, 1), (nc, size, size)
        out[f"dcgan-g{size}"] = preset(
            _maker("g", size),
            f"a DCGAN generator for {data}: 100x1x1 noise to {nc}x{size}x{size} (ngf {w})",
            input_shape=g_in,
            classifier=False,
        )
        out[f"dcgan-d{size}"] = preset(
            _maker("d", size),
            f"a DCGAN discriminator for {data}: {nc}x{size}x{size} to one logit (ndf {w})",
            input_shape=d_in,
            classifier=False,
        )
    return out
