"""The shared PyTorch core: models, data, training, evaluation, checkpoints, arithmetic.

Nothing in here imports tkinter, matplotlib.pyplot, the GUI or the CLI.
"""
