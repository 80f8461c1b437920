"""The Train tab: the settings form, the run in the worker, live curves and the replay timeline."""
