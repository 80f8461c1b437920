"""A path through the chapter: its sections in order, each explained briefly, each with the
place in the app that shows it.

Plain data, no Tk and no torch: the Help > Chapter guide window draws it and turns each
step's ``Action`` into a request to the app; tests check every step without a display.
The explanations are ours; the section numbers and numbers are the chapter's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Action:
    """What a step's button opens.

    ``kind``: "tab" (a notebook tab by title), "preset" (a Playground preset by name; press
    Next ``steps`` times; ``view`` "matrix" shows the im2col matrices; ``quiz``: the
    exercise's questions come first, its worked answer after), "recipe" (the Train
    form filled with a recipe, by its label) or "build" (a Build tab preset, by name, with
    ``fallback`` shown while there is no Build tab).
    """

    kind: str
    target: str
    steps: int = 0
    view: str = ""
    quiz: bool = False
    fallback: Action | None = None


@dataclass(frozen=True)
class GuideStep:
    title: str
    section: str  # where it is in the chapter
    text: str  # two to four sentences, in our own words
    button: str  # the button's label
    action: Action


FIG2 = "Fig. 2: 5x5x3 -> 3x3x2, p1 s2"
FIG3 = "Fig. 3: ConvNet on 39x39x3"
FIG5 = "Fig. 5: im2col 37x37x10 -> 17x17x20"
DCGAN = "11.3.5: DCGAN generator walk"
EXERCISE1 = "Exercise 1: W0, W1, W2 on 5x5"
EXERCISE2 = "Exercise 2: three output shapes"
BOOK_CIFAR2 = "Book: small net, airplane vs bird"
BOOK_LENET = "Book: LeNet-5 on CIFAR-10"

STEPS: tuple[GuideStep, ...] = (
    GuideStep(
        "Convolution and its four settings",
        "11.1-11.2.1",
        "A convolution layer slides small filters over the image and, at each place, adds up "
        "the products of the filter's weights with the pixels under it. Four numbers shape "
        "the layer: the filter size f, how many filters there are, the stride s between "
        "places, and the padding p of zeros around the border. Change any of them in the "
        "Playground and watch the output grid grow or shrink.",
        "Open the Playground",
        Action("tab", "Playground"),
    ),
    GuideStep(
        "The output size: eq. 1 and Fig. 2",
        "11.2.1, eq. 1",
        "The output side is (n + 2p - f)/s + 1: pad the input, see how many times the filter "
        "fits, count every s-th place. In Fig. 2 a 5x5x3 input with p=1 becomes 7x7, a 3x3x3 "
        "filter fits at 3 places a side with s=2, and two filters give a 3x3x2 output.",
        "Show Fig. 2",
        Action("preset", FIG2),
    ),
    GuideStep(
        "One output value: eq. 2",
        "11.2.1, eq. 2",
        "Each output number is one bias plus a sum over the filter's rows, columns and input "
        "channels of weight times input; cell (i, j) reads the input from row i*s and column "
        "j*s on. The button runs five steps of exercise 1, and the line under the grids "
        "writes out the middle cell's nine products. For your own drawing, click a pixel of "
        "a map in the Feature maps tab.",
        "Compute one value",
        Action("preset", EXERCISE1, steps=5),
    ),
    GuideStep(
        "Convolution as one matrix product (im2col)",
        "11.2.1, Fig. 5",
        "Copy every receptive field into a column of one big matrix, and every filter into a "
        "row of another: the whole layer is then one matrix product. In Fig. 5, 289 fields of "
        "250 numbers each make X_col [250 x 289], twenty filters make W_row [20 x 250], and "
        "the [20 x 289] product folds back into 17x17x20.",
        "Show Fig. 5's matrices",
        Action("preset", FIG5, view="matrix"),
    ),
    GuideStep(
        "Pooling",
        "11.2.2",
        "A pooling layer shrinks each channel on its own, keeping the largest (or the mean) "
        "value of every f x f window; it learns nothing. Its output side is (n - f)/s + 1 "
        "and the depth does not change. Draw a digit and look at the pool layers' maps: "
        "half the size of the conv maps before them.",
        "See pooling on your drawing",
        Action("tab", "Feature maps"),
    ),
    GuideStep(
        "A ConvNet: Fig. 3",
        "11.2.1 (Fig. 3), 11.2.3",
        "Stacking layers gives a ConvNet: the maps get smaller while the channels get more, "
        "and a fully connected softmax layer reads the last maps to pick a class. Fig. 3 "
        "starts from a 39x39x3 image whose first layer makes 37x37x10.",
        "Show Fig. 3's ConvNet",
        Action("build", "Fig. 3 ConvNet", fallback=Action("preset", FIG3)),
    ),
    GuideStep(
        "LeNet-5, classic and modern",
        "11.2.4",
        "LeNet-5 is two conv layers with pooling and three fully connected layers. The 1998 "
        "network used tanh and average pooling; today's version uses ReLU and max pooling, "
        "which train faster. The Model tab lists the current model's layers with their output "
        "shapes and parameter counts.",
        "Open the Model tab",
        Action("tab", "Model"),
    ),
    GuideStep(
        "Transposed convolution and the DCGAN generator",
        "11.3",
        "A transposed convolution goes the other way: each input cell spreads a copy of the "
        "filter over the output, so the map grows. With stride s the side becomes "
        "m + (m-1)(s-1) + f - 1 - 2p. The DCGAN generator uses five of them to turn 100 "
        "random numbers into a 64x64 colour image.",
        "Walk the DCGAN generator",
        Action("preset", DCGAN),
    ),
    GuideStep(
        "The PyTorch model and the training loop",
        "11.4.1-11.4.2",
        "In PyTorch a network is a class whose forward() runs the layers. Training repeats: "
        "predict a batch, measure the loss, clear old gradients, backpropagate, and let the "
        "optimizer step. The book trains an 18,090-parameter net on airplanes vs birds with "
        "plain SGD; the Train tab is set up the same way.",
        "Set up the book's run",
        Action("recipe", BOOK_CIFAR2),
    ),
    GuideStep(
        "Testing and per-class accuracy",
        "11.4.3, 11.4.5",
        "A model is judged on images it never trained on, and per class as well as overall: "
        "the book's LeNet-5 reaches 59% on CIFAR-10 but only 30% on birds. Run the book's "
        "recipe, then the app's own, and compare them class by class under the form.",
        "Set up LeNet-5 on CIFAR-10",
        Action("recipe", BOOK_LENET),
    ),
    GuideStep(
        "Saving and loading",
        "11.4.4",
        "Training is slow, so a trained model is saved to a file and loaded later instead of "
        "trained again. This app's files also record the architecture, the classes and the "
        "pixel scaling, so a saved model rebuilds itself. Use File > Save model as and File > "
        "Open model; the Model tab shows what the file holds.",
        "Open the Model tab",
        Action("tab", "Model"),
    ),
    GuideStep(
        "The exercises",
        "Exercises",
        "Exercise 1 convolves a 5x5 cross with three 3x3 filters; exercises 2 and 3 ask for "
        "output shapes and parameter counts. Work them by hand, then check them in the "
        "Playground's presets. `desktop-cnn exercises` prints all three with worked answers "
        "for a class.",
        "Try exercise 2",
        Action("preset", EXERCISE2, quiz=True),  # the learner answers before the answer shows
    ),
)

SETTING = "guide_step"  # the settings key that remembers the step the learner reached


def clamp_step(value: object) -> int:
    """A stored step number made safe: anything odd starts the guide from the beginning."""
    return value if isinstance(value, int) and 0 <= value < len(STEPS) else 0
