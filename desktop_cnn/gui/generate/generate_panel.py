"""The Generate tab: train a DCGAN and watch noise become digits, layer by layer.

Left: the run's settings and buttons, the live numbers, and one line that says
when a run diverges. Middle: the fixed noise batch's fakes, updated live, each
with what the current classifier reads in it. Right: the losses and D(x),
D(G(z)) plotted live; the latent walk between fakes A and B; the generator's
steps for fake A (each transposed convolution's maps with the output-size
formula). Training runs on the app's worker; the panel names its state
``app_state`` and asks the Draw tab for things with requests only.
"""

from __future__ import annotations

import threading
import tkinter as tk
from tkinter import ttk
from typing import TYPE_CHECKING, Any

import numpy as np

from ..common import present
from ..common.panel import PAD, Panel, set_enabled
from ..inputs import Source
from ..requests import ShowInDraw
from ..worker import JobFailed, Task, Worker
from .curves import GanCurves
from .views import PictureStrip, SampleGrid, fake_rgb, maps_strip, walk_strip

if TYPE_CHECKING:
    import torch

    from ...core.gan.train import GanConfig, GanState
    from ..state import AppState

DATASETS = ("mnist", "fashion-mnist", "cifar10")
WALK_FRAMES = 9
BUNDLED_GENERATOR = "assets/dcgan_mnist.pt"
GEN_TYPES = [("desktop-cnn generators", "*.pt"), ("All files", "*")]


class GeneratePanel(Panel):
    """Train a DCGAN; show its samples, losses, a latent walk and the generator's steps."""

    def __init__(self, master: tk.Misc, app_state: AppState) -> None:
        super().__init__(master, name="panel")
        self.app_state = app_state
        self.worker = Worker(
            self, "GAN training", self.on_event, app_state.workers, after_poll=self.after_events
        )
        self.gan: GanState | None = None
        self.fakes: torch.Tensor | None = None  # the fixed noise's latest images
        self.fakes_step = -1
        self.grid_updates = 0  # for tests: how many times the grid changed
        self.a, self.b = 0, 1
        self.stop_flag, self.pause_flag = threading.Event(), threading.Event()
        self.last_step: Any = None
        self.hist: dict[str, list[float]] = {}  # per step, live while a run goes on
        self.status_text = tk.StringVar(value="Press Start: a DCGAN trains on the dataset.")
        self.numbers = tk.StringVar(value="")
        self.read_text = tk.StringVar(value="")
        self.app_state.subscribe("model", self.model_changed)
        self.create_widgets()
        from ...core.files.paths import resource_path

        bundled = resource_path(BUNDLED_GENERATOR)
        if bundled.exists():  # a trained generator to look at before training one
            self.open_generator(str(bundled))

    # --- layout ---------------------------------------------------------------------------
    def create_widgets(self) -> None:
        left = ttk.Frame(self, name="left")
        left.pack(side="left", fill="y", padx=(0, PAD))
        form = ttk.LabelFrame(left, text="Training", padding=PAD, name="form")
        form.pack(fill="x")
        self.dataset = tk.StringVar(value="mnist")
        self.classes = tk.StringVar(value="")
        self.steps = tk.StringVar(value="600")
        rows: list[tuple[str, ttk.Widget]] = [
            (
                "Dataset",
                ttk.Combobox(
                    form, textvariable=self.dataset, values=DATASETS, width=14, name="dataset"
                ),
            ),
            ("Classes", ttk.Entry(form, textvariable=self.classes, width=16, name="classes")),
            (
                "Steps",
                ttk.Spinbox(
                    form,
                    textvariable=self.steps,
                    from_=50,
                    to=100000,
                    increment=50,
                    width=8,
                    name="steps",
                ),
            ),
        ]
        for r, (text, widget) in enumerate(rows):
            ttk.Label(form, text=text).grid(row=r, column=0, sticky="w", pady=2)
            widget.grid(row=r, column=1, sticky="ew", pady=2)
        ttk.Label(form, text=recipe_text()).grid(
            row=3, column=0, columnspan=2, sticky="w", pady=(4, 0)
        )
        buttons = ttk.Frame(left, name="buttons")
        buttons.pack(fill="x", pady=PAD)
        self.start_button = ttk.Button(buttons, text="Start", command=self.start, name="start")
        self.pause_button = ttk.Button(buttons, text="Pause", command=self.pause, name="pause")
        self.stop_button = ttk.Button(buttons, text="Stop", command=self.stop, name="stop")
        self.new_button = ttk.Button(buttons, text="New", command=self.new, name="new")
        for i, b in enumerate(
            (self.start_button, self.pause_button, self.stop_button, self.new_button)
        ):
            b.grid(row=i // 2, column=i % 2, sticky="ew", padx=1, pady=1)
        files = ttk.Frame(left)
        files.pack(fill="x")
        ttk.Button(files, text="Open generator...", command=self.open_generator).pack(fill="x")
        self.save_button = ttk.Button(files, text="Save generator...", command=self.save_generator)
        self.save_button.pack(fill="x", pady=(2, 0))
        ttk.Label(left, textvariable=self.numbers, justify="left", name="numbers").pack(
            anchor="w", pady=PAD
        )
        ttk.Label(
            left, textvariable=self.status_text, wraplength=220, justify="left", name="status"
        ).pack(anchor="w")
        self.progress = ttk.Progressbar(left, length=200, name="progress")
        self.progress.pack(anchor="w", pady=PAD)

        middle = ttk.Frame(self, name="middle")
        middle.pack(side="left", fill="y", padx=(0, PAD))
        self.grid_title = ttk.Label(middle, text="Samples from a fixed noise batch")
        self.grid_title.pack(anchor="w")
        self.grid_view = SampleGrid(middle, self.pick)
        self.grid_view.pack(anchor="w")
        help_text = ttk.Label(
            middle,
            text="Under each fake: what the current classifier reads (green: p >= 0.9).\n"
            "Click a fake: A (blue); right-click: B (orange), the walk's other end.",
            justify="left",
        )
        help_text.pack(anchor="w")
        present.secondary(help_text)  # F11: the samples get the room
        read = ttk.Frame(middle)
        read.pack(anchor="w", fill="x", pady=(PAD, 0))
        ttk.Label(read, textvariable=self.read_text, name="read").pack(side="left")
        self.send_button = ttk.Button(
            read, text="Send A to Draw", command=self.send_to_draw, name="send"
        )
        self.send_button.pack(side="right")

        right = ttk.Notebook(self, name="views")
        right.pack(side="left", fill="both", expand=True)
        self.views = right
        self.plot = GanCurves(right)
        right.add(self.plot, text="Losses")
        walk = ttk.Frame(right, padding=PAD, name="walk")
        right.add(walk, text="Latent walk")
        self.walk_t = tk.DoubleVar(value=0.0)
        self.walk_image = PictureStrip(walk)
        self.walk_image.pack(anchor="w")
        self.walk_scale = ttk.Scale(
            walk,
            from_=0.0,
            to=1.0,
            variable=self.walk_t,
            command=lambda v: self.show_walk(),
            length=340,
            name="slider",
        )
        self.walk_scale.pack(anchor="w", pady=PAD)
        self.walk_strip = PictureStrip(walk)
        self.walk_strip.pack(anchor="w")
        steps_frame = ttk.Frame(right, padding=PAD, name="steps")
        right.add(steps_frame, text="Generator steps")
        self.steps_intro = ttk.Label(steps_frame, justify="left", wraplength=350)
        self.steps_intro.pack(anchor="w")
        self.step_rows: list[PictureStrip] = []
        self.steps_frame = steps_frame
        right.bind("<<NotebookTabChanged>>", lambda e: self.refresh_views())
        self.set_running(False)

    # --- training -------------------------------------------------------------------------
    def gan_config(self) -> GanConfig:
        from ...core.errors import ConfigError
        from ...core.gan.train import GanConfig

        try:
            steps = int(self.steps.get())
        except ValueError:
            raise ConfigError(f"Steps must be a whole number, not {self.steps.get()!r}") from None
        classes = tuple(c.strip() for c in self.classes.get().split(",") if c.strip())
        return GanConfig(
            dataset=self.dataset.get().strip(),
            classes=classes,
            data_dir=self.app_state.settings.data_dir,
            epochs=100_000,
            max_steps=steps + (self.gan.step if self.gan is not None else 0),
            sample_every=25,
            seed=0,
        )

    def start(self) -> None:
        """Start a run, or go on with the current generator for Steps more."""
        from ...core.errors import DesktopCnnError

        try:
            config = self.gan_config()
            config.validate()
        except DesktopCnnError as exc:
            self.show_error("Cannot start", str(exc))
            return
        gan = self.gan
        if gan is not None and gan.dataset != config.dataset:
            gan = None  # another dataset: a new generator
        self.stop_flag.clear()
        self.pause_flag.clear()
        self.hist = {k: list(v) for k, v in gan.history.items()} if gan is not None else {}
        self.set_running(True)
        self.status_text.set("Loading the data...")
        stop, pause = self.stop_flag, self.pause_flag

        def work(task: Task) -> object:
            from ...core.gan.train import GanTrainer, load_gan_data

            task.on_cancel(stop.set)
            data = load_gan_data(config)
            if gan is not None and gan.image_shape != data.shape:
                trainer = GanTrainer(data, config)
            else:
                trainer = GanTrainer(data, config, gan)
            return trainer.run(task.emit, stop, pause)

        self.worker.start(work)

    def pause(self) -> None:
        if self.pause_flag.is_set():
            self.pause_flag.clear()
            self.pause_button.configure(text="Pause")
            self.status_text.set("Training...")
        else:
            self.pause_flag.set()
            self.pause_button.configure(text="Resume")
            self.status_text.set("Paused: Resume goes on where it stopped.")

    def stop(self) -> None:
        self.stop_flag.set()
        self.pause_flag.clear()

    def new(self) -> None:
        """Forget the generator: the next Start begins from random weights."""
        self.worker.drop()
        self.gan, self.fakes, self.fakes_step, self.hist = None, None, -1, {}
        self.set_running(False)
        self.grid_view.delete("all")
        self.status_text.set("Press Start: a DCGAN trains on the dataset.")
        self.numbers.set("")
        self.plot_history()

    def set_running(self, running: bool) -> None:
        set_enabled(self.start_button, not running)
        set_enabled(self.pause_button, running)
        set_enabled(self.stop_button, running)
        set_enabled(self.save_button, not running and self.gan is not None)
        set_enabled(self.send_button, self.fakes is not None)
        self.pause_button.configure(text="Pause")
        self.start_button.configure(text="Continue" if self.gan is not None else "Start")

    def on_event(self, event: object) -> None:
        from ...core.gan.events import GanResult, GanSamples, GanStarted, GanStep

        if isinstance(event, GanStarted):
            self.progress.configure(maximum=event.total_steps, value=event.start_step)
            self.plot.start(event.start_step, event.total_steps)
            self.status_text.set(
                f"Training on {event.device}: {event.images} images of "
                f"{event.image_shape[1]}x{event.image_shape[2]}."
            )
        elif isinstance(event, GanStep):
            self.last_step = event
            for key in ("loss_d", "loss_g", "d_x", "d_gz"):
                self.hist.setdefault(key, []).append(getattr(event, key))
        elif isinstance(event, GanSamples):
            self.fakes, self.fakes_step = event.images, event.step
            self.grid_updates += 1
            self.show_fakes()
            self.plot.when_visible(lambda: self.plot.show(self.hist, live=True))
        elif isinstance(event, GanResult):
            self.gan = event.state
            self.hist = {k: list(v) for k, v in event.state.history.items()}
            self.set_running(False)
            text = {
                "done": f"Done: {event.message}. Continue trains Steps more.",
                "stopped": f"Stopped: {event.message}. Continue goes on from here.",
            }.get(event.status, event.message)
            self.status_text.set(text)
            self.plot_history()
            self.refresh_views()
        elif isinstance(event, JobFailed):
            self.set_running(False)
            self.status_text.set(event.message)

    def after_events(self) -> None:
        e = self.last_step
        if e is None:
            return
        self.progress.configure(value=e.step)
        self.numbers.set(
            f"step {e.step} of {e.total_steps} (epoch {e.epoch})\n"
            f"loss D {e.loss_d:.3f}   loss G {e.loss_g:.3f}\n"
            f"D(x) {e.d_x:.2f}   D(G(z)) {e.d_gz:.2f}\n{e.images_per_s:,.0f} images/s"
        )

    # --- the fakes and what the classifier reads ----------------------------------------
    def readings(self) -> tuple[list[str], list[str], np.ndarray | None]:
        """Each fake's label text and colour, and the classifier's probabilities (or None)."""
        ck = self.app_state.checkpoint
        assert self.fakes is not None
        n = len(self.fakes)
        if ck is None or ck.info.input_shape[0] != self.fakes.shape[1]:
            return [""] * n, ["#cccccc"] * n, None
        from ...core.gan.quality import CONFIDENT_P, probabilities

        probs = probabilities(ck, self.fakes).numpy()
        names = ck.info.classes
        texts = [f"{names[int(p.argmax())][:5]} {p.max():.0%}" for p in probs]
        colors = ["#5fd35f" if p.max() >= CONFIDENT_P else "#cccccc" for p in probs]
        return texts, colors, probs

    def show_fakes(self) -> None:
        if self.fakes is None:
            return
        texts, colors, probs = self.readings()
        self.a, self.b = min(self.a, len(self.fakes) - 1), min(self.b, len(self.fakes) - 1)
        self.grid_view.show(self.fakes.numpy(), texts, self.a, self.b, colors)
        self.grid_title.configure(text=f"Samples from a fixed noise batch, step {self.fakes_step}")
        set_enabled(self.send_button, True)
        if probs is not None:
            self.read_text.set(self.reading(probs))
        else:
            self.read_text.set("No classifier for these images (open one that fits)")

    def reading(self, probs: np.ndarray) -> str:
        """What the classifier makes of A and of the whole grid (core.gan.quality's numbers)."""
        import torch

        from ...core.gan.quality import CONFIDENT_P, quality_of

        classes = self.app_state.checkpoint.info.classes  # type: ignore[union-attr]
        q = quality_of(torch.from_numpy(probs))
        p = probs[self.a]
        text = (
            f"A reads as {classes[int(p.argmax())]!r} ({p.max():.0%}); "
            f"{q.confident:.0%} of the fakes p >= {CONFIDENT_P}"
        )
        most = max(range(len(q.histogram)), key=q.histogram.__getitem__)
        share = q.histogram[most] / q.count
        if share > 0.5:  # an untrained generator's blobs are all read as one digit ("8")
            text += f",\nbut {share:.0%} read as {classes[most]!r}: not digits yet"
        return text

    def model_changed(self) -> None:
        self.show_fakes()

    def pick(self, i: int, which: str) -> None:
        if which == "a":
            self.a = i
        else:
            self.b = i
        self.show_fakes()
        self.refresh_views()

    def send_to_draw(self) -> None:
        """Fake A becomes the Draw tab's input, as stored (Feature maps and Grad-CAM work on it)."""
        if self.fakes is None:
            return
        import torch
        from PIL import Image

        from ...core.gan.sample import to_uint8

        arr = to_uint8(self.fakes[self.a : self.a + 1])[0]
        tensor = torch.from_numpy(arr.transpose(2, 0, 1).copy())
        image = Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr)
        caption = f"Generated image A (fake #{self.a} at step {self.fakes_step}, Generate tab)"
        self.app_state.post(ShowInDraw(Source("test", caption, image=image, tensor=tensor)))

    # --- the plots and views ------------------------------------------------------------
    def plot_history(self) -> None:
        """The whole history as a plain figure (a run ended, or a generator was opened)."""
        self.plot.show(self.hist)

    def refresh_views(self) -> None:
        current = self.views.tab("current", "text") if self.views.tabs() else ""
        if current == "Latent walk":
            self.show_walk()
        elif current == "Generator steps":
            self.show_steps()
        elif current == "Losses" and self.worker.running and self.gan is None:
            pass

    def _noise(self) -> torch.Tensor | None:
        gan = self.current_gan()
        return None if gan is None else gan.fixed_noise

    def current_gan(self) -> GanState | None:
        return self.gan if not self.worker.running else None

    def show_walk(self) -> None:
        gan = self.current_gan()
        if gan is None:
            self.walk_image.show(
                np.full((8, 8, 3), 240, np.uint8),
                "The latent walk needs a trained generator that is not training.",
            )
            return
        import torch

        from ...core.gan.sample import walk

        z = gan.fixed_noise
        a, b = z[self.a].reshape(-1), z[self.b].reshape(-1)
        t = float(self.walk_t.get())
        image = walk(gan, a, b, t)[0].numpy()
        from ..common.images import zoom

        self.walk_image.show(
            zoom(fake_rgb(image), 168),
            f"z = (1 - t) z_A + t z_B, t = {t:.2f}\n(A: fake #{self.a}, B: fake #{self.b})",
        )
        ts = torch.linspace(0, 1, WALK_FRAMES)
        frames = torch.cat([walk(gan, a, b, float(s)) for s in ts]).numpy()
        current = int(round(t * (WALK_FRAMES - 1)))
        self.walk_strip.show(walk_strip(frames, current), "From A to B in equal steps:")

    def show_steps(self) -> None:
        gan = self.current_gan()
        for row in self.step_rows:
            row.destroy()
        self.step_rows = []
        if gan is None:
            self.steps_intro.configure(
                text="The steps need a trained generator that is not training."
            )
            return
        from ...core.conv.formulas import transpose_formula
        from ...core.gan.steps import generator_steps

        steps = generator_steps(gan, gan.fixed_noise[self.a])
        self.steps_intro.configure(
            text=f"Fake A (#{self.a}) from its {gan.nz} noise numbers (1x1): each transposed "
            "convolution spreads every input number over a kernel-sized patch of its output, "
            "patches stride apart, then trims the padding. Up to 6 maps per layer, after "
            "batch norm and ReLU (tanh at the end)."
        )
        for s in steps:
            row = PictureStrip(self.steps_frame)
            row.pack(anchor="w", pady=(PAD, 0))
            f = transpose_formula(s.in_side, s.kernel, s.stride, s.padding)
            caption = (
                f"{s.name}: {s.in_channels}x{s.in_side}x{s.in_side} -> "
                f"{s.out_channels}x{s.out_side}x{s.out_side}  (k {s.kernel}, s {s.stride}, "
                f"p {s.padding})\n{f.substituted}"
            )
            row.show(maps_strip(s.maps.numpy(), 40), caption)
            self.step_rows.append(row)

    # --- files ---------------------------------------------------------------------------
    def open_generator(self, path: str | None = None) -> None:
        from ...core.errors import DesktopCnnError
        from ...core.gan.files import load_generator
        from ...core.gan.train import generate

        path = path or self.ask_open_filename(title="Open a generator", filetypes=GEN_TYPES)
        if not path:
            return
        try:
            gan = load_generator(path)
        except DesktopCnnError as exc:
            self.show_error("Cannot open the generator", str(exc))
            return
        self.worker.drop()
        self.gan = gan
        self.hist = {k: list(v) for k, v in gan.history.items()}
        self.dataset.set(gan.dataset)
        self.fakes, self.fakes_step = generate(gan.generator, gan.fixed_noise), gan.step
        self.set_running(False)
        self.status_text.set(f"Opened {path}: trained {gan.step} steps on {gan.dataset}.")
        self.show_fakes()
        self.plot_history()
        self.refresh_views()

    def save_generator(self, path: str | None = None) -> None:
        from ...core.errors import DesktopCnnError
        from ...core.gan.files import save_generator

        if self.gan is None:
            return
        path = path or self.ask_save_filename(
            title="Save the generator", defaultextension=".pt", filetypes=GEN_TYPES
        )
        if not path:
            return
        try:
            save_generator(path, self.gan)
        except DesktopCnnError as exc:
            self.show_error("Cannot save the generator", str(exc))
            return
        self.status_text.set(f"Saved {path}")


def recipe_text() -> str:
    """The recipe's fixed settings, from GanConfig's defaults (what Start will use)."""
    from ...core.gan.train import GanConfig

    d = GanConfig()
    return (
        f"Adam {d.lr:.0e}".replace("e-0", "e-")
        + f", betas ({d.beta1}, {d.beta2}), batch {d.batch_size},\n"
        "BCE, non-saturating G loss"
    )
