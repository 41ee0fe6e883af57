"""Offline search: a sharded index of script files and the page that reads it (see index.py)."""

from .index import search_files

__all__ = ["search_files"]
