"""reportgen: briefing packs, city profiles and proposals from checked, dated city profiles.

The public API::

    import reportgen
    report = reportgen.validate([Path("profiles")])
    profile = reportgen.load(Path("profiles/cities/kitakyushu.yaml"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reportgen._version import __version__

if TYPE_CHECKING:
    from reportgen.models import Profile

__all__ = ["__version__", "load", "validate"]


def load(path: Any) -> Profile:
    """Load and validate one profile file; raises ``reportgen.errors.InvalidInput``."""
    from pathlib import Path

    from reportgen import yamlio
    from reportgen.models import parse_profile

    return parse_profile(yamlio.load(Path(path)))


def validate(paths: Any, **options: Any) -> Any:
    """Check files and folders; returns a ``Report`` of every error and warning."""
    from pathlib import Path

    from reportgen import project

    return project.validate([Path(p) for p in paths], **options)
