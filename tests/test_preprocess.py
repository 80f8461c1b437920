import numpy as np
import torch
from PIL import Image, ImageDraw

from desktop_cnn.core.data.preprocess import SIZE, prepare, preprocess_color, preprocess_digit


def drawn_one(size=(300, 200), dark_on_light=True, width=14, at=(100, 30, 110, 170)):
    bg, ink = (255, 0) if dark_on_light else (0, 255)
    im = Image.new("L", size, bg)
    ImageDraw.Draw(im).line(at, fill=ink, width=width)
    return im


def test_dark_on_light_is_inverted_cropped_scaled_and_centred():
    steps = preprocess_digit(drawn_one())
    assert steps.inverted
    x = steps.tensor
    assert x.shape == (1, SIZE, SIZE) and 0 <= x.min() and x.max() <= 1
    assert steps.scaled.shape[0] == 20  # longer side (height) to 20 px
    ys, xs = np.indices((SIZE, SIZE))
    a = x[0].numpy()
    cy, cx = (ys * a).sum() / a.sum(), (xs * a).sum() / a.sum()
    assert abs(cy - 13.5) <= 0.75 and abs(cx - 13.5) <= 0.75
    # The ink's bounding box is about 20 rows tall, as in MNIST.
    rows = np.nonzero(a.max(1) > 0.1)[0]
    assert 18 <= rows.max() - rows.min() + 1 <= 22


def test_polarity_does_not_matter():
    a = preprocess_digit(drawn_one(dark_on_light=True)).tensor
    b = preprocess_digit(drawn_one(dark_on_light=False)).tensor
    assert torch.allclose(a, b, atol=0.02)


def test_position_and_size_do_not_matter():
    a = preprocess_digit(drawn_one(at=(100, 30, 110, 170), width=14)).tensor
    b = preprocess_digit(drawn_one(size=(600, 600), at=(420, 100, 440, 380), width=28)).tensor
    assert (a - b).abs().mean() < 0.03


def test_empty_canvas_is_empty():
    assert preprocess_digit(Image.new("L", (280, 280), 0)).empty
    assert preprocess_digit(Image.new("RGB", (100, 80), "white")).empty
    x, steps = prepare(Image.new("L", (280, 280), 0), (1, 28, 28), (0.13,), (0.31,))
    assert x is None and steps.empty


def test_centering_can_be_switched_off():
    off = preprocess_digit(drawn_one(at=(20, 20, 20, 180)), center=False)
    assert off.shift == (0, 0)


def test_colour_resize_and_prepare_normalises():
    img = Image.new("RGB", (64, 48), (255, 0, 0))
    x = preprocess_color(img, (32, 32))
    assert x.shape == (3, 32, 32) and x[0].min() > 0.99 and x[1].max() < 0.01
    y, _ = prepare(img, (3, 32, 32), (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    assert y.shape == (1, 3, 32, 32) and torch.allclose(y[0, 0], torch.ones(32, 32), atol=0.01)
