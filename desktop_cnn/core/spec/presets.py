"""Starting points for the Build tab and names for ``--model``: networks as specs.

Every built-in network is one of these (``core/models.py`` only names them).
``lenet5``, ``lenet5-classic``, ``cifar-net`` and ``widenet`` were hand-written
classes once: the layer names are theirs, so the ``state_dict`` keys and the
outputs of files saved then are the same (tests/test_spec_presets.py checks
it). Each classifier preset takes the dataset's channels, classes and image side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..gan import presets as _gan
from .layers import Layer, NetSpec, SpecError, layer, spec_of


def _conv(out: int, k: int, name: str = "", **kw: Any) -> Layer:
    return layer("conv", name, out_channels=out, kernel=k, **kw)


def lenet5(
    variant: str = "modern", in_channels: int = 1, num_classes: int = 10, input_size: int = 28
) -> NetSpec:
    """LeNet-5: at 28x28 conv1 pads by 2 so the paper's 32x32 geometry holds (fc1 reads 400)."""
    if variant not in ("modern", "classic"):
        raise ValueError(f"LeNet5 variant must be 'modern' or 'classic', not {variant!r}")
    if input_size not in (28, 32):
        raise ValueError(f"LeNet5 takes 28x28 or 32x32 input, not {input_size}x{input_size}")
    act, pool = ("relu", "maxpool") if variant == "modern" else ("tanh", "avgpool")
    layers = [
        _conv(6, 5, "conv1", padding=(32 - input_size) // 2),
        layer(act),
        layer(pool, "pool1", kernel=2),
        _conv(16, 5, "conv2"),
        layer(act),
        layer(pool, "pool2", kernel=2),
        layer("flatten"),
        layer("linear", "fc1", out_features=120),
        layer(act),
        layer("linear", "fc2", out_features=84),
        layer(act),
        layer("linear", "fc3", out_features=num_classes),
    ]
    name = "lenet5" if variant == "modern" else "lenet5-classic"
    return spec_of(name, (in_channels, input_size, input_size), layers)


def cifar_net(in_channels: int = 3, num_classes: int = 2, input_size: int = 32) -> NetSpec:
    """The book's small CIFAR net: 18,090 parameters for two classes at 3x32x32."""
    if input_size % 4:
        raise ValueError(f"CifarNet needs an input size divisible by 4, not {input_size}")
    layers = [
        _conv(16, 3, "conv1", padding=1),
        layer("tanh"),
        layer("maxpool", "pool1", kernel=2),
        _conv(8, 3, "conv2", padding=1),
        layer("tanh"),
        layer("maxpool", "pool2", kernel=2),
        layer("flatten"),
        layer("linear", "fc1", out_features=32),
        layer("tanh"),
        layer("linear", "fc2", out_features=num_classes),
    ]
    return spec_of("cifar-net", (in_channels, input_size, input_size), layers)


def widenet(
    in_channels: int = 1, num_classes: int = 10, input_size: int = 28, width: int = 16
) -> NetSpec:
    """Five 3x3 convs with batch norm (width, 2x, 4x filters), pooling after 2, 4, 5, then gap."""
    if input_size < 8:
        raise ValueError(f"WideNet needs at least 8x8 input, not {input_size}x{input_size}")
    layers: list[Layer] = []
    for i, out in enumerate([width, width, 2 * width, 2 * width, 4 * width], 1):
        layers += [
            _conv(out, 3, f"conv{i}", padding=1, bias=False),
            layer("batchnorm", f"bn{i}"),
            layer("relu"),
        ]
        if i in (2, 4, 5):
            layers.append(layer("maxpool", f"pool{(i + 1) // 2}", kernel=2))
    layers += [layer("gap"), layer("linear", "fc", out_features=num_classes)]
    return spec_of("widenet", (in_channels, input_size, input_size), layers)


def fig3_convnet(in_channels: int = 3, num_classes: int = 10, input_size: int = 39) -> NetSpec:
    """The chapter's Fig. 3: 39x39x3 -> 37x37x10 (3x3) -> 17x17x20 (5x5, s2) -> 7x7x40 (5x5, s2).

    The text gives only the first layer; the second is Fig. 5's (twenty 5x5
    filters, stride 2 on 37x37x10), the third the same again with 40 filters,
    as in the classic example the figure follows; then the softmax layer.
    """
    layers = [
        _conv(10, 3),
        layer("relu"),
        _conv(20, 5, stride=2),
        layer("relu"),
        _conv(40, 5, stride=2),
        layer("relu"),
        layer("flatten"),
        layer("linear", out_features=num_classes),
    ]
    return spec_of("fig3-convnet", (in_channels, input_size, input_size), layers)


def allconv(
    in_channels: int = 1, num_classes: int = 10, input_size: int = 28, width: int = 16
) -> NetSpec:
    """All-CNN-C (Springenberg et al. 2015) at a sixth of its width: stride-2 convs pool.

    28 -> 14 -> 7 -> 5 (32 -> 16 -> 8 -> 6); 1x1 convs make one map per class,
    and their global average is the logits: no linear layer at all.
    """
    w, w2 = width, 2 * width
    plan = [
        (w, 3, 1, 1),
        (w, 3, 1, 1),
        (w, 3, 2, 1),
        (w2, 3, 1, 1),
        (w2, 3, 1, 1),
        (w2, 3, 2, 1),
        (w2, 3, 1, 0),
        (w2, 1, 1, 0),
    ]
    layers: list[Layer] = []
    for out, k, s, p in plan:
        layers += [_conv(out, k, stride=s, padding=p), layer("relu")]
    layers += [_conv(num_classes, 1), layer("gap")]
    return spec_of("allconv", (in_channels, input_size, input_size), layers)


def mnist_example(in_channels: int = 1, num_classes: int = 10, input_size: int = 28) -> NetSpec:
    """pytorch/examples' MNIST net: two 3x3 convs (32, 64), max pool, dropout, fc 128."""
    layers = [
        _conv(32, 3),
        layer("relu"),
        _conv(64, 3),
        layer("relu"),
        layer("maxpool", kernel=2),
        layer("dropout", "dropout1", p=0.25),
        layer("flatten"),
        layer("linear", out_features=128),
        layer("relu"),
        layer("dropout", "dropout2", p=0.5),
        layer("linear", out_features=num_classes),
    ]
    return spec_of("mnist-example", (in_channels, input_size, input_size), layers)


def dcgan_generator(nz: int = 100, ngf: int = 64, nc: int = 3) -> NetSpec:
    """The chapter's DCGAN generator (section 11.3.5): noise nz x 1 x 1 -> an nc x 64 x 64 image.

    Five 4x4 transposed convolutions, out = (n - 1)s - 2p + f: 1 -> 4 (s1, p0), then
    4 -> 8 -> 16 -> 32 -> 64 (s2, p1); batch norm and ReLU between, tanh at the end.
    """
    chans = [ngf * 8, ngf * 4, ngf * 2, ngf, nc]
    layers: list[Layer] = []
    for i, out in enumerate(chans, 1):
        first = i == 1
        layers.append(
            layer(
                "convtranspose",
                f"tconv{i}",
                out_channels=out,
                kernel=4,
                stride=1 if first else 2,
                padding=0 if first else 1,
                bias=False,
            )
        )
        if i < len(chans):
            layers += [layer("batchnorm", f"bn{i}"), layer("relu", f"relu{i}")]
    layers.append(layer("tanh", "tanh"))
    return spec_of("dcgan-generator", (nz, 1, 1), layers)


def empty(in_channels: int = 1, num_classes: int = 10, input_size: int = 28) -> NetSpec:
    """No layers yet: the input alone."""
    return spec_of("empty", (in_channels, input_size, input_size), [])


@dataclass(frozen=True)
class Preset:
    """A named spec maker; ``defaults`` are its arguments besides the dataset's shape."""

    make: Callable[..., NetSpec]
    description: str
    defaults: dict[str, Any] = field(default_factory=dict)
    input_shape: tuple[int, int, int] = (1, 28, 28)  # what it was designed for
    classifier: bool = True  # False: not fitted to a dataset's shape and classes (a generator)


PRESETS: dict[str, Preset] = {
    "lenet5": Preset(lenet5, "LeNet-5, modern: ReLU and max pooling", {"variant": "modern"}),
    "lenet5-classic": Preset(
        lenet5, "LeNet-5, classic: tanh and average pooling", {"variant": "classic"}
    ),
    "cifar-net": Preset(
        cifar_net,
        "the book's small CIFAR net (18,090 parameters for 2 classes)",
        input_shape=(3, 32, 32),
    ),
    "widenet": Preset(
        widenet,
        "a deeper, wider CNN with batch norm (five 3x3 convs, 16-32-64 filters): a "
        "teacher for distilling into LeNet-5 with --teacher",
    ),
    "fig3-convnet": Preset(
        fig3_convnet,
        "the chapter's Fig. 3 ConvNet: 39x39x3, three convs (3x3, 5x5/2, 5x5/2), softmax",
        input_shape=(3, 39, 39),
    ),
    "allconv": Preset(
        allconv,
        "all-convolutional (Springenberg et al. 2015): strided convs "
        "instead of pooling, 1x1 convs and global average pooling",
    ),
    "mnist-example": Preset(
        mnist_example, "pytorch/examples' MNIST net: conv 32, conv 64, max pool, dropout, fc 128"
    ),
    "dcgan-generator": Preset(
        dcgan_generator,
        "the book's DCGAN generator: 100x1x1 noise to a 3x64x64 image",
        input_shape=(100, 1, 1),
        classifier=False,
    ),
    "empty": Preset(empty, "no layers: start from scratch"),
}
PRESETS.update(_gan.gan_presets(Preset))  # dcgan-g28/d28/g32/d32 (core/gan/presets.py)


def preset_spec(name: str, **kwargs: Any) -> NetSpec:
    """The spec of preset ``name``; ``kwargs`` (in_channels, num_classes, input_size, ...)
    override its defaults, which fit the dataset the preset was designed for."""
    if name not in PRESETS:
        raise SpecError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}")
    p = PRESETS[name]
    c, size, _ = p.input_shape
    shape = {"in_channels": c, "input_size": size} if p.classifier else {}
    args = {**shape, **p.defaults, **kwargs}
    if name == "cifar-net":
        args.setdefault("num_classes", 2)
    try:
        return p.make(**args)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"cannot make preset {name} with {args}: {exc}") from None
