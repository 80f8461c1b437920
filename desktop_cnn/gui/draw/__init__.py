"""The Draw tab: the sketch pad, live prediction, saliency and the preprocessing steps."""
