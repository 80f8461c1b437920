"""The Mistakes tab: the most confident errors and the clickable confusion matrix."""
