"""Files read and written: checkpoints, atomic writes, output checks, safe JSON, paths."""
