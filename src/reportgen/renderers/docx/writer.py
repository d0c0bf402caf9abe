"""The writer: one ``Document`` into the body of a reference document, in Word's terms.

Cover (a section of its own), contents (a TOC field), headings with bookmarks, paragraphs,
lists, tables, facts, figures and sources; then header, footer and document properties.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from reportgen import scripts
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
    safe_link,
)
from reportgen.renderers.docx.ooxml import (
    bookmark_name,
    clean_text,
    el,
    ensure_child,
    field,
    lang_attributes,
    latin_lang,
    qn,
    run_element,
    val,
    word_lang,
)
from reportgen.renderers.docx.pictures import (
    PictureError,
    picture_size_mm,
    svg_to_png,
    svg_width_mm,
)
from reportgen.renderers.docx.styles import LIST_STYLES, Numbering, Styles
from reportgen.templating import join_kept
from reportgen.typography import typographic

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.oxml.xmlchemy import BaseOxmlElement
    from docx.parts.document import DocumentPart

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

LINE_BREAKING = ("w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:autoSpaceDE", "w:autoSpaceDN")
"""Paragraph properties of Chinese and Japanese line breaking, in schema order."""
PPR_AFTER_LINE_BREAKING = (
    "w:topLinePunct", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
    "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
    "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip
SETTINGS_AFTER_KINSOKU = (
    "w:savePreviewPicture", "w:doNotValidateAgainstSchema", "w:saveInvalidXml",
    "w:ignoreMixedContent", "w:alwaysShowPlaceholderText", "w:doNotDemarcateInvalidXml",
    "w:saveXmlDataOnly", "w:useXSLTWhenSaving", "w:saveThroughXslt", "w:showXMLTags",
    "w:alwaysMergeEmptyNamespace", "w:updateFields", "w:hdrShapeDefaults", "w:footnotePr",
    "w:endnotePr", "w:compat", "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema",
    "w:themeFontLang", "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions", "w:readModeInkLockDown",
    "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags",
    "w:decimalSymbol", "w:listSeparator",
)  # fmt: skip
KINSOKU = {
    "ja-JP": (
        "!%),.:;?]}¢°’”‰′″℃、。々〉》」』】〕〗〙〟ゝゞ・ヽヾ！％），．：；？］｝｡｣､･ﾞﾟ￠"
        "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿー゠–〜",
        "$([\\{£¥‘“〈《「『【〔〖〘〝＄（［｛｢￡￥",
    ),
    "zh-CN": (
        "!%),.:;?]}¢°·’”†‡›℃∶、。〃〆〉》」』】〕〗〞﹚﹜！＂％＇），．：；？］｝～￠",
        "$([{£¥·‘“〈《「『【〔〖〝﹙﹛＄（．［｛￡￥",
    ),
}
"""Word's line-breaking rules (characters no line starts with, and none ends with) for
Japanese (strict) and Chinese; other CJK languages take the Japanese set."""
JOINED_LANGS = ("ja", "zh", "ko")
"""Editions whose names and dates are kept on one line (``templating.join_kept``)."""
EXTERNAL_LINKS = ("http://", "https://", "mailto:")


class WordWriter:
    """Fills a reference document (body cleared) with one ``Document``."""

    def __init__(self, word: WordDocument, doc: Document, *, bundled: bool) -> None:
        self.word = word
        self.doc = doc
        self.bundled = bundled
        self.part: DocumentPart = word.part
        self.body = word.element.body
        self.styles = Styles(self.part)
        self.numbering = Numbering(self.part, self.styles)
        self.bookmark_id = 0
        self.anchors = self._anchor_names()
        self.first_body_heading = True
        self.contents: list[tuple[str, BaseOxmlElement]] = []
        """Each entry of the contents: the bookmark it links to and its link."""
        self.sect_pr = self._clear_body()
        self.text_width = _text_width(self.sect_pr)
        self.joined = doc.meta.lang.split("-")[0] in JOINED_LANGS
        """Whether names and dates are joined with word joiners (not in headings: their
        text becomes the contents' entries and the navigation pane's, where an invisible
        letter would only be in the way of an editor)."""

    def set_paper(self, paper: str) -> None:
        """A4 or US Letter, the margins unchanged."""
        width, height = PAPER_SIZES[paper.lower()]
        size = self.sect_pr.find(qn("w:pgSz"))
        if size is None:
            size = el("w:pgSz")
            self.sect_pr.insert(0, size)
        size.set(qn("w:w"), str(width))
        size.set(qn("w:h"), str(height))
        self.text_width = _text_width(self.sect_pr)

    # --- whole document -----------------------------------------------------------------------

    def write(self) -> None:
        self._set_defaults()
        self._no_hyphenation()
        self._cover()
        if self.doc.contents:
            self._contents()
        self.first_body_heading = bool(self.doc.contents)  # the cover ends with its section
        for section in self.doc.sections:
            self._section(section)
        self._header_footer()
        self._properties()

    def _clear_body(self) -> BaseOxmlElement:
        """Empties the body; returns its last section's properties (the page set-up)."""
        sect_pr: BaseOxmlElement | None = self.body.find(qn("w:sectPr"))
        for child in list(self.body):
            if child is not sect_pr:
                self.body.remove(child)
        if sect_pr is None:
            sect_pr = el("w:sectPr")
            self.body.append(sect_pr)
        kind = sect_pr.find(qn("w:type"))
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

    def _no_hyphenation(self) -> None:
        """Word files are never hyphenated, whatever the reference document asks: a line
        end in Word cannot tell a name or an address from a word (see templating.py)."""
        settings = self.word.settings.element
        for found in settings.findall(qn("w:autoHyphenation")):
            settings.remove(found)

    def _set_defaults(self) -> None:
        """The document language (and, in the bundled styles, its fonts) in the defaults."""
        styles = self.styles.element
        defaults = styles.find(qn("w:docDefaults"))
        if defaults is None:
            defaults = el("w:docDefaults")
            styles.insert(0, defaults)
        rpr_default = defaults.find(qn("w:rPrDefault"))
        if rpr_default is None:
            rpr_default = el("w:rPrDefault")
            defaults.insert(0, rpr_default)
        rpr = rpr_default.find(qn("w:rPr"))
        if rpr is None:
            rpr = el("w:rPr")
            rpr_default.append(rpr)
        script = scripts.for_lang(self.doc.meta.lang)
        lang = ensure_child(rpr, "w:lang")
        lang.set(qn("w:val"), latin_lang(None, self.doc.meta.lang))
        if script.slot == "east-asian":
            lang.set(qn("w:eastAsia"), script.word_lang)
        if script.slot == "complex":
            lang.set(qn("w:bidi"), script.word_lang)
        if self.bundled:
            fonts = ensure_child(rpr, "w:rFonts")
            if script.slot == "east-asian":
                fonts.set(qn("w:eastAsia"), script.family)
            if script.slot == "complex":
                fonts.set(qn("w:cs"), script.family)
        if script.slot == "east-asian":
            self._line_breaking(defaults, script.word_lang)

    def _line_breaking(self, defaults: BaseOxmlElement, lang: str) -> None:
        """Chinese and Japanese line breaking (kinsoku): no line starts with a closing
        bracket or a full stop, none ends with an opening bracket; punctuation may hang
        in the margin; space between CJK and Latin letters or figures (autoSpace)."""
        ppr_default = defaults.find(qn("w:pPrDefault"))
        if ppr_default is None:
            ppr_default = el("w:pPrDefault")
            defaults.append(ppr_default)
        ppr = ppr_default.find(qn("w:pPr"))
        if ppr is None:
            ppr = el("w:pPr")
            ppr_default.append(ppr)
        for tag in LINE_BREAKING:
            found = ppr.find(qn(tag))
            if found is not None:
                ppr.remove(found)
        # in schema order, before the spacing, indentation ... of the reference
        following = [qn(t) for t in PPR_AFTER_LINE_BREAKING]
        anchor = next((child for child in ppr if child.tag in following), None)
        for tag in LINE_BREAKING:
            element = val(tag, 1)
            if anchor is not None:
                anchor.addprevious(element)
            else:
                ppr.append(element)
        settings = self.word.settings.element
        for tag in ("w:strictFirstAndLastChars", "w:noLineBreaksAfter", "w:noLineBreaksBefore"):
            for found in settings.findall(qn(tag)):
                settings.remove(found)
        before, after = KINSOKU.get(lang, KINSOKU["ja-JP"])
        elements = [
            el("w:strictFirstAndLastChars"),
            el("w:noLineBreaksAfter", {"w:lang": lang, "w:val": after}),
            el("w:noLineBreaksBefore", {"w:lang": lang, "w:val": before}),
        ]
        following = [qn(t) for t in SETTINGS_AFTER_KINSOKU]
        anchor = next((child for child in settings if child.tag in following), None)
        for element in elements:
            if anchor is not None:
                anchor.addprevious(element)
            else:
                settings.append(element)

    # --- cover and contents -------------------------------------------------------------------

    def _cover(self) -> None:
        cover = self.doc.cover
        if cover.kicker:
            self._paragraph("Kicker", (Run(cover.kicker),))
        if cover.logos:
            self._logos(cover.logos)
        # without logos the title keeps their place, as in the PDF
        title = cover.title
        if scripts.for_lang(self.doc.meta.lang).slot == "east-asian":  # Latin breaks at spaces
            title = _title_lines(title, self.text_width / TWIPS_PER_MM)
        self._paragraph("Title", (Run(title),), space_before=0 if cover.logos else 1587)
        if cover.subtitle:
            self._paragraph("Subtitle", cover.subtitle)
        for line in cover.lines:
            self._paragraph("Cover Line", line)
        if self.doc.draft:
            self._paragraph("Cover Line", (Run(self.doc.draft, "cover-mark"),))
        # The issue control and the handling mark sit at the foot of the cover, as in the
        # PDF: one paragraph in a frame anchored to the bottom margin (LibreOffice drops
        # frames shared by paragraphs of different styles, so they are lines of one paragraph).
        foot: list[Run] = []
        for label, value in cover.control:
            foot.append(Run(f"{label}\t{value}\n"))
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
            # the labels of the issue control in a column of their own, as in the PDF
            self._paragraph("Cover Foot", tuple(foot), frame=frame, tab=round(38 * TWIPS_PER_MM))
        # The cover is a section of its own, without header and footer.
        cover_sect = copy.deepcopy(self.sect_pr)
        for child in list(cover_sect):
            if child.tag in (
                qn("w:headerReference"),
                qn("w:footerReference"),
                qn("w:titlePg"),
                qn("w:pgNumType"),
            ):
                cover_sect.remove(child)
        self._append(el("w:p", None, el("w:pPr", None, cover_sect)))

    def _contents(self) -> None:
        """A TOC field whose result is already the list of headings, linked to them.

        Page numbers need a layout, which only Word or LibreOffice can make, and neither
        fills them in on opening (LibreOffice keeps the result as it is; Word would ask
        the reader about updating fields if the field were marked dirty). So the entries
        come without page numbers, until ``contents.numbered`` writes those of a layout
        in; updating the field (F9 in Word, Tools > Update in LibreOffice) rebuilds the
        same entries with them.
        """
        label = self.doc.labels.get("contents", "Contents")
        self._paragraph("TOC Heading", (Run(label),), joined=False)
        paragraphs: list[BaseOxmlElement] = []
        for section in self.doc.contents:
            anchor = self.anchors[section.id]
            link = el("w:hyperlink", {"w:anchor": anchor, "w:history": "1"})
            link.append(self._run(Run(section.title, lang=section.lang), joined=False))
            self.contents.append((anchor, link))
            paragraph = self._paragraph(f"TOC {section.level}", (), append=False)
            paragraph.append(link)
            paragraphs.append(paragraph)
        if not paragraphs:
            paragraphs.append(self._paragraph("TOC 1", (), append=False))
        for offset, run in enumerate(field(TOC_INSTRUCTION, "")[:3]):
            paragraphs[0].insert(1 + offset, run)  # begin, instruction, separate
        end = el("w:p", None, el("w:r", None, el("w:fldChar", {"w:fldCharType": "end"})))
        for paragraph in [*paragraphs, end]:
            self._append(paragraph)

    # --- body ---------------------------------------------------------------------------------

    def _section(self, section: Section) -> None:
        level = min(max(section.level, 1), 3)
        paragraph = self._paragraph(
            HEADINGS[level],
            (Run(section.title, lang=section.lang),),
            page_break=self.first_body_heading,
            joined=False,
        )
        self.first_body_heading = False
        self._bookmark(paragraph, self.anchors[section.id])
        for index, block in enumerate(section.blocks):
            self._block(block, after_heading=index == 0)

    def _block(self, block: Block, *, after_heading: bool = False) -> None:
        if isinstance(block, Paragraph):
            # a paragraph that is all bold is a label ("Goal"), a note right under a heading
            # introduces what follows ("All times are local"): both stay with it
            label = bool(block.runs) and all(run.style == "strong" for run in block.runs)
            note = after_heading and block.style == "note"
            style = PARAGRAPH_STYLES.get(block.style, "Normal")
            self._paragraph(style, block.runs, keep_next=label or note)
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
        signature = table.style == "signature"
        height = 907 if signature else 0  # 16 mm to sign in
        if table.header:
            element.append(self._row(table.header, columns, widths, header=True, keep_next=True))
        last = len(table.rows)
        for index, row in enumerate(table.rows, start=1):
            # a short table and the signatories stay on one page: each row is kept with
            # the next; elsewhere no row stands alone at the foot or the top of a page (the
            # first is kept with the second, the last but one with the last, the last
            # with a total under it)
            if signature or table.short:
                keep = index < last or bool(table.footer)
            else:
                keep = (index < last and index in (1, last - 1)) or (
                    index == last and bool(table.footer)
                )
            element.append(self._row(row, columns, widths, height=height, keep_next=keep))
        for index, row in enumerate(table.footer, start=1):
            keep = table.short and index < len(table.footer)
            element.append(self._row(row, columns, widths, bold=True, keep_next=keep))
        self._append(element)
        self._spacer()

    def _facts(self, block: FactList) -> None:
        widths = _column_widths(self.text_width, (28, 72), 2)
        look = _table_look(first_row=False, last_row=False)
        element = self._table_element("Facts Table", widths, look)
        # the panel stays on one page: each row is kept with the next
        for index, (label, value) in enumerate(block.items, start=1):
            keep = index < len(block.items)
            tr = el("w:tr", None, el("w:trPr", None, el("w:cantSplit")))
            tr.append(self._cell((Run(label),), widths[0], "Fact Label", keep_next=keep))
            tr.append(self._cell(value, widths[1], "Table Text", keep_next=keep))
            element.append(tr)
        self._append(element)
        self._spacer()

    def _table_element(
        self, style: str, widths: Sequence[int], look: dict[str, str]
    ) -> BaseOxmlElement:
        tbl_pr = el(
            "w:tblPr",
            None,
            val("w:tblStyle", self.styles.id(style)),
            el("w:tblW", {"w:w": str(sum(widths)), "w:type": "dxa"}),
            el("w:tblLayout", {"w:type": "fixed"}),
            el("w:tblLook", look),
        )
        grid = el("w:tblGrid", None, *(el("w:gridCol", {"w:w": str(w)}) for w in widths))
        return el("w:tbl", None, tbl_pr, grid)

    def _row(
        self,
        cells: Sequence[Cell],
        columns: int,
        widths: Sequence[int],
        *,
        header: bool = False,
        bold: bool = False,
        height: int = 0,
        keep_next: bool = False,
    ) -> BaseOxmlElement:
        # rows never split across pages; the header row repeats on each page
        tr_pr = el("w:trPr", None, el("w:cantSplit"))
        if height:
            tr_pr.append(el("w:trHeight", {"w:val": str(height), "w:hRule": "atLeast"}))
        if header:
            tr_pr.append(el("w:tblHeader"))
        tr = el("w:tr", None, tr_pr)
        padded = [*cells, *(Cell(()) for _ in range(columns - len(cells)))]
        for cell, width in zip(padded, widths, strict=True):
            tr.append(
                self._cell(
                    cell.runs,
                    width,
                    "Table Heading" if header else "Table Text",
                    align=cell.align,
                    bold=bold or cell.strong,
                    keep_next=keep_next,
                )
            )
        return tr

    def _cell(
        self,
        runs: Inline,
        width: int,
        style: str,
        *,
        align: str = "left",
        bold: bool = False,
        keep_next: bool = False,
    ) -> BaseOxmlElement:
        tc = el("w:tc", None, el("w:tcPr", None, el("w:tcW", {"w:w": str(width), "w:type": "dxa"})))
        paragraph = self._paragraph(
            style,
            runs,
            align=align,
            bold=bold,
            keep_next=keep_next,
            append=False,
        )
        tc.append(paragraph)
        return tc

    def _spacer(self) -> None:
        """An empty paragraph after a table: room below it, and two tables never merge."""
        ppr = el(
            "w:pPr",
            None,
            val("w:pStyle", self.styles.id("Normal")),
            el("w:spacing", {"w:before": "0", "w:after": "0"}),
        )
        self._append(el("w:p", None, ppr))

    def _logos(self, logos: Sequence[Picture]) -> None:
        """The cities' logos in a row, 18 mm high and at most 50 mm wide each (as in the PDF)."""
        paragraph = self._paragraph("Cover Logos", ())
        for index, logo in enumerate(logos):
            if index:
                paragraph.append(run_element("   ", None))
            width, height = picture_size_mm(logo)
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
        return el("w:r", None, el("w:drawing", None, inline))

    def _figure(self, figure: Figure) -> None:
        width_mm = min(svg_width_mm(figure.svg) or 1e9, self.text_width / TWIPS_PER_MM)
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
        tab: int | None = None,
        append: bool = True,
        joined: bool = True,
    ) -> BaseOxmlElement:
        """A paragraph of ``style``, with its properties in schema order; ``tab`` is a
        left tab stop (twentieths of a point); ``joined``: see ``_run``."""
        ppr = el("w:pPr", None, val("w:pStyle", self.styles.id(style)))
        if keep_next:
            ppr.append(el("w:keepNext"))
        if page_break:
            ppr.append(el("w:pageBreakBefore"))
        if frame:
            ppr.append(el("w:framePr", frame))
        if num is not None:
            ppr.append(el("w:numPr", None, val("w:ilvl", 0), val("w:numId", num)))
        if tab is not None:
            ppr.append(el("w:tabs", None, el("w:tab", {"w:val": "left", "w:pos": str(tab)})))
        if space_before:
            ppr.append(el("w:spacing", {"w:before": str(space_before)}))
        if align in ("right", "center"):
            ppr.append(val("w:jc", align))
        paragraph = el("w:p", None, ppr)
        for run in runs:
            paragraph.append(self._run(run, bold=bold, joined=joined))
        if append:
            self._append(paragraph)
        return paragraph

    def _rpr(
        self,
        style: str | None,
        text: str,
        *,
        lang: str | None = None,
        bold: bool = False,
        italic: bool = False,
    ) -> BaseOxmlElement:
        """Properties of a run of ``text``, children in schema order (rStyle, rFonts, b, i,
        lang); its language is always set, so that no run inherits a wrong one."""
        children: list[BaseOxmlElement] = []
        if style:
            children.append(val("w:rStyle", self.styles.id(style)))
        script = scripts.for_lang(lang) if lang else None
        if script is not None and script.slot == "east-asian":
            children.append(el("w:rFonts", {"w:eastAsia": script.family, "w:hint": "eastAsia"}))
        elif script is not None and script.slot == "complex":
            children.append(el("w:rFonts", {"w:cs": script.family}))
        if bold:
            children.extend((el("w:b"), el("w:bCs")))
        if italic:
            children.extend((el("w:i"), el("w:iCs")))
        children.append(el("w:lang", lang_attributes(text, lang, self.doc.meta.lang)))
        return el("w:rPr", None, *children)

    def _run(self, run: Run, *, bold: bool = False, joined: bool = True) -> BaseOxmlElement:
        """One run (in a link, if it has one); in a Chinese, Japanese or Korean edition
        and unless not ``joined``, the names and dates it holds kept whole."""
        style = RUN_STYLES.get(run.style or "")
        href = clean_text(safe_link(run.href) or "")
        if href and not style and href.startswith(EXTERNAL_LINKS):
            style = "Hyperlink"
        # Chinese, Japanese and Korean have no italics: a slanted CJK font is a synthetic
        # oblique, so their emphasis is bold (Latin words keep their italic)
        cjk = (run.lang or self.doc.meta.lang).split("-")[0] in ("ja", "zh", "ko")
        italic = run.style == "em" and not (cjk and not run.text.isascii())
        rpr = self._rpr(
            style,
            run.text,
            lang=run.lang,
            bold=bold or run.style == "strong" or (run.style == "em" and not italic),
            italic=italic,
        )
        text = typographic(run.text, run.lang or self.doc.meta.lang)
        if joined and self.joined:
            text = join_kept(text)
        element = run_element(text, rpr)
        if href.startswith(EXTERNAL_LINKS):
            from docx.opc.constants import RELATIONSHIP_TYPE as RT

            r_id = self.part.relate_to(href, RT.HYPERLINK, is_external=True)
            link = el("w:hyperlink", {"w:history": "1"})
            link.set(qn("r:id"), r_id)
            link.append(element)
            return link
        if href.startswith("#") and href[1:] in self.anchors:
            return el(
                "w:hyperlink", {"w:anchor": self.anchors[href[1:]], "w:history": "1"}, element
            )
        return element

    def _bookmark(self, paragraph: BaseOxmlElement, name: str) -> None:
        """A bookmark around the text of ``paragraph``."""
        self.bookmark_id += 1
        ident = str(self.bookmark_id)
        start = el("w:bookmarkStart", {"w:id": ident, "w:name": name})
        ppr = paragraph.find(qn("w:pPr"))
        if ppr is not None:
            ppr.addnext(start)
        else:
            paragraph.insert(0, start)
        paragraph.append(el("w:bookmarkEnd", {"w:id": ident}))

    # --- header, footer, properties -----------------------------------------------------------

    def _header_footer(self) -> None:
        """Title and mark above, "Page X of Y" below, unless the reference brings its own."""
        section = self.word.sections[-1]
        tab = el("w:tabs", None, el("w:tab", {"w:val": "right", "w:pos": str(self.text_width)}))
        if not _has_reference(self.sect_pr, "w:headerReference"):
            header = section.header
            header.is_linked_to_previous = False
            element = header._element
            for child in list(element):
                element.remove(child)
            ppr = el("w:pPr", None, val("w:pStyle", self.styles.id("Header")), tab)
            title = self.doc.meta.title
            paragraph = el("w:p", None, ppr, run_element(title, self._rpr(None, title)))
            if self.doc.draft:
                paragraph.append(_watermark(self.doc.draft))
            if self.doc.cover.mark or self.doc.draft:
                mark = " · ".join(m for m in (self.doc.draft, self.doc.cover.mark) if m)
                paragraph.append(run_element("\t", None))
                paragraph.append(run_element(mark, self._rpr("Mark", mark)))
            element.append(paragraph)
        if not _has_reference(self.sect_pr, "w:footerReference"):
            footer = section.footer
            footer.is_linked_to_previous = False
            element = footer._element
            for child in list(element):
                element.remove(child)
            labels = self.doc.labels
            ppr = el("w:pPr", None, val("w:pStyle", self.styles.id("Footer")), copy.deepcopy(tab))
            pieces: list[Any] = []
            if self.doc.foot:
                pieces.append(run_element(self.doc.foot, self._rpr(None, self.doc.foot)))
            pieces.append(run_element("\t", None))
            for part in page_label_parts(labels.get("page_of", "Page {page} of {pages}")):
                if part == "{page}":
                    pieces.extend(field(" PAGE ", "1"))
                elif part == "{pages}":
                    pieces.extend(field(" NUMPAGES ", "1"))
                else:
                    pieces.append(run_element(part, self._rpr(None, part)))
            paragraph = el("w:p", None, ppr, *pieces)
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


def _watermark(word: str) -> BaseOxmlElement:
    """A run with ``word`` set large and pale across the page, behind the text: Word's own
    kind of watermark (a WordArt shape in the header), shown on every page that has it."""
    from xml.sax.saxutils import quoteattr

    from docx.oxml.parser import parse_xml

    xml = (
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
        ' xmlns:v="urn:schemas-microsoft-com:vml"'
        ' xmlns:o="urn:schemas-microsoft-com:office:office"><w:pict>'
        # the WordArt shape type that Word and LibreOffice know a watermark by
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"'
        ' path="m@7,l@8,m@5,21600l@6,21600e">'
        '<v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/>'
        '<o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
        '<v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s2049" type="#_x0000_t136"'
        ' o:allowincell="f" fillcolor="#b03a2e" stroked="f" style="position:absolute;'
        "margin-left:0;margin-top:0;width:420pt;height:105pt;rotation:315;"
        "z-index:-251654144;mso-position-horizontal:center;"
        "mso-position-horizontal-relative:margin;mso-position-vertical:center;"
        'mso-position-vertical-relative:margin">'
        '<v:fill opacity="0.15"/>'
        '<v:textpath style="font-family:&quot;Noto Sans&quot;;font-size:1pt"'
        f" string={quoteattr(clean_text(word))}/>"
        "</v:shape></w:pict></w:r>"
    )
    return parse_xml(xml)


TITLE_SIZE_MM = 26 * 25.4 / 72
"""The cover title's size (26 pt, the bundled Title style), in millimetres."""
_BRACKETED_END = re.compile(r"^(.+?)\s*([（(][^（）()]+[）)])$")


def _title_lines(title: str, width_mm: float) -> str:
    """A Chinese or Japanese cover title too long for one line, broken before its closing
    bracket ("（2027年5月）"), as in the PDF: Word and LibreOffice would break the date
    anywhere in it."""
    from reportgen.charts.text import text_width

    found = _BRACKETED_END.match(title)
    if found is None or text_width(title, TITLE_SIZE_MM, bold=True) <= width_mm:
        return title
    return f"{found.group(1)}\n{found.group(2)}"


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _has_reference(sect_pr: BaseOxmlElement, tag: str) -> bool:
    return any(ref.get(qn("w:type"), "default") == "default" for ref in sect_pr.findall(qn(tag)))


def _text_width(sect_pr: BaseOxmlElement) -> int:
    """The width between the margins, in twentieths of a point (A4 with 18 mm margins if unset)."""

    def number(element: Any, attr: str, default: int) -> int:
        value = element.get(qn(attr)) if element is not None else None
        try:
            return int(float(value)) if value is not None else default
        except ValueError:
            return default

    size = sect_pr.find(qn("w:pgSz"))
    margins = sect_pr.find(qn("w:pgMar"))
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
