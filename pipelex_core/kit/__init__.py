"""The kit: default configuration files shipped inside the package.

A file in ``PIPELEX_HOME`` replaces the kit's file of the same name, whole.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def kit_file(name: str) -> Path:
    """A file of the kit, e.g. ``kit_file("deck.toml")`` or ``kit_file("backends/openai.toml")``."""
    return Path(str(resources.files(__name__) / name))


def home_or_kit(home: Path, name: str) -> Path:
    """``home/name`` when the user has one, else the kit's file of that name."""
    candidate = home / name
    return candidate if candidate.exists() else kit_file(name)
