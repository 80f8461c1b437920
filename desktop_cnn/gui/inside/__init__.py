"""The Inside tab: what the network wants to see, and how little it takes to fool it."""
