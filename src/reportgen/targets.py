"""Targets: what one build makes, named once, for ``build`` and ``batch`` alike.

A target is one source profile made into one document, in one language for one
audience, in one or more formats; each format is one output file. The planner names
every target (and every output file) before anything is built, so ``build``,
``batch``, the preview and remote workers agree on what a target is.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.audience import Audience, is_public
from reportgen.errors import (
    InvalidInput,
    Issue,
    Report,
    ReportgenError,
    UsageError,
    display_path,
)
from reportgen.registry import RENDERERS, document_for

if TYPE_CHECKING:
    from reportgen.context import BuildContext
    from reportgen.project import Project
    from reportgen.workspace import Workspace
    from reportgen.yamlio import YamlDocument


@dataclass(frozen=True)
class Output:
    """One file of a target: its format and where it goes."""

    format: str
    path: Path


@dataclass(frozen=True)
class Target:
    """A source built as a document in one language for one audience."""

    source: Path
    document: str
    lang: str
    audience: Audience
    outputs: tuple[Output, ...]
    job: str = ""
    """The manifest job that asked for it (empty for ``reportgen build``)."""
    as_of: dt.date | None = None
    """The day it is written as of (``--as-of``, a job's ``as_of:``); None: today."""

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(output.format for output in self.outputs)


def output_name(
    ident: str, document: str, lang: str, fmt: str, audience: str, as_of: dt.date | None = None
) -> str:
    """``<id>.<document>.<lang>.<ext>``; public documents add ``.public`` before the
    extension, so a public copy never overwrites the internal one, and documents written
    as of a day add ``.as-of-<day>``, so that they never overwrite today's."""
    infix = ".public" if is_public(audience) else ""
    if as_of is not None:
        infix += f".as-of-{as_of.isoformat()}"
    return f"{ident}.{document}.{lang}{infix}.{RENDERERS[fmt].suffix}"


def earliest(*days: dt.date | None) -> dt.date | None:
    """The earliest of the days given (None where none is)."""
    return min((day for day in days if day is not None), default=None)


def check_language(lang: str) -> str:
    """A BCP 47 tag as the command line takes it; a usage error otherwise."""
    from reportgen.languages import language_problem
    from reportgen.models.types import LANG_PATTERN

    if not re.fullmatch(LANG_PATTERN, lang):
        raise UsageError(f"--lang: '{lang}' is not a BCP 47 language tag (en, ja, zh-Hans ...)")
    problem = language_problem(lang)
    if problem:
        raise UsageError(f"--lang: {problem}")
    return lang


def plan_build(
    context: BuildContext,
    source: Path,
    project: Project,
    *,
    document: str | None = None,
    output: Path | None = None,
) -> list[Target]:
    """The targets of ``reportgen build``: one per language asked.

    ``output`` names the file when exactly one is built, a folder otherwise (default:
    the workspace's output folder).
    """
    options = context.options
    for fmt in options.formats:
        if fmt not in RENDERERS:
            raise UsageError(f"unknown format '{fmt}': use one of {', '.join(RENDERERS)}")
    for lang in options.languages:
        check_language(lang)
    entry = project.add(source)
    if entry.profile is None or entry.kind is None or entry.id is None:
        raise InvalidInput(Report(list(entry.issues)))
    kind = document_for(entry.kind, document)
    pairs = [(lang, fmt) for lang in options.languages for fmt in options.formats]
    single = output is not None and len(pairs) == 1 and not output.is_dir() and output.suffix
    folder = output if output is not None and not single else context.workspace.output
    targets = []
    for lang in options.languages:
        outputs = tuple(
            Output(
                fmt,
                output
                if single and output is not None
                else folder
                / output_name(entry.id, kind.name, lang, fmt, options.audience, options.as_of),
            )
            for fmt in options.formats
        )
        targets.append(
            Target(source, kind.name, lang, options.audience, outputs, as_of=options.as_of)
        )
    return targets


class PlanError(ReportgenError):
    """Targets cannot be planned: two of them would write the same file."""


@dataclass
class Plan:
    """The targets to build, and the jobs that could not be planned."""

    targets: list[Target] = field(default_factory=list)
    problems: list[tuple[str, Issue]] = field(default_factory=list)
    """``(job name, located problem)`` for each job that names no file."""


def plan_jobs(
    context: BuildContext,
    only: Sequence[str] = (),
    *,
    ident: Callable[[Path], str] = lambda source: source.stem,
) -> Plan:
    """The targets of a manifest's jobs (``batch``, the schedules, ``serve``): every
    source x language of the jobs asked for (``only``; default: all).

    ``ident`` names a source's outputs (the batch's remembers ids per file digest);
    ``--as-of`` is the latest day any target is written as of (a job's own ``as_of:``
    may be earlier).
    """
    from reportgen.manifest_checks import matches
    from reportgen.project import leads_outside

    workspace = context.workspace
    as_of = context.options.as_of
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
            named = source.stem if leads_outside(source, root) else ident(source)
            for lang in languages:
                outputs = tuple(
                    Output(
                        fmt,
                        workspace.output
                        / output_name(named, job.document, lang, fmt, audience, day),
                    )
                    for fmt in formats
                )
                target = Target(source, job.document, lang, audience, outputs, job.name, day)
                for output in outputs:
                    other = owners.get(output.path)
                    if other is not None:
                        raise PlanError(
                            f"jobs '{other[0]}' ({display_path(other[1])}) and "
                            f"'{job.name}' ({display_path(source)}) would both write "
                            f"{display_path(output.path)}"
                        )
                    owners[output.path] = (job.name, source)
                result.targets.append(target)
    return result


def plan_folder(context: BuildContext, kind_of: Callable[[Path], str | None]) -> list[Target]:
    """The targets of a folder of profiles without a manifest (``serve FOLDER``): each
    profile (``kind_of`` tells its kind; None: not one) as its kind's own document, in
    each language of the options, no file named."""
    from reportgen.models.manifest import MANIFEST_NAME
    from reportgen.project import yaml_files
    from reportgen.registry import default_document

    folder = context.workspace.profiles
    if folder is None or not folder.is_dir():
        return []
    options = context.options
    targets = []
    for path in yaml_files([folder]):
        if path.name == MANIFEST_NAME:
            continue
        kind = kind_of(path)
        if kind is None:
            continue  # not a profile (or never readable): listed with its problems
        document = default_document(kind).name
        for lang in options.languages:
            targets.append(Target(path, document, lang, options.audience, (), as_of=options.as_of))
    return targets


def _no_match(workspace: Workspace, index: int, patterns: Sequence[str]) -> Issue:
    from reportgen.manifest_checks import no_match

    message = f"no file matches {', '.join(patterns)}"
    return _located(workspace, lambda doc: no_match(doc, index, patterns), message)


def _job_issue(workspace: Workspace, index: int, field: str, message: str) -> Issue:
    """The problem of field ``field`` of job ``index``, at its line in the manifest."""
    return _located(workspace, lambda doc: doc.issue(("jobs", index, field), message), message)


def _located(workspace: Workspace, issue: Callable[[YamlDocument], Issue], message: str) -> Issue:
    """``issue`` of the manifest, located at its line; ``message`` alone when it cannot be."""
    from reportgen import yamlio

    path = workspace.manifest_path
    if path is None:
        return Issue("", None, None, "", message)
    try:
        return issue(yamlio.load(path))
    except Exception:  # the manifest was read once already; a location is a bonus
        return Issue(display_path(path), None, None, "", message)
