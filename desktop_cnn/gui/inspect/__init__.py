"""Looking inside a model: feature maps, one number explained, the model summary, comparisons."""
