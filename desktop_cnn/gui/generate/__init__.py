"""The Generate tab: train a DCGAN and watch its generator draw."""
