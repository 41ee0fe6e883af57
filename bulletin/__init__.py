"""bulletin: a static site generator for archives of weekly bulletins."""

__version__ = "0.1.0"
