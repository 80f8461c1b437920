"""Every layer kind of a spec; importing this package registers them all, in this order."""

# isort: off
from .conv import Conv, ConvTranspose
from .pool import AvgPool, MaxPool
from .pointwise import BatchNorm, Dropout, LeakyReLU, ReLU, Sigmoid, Tanh
from .vector import Flatten, GlobalAvgPool, Linear
from .upsample import Upsample

# isort: on

__all__ = [
    "AvgPool",
    "BatchNorm",
    "Conv",
    "ConvTranspose",
    "Dropout",
    "Flatten",
    "GlobalAvgPool",
    "LeakyReLU",
    "Linear",
    "MaxPool",
    "ReLU",
    "Sigmoid",
    "Tanh",
    "Upsample",
]
