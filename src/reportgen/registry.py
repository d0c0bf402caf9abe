"""The documents reportgen makes and the formats it writes: one list of each.

Everything that names a document or a format (the manifest's schema, the command
line, the planner, the build step) reads these registries. Each entry names the module
that does the work by its dotted name; ``reportgen.documents`` and
``reportgen.renderers`` import it when a document is built, so reading the lists costs
nothing at start-up and this module imports nothing of the project's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentType:
    """A document: its name, the kind of profile it is made from, and its builder."""

    name: str
    kind: str
    module: str
    """The module in ``reportgen.documents`` whose ``build`` makes it."""


@dataclass(frozen=True)
class Renderer:
    """A format: its name, the file suffix, and the function that writes it."""

    name: str
    suffix: str
    entry: str
    """``module:function`` of the function that renders a ``Document`` in this format."""
    needs_fonts: bool
    """Whether the format draws text itself (PDF), so missing glyphs are errors first."""


DOCUMENTS: dict[str, DocumentType] = {
    d.name: d
    for d in (
        DocumentType("city-profile", "city", "reportgen.documents.city"),
        DocumentType("briefing", "visit", "reportgen.documents.briefing"),
        DocumentType("proposal", "proposal", "reportgen.documents.proposal"),
    )
}
"""Every document, by name."""

RENDERERS: dict[str, Renderer] = {
    r.name: r
    for r in (
        Renderer("pdf", "pdf", "reportgen.renderers:to_pdf", needs_fonts=True),
        Renderer("docx", "docx", "reportgen.renderers:to_docx", needs_fonts=False),
        Renderer("html", "html", "reportgen.renderers:to_html", needs_fonts=False),
    )
}
"""Every output format, by name."""


PROFILE_KINDS: tuple[str, ...] = tuple(sorted({d.kind for d in DOCUMENTS.values()}))
"""The kinds of profile: each is what one or more documents are made from."""


def default_document(kind: str) -> DocumentType:
    """The document a profile of ``kind`` makes when none is named."""
    return next(d for d in DOCUMENTS.values() if d.kind == kind)


def document_for(kind: str, name: str | None) -> DocumentType:
    """The document ``name`` (default: the kind's own), checked against the profile's kind."""
    from reportgen.errors import UsageError

    if name is None:
        return default_document(kind)
    found = DOCUMENTS.get(name)
    if found is None:
        raise UsageError(f"unknown document '{name}': use one of {', '.join(DOCUMENTS)}")
    if found.kind != kind:
        raise UsageError(f"a {name} is made from a {found.kind} profile, not from a {kind}")
    return found
