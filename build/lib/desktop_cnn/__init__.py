"""desktop-cnn: learn convolutional neural networks by drawing, training and looking inside."""

__version__ = "0.1.0"
