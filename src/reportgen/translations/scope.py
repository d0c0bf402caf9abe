"""Which texts a command covers: whole profiles, or what the documents print.

PATHS name profile files and folders (every text in them), or a manifest (the texts
that its jobs' documents print, from every profile each one reads: a briefing reads
its visit, both cities and its proposals). ``documents=True`` takes profile files as the
sources of documents in the same way. What a document prints is what its build records
as read (``pipeline.build_target`` with no output files), so a language's export in
this form covers exactly the texts its build would report as falling back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportgen.context import BuildContext
from reportgen.errors import InvalidInput, Issue, Report, ReportgenError, display_path
from reportgen.models.manifest import MANIFEST_NAME
from reportgen.project import Entry, Project, yaml_files
from reportgen.targets import Target
from reportgen.translations.units import Unit, project_file, units
from reportgen.workspace import Options, Workspace


@dataclass
class Scope:
    """The profile files covered, each with the top-level fields covered (None: all)."""

    files: dict[Path, set[str] | None] = field(default_factory=dict)
    report: Report = field(default_factory=Report)

    def add(self, path: Path, fields: set[str] | None) -> None:
        key = path.resolve()
        if key in self.files:
            known = self.files[key]
            self.files[key] = None if known is None or fields is None else known | fields
        else:
            self.files[key] = fields


def resolve(
    workspace: Workspace,
    paths: Sequence[Path],
    *,
    documents: bool = False,
    project: Project | None = None,
) -> tuple[Scope, Project]:
    """The scope of PATHS (default: the project's profiles folder)."""
    project = project or workspace.project()
    scope = Scope()
    chosen = list(paths)
    if not chosen:
        if workspace.profiles is None or not workspace.profiles.is_dir():
            raise InvalidInput(
                Report([Issue("", None, None, "", "no profiles folder here: name the files")])
            )
        chosen = [workspace.profiles]
    sources: list[Target | Path] = []
    """The targets of a manifest's jobs, and profiles built as their own documents."""
    for path in chosen:
        if not path.exists():
            scope.report.add(Issue(display_path(path), None, None, "", "no such file or folder"))
        elif path.is_file() and path.name == MANIFEST_NAME:
            sources.extend(_job_targets(workspace, path, scope.report))
        else:
            for found in yaml_files([path]):
                if found.name == MANIFEST_NAME:
                    continue
                if documents:
                    sources.append(found)
                else:
                    scope.add(found, None)
    # what a document prints does not depend on how it is rendered: the default options
    context = BuildContext(workspace, Options())
    for source in sources:
        _printed(context, project, scope, source)
    return scope, project


def _job_targets(workspace: Workspace, manifest: Path, report: Report) -> list[Target]:
    """The planner's targets of each job of ``manifest``, one per source, document and
    audience: what a document prints is read in English, as of today."""
    from reportgen.context import BuildContext
    from reportgen.targets import plan_jobs

    try:
        context = BuildContext.resolve(
            manifest=manifest,
            options=Options(as_of=workspace.today),
            clock=workspace.clock,
            require_manifest=True,
        )
        planned = plan_jobs(context)
    except InvalidInput as exc:
        report.extend(exc.report.issues)
        return []
    except ReportgenError as exc:
        report.add(Issue(display_path(manifest), None, None, "", str(exc)))
        return []
    found = [
        Target(target.source, target.document, "en", target.audience, ())
        for target in planned.targets
    ]
    return list(dict.fromkeys(found))


def _printed(context: BuildContext, project: Project, scope: Scope, source: Target | Path) -> None:
    """Add what the document of ``source`` (a profile: its own document) prints, from
    each profile it reads."""
    from reportgen.pipeline import build_target
    from reportgen.registry import default_document

    path = source.source if isinstance(source, Target) else source
    entry = project.add(path)
    if entry.profile is None or entry.kind is None:
        scope.report.extend(entry.issues)
        return
    if isinstance(source, Target):
        target = source
    else:
        target = Target(path, default_document(entry.kind).name, "en", "internal", ())
    try:
        built = build_target(context, target, project)
    except InvalidInput as exc:
        scope.report.extend(exc.report.errors)
        return
    known = {e.path.resolve(): e for e in project.entries.values()}
    for item in built.record.inputs:
        path = Path(item.path)
        if item.fields is not None and path in known:
            scope.add(path, set(item.fields))


def collect(
    workspace: Workspace, scope: Scope, project: Project, lang: str
) -> tuple[list[Unit], Report]:
    """Every unit in the scope for ``lang``; files that do not validate are reported."""
    from reportgen.documents.terms import catalog_words

    report = Report(list(scope.report.issues))
    found: list[Unit] = []
    known = catalog_words(lang, workspace.locales)
    for path, fields in sorted(scope.files.items()):
        entry: Entry = project.add(path)
        if entry.profile is None or entry.doc is None:
            report.extend(entry.issues)
            continue
        file = project_file(path, workspace.root)
        if file is None:
            message = (
                f"is outside the project folder {display_path(workspace.root)}: "
                "run the command in the project"
            )
            report.add(Issue(display_path(path), None, None, "", message))
            continue
        for unit in units(entry.profile, entry.doc, file, lang, known):
            if fields is None or unit.top in fields:
                found.append(unit)
    return found, report


def edition_issues(workspace: Workspace, paths: Sequence[Path], languages: Sequence[str]) -> Report:
    """What the editions in ``languages`` of the documents of ``paths`` lack, as a build
    reports it: an error per text that has no translation, a warning per name that a
    Chinese or Japanese edition would print in Latin letters only."""
    from reportgen.pipeline import name_issues, untranslated_issues

    covered, project = resolve(workspace, paths, documents=True)
    report = Report(list(covered.report.issues))
    for lang in languages:
        for path, fields in sorted(covered.files.items()):
            entry = project.add(path)
            read = [(entry, None if fields is None else tuple(fields))]
            report.extend(untranslated_issues(read, lang, workspace.locales))
            report.extend(name_issues(read, lang))
    return report
