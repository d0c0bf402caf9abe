"""reportgen's folder in the user's cache: ``$XDG_CACHE_HOME/reportgen`` or ``~/.cache/reportgen``.

What is kept there (the fonts' coverage, compiled templates) can always be made again:
a cache that cannot be read or written makes a run slower, never a failure.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    """The user's home folder; a path that holds nothing when there is none."""
    try:
        return Path.home()
    except (RuntimeError, KeyError):
        return Path("/nonexistent")


def xdg_folder(name: str, default: str) -> Path:
    """An XDG base folder (``XDG_CACHE_HOME`` ...); a relative value is ignored, as the
    specification says."""
    value = Path(os.environ.get(name, ""))
    return value if value.is_absolute() else home() / default


def folder() -> Path:
    """reportgen's cache folder (it may not exist yet)."""
    return xdg_folder("XDG_CACHE_HOME", ".cache") / "reportgen"
