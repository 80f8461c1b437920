"""The Tkinter desktop app: draw, train, look inside, save and load.

Layout: one folder per feature (draw, train, inspect, mistakes, playground,
personal), ``common`` for widgets any of them may use, and at this level what
they share: ``state`` (the current model, its ``origin``, the input and its
analysis), ``requests`` (typed asks one part makes of another), ``worker``
(the one way to run long work off the Tk thread), ``sketch``, ``inputs``,
``predictor`` and ``datasets``. A feature folder never imports another one
(tests/test_architecture.py); ``app`` builds the panels and wires them.
Modules without Tk (``state``, ``sketch``, ``predictor``, ``datasets``,
``train/train_job``, ``startup``, ``worker``) are tested without a display.
No module here calls Tk off the main thread.
"""
