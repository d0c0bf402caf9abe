"""Targets: what one build makes, named once, for ``build`` and ``batch`` alike.

A target is one source profile made into one document, in one language for one
audience, in one or more formats; each format is one output file. The planner names
every target (and every output file) before anything is built, so ``build``,
``batch``, the preview and remote workers agree on what a target is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen.audience import Audience, is_public
from reportgen.errors import InvalidInput, Report, UsageError
from reportgen.registry import RENDERERS, document_for

if TYPE_CHECKING:
    from reportgen.context import BuildContext
    from reportgen.project import Project


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

    def day(self, today: dt.date) -> dt.date:
        """The day its facts are judged on: ``today``, or its own earlier day."""
        return today if self.as_of is None else min(today, self.as_of)

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
