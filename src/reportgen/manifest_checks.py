"""Checks of a manifest beyond its schema: job names, schedules' jobs, sources, the home city.

The references between jobs and schedules are read from the loaded data, so that they
come in the same round as the schema's errors. Sources that match no file are each
job's own failure: ``validate`` reports them at their line, and a batch builds the
other jobs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.errors import Issue, Loc, Severity

if TYPE_CHECKING:
    from reportgen.models import Manifest
    from reportgen.project import Project
    from reportgen.yamlio import Document

Finding = tuple[Loc, str]


def reference_rules(data: Any) -> Iterator[Finding]:
    """Duplicate job names, and schedules that name a job the manifest does not have."""
    if not isinstance(data, dict):
        return
    jobs = data.get("jobs")
    names: dict[str, int] = {}
    for index, job in enumerate(jobs if isinstance(jobs, list) else []):
        name = job.get("name") if isinstance(job, dict) else None
        if not isinstance(name, str):
            continue
        if name in names:
            yield ("jobs", index, "name"), f"duplicate job name '{name}'"
        names.setdefault(name, index)
    schedules = data.get("schedules")
    for index, schedule in enumerate(schedules if isinstance(schedules, list) else []):
        listed = schedule.get("jobs") if isinstance(schedule, dict) else None
        for position, job_name in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(job_name, str) and job_name not in names:
                known = ", ".join(names) or "none"
                yield (
                    ("schedules", index, "jobs", position),
                    f"unknown job '{job_name}' (jobs: {known})",
                )


def matches(root: Path, pattern: str) -> list[Path]:
    """The files a job's source pattern matches, relative to the manifest's folder."""
    try:
        return sorted(path for path in root.glob(pattern) if path.is_file())
    except ValueError:  # a pattern that pathlib refuses ("**x") matches nothing
        return []


def source_issues(doc: Document, manifest: Manifest) -> list[Issue]:
    """Job sources that match no file, located at their line in the manifest.

    A job that matches nothing builds nothing: an error at its ``sources``, the message
    that the batch reports as that job's failure. One pattern of several that matches
    nothing is a warning (a typo, or a file not made yet).
    """
    root = doc.path.parent
    issues: list[Issue] = []
    for index, job in enumerate(manifest.jobs):
        found = [bool(matches(root, pattern)) for pattern in job.sources]
        if not any(found):
            shown = ", ".join(job.sources)
            issues.append(doc.issue(("jobs", index, "sources"), f"no file matches {shown}"))
            continue
        for position, pattern in enumerate(job.sources):
            if not found[position]:
                loc = ("jobs", index, "sources", position)
                message = f"no file matches {pattern}"
                issues.append(doc.issue(loc, message, severity=Severity.WARNING))
    return issues


def home_issues(doc: Document, manifest: Manifest, project: Project) -> list[Issue]:
    """The home city must be a city profile of the project."""
    if manifest.home is None or project.exists("city", manifest.home):
        return []
    where = manifest.profiles
    return [doc.issue(("home",), f"unknown city '{manifest.home}': no profile in {where} has it")]
