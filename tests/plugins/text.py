"""Plain text (``txt``): the cover's title and each section's heading and paragraphs."""

from __future__ import annotations

from reportgen.documents.content import Document, Paragraph
from reportgen.renderers import RenderContext


def to_text(doc: Document, context: RenderContext) -> bytes:
    """The document as lines of text."""
    lines = [doc.cover.title]
    for section in doc.sections:
        lines += ["", section.title]
        lines += [
            "".join(run.text for run in block.runs)
            for block in section.blocks
            if isinstance(block, Paragraph)
        ]
    return ("\n".join(lines) + "\n").encode("utf-8")
