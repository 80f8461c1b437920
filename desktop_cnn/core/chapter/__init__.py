"""The chapter as a path: its sections in order; lesson files that open the app at one."""
