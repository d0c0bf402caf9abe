"""reportgen: briefing packs, city profiles and proposals from checked, dated city profiles.

The public API::

    import reportgen
    report = reportgen.validate([Path("profiles")])
    profile = reportgen.load(Path("profiles/cities/kitakyushu.yaml"))
    result = reportgen.batch("reportgen.yaml", jobs=2)   # every task's result
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reportgen._version import __version__

if TYPE_CHECKING:
    from reportgen.models import Profile

__all__ = ["__version__", "batch", "load", "validate"]


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


def batch(manifest: Any = None, **settings: Any) -> Any:
    """Run a manifest's jobs as ``reportgen batch`` does; returns the ``BatchResult``.

    ``manifest`` defaults to the nearest ``reportgen.yaml``; ``settings`` are those of
    ``reportgen.batching.Settings`` (``jobs``, ``force``, ``only``, ``timeout``,
    ``memory_mb``, ``stale_after``, ``today``). ``result.results`` holds every task with
    its status (built, fresh or failed), seconds and error.
    """
    from pathlib import Path

    from reportgen import batching

    if "only" in settings:
        settings["only"] = tuple(settings["only"])
    path = Path(manifest) if manifest is not None else None
    return batching.run(path, batching.Settings(**settings))
