"""Training: the Trainer, its config and optimizer, resume, DDP, distillation, recipes."""
