"""One build: a profile into its document, in each language and format asked.

profile -> project checks -> Document (per language) -> renderer (per format) -> atomic write
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportgen import checks
from reportgen.documents import Options, build_document, document_for
from reportgen.documents.content import Document
from reportgen.errors import InvalidInput, Issue, Report, Severity, UsageError, display_path
from reportgen.limits import DEFAULT_STALE_MONTHS
from reportgen.models import Profile
from reportgen.output import write_atomic
from reportgen.project import (
    LISTING_PREFIX,
    MANIFEST_NAME,
    Project,
    dependencies,
    find_manifest,
    listing_digest,
    load_profile,
)
from reportgen.renderers import FORMATS

EXTENSIONS = {"pdf": "pdf", "docx": "docx", "html": "html"}


@dataclass(frozen=True)
class BuildRequest:
    """What ``reportgen build`` was asked for."""

    source: Path
    document: str | None = None
    formats: Sequence[str] = ("pdf",)
    languages: Sequence[str] = ("en",)
    audience: str = "internal"
    output: Path | None = None
    paper: str = "a4"
    pdf_variant: str | None = None
    reference_docx: Path | None = None
    templates: Path | None = None
    """The project's template folder (default: ``templates/`` beside the nearest manifest)."""
    profiles: Path | None = None
    stale_after: int = DEFAULT_STALE_MONTHS
    strict: bool = False
    today: dt.date | None = None


@dataclass
class BuildResult:
    """What a build wrote, its warnings, and what it was made from."""

    written: list[Path] = field(default_factory=list)
    report: Report = field(default_factory=Report)
    inputs: list[tuple[Path, str]] = field(default_factory=list)
    """Every profile file the documents drew from, with the digest of what was read."""
    valid_until: dt.date | None = None
    """The day a current fact in the documents turns stale (their "verify" marks change)."""


def source_date(paths: Sequence[Path]) -> dt.datetime:
    """The date a document carries: ``SOURCE_DATE_EPOCH``, else its newest input file."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    stamp = int(epoch) if epoch.isdigit() else max(int(p.stat().st_mtime) for p in paths)
    return dt.datetime.fromtimestamp(stamp, dt.UTC)


def default_output_folder() -> Path:
    """The manifest's output folder when there is a manifest, else ``./output``."""
    manifest = find_manifest()
    if manifest is None:
        return Path("output")
    from reportgen.project import load_manifest

    try:
        return manifest.parent / load_manifest(manifest).output
    except InvalidInput:
        return manifest.parent / "output"


def target_name(ident: str, document: str, lang: str, fmt: str, audience: str = "internal") -> str:
    """``<id>.<document>.<lang>.<ext>``; public documents add ``.public`` before the extension,
    so a public copy never overwrites the internal one."""
    infix = ".public" if audience == "public" else ""
    return f"{ident}.{document}.{lang}{infix}.{EXTENSIONS[fmt]}"


def build(request: BuildRequest) -> BuildResult:
    """Build every format × language asked; nothing is written if any of them fails."""
    for fmt in request.formats:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")
    today = request.today or checks.today()
    profile, project, report = load_profile(
        request.source, profiles=request.profiles, stale_after=request.stale_after, today=today
    )
    name = document_for(profile, request.document)
    inputs = [request.source, *_dependency_paths(project, profile)]
    if "pdf" in request.formats:
        from reportgen.fonts import uncovered

        for path in inputs:
            entry = project.add(path)
            if entry.doc is not None:
                report.extend(uncovered(entry.doc))
        if report.errors:
            raise InvalidInput(report)
    created = source_date(inputs)
    targets = _targets(request, profile.id, name)
    rendered: list[tuple[Path, bytes]] = []
    used: set[tuple[str, str]] = set()
    unresolved = False
    for lang in request.languages:
        options = Options(
            lang=lang,
            audience=request.audience,
            today=today,
            stale_after=request.stale_after,
            created=created,
        )
        doc, catalog_lang = build_document(name, profile, project, options)
        used.update(doc.dependencies)
        unresolved = unresolved or bool(doc.unresolved)
        report.extend(translation_warnings(project, request.source, profile, doc, lang))
        if catalog_lang is None:
            message = f"no catalog for {lang}: fixed strings (headings, labels) are in English"
            report.add(
                Issue(display_path(request.source), None, None, "", message, Severity.WARNING)
            )
        for fmt in request.formats:
            data = render(doc, fmt, request, attachments=inputs)
            rendered.append((targets[(lang, fmt)], data))
    if report.failed(strict=request.strict):
        raise InvalidInput(report)
    result = BuildResult(report=report)
    drawn = [profile, *(project.get(kind, ident) for kind, ident in sorted(used))]
    result.valid_until = checks.next_staleness_change(
        drawn, today=today, months=request.stale_after
    )
    entries = [project.add(request.source)]
    entries += [e for kind, ident in sorted(used) for e in project.find(kind, ident)[:1]]
    result.inputs = [(e.path, e.doc.digest) for e in entries if e.doc is not None]
    if unresolved and project.folder is not None:
        # a free name may become a profile's id: the document then depends on which
        # profiles exist
        listing = Path(f"{LISTING_PREFIX}{project.folder.resolve()}")
        result.inputs.append((listing, listing_digest(project.folder)))
    for path, data in rendered:
        write_atomic(path, data)
        result.written.append(path)
    return result


def _dependency_paths(project: Project, profile: object) -> list[Path]:
    paths: list[Path] = []
    for kind, ident in dependencies(profile):  # type: ignore[arg-type]
        paths.extend(entry.path for entry in project.find(kind, ident)[:1])
    return paths


def _targets(request: BuildRequest, ident: str, name: str) -> dict[tuple[str, str], Path]:
    pairs = [(lang, fmt) for lang in request.languages for fmt in request.formats]
    out = request.output
    if out is not None and len(pairs) == 1 and not out.is_dir() and out.suffix:
        return {pairs[0]: out}
    folder = out if out is not None else default_output_folder()
    return {
        (lang, fmt): folder / target_name(ident, name, lang, fmt, request.audience)
        for lang, fmt in pairs
    }


def render(
    doc: Document, fmt: str, request: BuildRequest, *, attachments: Sequence[Path] = ()
) -> bytes:
    """The bytes of ``doc`` in format ``fmt``."""
    from reportgen.renderers.html import render_html, stylesheet

    templates = request.templates or _project_templates()
    if fmt == "html":
        return render_html(doc, paper=request.paper, project_templates=templates).encode("utf-8")
    if fmt == "pdf":
        from reportgen.renderers.pdf import Attachment, render_pdf

        html = render_html(doc, paper=request.paper, inline_css=False, project_templates=templates)
        files = []
        if request.pdf_variant == "pdf/a-3b":
            files = [Attachment(path, "source profile") for path in attachments]
        identifier = hashlib.md5(html.encode("utf-8"), usedforsecurity=False).hexdigest()
        return render_pdf(
            html,
            stylesheet(templates),
            variant=request.pdf_variant,
            attachments=files,
            identifier=identifier.encode("ascii"),
        )
    if fmt == "docx":
        from reportgen.renderers.docx import render_docx

        return render_docx(doc, reference=request.reference_docx, paper=request.paper)
    raise UsageError(f"unknown format '{fmt}'")


def _project_templates() -> Path | None:
    manifest = find_manifest()
    root = manifest.parent if manifest else Path.cwd()
    return project_templates(root)


def project_templates(root: Path) -> Path | None:
    """``templates/`` in a project's folder, when it has one."""
    folder = root / "templates"
    return folder if folder.is_dir() else None


def translation_warnings(
    project: Project, source: Path, profile: Profile, doc: Document, lang: str
) -> list[Issue]:
    """One warning per input file whose texts fall back to another language."""
    from reportgen.i18n import untranslated

    issues = []
    entries = [project.add(source)]
    entries += [e for kind, ident in doc.dependencies for e in project.find(kind, ident)[:1]]
    for entry in entries:
        if entry.profile is None:
            continue
        fields = untranslated(entry.profile, lang)
        if fields:
            shown = ", ".join(fields[:6]) + (", ..." if len(fields) > 6 else "")
            texts = "text has" if len(fields) == 1 else "texts have"
            message = f"{len(fields)} {texts} no {lang} translation: {shown}"
            issues.append(
                Issue(display_path(entry.path), None, None, "", message, Severity.WARNING)
            )
    return issues


__all__ = ["MANIFEST_NAME", "BuildRequest", "BuildResult", "build"]
