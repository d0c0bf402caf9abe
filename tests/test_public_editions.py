"""A public edition carries nothing marked internal, in any part of any file it writes.

What is internal is not listed by hand: it is every text of the example profiles that the
redaction (``reportgen.documents.redact``) takes out, cut into its sentences. Each kind
of document is built as a public edition in every format, and its PDFs in every variant
among them (archival, accessible, plain), once; then every part of every file is read:
the PDF's text (pdftotext) and each of its objects and decoded streams (metadata,
bookmarks, annotations and links, alternate texts, attached files), every part of the
Word file (its XML unescaped and joined, its relationships, its properties) and the
HTML as written (comments, attributes and scripts included).
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pydantic import BaseModel

import reportgen
from reportgen.documents.redact import redact
from tests.helpers import KITAKYUSHU, PROPOSAL, VISIT, Built, Workspace, poppler_text, unjoined

SENTENCE_ENDS = r"[\n.;。；]"
SHORTEST = 10
"""Letters and digits a piece of internal text needs to be looked for: shorter ones (a
time, a date, a word such as "medium") may be printed for another reason."""


def key(text: str) -> str:
    """``text`` as its letters and digits alone, in one case: white space, line breaks,
    hyphenation, quotation marks, markup and word joiners do not hide it."""
    return re.sub(r"[\W_]+", "", text).casefold()


def texts(value: Any) -> Iterator[str]:
    """Every string a profile (or a part of it) holds."""
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    if isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)
    elif isinstance(value, str):
        yield value


def internal_texts(profiles: Path) -> dict[str, str]:
    """Each sentence of the profiles in ``profiles`` that appears nowhere in their public
    form (``redact``), by its ``key``."""
    loaded = [reportgen.load(path) for path in sorted(profiles.rglob("*.yaml"))]
    public = "|".join(key(text) for profile in loaded for text in texts(redact(profile)))
    found: dict[str, str] = {}
    for profile in loaded:
        for text in texts(profile):
            for piece in re.split(SENTENCE_ENDS, text):
                if len(key(piece)) >= SHORTEST and key(piece) not in public:
                    found[key(piece)] = piece.strip()
    return found


def pdf_parts(path: Path) -> Iterator[tuple[str, str]]:
    """The text of a PDF, then every string and name of each object and each decoded
    stream (attached files, XMP metadata ...)."""
    yield "text", poppler_text(path)
    with pikepdf.open(path) as pdf:
        for number, found in enumerate(pdf.objects):
            where = f"object {number}"
            if isinstance(found, pikepdf.Stream):
                try:
                    data = found.read_bytes()
                except pikepdf.PdfError:  # a picture's own compression: its bytes as stored
                    data = found.read_raw_bytes()
                yield f"{where} stream", data.decode("utf-8", "ignore")
                found = found.stream_dict
            yield where, "|".join(_strings(found))


def _strings(found: Any) -> Iterator[str]:
    """The strings and names in one object, the direct objects within it included."""
    stack = [found]
    while stack:
        item = stack.pop()
        if isinstance(item, (pikepdf.String, pikepdf.Name)):
            yield str(item)
        elif isinstance(item, pikepdf.Dictionary):
            yield from item.keys()
            stack.extend(v for v in item.values() if _direct(v))
        elif isinstance(item, pikepdf.Array):
            stack.extend(v for v in item if _direct(v))


def _direct(item: Any) -> bool:
    """Whether ``item`` is written within its object (an indirect one is read on its own)."""
    return not (isinstance(item, pikepdf.Object) and item.is_indirect)


def zip_parts(path: Path) -> Iterator[tuple[str, str]]:
    """Every part of a Word file (names, XML, relationships, properties), unescaped, without
    word joiners, and again with its markup taken out (the runs of a paragraph joined)."""
    with zipfile.ZipFile(path) as word:
        yield "part names", "|".join(word.namelist())
        for name in word.namelist():
            xml = unjoined(html.unescape(word.read(name).decode("utf-8", "ignore")))
            yield name, xml
            yield f"{name} text", re.sub(r"<[^>]*>", "", xml)


def html_parts(path: Path) -> Iterator[tuple[str, str]]:
    """The page as written (comments, attributes, scripts), and its text."""
    page = html.unescape(path.read_text(encoding="utf-8"))
    yield "page", page
    yield "text", re.sub(r"<[^>]*>", "", page)


READERS = {".pdf": pdf_parts, ".docx": zip_parts, ".html": html_parts}

OPTIONS = ("--audience", "public", "--no-page-numbers", "--no-embed-fonts")
EVERY_FORMAT = ("--format", "pdf", "--format", "docx", "--format", "html")
EDITIONS = {
    "public/briefing": (VISIT, *EVERY_FORMAT, "--pdf-variant", "pdf/a-3b"),
    "public/proposal": (PROPOSAL, *EVERY_FORMAT, "--pdf-variant", "pdf/ua-1"),
    "public/city": (KITAKYUSHU, *EVERY_FORMAT, "--pdf-variant", "none"),
    "public/courtesy-copy": (VISIT, "--format", "html", "--lang", "zh-Hans"),
}
"""Each built once, into a folder of its own: a briefing, a proposal and a city profile in
every format, their PDFs one in each variant, and the briefing's Chinese courtesy copy as a
page (what the Chinese texts of the profiles could leak into)."""


@pytest.fixture(scope="module")
def editions(examples: Workspace, public_briefing: Built) -> list[Built]:
    """``EDITIONS`` and the briefing's accessible PDF that the other tests read."""
    built = [public_briefing]
    for name, (source, *options) in EDITIONS.items():
        built.append(examples.build(source, name, *OPTIONS, *options))
    for edition in built:
        assert edition.run.code == 0, edition.run.stderr
    return built


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # WeasyPrint's archival colour profile
def test_a_public_edition_carries_nothing_marked_internal_in_any_part(
    examples: Workspace, editions: list[Built]
) -> None:
    internal = internal_texts(examples.folder / "profiles")
    # talking points, sensitivities, internal appointments, logistics, risks, follow-up
    # actions and phone numbers, each in English, Japanese and Chinese
    assert len(internal) > 150
    assert key("+81-93-582-2146") in internal

    files = sorted(
        path
        for edition in editions
        for path in ([edition.path] if edition.path.is_file() else edition.path.iterdir())
    )
    assert sorted(path.suffix for path in files) == [".docx"] * 3 + [".html"] * 4 + [".pdf"] * 4
    leaks = []
    for path in files:
        parts = {part: key(text) for part, text in READERS[path.suffix](path)}
        # the reader reads the file: the home city is named on every cover
        assert any("kitakyushu" in text or "北九州" in text for text in parts.values()), path
        leaks += [
            (path.name, part, internal[piece])
            for part, text in parts.items()
            for piece in internal
            if piece in text
        ]
    assert leaks == []
