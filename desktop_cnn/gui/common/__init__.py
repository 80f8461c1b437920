"""What every panel shares: the Panel base, small widgets, images and matplotlib panes."""
