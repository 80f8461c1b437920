"""The Playground's settings form: one convolution layer, as spinboxes, read into settings."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from ...core.conv.playground import LABELS, LIMITS, LayerSettings, SettingsError
from ..common.panel import PAD, set_enabled
from ..common.scaling import px

ERROR_COLOUR = "#b00020"
FIELDS = (
    "size",
    "kernel",
    "stride",
    "padding",
    "dilation",
    "in_channels",
    "out_channels",
    "output_padding",
)


class LayerForm(ttk.LabelFrame):
    """Every edit calls ``on_change`` (arrows, Return, leaving a field); ``read`` validates."""

    def __init__(
        self,
        master: tk.Misc,
        on_change: Callable[[], None],
        on_channel: Callable[[], None],
        on_reroll: Callable[[], None],
    ) -> None:
        super().__init__(master, text="Layer", padding=PAD)
        self.on_change = on_change
        self.create_widgets(on_channel, on_reroll)

    def create_widgets(self, on_channel: Callable[[], None], on_reroll: Callable[[], None]) -> None:
        self.transposed = tk.BooleanVar(self, False)
        for r, (text, value) in enumerate(
            (("Convolution (nn.Conv2d)", False), ("Transposed (nn.ConvTranspose2d)", True))
        ):
            ttk.Radiobutton(
                self, text=text, variable=self.transposed, value=value, command=self.changed
            ).grid(row=r, column=0, columnspan=2, sticky="w")
        defaults = LayerSettings()
        self.vars: dict[str, tk.StringVar] = {}
        self.spins: dict[str, ttk.Spinbox] = {}
        for r, name in enumerate(FIELDS, start=2):
            lo, hi = LIMITS[name]
            var = self.vars[name] = tk.StringVar(self, str(getattr(defaults, name)))
            spin = self.spins[name] = ttk.Spinbox(
                self, from_=lo, to=hi, width=6, textvariable=var, command=self.changed
            )
            spin.bind("<Return>", lambda e: self.changed())
            spin.bind("<FocusOut>", lambda e: self.changed())
            ttk.Label(self, text=LABELS[name].capitalize()).grid(row=r, column=0, sticky="w")
            spin.grid(row=r, column=1, sticky="e", pady=1)
        self.bias = tk.BooleanVar(self, True)
        ttk.Checkbutton(self, text="Bias", variable=self.bias, command=self.changed).grid(
            row=10, column=0, sticky="w"
        )
        ttk.Separator(self).grid(row=11, column=0, columnspan=2, sticky="ew", pady=PAD)
        ttk.Label(self, text="Show output channel").grid(row=12, column=0, sticky="w")
        self.channel = tk.StringVar(self, "0")
        self.channel_box = ttk.Spinbox(
            self, from_=0, to=0, width=6, textvariable=self.channel, command=on_channel
        )
        self.channel_box.bind("<Return>", lambda e: on_channel())
        self.channel_box.grid(row=12, column=1, sticky="e", pady=1)
        self.reroll = ttk.Button(self, text="New random numbers", command=on_reroll)
        self.reroll.grid(row=13, column=0, columnspan=2, sticky="ew", pady=(PAD, 0))
        self.error = ttk.Label(
            self, text="", foreground=ERROR_COLOUR, wraplength=px(230), justify="left"
        )
        self.error.grid(row=14, column=0, columnspan=2, sticky="w", pady=(PAD, 0))
        self.columnconfigure(0, weight=1)

    def changed(self) -> None:
        # A plain convolution has no output padding: the field is greyed out and ignored
        set_enabled(self.spins["output_padding"], bool(self.transposed.get()))
        self.on_change()

    def read(self) -> LayerSettings:
        """The form as settings; raises SettingsError naming the bad field."""
        values = {}
        for name in FIELDS:
            text = self.vars[name].get().strip()
            try:
                values[name] = int(text)
            except ValueError:
                raise SettingsError(
                    f"{LABELS[name]} must be a whole number, not {text!r}"
                ) from None
        transposed = bool(self.transposed.get())
        if not transposed:
            values["output_padding"] = 0
        st = LayerSettings(**values, transposed=transposed, bias=bool(self.bias.get()))
        st.validate()
        return st

    def show(self, st: LayerSettings) -> None:
        """Put ``st`` into the fields (a preset); the caller applies it."""
        for name in FIELDS:
            self.vars[name].set(str(getattr(st, name)))
        self.transposed.set(st.transposed)
        self.bias.set(st.bias)
        self.channel.set("0")
        set_enabled(self.spins["output_padding"], st.transposed)

    def channel_index(self, channels: int) -> int:
        """The output channel to show, kept within ``0..channels-1``."""
        try:
            k = int(self.channel.get())
        except ValueError:
            k = 0
        k = min(max(k, 0), channels - 1)
        self.channel_box.configure(to=channels - 1)
        if self.channel.get() != str(k):
            self.channel.set(str(k))
        return k
