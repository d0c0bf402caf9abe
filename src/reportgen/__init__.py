"""reportgen: briefing packs, city profiles and proposals from checked, dated city profiles.

The public API::

    import reportgen
    from reportgen import Options

    report = reportgen.validate(["profiles"])                      # every error and warning
    result = reportgen.build("profiles/visits/x.yaml", options=Options(languages=("en", "ja")))
    result = reportgen.batch("reportgen.yaml", options=Options(strict=True), jobs=2)
    print(result.summary())            # built 8, fresh 0, failed 0 in 9.1 s
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen._version import __version__
from reportgen.workspace import Clock, Options

if TYPE_CHECKING:
    from reportgen.batching import BatchResult, Progress
    from reportgen.errors import Report
    from reportgen.models import Profile
    from reportgen.pipeline import BuildResult

__all__ = ["Options", "__version__", "batch", "build", "load", "validate"]


def load(path: str | Path) -> Profile:
    """Load and validate one profile file; raises ``reportgen.errors.InvalidInput``."""
    from reportgen import yamlio
    from reportgen.models import parse_profile

    return parse_profile(yamlio.load(Path(path)))


def validate(
    paths: Iterable[str | Path],
    *,
    options: Options | None = None,
    profiles: Path | None = None,
    today: dt.date | None = None,
) -> Report:
    """Check files and folders (recursively), as ``reportgen validate`` does.

    ``today`` is the day facts age against (default: today, or ``SOURCE_DATE_EPOCH``).
    Returns a ``Report`` of every error and warning (stale facts are warnings; with
    ``options.strict`` they count as failures: ``report.failed(strict=True)``).
    """
    from reportgen import validation
    from reportgen.workspace import Workspace

    chosen = [Path(p) for p in paths]
    start = chosen[0] if chosen else None
    workspace = Workspace.resolve(start, profiles=profiles, options=options, clock=_clock(today))
    return validation.validate(chosen, workspace)


def build(
    source: str | Path,
    *,
    options: Options | None = None,
    document: str | None = None,
    output: Path | None = None,
    profiles: Path | None = None,
    today: dt.date | None = None,
) -> BuildResult:
    """Build one document in each format and language of ``options``, as ``reportgen build``.

    ``output`` names the file when one is built, a folder otherwise (default: the
    project's output folder). Raises ``reportgen.errors.InvalidInput`` (every problem
    in ``exc.report``) and writes nothing when the input is bad, or with
    ``options.strict`` when there is any warning. ``result.written`` lists the files.
    """
    from reportgen.context import BuildContext
    from reportgen.pipeline import build as run_build

    path = Path(source)
    context = BuildContext.resolve(path, profiles=profiles, options=options, clock=_clock(today))
    return run_build(context, path, document=document, output=output)


def batch(
    manifest: str | Path | None = None,
    *,
    options: Options | None = None,
    jobs: int = 0,
    force: bool = False,
    only: Iterable[str] = (),
    scheduler: str | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> BatchResult:
    """Run a manifest's jobs as ``reportgen batch`` does (default: the nearest manifest).

    ``jobs`` worker processes (0: one per CPU); ``only`` names jobs to run; ``scheduler``
    builds on a Dask cluster (``tcp://HOST:PORT`` or ``local``). Returns the
    ``BatchResult``: ``result.results`` holds each output with its status (built, fresh
    or failed), seconds, error and warnings; ``result.ok`` is False when any failed.
    """
    from reportgen import batching
    from reportgen.context import BuildContext

    named = Path(manifest) if manifest is not None else None
    context = BuildContext.resolve(
        manifest=named, options=options, clock=_clock(today), require_manifest=True
    )
    settings = batching.Settings(jobs=jobs, force=force, only=tuple(only), scheduler=scheduler)
    return batching.run(context, settings=settings, progress=progress)


def _clock(today: dt.date | None) -> Clock | None:
    """``today`` stands in for the day facts are judged on (default: the environment's)."""
    return Clock(today) if today is not None else None
