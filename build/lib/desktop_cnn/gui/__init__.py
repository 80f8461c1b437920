"""The Tkinter desktop app: draw, train, look inside, save and load.

Modules without Tk (``state``, ``sketch``, ``images``, ``predictor``,
``datasets``, ``train_job``, ``startup``) hold the logic and are tested
without a display; the panels are thin ttk frames over them. Only
``startup`` may import torch in a worker thread; no module here calls Tk off
the main thread.
"""
