"""Authoring commands (`bulletin new`, `bulletin import`), registered in cli.py."""
