"""Looking into a model: evaluation, mistakes, summaries, saliency, curves compared."""
