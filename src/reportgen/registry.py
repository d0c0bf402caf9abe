"""The kinds of profile, the documents made from them and the formats reportgen
writes: one list of each.

Everything that names a kind, a document or a format (the models, the project's
checks, the starters, the manifest's schema, the command line, the planner, the build
step, freshness, the batch workers and ``reportgen serve``) reads these registries.
Each entry names the code that does the work by its dotted name (``module:name``),
imported only when it is used (``load``), so reading the lists costs nothing at
start-up and this module imports nothing of the project's. A kind or a format of
one's own is one more entry: ``register_kind`` or ``register_renderer``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DocumentType:
    """A document: its name, the kind of profile it is made from, and its builder."""

    name: str
    kind: str
    module: str
    """The module in ``reportgen.documents`` whose ``build`` makes it."""


@dataclass(frozen=True)
class Renderer:
    """A format: its name, its file suffix, the function that writes it, and what the
    rest of reportgen needs to know about it (serving, freshness, warm-up, warnings)."""

    name: str
    suffix: str
    entry: str
    """``module:function`` of the function that renders a ``Document`` in this format."""
    needs_fonts: bool
    """Whether the format draws text itself (PDF), so missing glyphs are errors first."""
    media_type: str = "application/octet-stream"
    """What ``reportgen serve`` sends it as."""
    inline: bool = False
    """Whether a browser shows it in place (else ``reportgen serve`` offers it as a download)."""
    options: tuple[str, ...] = ()
    """The fields of ``workspace.Options`` that change its bytes, besides those that
    change every document (``DOCUMENT_OPTIONS``): freshness builds it again when one does."""
    warm_up: str | None = None
    """``module:function`` that loads its engine in a batch worker before the first
    target, called with the project's stylesheet (None: nothing to load)."""
    preload: str | None = None
    """A module whose import loads its engine, imported once where the worker processes
    of a run that writes this format are forked from (``batching.processes``): imports
    only, no fonts and no threads, so that a forked worker starts clean (None: importing
    ``entry``'s module is enough)."""
    checks_output: bool = True
    """Whether freshness compares the file on disk with the bytes written (a file
    replaced by another program is then built again)."""
    warnings: str | None = None
    """``module:function`` with the warnings of its options, called with the
    ``RenderContext`` of a build: ``Issue`` s added to the build's report."""
    tools: tuple[str, ...] = ()
    """The distributions whose versions change its bytes (freshness counts them)."""
    together: str | None = None
    """``module:name`` of a pass over all of one run's files of this format at once, after
    they are built (a ``renderers.Together``: whether it applies to a build's options,
    which files await it, and the pass), or None: each file is finished when built."""
    deferred: tuple[str, ...] = ()
    """The fields of ``workspace.Options`` that the builds leave to ``together`` when it
    applies: they build with them off, and the pass does their part."""


@dataclass(frozen=True)
class ProfileKind:
    """A kind of profile: its model, the folder and starter of its files, the documents
    made from it, the profiles it names and the rules it keeps beyond its types."""

    name: str
    model: str
    """``module:Class`` of its Pydantic model (imported when a profile is validated)."""
    folder: str
    """The folder of a project's profiles that holds its files (``cities``)."""
    starter: str
    """``package:path`` of the template that ``reportgen new`` fills in."""
    documents: tuple[tuple[str, str], ...]
    """Each document made from it: its name and the module whose ``build`` makes it."""
    references: str | None = None
    """``module:function``: ``(profile) -> (loc, kind, id)`` for every id that must
    resolve to another profile (a document pulls those profiles in)."""
    rules: str | None = None
    """``module:function``: ``(profile) -> (loc, message)`` for every broken rule."""
    templates: str = "reportgen:templates"
    """``package:folder`` of its documents' templates (a project's own come first)."""


def load(entry: str) -> Any:
    """What a ``module:name`` entry names, its module imported now."""
    module, _, name = entry.partition(":")
    return getattr(importlib.import_module(module), name)


KINDS: dict[str, ProfileKind] = {}
"""Every kind of profile, by name."""

DOCUMENTS: dict[str, DocumentType] = {}
"""Every document, by name."""

RENDERERS: dict[str, Renderer] = {}
"""Every output format, by name."""

DOCUMENT_OPTIONS = ("stale_after", "allow_untranslated")
"""The fields of ``workspace.Options`` that change what a document says, in every format."""


def register_kind(kind: ProfileKind) -> ProfileKind:
    """Add a kind of profile, and the documents made from it."""
    KINDS[kind.name] = kind
    for name, module in kind.documents:
        DOCUMENTS[name] = DocumentType(name, kind.name, module)
    return kind


def register_renderer(renderer: Renderer) -> Renderer:
    """Add a format."""
    RENDERERS[renderer.name] = renderer
    return renderer


_MODELS = "reportgen.models"
_RULES = "reportgen.checks"
register_kind(
    ProfileKind(
        "city",
        f"{_MODELS}.city:CityProfile",
        "cities",
        "reportgen:starters/city.yaml",
        (("city-profile", "reportgen.documents.city"),),
        rules=f"{_RULES}:city_rules",
    )
)
register_kind(
    ProfileKind(
        "visit",
        f"{_MODELS}.visit:Visit",
        "visits",
        "reportgen:starters/visit.yaml",
        (("briefing", "reportgen.documents.briefing"),),
        references=f"{_MODELS}.visit:references",
        rules=f"{_RULES}:visit_rules",
    )
)
register_kind(
    ProfileKind(
        "proposal",
        f"{_MODELS}.proposal:Proposal",
        "proposals",
        "reportgen:starters/proposal.yaml",
        (("proposal", "reportgen.documents.proposal"),),
        references=f"{_MODELS}.proposal:references",
        rules=f"{_RULES}:proposal_rules",
    )
)
register_renderer(
    Renderer(
        "pdf",
        "pdf",
        "reportgen.renderers:to_pdf",
        needs_fonts=True,
        media_type="application/pdf",
        inline=True,
        options=("paper", "pdf_variant"),
        warm_up="reportgen.renderers.pdf:warm_up",
        preload="reportgen.renderers.pdf_engine",
        tools=("weasyprint",),
    )
)
register_renderer(
    Renderer(
        "docx",
        "docx",
        "reportgen.renderers:to_docx",
        needs_fonts=False,
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        options=("paper", "reference_docx", "page_numbers", "embed_fonts"),
        warnings="reportgen.renderers:docx_warnings",
        tools=("python-docx",),
        together="reportgen.renderers.docx.contents:together",
        preload="docx",
        deferred=("page_numbers",),
    )
)
register_renderer(
    Renderer(
        "html",
        "html",
        "reportgen.renderers:to_html",
        needs_fonts=False,
        media_type="text/html; charset=utf-8",
        inline=True,
        options=("paper",),
    )
)


def _entries(formats: Iterable[str], field: str) -> tuple[str, ...]:
    """The entries that these formats name in ``field`` of their ``Renderer``, each once."""
    found = (getattr(RENDERERS[name], field) for name in formats if name in RENDERERS)
    return tuple(dict.fromkeys(entry for entry in found if entry is not None))


def warm_ups(formats: Iterable[str]) -> tuple[str, ...]:
    """The warm-ups of these formats (``Renderer.warm_up``), each once."""
    return _entries(formats, "warm_up")


def preloads(formats: Iterable[str]) -> tuple[str, ...]:
    """The preloads of these formats (``Renderer.preload``), each once."""
    return _entries(formats, "preload")


def passed_together(formats: Iterable[str]) -> tuple[str, ...]:
    """The formats among these that have a pass over all of a run's files at once
    (``Renderer.together``), each once."""
    found = (name for name in formats if name in RENDERERS)
    return tuple(dict.fromkeys(name for name in found if RENDERERS[name].together is not None))


def format_options() -> tuple[str, ...]:
    """Every field of ``workspace.Options`` that a format reads (``Renderer.options``)."""
    return tuple(dict.fromkeys(name for r in RENDERERS.values() for name in r.options))


def kind_names() -> list[str]:
    """The kinds of profile, in the order messages list them."""
    return sorted(KINDS)


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
