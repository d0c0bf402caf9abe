"""The page numbers of a finished Word file's contents, from LibreOffice's layout of it.

The writer leaves the contents without page numbers (a TOC field whose result is the
list of entries, each a link to the bookmark on its heading). Numbering works on the
file as written, so that a batch can have LibreOffice lay out all its Word files in one
run, after its workers wrote them, and ``render_docx`` numbers its one file the same way:

    Word files -> the entries of their contents (links to bookmarks) -> one LibreOffice
    run lays them all out (``office.lay_out_many``) -> the page of each bookmark's
    destination -> written after each entry (a tab, then a PAGEREF field) -> the same
    package with only its main part changed

Only a file written by reportgen is numbered: one whose contents' entries already carry a
page number, or that has no contents, is left as it is.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Any, TypeVar

from reportgen.renderers.context import Passed, RenderContext
from reportgen.renderers.docx import office
from reportgen.renderers.docx.ooxml import W_NS

K = TypeVar("K")

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAIN_PART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
W = f"{{{W_NS}}}"


def normalise_zip(data: bytes, replaced: Mapping[str, bytes] | None = None) -> bytes:
    """The same package with fixed entry dates, so that equal content gives equal bytes
    (with the entries of ``replaced`` holding their new content)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            content = (replaced or {}).get(entry.filename)
            target.writestr(info, source.read(entry) if content is None else content)
    return out.getvalue()


def _main_part(package: zipfile.ZipFile) -> str | None:
    """The name of the package's main part (``word/document.xml``), from its relationships."""
    from lxml import etree

    try:
        rels = etree.fromstring(package.read("_rels/.rels"))
    except (KeyError, etree.XMLSyntaxError):
        return None
    for rel in rels.iter(RELS):
        if rel.get("Type") == MAIN_PART and rel.get("TargetMode") != "External":
            return str(rel.get("Target", "")).lstrip("/") or None
    return None


def _entries(body: Any) -> list[Any]:
    """The links of the contents' entries that have no page number yet, in order."""
    paragraphs = iter(body.iterchildren(f"{W}p"))
    for paragraph in paragraphs:
        instructions = paragraph.iterfind(f"{W}r/{W}instrText")
        if any((text.text or "").strip().startswith("TOC ") for text in instructions):
            break
    else:
        return []
    links: list[Any] = []
    while paragraph is not None:
        for link in paragraph.iterchildren(f"{W}hyperlink"):
            if link.get(f"{W}anchor") and link.find(f".//{W}instrText") is None:
                links.append(link)
        if any(
            char.get(f"{W}fldCharType") == "end" for char in paragraph.iterfind(f"{W}r/{W}fldChar")
        ):
            break  # the end of the TOC field
        paragraph = next(paragraphs, None)
    return links


class _Parsed:
    """The main part of a Word file, parsed, and the links of its contents' entries."""

    def __init__(self, docx: bytes) -> None:
        from lxml import etree

        self.docx = docx
        self.part: str | None = None
        self.root: Any = None
        self.links: list[Any] = []
        try:
            with zipfile.ZipFile(io.BytesIO(docx)) as package:
                self.part = _main_part(package)
                if self.part is None:
                    return
                parser = etree.XMLParser(resolve_entities=False, huge_tree=True)
                self.root = etree.fromstring(package.read(self.part), parser)
        except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError):
            return
        body = self.root.find(f"{W}body")
        if body is not None:
            self.links = _entries(body)

    @property
    def anchors(self) -> list[str]:
        return [str(link.get(f"{W}anchor")) for link in self.links]

    def numbered(self, pages: Mapping[str, int]) -> bytes:
        from docx.opc.oxml import serialize_part_xml

        from reportgen.renderers.docx.ooxml import field, run_element

        if self.part is None or not any(a in pages for a in self.anchors):
            return self.docx
        for link in self.links:
            anchor = str(link.get(f"{W}anchor"))
            if anchor not in pages:
                continue
            # as Word's own TOC result has it, so that updating the field gives the same
            link.append(run_element("\t", None))
            for run in field(f" PAGEREF {anchor} \\h ", str(pages[anchor])):
                link.append(run)
        return normalise_zip(self.docx, {self.part: serialize_part_xml(self.root)})


def contents_anchors(docx: bytes) -> list[str]:
    """The bookmarks the entries of a Word file's contents link to, those without a page
    number yet (none: nothing to number)."""
    return _Parsed(docx).anchors


def numbered(docx: bytes, pages: Mapping[str, int]) -> bytes:
    """The Word file with the page of each entry of its contents (``pages``: by bookmark)
    written after it, the TOC field kept; the same bytes when there is nothing to number."""
    return _Parsed(docx).numbered(pages)


class Numbering(Passed[K]):
    """What numbering some Word files gave: the numbered bytes of each file that has
    contents and was laid out, and what LibreOffice said when it failed or took too long
    (those files stay unnumbered)."""


def number_all(documents: Mapping[K, bytes], *, timeout: float | None = None) -> Numbering[K]:
    """Number the contents of every Word file of ``documents`` that has any, all laid out
    by LibreOffice in one run (``office.lay_out_many``; one for each ``LAYOUT_CHUNK`` of
    them). Files without contents are not in the answer; nor are any, when LibreOffice
    is not installed, and those left when it failed (then ``failure`` says why)."""
    result: Numbering[K] = Numbering()
    if office.soffice() is None:
        return result
    waiting = [key for key, data in documents.items() if contents_anchors(data)]
    for start in range(0, len(waiting), office.LAYOUT_CHUNK):
        chunk = {key: documents[key] for key in waiting[start : start + office.LAYOUT_CHUNK]}
        try:
            laid_out = office.lay_out_many(chunk, timeout=timeout)
        except office.LayoutError as exc:
            result.failure = str(exc)
            break
        for key, pdf in laid_out.items():
            found = _Parsed(chunk[key])
            result.files[key] = found.numbered(office.bookmark_pages(pdf, found.anchors))
    return result


class NumberTogether:
    """The page numbers of Word contents as a pass together (``Renderer.together``): the
    builds leave their contents unnumbered (``page_numbers`` off) and one LibreOffice run
    lays them all out (``number_all``), when page numbers are asked and LibreOffice is
    installed."""

    @property
    def chunk(self) -> int:
        """The files of one LibreOffice run (``office.LAYOUT_CHUNK``)."""
        return office.LAYOUT_CHUNK

    def applies(self, context: RenderContext) -> bool:
        """Page numbers asked, and LibreOffice installed to lay them out."""
        return context.page_numbers and office.soffice() is not None

    def waits(self, data: bytes) -> bool:
        """Whether the file has contents without page numbers."""
        return bool(contents_anchors(data))

    def run(self, files: Mapping[K, bytes]) -> Passed[K]:
        """Number the contents of all of ``files`` (``number_all``); when LibreOffice
        failed, ``failure`` is the note for the user (``office.FAILED``)."""
        numbered = number_all(files)
        if numbered.failure:
            numbered.failure = office.FAILED.format(reason=numbered.failure)
        return numbered


together = NumberTogether()
"""The pass of ``Renderer("docx").together``."""
