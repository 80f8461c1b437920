"""Datasets as uint8 tensors: MNIST/IDX, image folders, own drawings, splits, batches."""
