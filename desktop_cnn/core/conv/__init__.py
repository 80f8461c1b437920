"""Convolution arithmetic: output sizes, formulas, im2col, the playground's engine, exercises."""
