"""Pictures for slides and handouts: matplotlib Figures (never pyplot) and saving them."""
