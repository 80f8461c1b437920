"""Inside the network: what its units want to see (featurevis) and how little fools it (attacks)."""
