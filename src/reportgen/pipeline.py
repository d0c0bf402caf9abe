"""One build step: a target into the bytes of its outputs, and a record of what it read.

target -> checked profile (and what it pulls in) -> public edition redacted -> Document
(fields read are recorded) -> renderer per format -> bytes

``build_target`` writes nothing: ``write_outputs`` does that, so a batch worker (or a
remote one) can return bytes for the coordinator to write. ``reportgen build`` and
``reportgen batch`` both go through here, so they give the same bytes for a target;
both leave to a format's pass together (``Renderer.together``) what it does over all of
a run's files at once, and run it afterwards (``passes_together``, ``pass_together``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen import tracking
from reportgen.audience import is_public
from reportgen.checks import Staleness
from reportgen.errors import InvalidInput, Issue, Report, Severity, display_path
from reportgen.models import Profile
from reportgen.output import write_atomic
from reportgen.project import (
    LISTING_PREFIX,
    Entry,
    Project,
    checked,
    dependencies,
    listing_digest,
)
from reportgen.registry import DOCUMENTS, RENDERERS, load, passed_together
from reportgen.targets import Target

if TYPE_CHECKING:
    from reportgen.context import BuildContext
    from reportgen.renderers import RenderContext, Together
    from reportgen.workspace import Workspace


@dataclass(frozen=True)
class Input:
    """One thing a build read: a profile's fields, a whole file, or a folder's listing.

    ``fields`` names the top-level fields of a profile that the document read (None:
    the whole file counts); ``digest`` is what they held.
    """

    path: str
    fields: tuple[str, ...] | None
    digest: str


@dataclass(frozen=True)
class Record:
    """What a build read and what it warned about: the basis of freshness."""

    inputs: tuple[Input, ...]
    valid_until: dt.date | None
    """The day a current fact in the document turns stale (its "verify" marks change)."""
    warnings: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class Built:
    """The bytes of each output of a target, and its record."""

    target: Target
    outputs: tuple[tuple[Path, bytes], ...]
    record: Record


def render_context(context: BuildContext) -> RenderContext:
    """What the renderers of every target built with ``context`` are told (a target adds
    its PDF variant and attachments)."""
    from reportgen.renderers import RenderContext

    options = context.options
    return RenderContext(
        paper=options.paper,
        reference_docx=options.reference_docx,
        page_numbers=options.page_numbers,
        embed_fonts=options.embed_fonts,
        templates=context.workspace.templates,
    )


def fields_digest(digests: dict[str, str], fields: Sequence[str]) -> str:
    """One digest of the named fields of a profile (absent fields count too)."""
    return tracking.value_digest([[name, digests.get(name, tracking.ABSENT)] for name in fields])


def build_target(context: BuildContext, target: Target, project: Project | None = None) -> Built:
    """Build every output of ``target`` in memory; raises ``InvalidInput`` on bad input
    (and, with ``options.strict``, on any warning)."""
    from reportgen import checks
    from reportgen.documents import Profiles, build_document
    from reportgen.documents.redact import redact
    from reportgen.renderers import renderer

    workspace, options = context.workspace, context.options
    project = project or context.project()
    staleness = context.staleness_for(target.as_of)
    profile, report = checked(project, target.source, staleness)
    kind = DOCUMENTS[target.document]
    if kind.kind != profile.kind:
        raise InvalidInput(
            Report(
                [
                    Issue(
                        display_path(target.source),
                        None,
                        None,
                        "kind",
                        f"a {kind.name} is made from a {kind.kind} profile, not from a "
                        f"{profile.kind}",
                    )
                ]
            )
        )
    drawn = [project.add(target.source)]
    drawn += [e for k, i in dependencies(profile) for e in project.find(k, i)[:1]]
    if any(RENDERERS[fmt].needs_fonts for fmt in target.formats):
        from reportgen.fonts import uncovered

        for entry in drawn:
            if entry.doc is not None:
                report.extend(uncovered(entry.doc))
        if report.errors:
            raise InvalidInput(report)
    public = is_public(target.audience)
    if public:
        report.extend(draft_issues(drawn[0], profile))
        if report.errors:
            raise InvalidInput(report)
    shown = redact(profile) if public else profile
    profiles = Profiles(project, target.audience)
    created = context.clock.created([e.path for e in drawn])
    with tracking.recording() as reads:
        try:
            written = build_document(
                kind,
                shown,
                profiles,
                lang=target.lang,
                created=created,
                staleness=staleness,
                as_of=target.as_of,
                locales=workspace.locales,
                mark_fallbacks=options.allow_untranslated,
            )
        except InvalidInput as exc:
            # a profile it reached could not be read: say too where the document met it
            with tracking.paused():
                printed = _entries_read(project, reads.printed, drawn)
                failed = Report(list(exc.report.issues))
                failed.extend(_drawn_issues(project, printed, drawn[0], staleness))
            raise InvalidInput(failed) from None
    with tracking.paused():
        read = _entries_read(project, reads.all(), drawn)
        printed = _entries_read(project, reads.printed, drawn)
        report.extend(_drawn_issues(project, printed, drawn[0], staleness))
        if report.errors:
            raise InvalidInput(report)
        if public:
            report.extend(unpublishable_issues(printed))
        severity = Severity.WARNING if options.allow_untranslated else Severity.ERROR
        report.extend(
            untranslated_issues(printed, target.lang, workspace.locales, severity=severity)
        )
        report.extend(name_issues(printed, target.lang))
        if written.catalog_lang is None:
            message = (
                f"no catalog for {target.lang}: fixed strings (headings, labels) would be in "
                f"English; add one with 'reportgen translations new-catalog {target.lang}'"
            )
            report.add(Issue(display_path(target.source), None, None, "", message, severity))
        else:
            report.extend(_catalog_gaps(workspace, target.lang, written.missing_messages, severity))
        # a document written as of a day does not age
        valid_until = None
        if target.as_of is None:
            valid_until = checks.next_staleness_change(
                [e.profile for e, _ in read if e.profile is not None], staleness
            )
    rendering = dataclasses.replace(
        render_context(context),
        pdf_variant=options.variant_for(target.audience),
        # an archival PDF carries its source profiles, whole: a public edition's would
        # carry everything marked internal, so it carries none
        attachments=() if public else tuple(e.path for e in drawn),
    )
    for fmt in target.formats:
        hook = RENDERERS[fmt].warnings
        if hook is not None:
            report.extend(load(hook)(rendering))
    if report.failed(strict=options.strict):
        raise InvalidInput(report)
    outputs = tuple(
        (output.path, renderer(RENDERERS[output.format])(written.document, rendering))
        for output in target.outputs
    )
    inputs = [_input(entry, fields) for entry, fields in read]
    inputs += [
        Input(str(path.resolve()), None, tracking.file_digest(path)) for path in written.pictures
    ]
    if (written.unresolved or written.searched) and project.folder is not None:
        # a free name may become a profile's id, a new visit the previous one: the
        # document then depends on which profiles exist
        listing = f"{LISTING_PREFIX}{project.folder.resolve()}"
        inputs.append(Input(listing, None, listing_digest(project.folder)))
    record = Record(tuple(inputs), valid_until, tuple(report.warnings))
    return Built(target, outputs, record)


def draft_issues(entry: Entry, profile: Profile) -> list[Issue]:
    """A located error when ``profile`` is a draft, of which no public edition is built."""
    from reportgen.documents import is_draft

    issues: list[Issue] = []
    if is_draft(profile) and entry.doc is not None:
        issues.append(
            entry.doc.issue(
                ("status",),
                f"the {profile.kind} is a draft: a public edition is built only from a"
                " final one (change `status`, or build the internal edition)",
            )
        )
    return issues


def unpublishable_issues(read: list[tuple[Entry, tuple[str, ...]]]) -> list[Issue]:
    """A located error for each placeholder or unsettled text ("to be confirmed") that a
    public edition printed from the fields it read of each profile."""
    from reportgen.documents.redact import unpublishable

    issues: list[Issue] = []
    for entry, fields in read:
        if entry.doc is None or entry.profile is None:
            continue
        for loc, what in unpublishable(entry.profile, entry.doc.data, fields):
            message = f"{what}, or mark the item `audience: internal` (a public edition prints it)"
            issues.append(entry.doc.issue(loc, message))
    return issues


def _entries_read(
    project: Project, used: tracking.Used, drawn: list[Entry]
) -> list[tuple[Entry, tuple[str, ...]]]:
    """Each profile file the document read, with the fields read from it.

    Profiles the document pulls in by reference count with their ``id`` at least: their
    existence is part of what it printed.
    """
    read: dict[Path, tuple[Entry, set[str]]] = {}
    for entry in drawn:
        read[entry.path.resolve()] = (entry, {"kind", "id"})
    for (kind, ident), names in used.items():
        for entry in project.find(kind, ident)[:1]:
            found = read.setdefault(entry.path.resolve(), (entry, {"kind", "id"}))
            found[1].update(names)
    return [(entry, tuple(sorted(names))) for entry, names in read.values()]


def _drawn_issues(
    project: Project,
    read: list[tuple[Entry, tuple[str, ...]]],
    own: Entry,
    staleness: Staleness,
) -> list[Issue]:
    """The problems of the profiles a document draws on, in what it printed of them.

    Each profile counts once however often it is reached; of its problems, those in a
    field the document read (and those of the whole file) are the document's: a city
    named only as a partner brings the problems of its name, not those of its
    population. The document's own file counts whole (see ``project.checked``).
    """
    issues: list[Issue] = []
    for entry, fields in read:
        if entry is own:
            continue
        printed = set(fields)
        for issue in project.issues_of(entry, staleness):
            if not issue.path or _top(issue.path) in printed:
                issues.append(issue)
    return issues


def _top(path: str) -> str:
    """``officials[0].title`` -> ``officials``."""
    for index, char in enumerate(path):
        if char in ".[":
            return path[:index]
    return path


def _input(entry: Entry, fields: tuple[str, ...]) -> Input:
    assert entry.doc is not None
    digests = tracking.field_digests(entry.doc.data)
    return Input(str(entry.path.resolve()), fields, fields_digest(digests, fields))


def untranslated_issues(
    read: Sequence[tuple[Entry, tuple[str, ...] | None]],
    lang: str,
    locales: Path | None,
    *,
    severity: Severity = Severity.ERROR,
) -> list[Issue]:
    """One located issue per text that an edition in ``lang`` prints in another language.

    ``read`` gives each profile with the top-level fields the document printed (None:
    all of them). ``translations status`` counts the same texts.
    """
    from reportgen.documents.terms import catalog_words
    from reportgen.texts import untranslated

    known = catalog_words(lang, locales)
    issues = []
    for entry, fields in read:
        if entry.profile is None or entry.doc is None:
            continue
        for loc in untranslated(entry.profile, lang, known):
            if fields is not None and str(loc[0]) not in fields:
                continue
            message = f"has no {lang} translation: translate it, or build with --allow-untranslated"
            issues.append(entry.doc.issue(loc, message, severity=severity, key=True))
    return issues


def name_issues(read: Sequence[tuple[Entry, tuple[str, ...] | None]], lang: str) -> list[Issue]:
    """A warning per name that a Chinese or Japanese edition would print in Latin letters
    only: it has no form in ``lang`` (a Japanese form never stands in for a Chinese one)."""
    from reportgen.languages import fallback_chain
    from reportgen.texts import texts

    if lang.split("-")[0] not in ("ja", "zh", "ko"):
        return []
    own = fallback_chain(lang)[:-1]
    issues = []
    for entry, fields in read:
        if entry.profile is None or entry.doc is None:
            continue
        for loc, text, owner, name in texts(entry.profile, names=True):
            if fields is not None and str(loc[0]) not in fields:
                continue
            if (owner.__name__, name) == ("Contact", "address"):
                continue
            if any(text.has(tag) for tag in own) or not text.get("en").isascii():
                continue
            message = (
                f"the {lang} edition would print this name in Latin letters only: "
                f"add its {lang} form"
            )
            issues.append(entry.doc.issue(loc, message, severity=Severity.WARNING, key=True))
    return issues


def _catalog_gaps(
    workspace: Workspace, lang: str, messages: Sequence[str], severity: Severity
) -> list[Issue]:
    """One issue per fixed string that the catalogs of ``lang`` leave in English."""
    from reportgen.i18n import catalog_path, locales_folder

    folder = workspace.locales if workspace.locales is not None else None
    own = catalog_path(folder, lang) if folder is not None else None
    where = own if own is not None and own.is_file() else catalog_path(locales_folder(), lang)
    return [
        Issue(
            display_path(where),
            None,
            None,
            "msgid",
            f"{message!r} has no {lang} translation",
            severity,
        )
        for message in messages
    ]


def write_outputs(built: Built, *, mode: int | None = None) -> list[Path]:
    """Write every output of a built target atomically; returns the paths written.

    ``mode`` is the files' permission bits (the manifest's ``file_mode``); by default
    they follow the umask."""
    for path, data in built.outputs:
        write_atomic(path, data, mode=mode)
    return [path for path, _ in built.outputs]


@dataclass
class BuildResult:
    """What ``reportgen build`` wrote, and its warnings."""

    written: list[Path] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    built: list[Built] = field(default_factory=list)
    unnumbered: str = ""
    """The note of a pass together (``Renderer.together``) that failed, for the user:
    its files stay as they were built."""


def passes_together(context: BuildContext, formats: Iterable[str]) -> dict[str, Together]:
    """The passes over all of one run's files at once (``Renderer.together``) of these
    formats that apply to builds with ``context``, by format."""
    rendering = render_context(context)
    found: dict[str, Together] = {}
    for name in passed_together(formats):
        together: Together = load(str(RENDERERS[name].together))
        if together.applies(rendering):
            found[name] = together
    return found


def leaving_to(context: BuildContext, passes: Iterable[str]) -> BuildContext:
    """The context of builds that leave their part to the passes of these formats: the
    options each defers (``Renderer.deferred``) off."""
    off: dict[str, Any] = {option: False for name in passes for option in RENDERERS[name].deferred}
    if not off:
        return context
    return dataclasses.replace(context, options=dataclasses.replace(context.options, **off))


def files_of(built: Built, fmt: str) -> list[Path]:
    """The paths of a built target's outputs in format ``fmt``."""
    return [output.path for output in built.target.outputs if output.format == fmt]


def pass_together(
    builts: Sequence[Built], passes: Mapping[str, Together]
) -> tuple[list[Built], str]:
    """The builts, their files of each format of ``passes`` as its pass left them (one
    pass over all the files of a format), and what the first pass that failed said."""
    changed: dict[tuple[int, Path], bytes] = {}
    failure = ""
    for name, together in passes.items():
        files = {
            (index, path): data
            for index, built in enumerate(builts)
            for path, data in built.outputs
            if path in files_of(built, name)
        }
        passed = together.run(files)
        changed.update(passed.files)
        failure = failure or passed.failure
    done = [
        dataclasses.replace(
            built,
            outputs=tuple((path, changed.get((index, path), data)) for path, data in built.outputs),
        )
        for index, built in enumerate(builts)
    ]
    return done, failure


def build(
    context: BuildContext,
    source: Path,
    *,
    document: str | None = None,
    output: Path | None = None,
) -> BuildResult:
    """Build every format x language asked; nothing is written if any of them fails."""
    from reportgen.targets import plan_build

    workspace = context.workspace
    project = context.project()
    targets = plan_build(context, source, project, document=document, output=output)
    result = BuildResult()
    passes = passes_together(context, (fmt for target in targets for fmt in target.formats))
    later = leaving_to(context, passes)
    for target in targets:
        built = build_target(later, target, project)
        result.built.append(built)
        result.report.extend(built.record.warnings)
    if passes:  # one pass over all the files of each format that has one
        result.built, result.unnumbered = pass_together(result.built, passes)
    for built in result.built:
        result.written.extend(write_outputs(built, mode=workspace.manifest.file_mode))
    return result


__all__ = [
    "BuildResult",
    "Built",
    "Input",
    "Record",
    "build",
    "build_target",
    "leaving_to",
    "pass_together",
    "passes_together",
    "render_context",
    "write_outputs",
]
