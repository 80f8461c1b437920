"""The Build tab: design a CNN as a spec, see its arithmetic live, its code, train it."""
