"""The shared PyTorch core: models, data, training, evaluation, checkpoints, arithmetic.

Nothing in here imports tkinter, matplotlib.pyplot, the GUI or the CLI. One folder per job:
spec/ conv/ train/ data/ files/ inspect/ chapter/ inside/ gan/ pictures/
(docs/architecture.md says what each holds).
"""
