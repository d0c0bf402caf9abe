"""Word documents through python-docx: the only package that imports it.

A document starts from a reference ``.docx`` (the bundled ``reference.docx``, or the user's
``--reference-docx``, as Pandoc's reference-doc): its body is cleared, its styles, numbering,
page set-up, headers and footers are kept, and styles that it lacks are copied in from the
bundled one. The renderer only ever names styles; what they look like is the reference's
business (see ``tools/make_reference.py``).

    cover (own section, no header or footer)
    contents: a TOC field, pre-filled with links to bookmarks on the headings and, when
              LibreOffice is installed, with the page of each (laid out by it; else
              updating the field adds them); none in a short document
    body: headings, paragraphs, lists, tables, figures (PNG from the SVG), sources
    header: title and handling mark; footer: "Page X of Y" (PAGE and NUMPAGES fields),
            unless the reference document has a header or footer of its own

The same ``Document`` always gives the same bytes: dates come from the document, zip
entries carry a fixed time, and nothing random is written.

    reference.py  the reference document: bundled, or a user's, checked before parsing
    ooxml.py      WordprocessingML elements, runs, fields, language tags
    styles.py     style ids by name and list numbering, copied from the bundled reference
    pictures.py   SVG figures and logos drawn as PNG, sizes
    office.py     LibreOffice, when installed: the page of each heading, for the contents
    contents.py   the contents of a finished Word file numbered from LibreOffice's layout
    embedding.py  subsets of the fonts the text uses, embedded (obfuscated, as Word does)
    writer.py     the writer: one ``Document`` into the reference's body
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from reportgen.documents.content import Document
from reportgen.renderers.docx.contents import normalise_zip, number_all
from reportgen.renderers.docx.pictures import svg_to_png
from reportgen.renderers.docx.reference import (
    MAX_REFERENCE_BYTES,
    ReferenceDocxError,
    bundled_reference,
    open_reference,
    read_reference,
)
from reportgen.renderers.docx.writer import WordWriter

__all__ = [
    "MAX_REFERENCE_BYTES",
    "ReferenceDocxError",
    "bundled_reference",
    "read_reference",
    "render_docx",
    "svg_to_png",
]


def render_docx(
    doc: Document,
    *,
    reference: Path | None = None,
    paper: str | None = None,
    page_numbers: bool = True,
    embed_fonts: bool = True,
) -> bytes:
    """The document as a Word file, styled by ``reference`` or by the bundled reference.

    ``paper`` (``a4`` or ``letter``) sets the page size of the bundled reference; a user's
    reference keeps its own page set-up. With ``page_numbers``, a document with contents
    is laid out by LibreOffice when it is installed, and its contents print the page of
    each entry (see ``office.py``). With ``embed_fonts``, the file carries subsets of the
    installed fonts it uses (see ``embedding.py``).
    """
    word = open_reference(reference)
    writer = WordWriter(word, doc, bundled=reference is None)
    if reference is None and paper is not None:
        writer.set_paper(paper)
    writer.write()
    if embed_fonts:
        from reportgen.renderers.docx.embedding import embed_fonts as embed

        embed(word)
    data = _saved(word)
    if page_numbers and writer.contents:
        # when LibreOffice fails, the contents stay as Word would first show them
        data = number_all({0: data}).files.get(0, data)
    return data


def _saved(word: Any) -> bytes:
    out = io.BytesIO()
    word.save(out)
    return normalise_zip(out.getvalue())
