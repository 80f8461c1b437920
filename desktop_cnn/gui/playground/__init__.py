"""The Playground tab: one convolution layer stepped through, with its arithmetic."""
