"""Errors of the selector: a spec or an input the user can fix, said in words that say how."""

from __future__ import annotations


class SpecError(ValueError):
    """A selection spec (or the candidates it is applied to) is not usable: names the key, the value
    received and what is allowed."""
