"""The chapter guide, a pane docked beside the tabs (F1, Help > Chapter guide): the chapter's
sections in order, each opening the part of the app that shows it."""
