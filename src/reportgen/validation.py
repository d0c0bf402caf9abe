"""``reportgen validate``: load every file, validate it, run the rules of each file and
across files, and collect every problem into one report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from reportgen import manifest_checks, yamlio
from reportgen.errors import InvalidInput, Issue, Report, display_path
from reportgen.manifest_checks import load_manifest
from reportgen.models.manifest import MANIFEST_NAME
from reportgen.project import Project, yaml_files
from reportgen.workspace import Workspace


def validate(paths: Sequence[Path], workspace: Workspace) -> Report:
    """Check files and folders; every problem in them, with warnings for stale facts."""
    report = Report()
    targets: list[Path] = []
    skipped: list[Issue] = []
    for path in paths:
        if not path.exists():
            report.add(Issue(display_path(path), None, None, "", "no such file or folder"))
        else:
            targets.extend(yaml_files([path], workspace.root, skipped))
    project = workspace.project()
    report.extend(skipped)
    for path in targets:
        if path.name == MANIFEST_NAME:
            report.extend(_manifest_issues(path))
            continue
        report.extend(project.issues_of(project.add(path), workspace.staleness))
    from reportgen.i18n import catalog_issues

    report.extend(catalog_issues(workspace.locales))
    if not targets and not report.issues:
        names = ", ".join(display_path(p) for p in paths)
        report.add(Issue(names, None, None, "", "no YAML files found"))
    return report


def _manifest_issues(path: Path) -> list[Issue]:
    """A manifest's problems: schema and references, sources that match no file, home, and
    the settings that run a program or send the project to another host (warnings)."""
    try:
        manifest = load_manifest(path)
    except InvalidInput as exc:
        return exc.report.issues
    doc = yamlio.load(path)
    issues = manifest_checks.source_issues(doc, manifest)
    project = Project(path.parent / manifest.profiles, root=path.parent)
    issues += manifest_checks.home_issues(doc, manifest, project)
    return issues + manifest_checks.code_issues(doc, manifest)
