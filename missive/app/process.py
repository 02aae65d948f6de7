"""What every command's process does before its work and after it, whatever the command."""

from __future__ import annotations

from missive.storage import kept_patterns


def begin() -> None:
    """Before the command's modules are imported: the regular expressions earlier runs
    compiled, from the start-up cache (`storage/kept_patterns.py`)."""
    kept_patterns.seed()


def end() -> None:
    """Once the command is done: keep the regular expressions it compiled anew."""
    kept_patterns.keep()
