"""Checks of a manifest beyond its schema: job names, schedules' jobs, sources, the home
city, and the settings that make a manifest code (a command, a remote cluster).

The references between jobs and schedules are read from the loaded data, so that they
come in the same round as the schema's errors. Sources that match no file are each
job's own failure: ``validate`` reports them at their line, and a batch builds the
other jobs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.errors import Issue, Loc, Severity, display_link

if TYPE_CHECKING:
    from reportgen.models import Manifest
    from reportgen.project import Project
    from reportgen.yamlio import YamlDocument

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


def no_match(doc: YamlDocument, index: int, patterns: Sequence[str]) -> Issue:
    """The error of job ``index`` whose source patterns match no file, at its line."""
    return doc.issue(("jobs", index, "sources"), f"no file matches {', '.join(patterns)}")


def source_issues(doc: YamlDocument, manifest: Manifest) -> list[Issue]:
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
            issues.append(no_match(doc, index, job.sources))
            continue
        for position, pattern in enumerate(job.sources):
            if not found[position]:
                loc = ("jobs", index, "sources", position)
                message = f"no file matches {pattern}"
                issues.append(doc.issue(loc, message, severity=Severity.WARNING))
    return issues


def code_issues(doc: YamlDocument, manifest: Manifest) -> list[Issue]:
    """A manifest is code: a warning at each setting that runs a program (``notify.command``)
    or sends the project to another host (a ``scheduler`` other than ``local``), so that
    whoever reviews a manifest sees them."""
    from reportgen.models.manifest import redacted_url

    trust = "a manifest is code: accept one only from people you trust (README: Security)"
    issues = []
    if manifest.notify is not None and manifest.notify.command:
        program = manifest.notify.command[0]
        message = (
            f"runs the program '{program}' after each scheduled run, with the rights of "
            f"the user running reportgen; {trust}"
        )
        issues.append(doc.issue(("notify", "command"), message, severity=Severity.WARNING))
    if manifest.scheduler is not None and manifest.scheduler != "local":
        where = redacted_url(manifest.scheduler)
        message = (
            f"batches send the profiles, templates and catalogs to the Dask cluster at "
            f"{where}: whoever runs it can read them and change the documents; {trust}"
        )
        issues.append(doc.issue(("scheduler",), message, severity=Severity.WARNING))
    return issues


def home_issues(doc: YamlDocument, manifest: Manifest, project: Project) -> list[Issue]:
    """The home city must be a city profile of the project."""
    if manifest.home is None or project.exists("city", manifest.home):
        return []
    where = manifest.profiles
    return [doc.issue(("home",), f"unknown city '{manifest.home}': no profile in {where} has it")]


def path_issues(doc: YamlDocument, manifest: Manifest) -> list[Issue]:
    """Folders of the manifest that lead outside the project, or that collide.

    ``profiles`` and ``output`` resolve inside the manifest's folder (symbolic links
    followed) unless ``allow_outside`` names them; the output is never the manifest, a
    file, the project folder itself, the profiles folder or the templates.
    """
    root = doc.path.parent.resolve()
    issues: list[Issue] = []
    folders = {}
    for name in ("profiles", "output"):
        value = str(getattr(manifest, name))
        real = (root / value).resolve()
        folders[name] = real
        if real != root and real in root.parents:
            message = f"'{value}' holds the whole project and more: name the folder itself"
            issues.append(doc.issue((name,), message))
        elif not real.is_relative_to(root) and name not in manifest.allow_outside:
            issues.append(
                doc.issue(
                    (name,),
                    f"'{value}' leads outside the project folder; name a folder inside it, "
                    f"or add {name} to allow_outside if that is meant",
                )
            )
    output, value = folders["output"], manifest.output
    templates = (root / "templates").resolve()
    clash = None
    if output == doc.path.resolve():
        clash = "is the manifest itself: name a folder for the documents (output)"
    elif output.exists() and not output.is_dir():
        clash = "is a file, not a folder: name a folder for the documents"
    elif output == root:
        clash = "is the project folder itself: the documents need a folder of their own"
    elif output == folders["profiles"]:
        clash = "is the profiles folder: the documents need a folder of their own"
    elif output.is_relative_to(templates):
        clash = "is in the templates folder: the documents need a folder of their own"
    if clash is not None:
        issues.append(doc.issue(("output",), f"'{value}' {clash}"))
    return issues


def templates_issue(root: Path, manifest: Manifest | None) -> Issue | None:
    """The project's ``templates/`` and ``locales/`` folders must not lead outside the
    project (the first that does is the problem)."""
    for name in ("templates", "locales"):
        folder = root / name
        if not folder.is_dir() or (manifest is not None and name in manifest.allow_outside):
            continue
        if folder.resolve().is_relative_to(root.resolve()):
            continue
        return Issue(
            display_link(folder),
            None,
            None,
            "",
            "leads outside the project folder (a symbolic link); make it a folder of the "
            f"project, or add {name} to allow_outside in reportgen.yaml if that is meant",
        )
    return None


def load_manifest(path: Path, *, strict: bool = True) -> Manifest:
    """Read and validate a manifest; raises ``InvalidInput`` with every problem at once.

    With ``strict=False`` (a build that only looks up folders), a broken manifest counts
    as an empty one: the build does not depend on its jobs.
    """
    import dataclasses

    from reportgen import yamlio
    from reportgen.errors import InvalidInput, Report
    from reportgen.models import Manifest, parse_manifest

    try:
        doc = yamlio.load(path)
    except InvalidInput:
        if strict:
            raise
        return Manifest()
    if not strict and isinstance(doc.data, dict) and "schedules" in doc.data:
        # a build needs the folders, not the schedules (whose cron checks cost an import)
        doc = dataclasses.replace(
            doc, data={key: value for key, value in doc.data.items() if key != "schedules"}
        )
    # the jobs that schedules name are checked on the data, so that their errors come
    # in the same round as the schema's
    report = Report([doc.issue(loc, message) for loc, message in reference_rules(doc.data)])
    try:
        manifest = parse_manifest(doc)
    except InvalidInput as exc:
        if not strict:
            return Manifest()
        report.extend(exc.report.issues)
        raise InvalidInput(report) from None
    if report.errors and strict:
        raise InvalidInput(report)
    # a folder that leads outside is refused even for a build: it would be written to
    outside = path_issues(doc, manifest)
    if outside:
        raise InvalidInput(Report(outside))
    return manifest
