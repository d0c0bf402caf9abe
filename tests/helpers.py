"""Helpers shared by the tests."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from docx.document import Document as WordDocument

WORD_JOINER = "\u2060"
"""What a Chinese, Japanese or Korean Word file puts between the letters of a name or a
date (``templating.join_kept``): invisible, and no part of the words a test reads."""


def unjoined(text: str) -> str:
    """``text`` without word joiners."""
    return text.replace(WORD_JOINER, "")


def open_docx(source: str | Path | io.BytesIO) -> WordDocument:
    """A Word file as python-docx reads it, the word joiners taken out of its text (body,
    headers, footers, notes), so that tests read the words a reader sees."""
    import docx
    from docx.opc.part import XmlPart
    from docx.oxml.ns import qn

    document = docx.Document(str(source) if isinstance(source, Path) else source)
    for part in document.part.package.iter_parts():
        if isinstance(part, XmlPart):
            for text in part.element.iter(qn("w:t")):
                if text.text and WORD_JOINER in text.text:
                    text.text = unjoined(text.text)
    return document
