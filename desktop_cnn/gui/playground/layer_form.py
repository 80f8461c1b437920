"""The Playground's settings form: one convolution or pooling layer, read into settings."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from ...core.conv.playground import LABELS, LIMITS, LayerSettings, SettingsError
from ..common.panel import PAD, set_enabled
from ..common.scaling import px

ERROR_COLOUR = "#b00020"
KINDS = {
    "Convolution": "conv",
    "Transposed": "transposed",
    "Max pooling": "max",
    "Average pooling": "avg",
}
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
        self.kind = tk.StringVar(self, "conv")
        kinds = ttk.Frame(self)
        kinds.grid(row=0, column=0, columnspan=2, rowspan=2, sticky="w")
        for r, (text, value) in enumerate(KINDS.items()):
            ttk.Radiobutton(
                kinds, text=text, variable=self.kind, value=value, command=self.changed
            ).grid(row=r // 2, column=r % 2, sticky="w", padx=(0, PAD))
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
        self.bias_box = ttk.Checkbutton(self, text="Bias", variable=self.bias, command=self.changed)
        self.bias_box.grid(row=10, column=0, sticky="w")
        ttk.Separator(self).grid(row=11, column=0, columnspan=2, sticky="ew", pady=PAD)
        ttk.Label(self, text="Show output channel").grid(row=12, column=0, sticky="w")
        ttk.Label(self, text="First input slice").grid(row=13, column=0, sticky="w")
        self.first_slice = tk.StringVar(self, "0")
        self.slice_box = ttk.Spinbox(
            self, from_=0, to=0, width=6, textvariable=self.first_slice, command=on_channel
        )
        self.slice_box.bind("<Return>", lambda e: on_channel())
        self.slice_box.grid(row=13, column=1, sticky="e", pady=1)
        self.channel = tk.StringVar(self, "0")
        self.channel_box = ttk.Spinbox(
            self, from_=0, to=0, width=6, textvariable=self.channel, command=on_channel
        )
        self.channel_box.bind("<Return>", lambda e: on_channel())
        self.channel_box.grid(row=12, column=1, sticky="e", pady=1)
        self.reroll = ttk.Button(self, text="New random numbers", command=on_reroll)
        self.reroll.grid(row=14, column=0, columnspan=2, sticky="ew", pady=(PAD, 0))
        self.error = ttk.Label(
            self, text="", foreground=ERROR_COLOUR, wraplength=px(230), justify="left"
        )
        self.error.grid(row=15, column=0, columnspan=2, sticky="w", pady=(PAD, 0))
        self.columnconfigure(0, weight=1)

    @property
    def transposed(self) -> bool:
        return self.kind.get() == "transposed"

    @property
    def pool(self) -> str:
        return self.kind.get() if self.kind.get() in ("max", "avg") else ""

    def changed(self) -> None:
        # Fields a layer of this kind does not have are greyed out and ignored
        set_enabled(self.spins["output_padding"], self.transposed)
        for name in ("dilation", "out_channels"):
            set_enabled(self.spins[name], not self.pool)
        set_enabled(self.bias_box, not self.pool)
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
        transposed, pool = self.transposed, self.pool
        if not transposed:
            values["output_padding"] = 0
        if pool:  # a pooling window has no dilation, filters or bias of its own
            values["dilation"] = 1
            values["out_channels"] = values["in_channels"]
        bias = bool(self.bias.get()) and not pool
        st = LayerSettings(**values, transposed=transposed, bias=bias, pool=pool)
        st.validate()
        return st

    def show(self, st: LayerSettings) -> None:
        """Put ``st`` into the fields (a preset); the caller applies it."""
        for name in FIELDS:
            self.vars[name].set(str(getattr(st, name)))
        self.kind.set(st.pool or ("transposed" if st.transposed else "conv"))
        self.bias.set(st.bias)
        self.channel.set("0")
        self.first_slice.set("0")
        set_enabled(self.spins["output_padding"], st.transposed)
        for name in ("dilation", "out_channels"):
            set_enabled(self.spins[name], not st.pool)
        set_enabled(self.bias_box, not st.pool)

    def slice_index(self, channels: int) -> int:
        """The first input slice to draw, kept within ``0..channels-1``."""
        try:
            k = int(self.first_slice.get())
        except ValueError:
            k = 0
        k = min(max(k, 0), channels - 1)
        self.slice_box.configure(to=channels - 1)
        if self.first_slice.get() != str(k):
            self.first_slice.set(str(k))
        return k

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
