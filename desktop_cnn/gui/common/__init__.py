"""What every panel may use: the Panel base, small widgets, the sketch pad, the thumbnail
gallery, images and matplotlib panes."""
