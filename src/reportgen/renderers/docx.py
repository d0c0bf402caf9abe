"""Word documents through python-docx: the only module that imports it.

A document starts from a reference ``.docx`` (the bundled ``reference.docx``, or the user's
``--reference-docx``, as Pandoc's reference-doc): its body is cleared, its styles, numbering,
page set-up, headers and footers are kept, and styles that it lacks are copied in from the
bundled one. The renderer only ever names styles; what they look like is the reference's
business (see ``make_reference.py``).

    cover (own section, no header or footer)
    contents: a TOC field, pre-filled with links to bookmarks on the headings (without
              page numbers, which need a layout: updating the field adds them)
    body: headings, paragraphs, lists, tables, figures (PNG from the SVG), sources
    header: title and handling mark; footer: "Page X of Y" (PAGE and NUMPAGES fields),
            unless the reference document has a header or footer of its own

The same ``Document`` always gives the same bytes: dates come from the document, zip
entries carry a fixed time, and nothing random is written.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from reportgen.documents.content import (
    Block,
    BulletList,
    Cell,
    Document,
    FactList,
    Figure,
    Inline,
    Paragraph,
    Picture,
    Run,
    Section,
    SourceList,
    Table,
    page_label_parts,
)
from reportgen.errors import ReportgenError, display_path

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.oxml.xmlchemy import BaseOxmlElement
    from docx.parts.document import DocumentPart

MAX_REFERENCE_BYTES = 20 * 1024 * 1024
"""A reference document larger than this on disk is refused."""
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
"""Nor one that unpacks to more than this ..."""
MAX_RATIO = 100
"""... or to more than this many times its packed size (a zip bomb) ..."""
MAX_ENTRIES = 2000
"""... or that holds more files than this."""

ZIP_TIME = (1980, 1, 1, 0, 0, 0)
PICTURE_DPI = 200
"""Resolution of the PNG made from each SVG figure: sharp in print, small on disk."""
MAX_PICTURE_PX = 8000
"""Longest side of such a PNG (about 1 m at 200 dpi); longer pictures get a lower resolution."""
PAPER_SIZES = {"a4": (11906, 16838), "letter": (12240, 15840)}
"""Page sizes in twentieths of a point."""
LOGO_HEIGHT_MM = 18.0
LOGO_MAX_WIDTH_MM = 50.0
TWIPS_PER_MM = 56.6929

TOC_INSTRUCTION = ' TOC \\o "1-2" \\h \\z \\u '
"""Levels 1 and 2, as in the PDF's contents: updating the field gives the same entries."""

PARAGRAPH_STYLES = {None: "Normal", "lead": "Lead", "note": "Note", "mark": "Notice"}
RUN_STYLES = {
    "cover-mark": "Cover Mark",
    "asof": "As Of",
    "ref": "Source Reference",
    "verify": "Verify",
    "muted": "Muted",
}
HEADINGS = {1: "Heading 1", 2: "Heading 2", 3: "Heading 3"}
LIST_STYLES = {"bullet": "List Bullet", "number": "List Number", "source": "Source"}
EXTERNAL_LINKS = ("http://", "https://", "mailto:")

# East Asian text takes the font of its own variant: Japanese, Simplified and Traditional
# Chinese and Korean draw many of the same code points differently.
CJK_FONTS = {
    "ja": ("Noto Sans CJK JP", "ja-JP"),
    "zh-Hans": ("Noto Sans CJK SC", "zh-CN"),
    "zh-Hant": ("Noto Sans CJK TC", "zh-TW"),
    "ko": ("Noto Sans CJK KR", "ko-KR"),
}
COMPLEX_FONTS = {
    "th": ("Noto Sans Thai", "th-TH"),
    "km": ("Noto Sans Khmer", "km-KH"),
}
WORD_LANGS = {"en": "en-GB", "fr": "fr-FR", "de": "de-DE", "es": "es-ES", "vi": "vi-VN"}

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SVG_NS = "http://www.w3.org/2000/svg"

_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_BOOKMARK_UNSAFE = re.compile(r"[^A-Za-z0-9_]")
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(mm|cm|in|pt|pc|px)?\s*$")
_MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "pc": 25.4 / 6, "px": 25.4 / 96}


class ReferenceDocxError(ReportgenError):
    """The reference document (``--reference-docx``) is not one that reportgen can use."""


class PictureError(ReportgenError):
    """A picture (a logo) cannot be drawn into the Word document."""


# --- public API -------------------------------------------------------------------------------


def render_docx(doc: Document, *, reference: Path | None = None, paper: str | None = None) -> bytes:
    """The document as a Word file, styled by ``reference`` or by the bundled reference.

    ``paper`` (``a4`` or ``letter``) sets the page size of the bundled reference; a user's
    reference keeps its own page set-up.
    """
    import docx

    if reference is None:
        word = docx.Document(io.BytesIO(bundled_reference()))
    else:
        data = read_reference(reference)
        try:
            word = docx.Document(io.BytesIO(data))
        except Exception as exc:  # python-docx raises many kinds for a broken package
            raise ReferenceDocxError(
                f"{display_path(reference)}: not a usable Word document ({_reason(exc)})"
            ) from exc
    writer = _Writer(word, doc, bundled=reference is None)
    if reference is None and paper is not None:
        writer.set_paper(paper)
    writer.write()
    out = io.BytesIO()
    word.save(out)
    return normalise_zip(out.getvalue())


def read_reference(path: Path) -> bytes:
    """The bytes of a reference document, refused before parsing unless it is a sane .docx."""
    name = display_path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ReferenceDocxError(f"{name}: the reference document is not a file")
        if size > MAX_REFERENCE_BYTES:
            raise ReferenceDocxError(
                f"{name}: the reference document is {size / 2**20:.1f} MB; "
                f"the limit is {MAX_REFERENCE_BYTES // 2**20} MB"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ReferenceDocxError(
            f"{name}: cannot read the reference document: {exc.strerror or exc}"
        ) from exc
    check_package(data, name)
    return data


def check_package(data: bytes, name: str) -> None:
    """Refuse what is not a Word package, or would unpack to far more than its size.

    The sizes come from the zip directory; Python's zipfile never inflates an entry beyond
    its declared size (it fails the CRC check instead), so they bound the work of parsing.
    """
    not_word = f"{name}: not a Word document (.docx)"
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ReferenceDocxError(f"{not_word}: it is not a zip archive") from exc
    with archive:
        entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise ReferenceDocxError(
            f"{name}: the reference document holds {len(entries)} files; the limit is {MAX_ENTRIES}"
        )
    unpacked = sum(entry.file_size for entry in entries)
    packed = sum(entry.compress_size for entry in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ReferenceDocxError(
            f"{name}: the reference document unpacks to {unpacked / 2**20:.0f} MB; "
            f"the limit is {MAX_UNPACKED_BYTES // 2**20} MB"
        )
    if unpacked > max(packed, 1) * MAX_RATIO:
        raise ReferenceDocxError(
            f"{name}: the reference document unpacks to {unpacked // max(packed, 1)} times "
            f"its size (a zip bomb?); the limit is {MAX_RATIO} times"
        )
    names = {entry.filename for entry in entries}
    for required in ("[Content_Types].xml", "word/document.xml"):
        if required not in names:
            raise ReferenceDocxError(f"{not_word}: it has no {required}")


def normalise_zip(data: bytes) -> bytes:
    """The same package with fixed entry dates, so that equal content gives equal bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(entry))
    return out.getvalue()


@cache
def bundled_reference() -> bytes:
    """The bytes of the bundled ``reference.docx``."""
    return files("reportgen.renderers").joinpath("reference.docx").read_bytes()


def clean_text(text: str) -> str:
    """``text`` without what XML 1.0 cannot hold (control characters, lone surrogates)."""
    return _XML_UNSAFE.sub("", text)


def bookmark_name(ident: str, prefix: str = "") -> str:
    """A valid Word bookmark name: letters, digits and ``_``, at most 40 characters."""
    name = prefix + _BOOKMARK_UNSAFE.sub("_", ident)
    if not name[:1].isalpha() and not name.startswith("_"):
        name = "b_" + name
    return name[:40]


def _reason(exc: Exception) -> str:
    """What python-docx said, without the name of the in-memory file it was given."""
    text = clean_text(str(exc))
    found = re.search(r"content type is '([^']*)'", text)
    if found:  # a template (.dotx), a macro document (.docm) ...
        return f"its main part is {found.group(1)}; save it as a .docx document"
    return text.splitlines()[0][:200] if text.strip() else type(exc).__name__


# --- XML helpers ------------------------------------------------------------------------------


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _el(tag: str, attrs: dict[str, str] | None = None, *children: Any) -> BaseOxmlElement:
    """``w:tag`` with ``w:``-prefixed attributes and children, in the order given."""
    from docx.oxml.parser import OxmlElement

    element = OxmlElement(tag, attrs={_qn(k): v for k, v in (attrs or {}).items()})
    for child in children:
        if child is not None:
            element.append(child)
    return element


def _val(tag: str, value: str | int) -> BaseOxmlElement:
    return _el(tag, {"w:val": str(value)})


def _run_element(text: str, rpr: BaseOxmlElement | None) -> BaseOxmlElement:
    """One ``w:r`` for ``text``: tabs as ``w:tab``, newlines as ``w:br``."""
    run = _el("w:r", None, rpr)
    text = clean_text(text).replace("\r\n", "\n").replace("\r", "\n")
    for index, line in enumerate(text.split("\n")):
        if index:
            run.append(_el("w:br"))
        for part_index, part in enumerate(line.split("\t")):
            if part_index:
                run.append(_el("w:tab"))
            if part:
                t = _el("w:t")
                t.text = part
                if part[0].isspace() or part[-1].isspace() or "  " in part:
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                run.append(t)
    return run


def _field(instruction: str, result: str, rpr: BaseOxmlElement | None = None) -> list[Any]:
    """The runs of a complex field: begin, instruction, separate, cached result, end."""

    def run(*children: Any) -> BaseOxmlElement:
        return _el("w:r", None, copy.deepcopy(rpr) if rpr is not None else None, *children)

    instr = _el("w:instrText")
    instr.text = instruction
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return [
        run(_el("w:fldChar", {"w:fldCharType": "begin"})),
        run(instr),
        run(_el("w:fldChar", {"w:fldCharType": "separate"})),
        _run_element(result, copy.deepcopy(rpr) if rpr is not None else None),
        run(_el("w:fldChar", {"w:fldCharType": "end"})),
    ]


def _lang_tag(lang: str) -> str:
    """``zh-Hans`` -> the key of the font tables above (``zh-Hans``, ``ja`` ...), else ``lang``."""
    parts = lang.replace("_", "-").split("-")
    primary = parts[0].lower()
    rest = {p.lower() for p in parts[1:]}
    if primary == "zh":
        return "zh-Hant" if rest & {"hant", "tw", "hk", "mo"} else "zh-Hans"
    return primary if primary in ("ja", "ko", "th", "km") else lang


def word_lang(lang: str) -> str:
    """The language tag Word expects (``en`` -> ``en-GB``, ``zh-Hans`` -> ``zh-CN``)."""
    tag = _lang_tag(lang)
    if tag in CJK_FONTS:
        return CJK_FONTS[tag][1]
    if tag in COMPLEX_FONTS:
        return COMPLEX_FONTS[tag][1]
    return WORD_LANGS.get(lang, lang)


# --- the writer -------------------------------------------------------------------------------


class _Writer:
    """Fills a reference document (body cleared) with one ``Document``."""

    def __init__(self, word: WordDocument, doc: Document, *, bundled: bool) -> None:
        self.word = word
        self.doc = doc
        self.bundled = bundled
        self.part: DocumentPart = word.part
        self.body = word.element.body
        self.styles = _Styles(self.part)
        self.numbering = _Numbering(self.part, self.styles)
        self.bookmark_id = 0
        self.anchors = self._anchor_names()
        self.first_body_heading = True
        self.sect_pr = self._clear_body()
        self.text_width = _text_width(self.sect_pr)

    def set_paper(self, paper: str) -> None:
        """A4 or US Letter, the margins unchanged."""
        width, height = PAPER_SIZES[paper.lower()]
        size = self.sect_pr.find(_qn("w:pgSz"))
        if size is None:
            size = _el("w:pgSz")
            self.sect_pr.insert(0, size)
        size.set(_qn("w:w"), str(width))
        size.set(_qn("w:h"), str(height))
        self.text_width = _text_width(self.sect_pr)

    # --- whole document -----------------------------------------------------------------------

    def write(self) -> None:
        self._set_defaults()
        self._cover()
        self._contents()
        for section in self.doc.sections:
            self._section(section)
        self._header_footer()
        self._properties()

    def _clear_body(self) -> BaseOxmlElement:
        """Empties the body; returns its last section's properties (the page set-up)."""
        sect_pr: BaseOxmlElement | None = self.body.find(_qn("w:sectPr"))
        for child in list(self.body):
            if child is not sect_pr:
                self.body.remove(child)
        if sect_pr is None:
            sect_pr = _el("w:sectPr")
            self.body.append(sect_pr)
        kind = sect_pr.find(_qn("w:type"))
        if kind is not None:  # the body must start on a page of its own, after the cover
            sect_pr.remove(kind)
        return sect_pr

    def _anchor_names(self) -> dict[str, str]:
        """Bookmark names for headings (``_Toc_<id>``) and sources, unique in the document."""
        names: dict[str, str] = {}
        used: set[str] = set()

        def add(anchor: str, prefix: str) -> None:
            base = bookmark_name(anchor, prefix)
            name, number = base, 1
            while name.lower() in used:
                number += 1
                suffix = f"_{number}"
                name = base[: 40 - len(suffix)] + suffix
            used.add(name.lower())
            names.setdefault(anchor, name)

        for section in self.doc.sections:
            add(section.id, "_Toc_")
        for source in self._sources():
            add(source.anchor, "")
        return names

    def _sources(self) -> Iterable[Any]:
        for section in self.doc.sections:
            for block in section.blocks:
                if isinstance(block, SourceList):
                    yield from block.sources

    def _append(self, element: BaseOxmlElement) -> BaseOxmlElement:
        self.sect_pr.addprevious(element)
        return element

    def _set_defaults(self) -> None:
        """The document language (and, in the bundled styles, its fonts) in the defaults."""
        styles = self.styles.element
        defaults = styles.find(_qn("w:docDefaults"))
        if defaults is None:
            defaults = _el("w:docDefaults")
            styles.insert(0, defaults)
        rpr_default = defaults.find(_qn("w:rPrDefault"))
        if rpr_default is None:
            rpr_default = _el("w:rPrDefault")
            defaults.insert(0, rpr_default)
        rpr = rpr_default.find(_qn("w:rPr"))
        if rpr is None:
            rpr = _el("w:rPr")
            rpr_default.append(rpr)
        tag = _lang_tag(self.doc.meta.lang)
        lang = _child(rpr, "w:lang")
        lang.set(_qn("w:val"), word_lang(self.doc.meta.lang))
        if tag in CJK_FONTS:
            lang.set(_qn("w:eastAsia"), CJK_FONTS[tag][1])
        if tag in COMPLEX_FONTS:
            lang.set(_qn("w:bidi"), COMPLEX_FONTS[tag][1])
        if self.bundled:
            fonts = _child(rpr, "w:rFonts")
            if tag in CJK_FONTS:
                fonts.set(_qn("w:eastAsia"), CJK_FONTS[tag][0])
            if tag in COMPLEX_FONTS:
                fonts.set(_qn("w:cs"), COMPLEX_FONTS[tag][0])

    # --- cover and contents -------------------------------------------------------------------

    def _cover(self) -> None:
        cover = self.doc.cover
        if cover.kicker:
            self._paragraph("Kicker", (Run(cover.kicker),))
        if cover.logos:
            self._logos(cover.logos)
        # without logos the title keeps their place, as in the PDF
        self._paragraph("Title", (Run(cover.title),), space_before=0 if cover.logos else 1587)
        if cover.subtitle:
            self._paragraph("Subtitle", cover.subtitle)
        for line in cover.lines:
            self._paragraph("Cover Line", line)
        # The handling mark sits at the foot of the cover, as in the PDF: one paragraph in
        # a frame anchored to the bottom margin (LibreOffice drops frames shared by
        # paragraphs of different styles, so mark and note are lines of one paragraph).
        foot: list[Run] = []
        if cover.mark:
            foot.append(Run(cover.mark, "cover-mark"))
        if cover.note:
            foot.append(Run(("\n" if foot else "") + cover.note))
        if foot:
            frame = {
                "w:w": str(self.text_width),
                "w:wrap": "around",
                "w:hAnchor": "margin",
                "w:vAnchor": "margin",
                "w:xAlign": "left",
                "w:yAlign": "bottom",
            }
            self._paragraph("Cover Foot", tuple(foot), frame=frame)
        # The cover is a section of its own, without header and footer.
        cover_sect = copy.deepcopy(self.sect_pr)
        for child in list(cover_sect):
            if child.tag in (
                _qn("w:headerReference"),
                _qn("w:footerReference"),
                _qn("w:titlePg"),
                _qn("w:pgNumType"),
            ):
                cover_sect.remove(child)
        self._append(_el("w:p", None, _el("w:pPr", None, cover_sect)))

    def _contents(self) -> None:
        """A TOC field whose result is already the list of headings, linked to them.

        Page numbers need a layout, which only Word or LibreOffice can make, and neither
        fills them in on opening (LibreOffice keeps the result as it is; Word would ask
        the reader about updating fields if the field were marked dirty). So the entries
        come without page numbers; updating the field (F9 in Word, Tools > Update in
        LibreOffice) rebuilds the same entries with them.
        """
        self._paragraph("TOC Heading", (Run(self.doc.labels.get("contents", "Contents")),))
        paragraphs: list[BaseOxmlElement] = []
        for section in self.doc.sections:
            if not section.toc or section.level > 2:
                continue
            link = _el("w:hyperlink", {"w:anchor": self.anchors[section.id], "w:history": "1"})
            link.append(self._run(Run(section.title, lang=section.lang)))
            paragraph = self._paragraph(f"TOC {section.level}", (), append=False)
            paragraph.append(link)
            paragraphs.append(paragraph)
        if not paragraphs:
            paragraphs.append(self._paragraph("TOC 1", (), append=False))
        for offset, run in enumerate(_field(TOC_INSTRUCTION, "")[:3]):
            paragraphs[0].insert(1 + offset, run)  # begin, instruction, separate
        end = _el("w:p", None, _el("w:r", None, _el("w:fldChar", {"w:fldCharType": "end"})))
        for paragraph in [*paragraphs, end]:
            self._append(paragraph)

    # --- body ---------------------------------------------------------------------------------

    def _section(self, section: Section) -> None:
        level = min(max(section.level, 1), 3)
        paragraph = self._paragraph(
            HEADINGS[level],
            (Run(section.title, lang=section.lang),),
            page_break=self.first_body_heading,
        )
        self.first_body_heading = False
        self._bookmark(paragraph, self.anchors[section.id])
        for block in section.blocks:
            self._block(block)

    def _block(self, block: Block) -> None:
        if isinstance(block, Paragraph):
            # a paragraph that is all bold is a label ("Goal"): keep it with what follows
            label = bool(block.runs) and all(run.style == "strong" for run in block.runs)
            style = PARAGRAPH_STYLES.get(block.style, "Normal")
            self._paragraph(style, block.runs, keep_next=label)
        elif isinstance(block, BulletList):
            self._list(block)
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, FactList):
            self._facts(block)
        elif isinstance(block, Figure):
            self._figure(block)
        elif isinstance(block, SourceList):
            self._source_list(block)

    def _list(self, block: BulletList) -> None:
        kind = "number" if block.ordered else "bullet"
        num = self.numbering.new(kind, restart=block.ordered)
        for item in block.items:
            self._paragraph(LIST_STYLES[kind], item, num=num)

    def _source_list(self, block: SourceList) -> None:
        numbers = [source.number for source in block.sources]
        contiguous = bool(numbers) and numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        num = self.numbering.new("source", start=numbers[0]) if contiguous else 0
        for source in block.sources:
            runs = source.runs if contiguous else (Run(f"{source.number}.\t"), *source.runs)
            paragraph = self._paragraph(LIST_STYLES["source"], runs, num=num)
            self._bookmark(paragraph, self.anchors[source.anchor])

    def _table(self, table: Table) -> None:
        if table.caption:
            self._paragraph("Caption", (Run(table.caption),), keep_next=True)
        rows = [table.header, *table.rows, *table.footer]
        columns = max((len(row) for row in rows), default=0)
        if columns == 0:
            return
        widths = _column_widths(self.text_width, table.widths, columns)
        look = _table_look(first_row=bool(table.header), last_row=bool(table.footer))
        element = self._table_element("Report Table", widths, look)
        height = 907 if table.style == "signature" else 0  # 16 mm to sign in
        if table.header:
            element.append(self._row(table.header, columns, widths, header=True))
        for row in table.rows:
            element.append(self._row(row, columns, widths, height=height))
        for row in table.footer:
            element.append(self._row(row, columns, widths, bold=True))
        self._append(element)
        self._spacer()

    def _facts(self, block: FactList) -> None:
        widths = _column_widths(self.text_width, (28, 72), 2)
        look = _table_look(first_row=False, last_row=False)
        element = self._table_element("Facts Table", widths, look)
        for label, value in block.items:
            tr = _el("w:tr", None, _el("w:trPr", None, _el("w:cantSplit")))
            tr.append(self._cell((Run(label),), widths[0], "Fact Label"))
            tr.append(self._cell(value, widths[1], "Table Text"))
            element.append(tr)
        self._append(element)
        self._spacer()

    def _table_element(
        self, style: str, widths: Sequence[int], look: dict[str, str]
    ) -> BaseOxmlElement:
        tbl_pr = _el(
            "w:tblPr",
            None,
            _val("w:tblStyle", self.styles.id(style)),
            _el("w:tblW", {"w:w": str(sum(widths)), "w:type": "dxa"}),
            _el("w:tblLayout", {"w:type": "fixed"}),
            _el("w:tblLook", look),
        )
        grid = _el("w:tblGrid", None, *(_el("w:gridCol", {"w:w": str(w)}) for w in widths))
        return _el("w:tbl", None, tbl_pr, grid)

    def _row(
        self,
        cells: Sequence[Cell],
        columns: int,
        widths: Sequence[int],
        *,
        header: bool = False,
        bold: bool = False,
        height: int = 0,
    ) -> BaseOxmlElement:
        # rows never split across pages; the header row repeats on each page
        tr_pr = _el("w:trPr", None, _el("w:cantSplit"))
        if height:
            tr_pr.append(_el("w:trHeight", {"w:val": str(height), "w:hRule": "atLeast"}))
        if header:
            tr_pr.append(_el("w:tblHeader"))
        tr = _el("w:tr", None, tr_pr)
        padded = [*cells, *(Cell(()) for _ in range(columns - len(cells)))]
        for cell, width in zip(padded, widths, strict=True):
            tr.append(
                self._cell(
                    cell.runs,
                    width,
                    "Table Heading" if header else "Table Text",
                    align=cell.align,
                    bold=bold or cell.strong,
                )
            )
        return tr

    def _cell(
        self, runs: Inline, width: int, style: str, *, align: str = "left", bold: bool = False
    ) -> BaseOxmlElement:
        tc = _el(
            "w:tc", None, _el("w:tcPr", None, _el("w:tcW", {"w:w": str(width), "w:type": "dxa"}))
        )
        paragraph = self._paragraph(style, runs, align=align, bold=bold, append=False)
        tc.append(paragraph)
        return tc

    def _spacer(self) -> None:
        """An empty paragraph after a table: room below it, and two tables never merge."""
        ppr = _el(
            "w:pPr",
            None,
            _val("w:pStyle", self.styles.id("Normal")),
            _el("w:spacing", {"w:before": "0", "w:after": "0"}),
        )
        self._append(_el("w:p", None, ppr))

    def _logos(self, logos: Sequence[Picture]) -> None:
        """The cities' logos in a row, 18 mm high and at most 50 mm wide each (as in the PDF)."""
        paragraph = self._paragraph("Cover Logos", ())
        for index, logo in enumerate(logos):
            if index:
                paragraph.append(_run_element("   ", None))
            width, height = _picture_size_mm(logo)
            scale = min(LOGO_HEIGHT_MM / height, LOGO_MAX_WIDTH_MM / width)
            width, height = width * scale, height * scale
            data = logo.data
            if logo.mime == "image/svg+xml":
                svg = logo.data.decode("utf-8")
                try:
                    data = svg_to_png(svg, width, self.doc.meta.lang, height_mm=height)
                except PictureError as exc:
                    raise PictureError(f"{logo.alt}: {exc}") from None
            paragraph.append(self._picture(data, width, height, logo.alt))

    def _picture(
        self, data: bytes, width_mm: float, height_mm: float | None, alt: str
    ) -> BaseOxmlElement:
        """A run holding a picture (PNG or JPEG) of that size, with its alt text."""
        from docx.shared import Mm

        height = Mm(height_mm) if height_mm is not None else None
        inline = self.part.new_pic_inline(io.BytesIO(data), width=Mm(width_mm), height=height)
        inline.docPr.set("descr", clean_text(alt))
        return _el("w:r", None, _el("w:drawing", None, inline))

    def _figure(self, figure: Figure) -> None:
        width_mm = min(_svg_width_mm(figure.svg) or 1e9, self.text_width / TWIPS_PER_MM)
        png = svg_to_png(figure.svg, width_mm, self.doc.meta.lang)
        paragraph = self._paragraph("Figure", (), keep_next=bool(figure.caption))
        paragraph.append(self._picture(png, width_mm, None, figure.alt))
        if figure.caption:
            self._paragraph("Caption", (Run(figure.caption),))

    # --- paragraphs and runs ------------------------------------------------------------------

    def _paragraph(
        self,
        style: str,
        runs: Inline,
        *,
        align: str = "left",
        bold: bool = False,
        num: int | None = None,
        frame: dict[str, str] | None = None,
        keep_next: bool = False,
        page_break: bool = False,
        space_before: int | None = None,
        append: bool = True,
    ) -> BaseOxmlElement:
        """A paragraph of ``style``, with its properties in schema order."""
        ppr = _el("w:pPr", None, _val("w:pStyle", self.styles.id(style)))
        if keep_next:
            ppr.append(_el("w:keepNext"))
        if page_break:
            ppr.append(_el("w:pageBreakBefore"))
        if frame:
            ppr.append(_el("w:framePr", frame))
        if num is not None:
            ppr.append(_el("w:numPr", None, _val("w:ilvl", 0), _val("w:numId", num)))
        if space_before:
            ppr.append(_el("w:spacing", {"w:before": str(space_before)}))
        if align in ("right", "center"):
            ppr.append(_val("w:jc", align))
        paragraph = _el("w:p", None, ppr)
        for run in runs:
            paragraph.append(self._run(run, bold=bold))
        if append:
            self._append(paragraph)
        return paragraph

    def _rpr(
        self,
        style: str | None,
        *,
        lang: str | None = None,
        bold: bool = False,
        italic: bool = False,
    ) -> BaseOxmlElement | None:
        """Run properties, children in schema order (rStyle, rFonts, b, i, lang)."""
        children: list[BaseOxmlElement] = []
        if style:
            children.append(_val("w:rStyle", self.styles.id(style)))
        lang_attrs: dict[str, str] = {}
        if lang:
            tag = _lang_tag(lang)
            if tag in CJK_FONTS:
                font, word = CJK_FONTS[tag]
                children.append(_el("w:rFonts", {"w:eastAsia": font, "w:hint": "eastAsia"}))
                lang_attrs["w:eastAsia"] = word
            elif tag in COMPLEX_FONTS:
                font, word = COMPLEX_FONTS[tag]
                children.append(_el("w:rFonts", {"w:cs": font}))
                lang_attrs["w:val"] = word
                lang_attrs["w:bidi"] = word
            else:
                lang_attrs["w:val"] = word_lang(lang)
        if bold:
            children.extend((_el("w:b"), _el("w:bCs")))
        if italic:
            children.extend((_el("w:i"), _el("w:iCs")))
        if lang_attrs:
            children.append(_el("w:lang", lang_attrs))
        return _el("w:rPr", None, *children) if children else None

    def _run(self, run: Run, *, bold: bool = False) -> BaseOxmlElement:
        style = RUN_STYLES.get(run.style or "")
        href = clean_text(run.href or "")
        if href and not style and href.startswith(EXTERNAL_LINKS):
            style = "Hyperlink"
        rpr = self._rpr(
            style,
            lang=run.lang,
            bold=bold or run.style == "strong",
            italic=run.style == "em",
        )
        element = _run_element(run.text, rpr)
        if href.startswith(EXTERNAL_LINKS):
            from docx.opc.constants import RELATIONSHIP_TYPE as RT

            r_id = self.part.relate_to(href, RT.HYPERLINK, is_external=True)
            link = _el("w:hyperlink", {"w:history": "1"})
            link.set(_qn("r:id"), r_id)
            link.append(element)
            return link
        if href.startswith("#") and href[1:] in self.anchors:
            return _el(
                "w:hyperlink", {"w:anchor": self.anchors[href[1:]], "w:history": "1"}, element
            )
        return element

    def _bookmark(self, paragraph: BaseOxmlElement, name: str) -> None:
        """A bookmark around the text of ``paragraph``."""
        self.bookmark_id += 1
        ident = str(self.bookmark_id)
        start = _el("w:bookmarkStart", {"w:id": ident, "w:name": name})
        ppr = paragraph.find(_qn("w:pPr"))
        if ppr is not None:
            ppr.addnext(start)
        else:
            paragraph.insert(0, start)
        paragraph.append(_el("w:bookmarkEnd", {"w:id": ident}))

    # --- header, footer, properties -----------------------------------------------------------

    def _header_footer(self) -> None:
        """Title and mark above, "Page X of Y" below, unless the reference brings its own."""
        section = self.word.sections[-1]
        tab = _el("w:tabs", None, _el("w:tab", {"w:val": "right", "w:pos": str(self.text_width)}))
        if not _has_reference(self.sect_pr, "w:headerReference"):
            header = section.header
            header.is_linked_to_previous = False
            element = header._element
            for child in list(element):
                element.remove(child)
            ppr = _el("w:pPr", None, _val("w:pStyle", self.styles.id("Header")), tab)
            paragraph = _el("w:p", None, ppr, _run_element(self.doc.meta.title, None))
            if self.doc.cover.mark:
                paragraph.append(_run_element("\t", None))
                paragraph.append(_run_element(self.doc.cover.mark, self._rpr("Mark")))
            element.append(paragraph)
        if not _has_reference(self.sect_pr, "w:footerReference"):
            footer = section.footer
            footer.is_linked_to_previous = False
            element = footer._element
            for child in list(element):
                element.remove(child)
            labels = self.doc.labels
            ppr = _el(
                "w:pPr", None, _val("w:pStyle", self.styles.id("Footer")), _val("w:jc", "right")
            )
            pieces: list[Any] = []
            for part in page_label_parts(labels.get("page_of", "Page {page} of {pages}")):
                if part == "{page}":
                    pieces.extend(_field(" PAGE ", "1"))
                elif part == "{pages}":
                    pieces.extend(_field(" NUMPAGES ", "1"))
                else:
                    pieces.append(_run_element(part, None))
            paragraph = _el("w:p", None, ppr, *pieces)
            element.append(paragraph)

    def _properties(self) -> None:
        meta = self.doc.meta
        props = self.word.core_properties
        element = props._element
        for child in list(element):
            element.remove(child)

        def short(text: str) -> str:
            return clean_text(text)[:255]

        props.title = short(meta.title)
        props.subject = short(meta.subject)
        props.author = short(meta.author)
        props.keywords = short(", ".join(meta.keywords))
        props.language = word_lang(meta.lang)
        props.last_modified_by = "reportgen"
        props.revision = 1
        props.created = _utc(meta.created)
        props.modified = _utc(meta.modified)


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _child(parent: BaseOxmlElement, tag: str) -> BaseOxmlElement:
    """The child ``tag`` of ``parent``, appended if missing (for rPr: lang last, fonts first)."""
    found: BaseOxmlElement | None = parent.find(_qn(tag))
    if found is not None:
        return found
    element = _el(tag)
    if tag == "w:rFonts":
        style = parent.find(_qn("w:rStyle"))
        if style is not None:
            style.addnext(element)
        else:
            parent.insert(0, element)
    else:
        after = [_qn(t) for t in ("w:eastAsianLayout", "w:specVanish", "w:oMath")]
        follower = next((c for c in parent if c.tag in after), None)
        if follower is not None:
            follower.addprevious(element)
        else:
            parent.append(element)
    return element


def _has_reference(sect_pr: BaseOxmlElement, tag: str) -> bool:
    return any(ref.get(_qn("w:type"), "default") == "default" for ref in sect_pr.findall(_qn(tag)))


def _text_width(sect_pr: BaseOxmlElement) -> int:
    """The width between the margins, in twentieths of a point (A4 with 18 mm margins if unset)."""

    def number(element: Any, attr: str, default: int) -> int:
        value = element.get(_qn(attr)) if element is not None else None
        try:
            return int(float(value)) if value is not None else default
        except ValueError:
            return default

    size = sect_pr.find(_qn("w:pgSz"))
    margins = sect_pr.find(_qn("w:pgMar"))
    width = number(size, "w:w", 11906)
    left = number(margins, "w:left", 1021)
    right = number(margins, "w:right", 1021)
    gutter = number(margins, "w:gutter", 0)
    return max(width - left - right - gutter, 1440)


def _table_look(*, first_row: bool, last_row: bool) -> dict[str, str]:
    """Which conditional formats of the table style apply, as attributes and as the older
    bit mask (LibreOffice reads the mask): header row, footer row, no banding."""
    mask = 0x0200 | 0x0400 | (0x0020 if first_row else 0) | (0x0040 if last_row else 0)
    return {
        "w:val": f"{mask:04X}",
        "w:firstRow": "1" if first_row else "0",
        "w:lastRow": "1" if last_row else "0",
        "w:firstColumn": "0",
        "w:lastColumn": "0",
        "w:noHBand": "1",
        "w:noVBand": "1",
    }


def _column_widths(total: int, relative: Sequence[int], columns: int) -> list[int]:
    """Column widths in twentieths of a point, in proportion to ``relative``, summing to total."""
    weights = list(relative) if len(relative) == columns and sum(relative) > 0 else [1] * columns
    whole = sum(weights)
    widths = [total * w // whole for w in weights]
    widths[-1] += total - sum(widths)
    return widths


# --- styles and numbering ---------------------------------------------------------------------


class _Styles:
    """Style ids by style name, copying a style from the bundled reference when it is missing."""

    def __init__(self, part: DocumentPart) -> None:
        self.element: BaseOxmlElement = part.styles.element
        self.by_name = _styles_by_name(self.element)
        self.ids = {s.get(_qn("w:styleId")) for s in self.element.findall(_qn("w:style"))}
        self.cache: dict[str, str] = {}

    def id(self, name: str) -> str:
        key = name.lower()
        if key in self.cache:
            return self.cache[key]
        found = self.by_name.get(key)
        ident = found.get(_qn("w:styleId")) if found is not None else self._copy(key)
        self.cache[key] = ident
        return str(ident)

    def element_of(self, name: str) -> BaseOxmlElement | None:
        self.id(name)
        return self.by_name.get(name.lower())

    def _copy(self, key: str) -> str:
        source = _bundled_styles().get(key)
        if source is None:  # not a style reportgen defines: leave the text unstyled
            return "Normal"
        style = copy.deepcopy(source)
        for numbering in style.iter(_qn("w:numPr")):  # list numbers belong to the bundled file
            numbering.getparent().remove(numbering)
        for link in ("w:basedOn", "w:next", "w:link"):
            reference = style.find(_qn(link))
            if reference is None:
                continue
            target = _bundled_names().get(reference.get(_qn("w:val")))
            if target is None or target == key:
                style.remove(reference)
            else:
                reference.set(_qn("w:val"), self.id(target))
        ident = str(style.get(_qn("w:styleId")))
        while ident in self.ids:
            ident += "Report"
        style.set(_qn("w:styleId"), ident)
        self.ids.add(ident)
        self.element.append(style)
        self.by_name[key] = style
        return ident


def _styles_by_name(styles: BaseOxmlElement) -> dict[str, BaseOxmlElement]:
    found: dict[str, BaseOxmlElement] = {}
    for style in styles.findall(_qn("w:style")):
        name = style.find(_qn("w:name"))
        if name is not None:
            found.setdefault(str(name.get(_qn("w:val"), "")).lower(), style)
    return found


@cache
def _bundled_parts() -> tuple[bytes, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundled_reference())) as archive:
        return archive.read("word/styles.xml"), archive.read("word/numbering.xml")


@cache
def _bundled_styles_element() -> BaseOxmlElement:
    from docx.oxml.parser import parse_xml

    return parse_xml(_bundled_parts()[0])


def _bundled_styles() -> dict[str, BaseOxmlElement]:
    return _styles_by_name(_bundled_styles_element())


@cache
def _bundled_names() -> dict[str, str]:
    """Style id -> lower-case name, in the bundled reference."""
    names: dict[str, str] = {}
    for key, style in _bundled_styles().items():
        names[str(style.get(_qn("w:styleId")))] = key
    return names


@cache
def _bundled_abstracts() -> dict[str, BaseOxmlElement]:
    """The bundled list definitions by kind (bullet, number, source); copy before use."""
    from docx.oxml.parser import parse_xml

    numbering = parse_xml(_bundled_parts()[1])
    by_id = {a.get(_qn("w:abstractNumId")): a for a in numbering.findall(_qn("w:abstractNum"))}
    kinds = {"bullet": "0", "number": "1", "source": "2"}
    return {kind: by_id[ident] for kind, ident in kinds.items()}


class _Numbering:
    """List numbering: the list styles' own definitions when they have one, else the bundled."""

    def __init__(self, part: DocumentPart, styles: _Styles) -> None:
        self.part = part
        self.styles = styles
        self._element: BaseOxmlElement | None = None
        self.abstracts: dict[str, str] = {}

    @property
    def element(self) -> BaseOxmlElement:
        if self._element is None:
            self._element = self._numbering_part().element
        return self._element

    def _numbering_part(self) -> Any:
        from docx.opc.constants import CONTENT_TYPE as CT
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.oxml.parser import parse_xml
        from docx.parts.numbering import NumberingPart

        try:
            return self.part.part_related_by(RT.NUMBERING)
        except KeyError:
            xml = f'<w:numbering xmlns:w="{W_NS}"/>'.encode()
            package = self.part.package
            assert package is not None
            numbering = NumberingPart(
                PackURI("/word/numbering.xml"), CT.WML_NUMBERING, parse_xml(xml), package
            )
            self.part.relate_to(numbering, RT.NUMBERING)
            return numbering

    def new(self, kind: str, *, restart: bool = True, start: int = 1) -> int:
        """A new list instance (``w:num``) of ``kind``, numbered from ``start``."""
        abstract = self._abstract(kind)
        numbering = self.element
        ids = [int(n.get(_qn("w:numId"), "0")) for n in numbering.findall(_qn("w:num"))]
        num_id = max(ids, default=0) + 1
        num = _el("w:num", {"w:numId": str(num_id)}, _val("w:abstractNumId", abstract))
        if restart or start != 1:
            num.append(_el("w:lvlOverride", {"w:ilvl": "0"}, _val("w:startOverride", start)))
        cleanup = numbering.find(_qn("w:numIdMacAtCleanup"))
        if cleanup is not None:
            cleanup.addprevious(num)
        else:
            numbering.append(num)
        return num_id

    def _abstract(self, kind: str) -> str:
        if kind in self.abstracts:
            return self.abstracts[kind]
        numbering = self.element
        ident = self._style_abstract(kind)
        if ident is None:
            abstract = copy.deepcopy(_bundled_abstracts()[kind])
            ids = [
                int(a.get(_qn("w:abstractNumId"), "0"))
                for a in numbering.findall(_qn("w:abstractNum"))
            ]
            ident = str(max(ids, default=-1) + 1)
            abstract.set(_qn("w:abstractNumId"), ident)
            first_num = numbering.find(_qn("w:num"))
            if first_num is not None:
                first_num.addprevious(abstract)
            else:
                numbering.append(abstract)
        self.abstracts[kind] = ident
        return ident

    def _style_abstract(self, kind: str) -> str | None:
        """The abstract numbering that the reference's list style points to, if any."""
        style = self.styles.element_of(LIST_STYLES[kind])
        if style is None:
            return None
        num_id = style.find(f"{_qn('w:pPr')}/{_qn('w:numPr')}/{_qn('w:numId')}")
        if num_id is None:
            return None
        for num in self.element.findall(_qn("w:num")):
            if num.get(_qn("w:numId")) == num_id.get(_qn("w:val")):
                abstract = num.find(_qn("w:abstractNumId"))
                if abstract is not None:
                    return str(abstract.get(_qn("w:val")))
        return None


# --- pictures ---------------------------------------------------------------------------------


def _svg_length_mm(svg: str, attribute: str) -> float | None:
    """The ``width`` or ``height`` of an SVG document in mm (``170mm``; no unit means px)."""
    match = re.search(rf"<svg\b[^>]*?\s{attribute}\s*=\s*[\"']([^\"']+)[\"']", svg)
    length = _LENGTH.match(match.group(1)) if match else None
    if not length:
        return None
    return float(length.group(1)) * _MM_PER_UNIT[length.group(2) or "px"]


def _svg_width_mm(svg: str) -> float | None:
    return _svg_length_mm(svg, "width")


def _svg_size_mm(svg: str) -> tuple[float, float] | None:
    """An SVG document's size in mm from its width and height, else its viewBox."""
    width, height = _svg_length_mm(svg, "width"), _svg_length_mm(svg, "height")
    if width and height:
        return width, height
    box = re.search(r"<svg\b[^>]*?\sviewBox\s*=\s*[\"']([^\"']+)[\"']", svg)
    numbers = re.split(r"[\s,]+", box.group(1).strip()) if box else []
    try:
        box_width, box_height = float(numbers[2]), float(numbers[3])
    except (IndexError, ValueError):
        return None
    return (box_width, box_height) if box_width > 0 and box_height > 0 else None


def _picture_size_mm(picture: Picture) -> tuple[float, float]:
    """A picture's natural size in mm (only its proportions matter); square if unknown."""
    if picture.mime == "image/svg+xml":
        size = _svg_size_mm(picture.data.decode("utf-8", "replace"))
        width, height = size or (1.0, 1.0)
    else:
        from docx.image.image import Image

        image = Image.from_blob(picture.data)
        width, height = float(image.px_width), float(image.px_height)
    if not (0 < width < math.inf and 0 < height < math.inf):
        return 1.0, 1.0
    return width, height


def svg_to_png(
    svg: str, width_mm: float, lang: str = "en", height_mm: float | None = None
) -> bytes:
    """The SVG drawn as a PNG ``width_mm`` wide at ``PICTURE_DPI``, fonts chosen per script.

    The height is ``height_mm``, else follows the SVG's proportions; a side longer than
    ``MAX_PICTURE_PX`` lowers the resolution, so that no picture, however tall, exhausts
    memory or cairo's limits. cairosvg uses the first font of a ``font-family`` list and
    no fallback, so text in East Asian or Thai script is given its Noto font here. Nothing
    is fetched: every external reference is refused.
    """
    surface: Any = importlib.import_module("cairosvg.surface")  # untyped

    def refuse(url: str, resource_type: str) -> bytes:
        del url, resource_type
        return b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'

    if height_mm is None:
        width, height = _svg_size_mm(svg) or (1.0, 1.0)
        height_mm = width_mm * height / width
    width_px, height_px = (size / 25.4 * PICTURE_DPI for size in (width_mm, height_mm))
    scale = min(1.0, MAX_PICTURE_PX / max(width_px, height_px, 1.0))
    data = _with_script_fonts(svg, lang)
    try:
        png: bytes = surface.PNGSurface.convert(
            bytestring=data,
            output_width=max(round(width_px * scale), 1),
            output_height=max(round(height_px * scale), 1),
            unsafe=False,
            url_fetcher=refuse,
        )
    except Exception as exc:  # cairosvg on a user's SVG: any failure is the picture's
        raise PictureError(f"cannot draw an SVG picture ({_reason(exc)})") from None
    return png


def _script(char: str) -> str | None:
    code = ord(char)
    if 0x0E00 <= code <= 0x0E7F:
        return "th"
    if 0x1780 <= code <= 0x17FF:
        return "km"
    if (
        0x2E80 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF
        or 0x20000 <= code <= 0x3FFFF
        or 0x1100 <= code <= 0x11FF
    ):
        return "cjk"
    return None


def _cjk_font(text: str, lang: str) -> str:
    if any(0xAC00 <= ord(c) <= 0xD7AF or 0x1100 <= ord(c) <= 0x11FF for c in text):
        return CJK_FONTS["ko"][0]
    if any(0x3040 <= ord(c) <= 0x30FF for c in text):
        return CJK_FONTS["ja"][0]
    tag = _lang_tag(lang)
    return CJK_FONTS[tag][0] if tag in CJK_FONTS else CJK_FONTS["ja"][0]


def _segments(text: str) -> list[tuple[str | None, str]]:
    """``text`` cut where the script changes: (script or None, piece)."""
    pieces: list[tuple[str | None, str]] = []
    for char in text:
        script = _script(char)
        if script is None and pieces and unicodedata.category(char)[0] in "PZ":
            script = pieces[-1][0]  # punctuation and spaces stay with what they follow
        if pieces and pieces[-1][0] == script:
            pieces[-1] = (script, pieces[-1][1] + char)
        else:
            pieces.append((script, char))
    return pieces


def _with_script_fonts(svg: str, lang: str) -> bytes:
    if not any(_script(c) for c in svg):
        return svg.encode("utf-8")
    root = ElementTree.fromstring(svg)
    text_tags = (f"{{{SVG_NS}}}text", f"{{{SVG_NS}}}tspan")
    for element in list(root.iter()):
        if element.tag not in text_tags:
            continue
        _split_text(element, lang, tail=False)
        for child in list(element):
            _split_text(child, lang, tail=True, parent=element)
    ElementTree.register_namespace("", SVG_NS)  # write <svg>, not <ns0:svg>
    return bytes(ElementTree.tostring(root, encoding="utf-8"))


def _font_for(script: str, piece: str, lang: str) -> str:
    if script == "cjk":
        return _cjk_font(piece, lang)
    return COMPLEX_FONTS[script][0]


def _split_text(
    element: ElementTree.Element,
    lang: str,
    *,
    tail: bool,
    parent: ElementTree.Element | None = None,
) -> None:
    """Wraps the pieces of ``element``'s text (or tail) that need another font in tspans."""
    text = element.tail if tail else element.text
    if not text or not any(_script(c) for c in text):
        return
    pieces = _segments(text)
    spans: list[ElementTree.Element] = []
    plain = ""
    for script, piece in pieces:
        if script is None:
            if spans:
                spans[-1].tail = (spans[-1].tail or "") + piece
            else:
                plain += piece
            continue
        span = ElementTree.Element(
            f"{{{SVG_NS}}}tspan", {"font-family": _font_for(script, piece, lang)}
        )
        span.text = piece
        spans.append(span)
    if tail:
        assert parent is not None
        element.tail = plain
        index = list(parent).index(element)
        for offset, span in enumerate(spans):
            parent.insert(index + 1 + offset, span)
    else:
        element.text = plain
        for offset, span in enumerate(spans):
            element.insert(offset, span)
