"""A manifest's jobs as targets: every source x language, each with its output files.

Targets are named from the profile's id, which the state remembers per file digest, so
an unchanged project is planned without parsing any YAML. Two targets that would
write the same file are refused before anything is built; a job whose patterns match
no file is that job's failure, and the other jobs still build.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.batching.lock import BatchError
from reportgen.errors import Issue, UsageError, display_path
from reportgen.manifest_checks import matches
from reportgen.project import leads_outside
from reportgen.state import BuildState
from reportgen.targets import Output, Target, earliest, output_name
from reportgen.tracking import file_digest
from reportgen.workspace import Workspace

if TYPE_CHECKING:
    from reportgen.yamlio import Document


@dataclass
class Plan:
    """The targets to build, and the jobs that could not be planned."""

    targets: list[Target] = field(default_factory=list)
    problems: list[tuple[str, Issue]] = field(default_factory=list)
    """``(job name, located problem)`` for each job that names no file."""


def source_id(path: Path, state: BuildState) -> str:
    """The profile's id, from the state when the file is unchanged, else from the file."""
    from reportgen import yamlio
    from reportgen.errors import InvalidInput
    from reportgen.models.types import ID_PATTERN

    digest = file_digest(path)
    known = state.source(str(path), digest)
    if known is not None and known[1]:
        return known[1]
    kind = ident = None
    try:
        data = yamlio.load(path).data
    except InvalidInput:
        data = None
    if isinstance(data, dict):
        kind = data.get("kind") if isinstance(data.get("kind"), str) else None
        ident = data.get("id") if isinstance(data.get("id"), str) else None
    if ident is not None and not re.fullmatch(ID_PATTERN, ident):
        ident = None  # names no target: '../x' or '/tmp/x' would lead out of the output folder
    state.record_source(str(path), digest, kind, ident)
    return ident or path.stem


def plan(
    workspace: Workspace, state: BuildState, only: Sequence[str] = (), as_of: dt.date | None = None
) -> Plan:
    """Every target of the jobs asked for; ``as_of`` (``--as-of``) is the latest day any
    of them is written as of (a job's own ``as_of:`` may be earlier)."""
    manifest = workspace.manifest
    root = workspace.root
    names = [job.name for job in manifest.jobs]
    for name in only:
        if name not in names:
            raise UsageError(f"no job named '{name}' (jobs: {', '.join(names) or 'none'})")
    result = Plan()
    owners: dict[Path, tuple[str, Path]] = {}
    for index, job in enumerate(manifest.jobs):
        if only and job.name not in only:
            continue
        files = sorted({p for pattern in job.sources for p in matches(root, pattern)})
        if not files:
            result.problems.append((job.name, _no_match(workspace, index, job.sources)))
            continue
        if as_of is None and job.as_of is not None and job.as_of.last > workspace.today:
            message = (
                f"{job.as_of} has not ended yet (today is {workspace.today.isoformat()}): "
                "a document is written as of a day that has passed"
            )
            result.problems.append((job.name, _job_issue(workspace, index, "as_of", message)))
            continue
        formats = tuple(job.formats or manifest.defaults.formats)
        languages = job.languages or manifest.defaults.languages
        audience = job.audience or manifest.defaults.audience
        day = earliest(job.as_of.last if job.as_of else None, as_of)
        for source in files:
            # a link leading outside is never read: its build fails, naming it
            ident = source.stem if leads_outside(source, root) else source_id(source, state)
            for lang in languages:
                outputs = tuple(
                    Output(
                        fmt,
                        workspace.output
                        / output_name(ident, job.document, lang, fmt, audience, day),
                    )
                    for fmt in formats
                )
                target = Target(source, job.document, lang, audience, outputs, job.name, day)
                for output in outputs:
                    other = owners.get(output.path)
                    if other is not None:
                        raise BatchError(
                            f"jobs '{other[0]}' ({display_path(other[1])}) and "
                            f"'{job.name}' ({display_path(source)}) would both write "
                            f"{display_path(output.path)}"
                        )
                    owners[output.path] = (job.name, source)
                result.targets.append(target)
    return result


def _no_match(workspace: Workspace, index: int, patterns: Sequence[str]) -> Issue:
    from reportgen.manifest_checks import no_match

    message = f"no file matches {', '.join(patterns)}"
    return _located(workspace, lambda doc: no_match(doc, index, patterns), message)


def _job_issue(workspace: Workspace, index: int, field: str, message: str) -> Issue:
    """The problem of field ``field`` of job ``index``, at its line in the manifest."""
    return _located(workspace, lambda doc: doc.issue(("jobs", index, field), message), message)


def _located(workspace: Workspace, issue: Callable[[Document], Issue], message: str) -> Issue:
    """``issue`` of the manifest, located at its line; ``message`` alone when it cannot be."""
    from reportgen import yamlio

    path = workspace.manifest_path
    if path is None:
        return Issue("", None, None, "", message)
    try:
        return issue(yamlio.load(path))
    except Exception:  # the manifest was read once already; a location is a bonus
        return Issue(display_path(path), None, None, "", message)
