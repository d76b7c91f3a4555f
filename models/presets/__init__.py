"""Registered presets, one file per family; importing this package registers them all."""

from models.presets import classification, erfnet, fbnet, squeezenas  # noqa: F401  (registration)
