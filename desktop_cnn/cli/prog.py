"""The program's name, as its messages and ``--help`` show it."""

PROG = "desktop-cnn"
