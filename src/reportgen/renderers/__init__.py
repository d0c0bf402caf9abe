"""Renderers: a ``Document`` into the bytes of one format (see ``reportgen.registry``).

Each function here adapts one engine to the same call, ``render(doc, context)``; the
engines themselves (WeasyPrint, python-docx) are imported only when used.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable

from reportgen.documents.content import Document
from reportgen.errors import Issue, Severity, display_path
from reportgen.registry import Renderer
from reportgen.renderers.context import Passed as Passed
from reportgen.renderers.context import RenderContext as RenderContext
from reportgen.renderers.context import Together as Together

Render = Callable[[Document, RenderContext], bytes]


def renderer(fmt: Renderer) -> Render:
    """The function that writes a ``Document`` in ``fmt`` (its ``module:function``)."""
    module, _, function = fmt.entry.partition(":")
    found: Render = getattr(importlib.import_module(module), function)
    return found


def to_html(doc: Document, context: RenderContext) -> bytes:
    """The self-contained HTML page that the PDF is made from."""
    from reportgen.renderers.html import render_html

    page = render_html(doc, paper=context.paper, project_templates=context.templates)
    return page.encode("utf-8")


def to_pdf(doc: Document, context: RenderContext) -> bytes:
    """The PDF, laid out by WeasyPrint from the same HTML."""
    from reportgen.renderers.html import render_html, stylesheet
    from reportgen.renderers.pdf import Attachment, render_pdf

    page = render_html(
        doc, paper=context.paper, inline_css=False, project_templates=context.templates
    )
    files: list[Attachment] = []
    if context.pdf_variant == "pdf/a-3b":
        files = [Attachment(path, "source profile") for path in context.attachments]
    identifier = hashlib.md5(page.encode("utf-8"), usedforsecurity=False).hexdigest()
    pdf = render_pdf(
        page,
        stylesheet(context.templates),
        variant=context.pdf_variant,
        attachments=files,
        identifier=identifier.encode("ascii"),
    )
    if context.pdf_variant == "pdf/ua-1":
        from reportgen.renderers.accessibility import complete, link_descriptions

        pdf = complete(pdf, link_descriptions(doc))
    return pdf


def to_docx(doc: Document, context: RenderContext) -> bytes:
    """The Word document, styled by the reference document."""
    from reportgen.renderers.docx import render_docx

    return render_docx(
        doc,
        reference=context.reference_docx,
        paper=context.paper,
        page_numbers=context.page_numbers,
        embed_fonts=context.embed_fonts,
    )


def docx_warnings(context: RenderContext) -> list[Issue]:
    """What a Word build takes out of the reference document, one warning each."""
    if context.reference_docx is None:
        return []
    from reportgen.renderers.docx.reference import reference_warnings

    reference = display_path(context.reference_docx)
    return [
        Issue(reference, None, None, "", what, Severity.WARNING)
        for what in reference_warnings(context.reference_docx)
    ]
