"""Writes ``reference.docx``: the bundled Word reference document and every style it defines.

A build-time tool, not shipped in the wheel. Run it from the repository after changing a
style: ``.venv/bin/python tools/make_reference.py``; a test checks that the bundled file is
what it makes. The DOCX renderer starts every document from this file (or from the user's
``--reference-docx``) and only ever names styles; what they look like is decided here,
matching ``print.css``.
The body shows one sample of each style, so that a user can open the file in Word,
restyle it and pass it back as their own reference (as with Pandoc's reference-doc).
"""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from reportgen import scripts

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "src" / "reportgen" / "renderers" / "reference.docx"

NAVY = "1F3A5F"
INK = "1D2429"
SLATE = "34495E"
GREY = "5A6570"
RULE = "C9D3DD"
HEAD_FILL = "E6ECF2"
FACTS_FILL = "F3F6F9"
LINK = "1F5F8A"
RED = "B00020"
MARK = "8A1C2B"

LATIN_FONT = scripts.LATIN.family
EAST_ASIAN_FONT = scripts.DEFAULT_EAST_ASIAN.family
EAST_ASIAN_LANG = scripts.DEFAULT_EAST_ASIAN.word_lang

# A4 with the margins of print.css, in twentieths of a point (1 mm = 56.7).
PAGE_WIDTH, PAGE_HEIGHT = 11906, 16838
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT = 1247, 1134, 1134, 1134
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
MEASURE = 7257
"""The width of running text, 128 mm as in print.css (about 75 letters a line); tables,
figures, headings and the cover take the whole width between the margins."""
MEASURED = ("Normal", "Lead", "Note", "Notice", "ListBullet", "ListNumber", "Source")
"""The styles of running text; every other paragraph style is as wide as the page."""

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _border(side: str, size: int, color: str, space: int = 0) -> str:
    return f'<w:{side} w:val="single" w:sz="{size}" w:space="{space}" w:color="{color}"/>'


def _paragraph_style(
    ident: str,
    name: str,
    *,
    based_on: str | None = "Normal",
    next_style: str | None = None,
    ppr: str = "",
    rpr: str = "",
    custom: bool = True,
    extra: str = "",
) -> str:
    custom_attr = ' w:customStyle="1"' if custom else ""
    parts = [f'<w:style w:type="paragraph"{custom_attr} w:styleId="{ident}">']
    parts.append(f'<w:name w:val="{name}"/>')
    if based_on:
        parts.append(f'<w:basedOn w:val="{based_on}"/>')
    if next_style:
        parts.append(f'<w:next w:val="{next_style}"/>')
    parts.append(extra or "<w:qFormat/>")
    if ppr:
        parts.append(f"<w:pPr>{ppr}</w:pPr>")
    if rpr:
        parts.append(f"<w:rPr>{rpr}</w:rPr>")
    parts.append("</w:style>")
    return "".join(parts)


def _character_style(ident: str, name: str, rpr: str, *, custom: bool = True) -> str:
    custom_attr = ' w:customStyle="1"' if custom else ""
    return (
        f'<w:style w:type="character"{custom_attr} w:styleId="{ident}">'
        f'<w:name w:val="{name}"/><w:basedOn w:val="DefaultParagraphFont"/>'
        f'<w:uiPriority w:val="99"/><w:rPr>{rpr}</w:rPr></w:style>'
    )


def _size(points: float) -> str:
    half = round(points * 2)
    return f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'


def _color(value: str) -> str:
    return f'<w:color w:val="{value}"/>'


def _spacing(before: int = 0, after: int = 0, line: int | None = None) -> str:
    line_attr = f' w:line="{line}" w:lineRule="auto"' if line else ""
    return f'<w:spacing w:before="{before}" w:after="{after}"{line_attr}/>'


def _right_tab(leader: str = "none") -> str:
    return f'<w:tabs><w:tab w:val="right" w:leader="{leader}" w:pos="{TEXT_WIDTH}"/></w:tabs>'


def styles_xml() -> str:
    """Every style the renderer names, in the order Word lists them."""
    heading_ppr = "<w:keepNext/><w:keepLines/>"
    styles = [
        # --- defaults -------------------------------------------------------------------------
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal">'
        '<w:name w:val="Normal"/><w:qFormat/>'
        f"<w:pPr><w:widowControl/>{_spacing(0, 124, 252)}</w:pPr>"
        f"<w:rPr>{_color(INK)}</w:rPr></w:style>",
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/>'
        "<w:unhideWhenUsed/></w:style>",
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
        '<w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/>'
        '<w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
        '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr></w:style>",
        '<w:style w:type="numbering" w:default="1" w:styleId="NoList">'
        '<w:name w:val="No List"/><w:uiPriority w:val="99"/><w:semiHidden/>'
        "<w:unhideWhenUsed/></w:style>",
        # --- cover ----------------------------------------------------------------------------
        _paragraph_style(
            "Kicker",
            "Kicker",
            next_style="Title",
            ppr=(
                "<w:pBdr>"
                + _border("top", 4, NAVY, 24)
                + _border("left", 4, NAVY, 10)
                + _border("bottom", 4, NAVY, 10)
                + _border("right", 4, NAVY, 10)
                + "</w:pBdr>"
                + f'<w:shd w:val="clear" w:color="auto" w:fill="{NAVY}"/>'
                + _spacing(0, 567)
            ),
            rpr=f'<w:caps/>{_color("FFFFFF")}<w:spacing w:val="26"/>{_size(11)}',
        ),
        _paragraph_style(
            "CoverLogos",
            "Cover Logos",
            next_style="Title",
            ppr=_spacing(0, 567, 240),
        ),
        _paragraph_style(
            "Title",
            "Title",
            next_style="Subtitle",
            custom=False,
            ppr=f"<w:keepNext/>{_spacing(0, 340, 228)}<w:contextualSpacing/>",
            rpr=f'<w:b/><w:bCs/>{_color(NAVY)}<w:kern w:val="28"/>{_size(26)}',
        ),
        _paragraph_style(
            "Subtitle",
            "Subtitle",
            next_style="CoverLine",
            custom=False,
            ppr=_spacing(0, 567),
            rpr=f"{_color(SLATE)}{_size(15)}",
        ),
        _paragraph_style(
            "CoverLine",
            "Cover Line",
            ppr=_spacing(0, 113),
            rpr=f"{_color(SLATE)}{_size(11)}",
        ),
        _paragraph_style(
            "CoverFoot",
            "Cover Foot",
            ppr=("<w:pBdr>" + _border("top", 8, NAVY, 11) + "</w:pBdr>" + _spacing(0, 0, 312)),
            rpr=f"{_color(GREY)}{_size(8.5)}",
        ),
        # --- headings -------------------------------------------------------------------------
        _paragraph_style(
            "Heading1",
            "heading 1",
            next_style="Normal",
            custom=False,
            ppr=(
                heading_ppr
                + "<w:pBdr>"
                + _border("bottom", 10, NAVY, 4)
                + "</w:pBdr>"
                + _spacing(510, 170, 240)
                + '<w:outlineLvl w:val="0"/>'
            ),
            rpr=f"<w:b/><w:bCs/>{_color(NAVY)}{_size(15)}",
        ),
        _paragraph_style(
            "Heading2",
            "heading 2",
            next_style="Normal",
            custom=False,
            ppr=heading_ppr + _spacing(340, 113, 240) + '<w:outlineLvl w:val="1"/>',
            rpr=f"<w:b/><w:bCs/>{_color(NAVY)}{_size(12)}",
        ),
        _paragraph_style(
            "Heading3",
            "heading 3",
            next_style="Normal",
            custom=False,
            ppr=heading_ppr + _spacing(283, 85, 240) + '<w:outlineLvl w:val="2"/>',
            rpr=f"<w:b/><w:bCs/>{_color(SLATE)}{_size(10.5)}",
        ),
        # --- contents -------------------------------------------------------------------------
        _paragraph_style(
            "TOCHeading",
            "TOC Heading",
            based_on="Heading1",
            next_style="Normal",
            custom=False,
            ppr='<w:pageBreakBefore w:val="0"/><w:outlineLvl w:val="9"/>',
        ),
        _paragraph_style(
            "TOC1",
            "toc 1",
            next_style="Normal",
            custom=False,
            extra='<w:uiPriority w:val="39"/><w:unhideWhenUsed/>',
            ppr=_right_tab("dot") + _spacing(142, 68),
            rpr="<w:b/><w:bCs/>",
        ),
        _paragraph_style(
            "TOC2",
            "toc 2",
            next_style="Normal",
            custom=False,
            extra='<w:uiPriority w:val="39"/><w:unhideWhenUsed/>',
            ppr=_right_tab("dot") + _spacing(0, 68) + '<w:ind w:left="340"/>',
        ),
        _paragraph_style(
            "TOC3",
            "toc 3",
            next_style="Normal",
            custom=False,
            extra='<w:uiPriority w:val="39"/><w:unhideWhenUsed/>',
            ppr=_right_tab("dot") + _spacing(0, 68) + '<w:ind w:left="680"/>',
        ),
        # --- body -----------------------------------------------------------------------------
        _paragraph_style("Lead", "Lead", next_style="Normal", rpr=_size(10.5)),
        _paragraph_style("Note", "Note", rpr=f"{_color(GREY)}{_size(8)}"),
        _paragraph_style("Notice", "Notice", rpr=f"<w:b/><w:bCs/>{_color(MARK)}"),
        _paragraph_style(
            "ListBullet",
            "List Bullet",
            custom=False,
            ppr=('<w:numPr><w:numId w:val="1"/></w:numPr>' + _spacing(0, 57)),
        ),
        _paragraph_style(
            "ListNumber",
            "List Number",
            custom=False,
            ppr=('<w:numPr><w:numId w:val="2"/></w:numPr>' + _spacing(0, 57)),
        ),
        _paragraph_style(
            "Source",
            "Source",
            ppr=('<w:numPr><w:numId w:val="3"/></w:numPr>' + _spacing(0, 57, 240)),
            rpr=_size(8.5),
        ),
        _paragraph_style(
            "Figure",
            "Figure",
            next_style="Caption",
            ppr=_spacing(113, 227, 240),
        ),
        _paragraph_style(
            "Caption",
            "caption",
            next_style="Normal",
            custom=False,
            ppr=_spacing(0, 227),
            rpr=f"{_color(GREY)}{_size(8)}",
        ),
        _paragraph_style(
            "TableText",
            "Table Text",
            ppr=_spacing(0, 0, 240),
            rpr=_size(8.5),
        ),
        _paragraph_style(
            "TableHeading",
            "Table Heading",
            based_on="TableText",
            ppr="<w:keepNext/>",
            rpr=f"<w:b/><w:bCs/>{_color(NAVY)}",
        ),
        _paragraph_style(
            "FactLabel",
            "Fact Label",
            based_on="TableText",
            rpr=f"<w:b/><w:bCs/>{_color(SLATE)}",
        ),
        _paragraph_style(
            "Header",
            "header",
            custom=False,
            extra='<w:uiPriority w:val="99"/><w:unhideWhenUsed/>',
            ppr=_right_tab() + _spacing(0, 0, 240),
            rpr=f"{_color(GREY)}{_size(7.5)}",
        ),
        _paragraph_style(
            "Footer",
            "footer",
            custom=False,
            extra='<w:uiPriority w:val="99"/><w:unhideWhenUsed/>',
            ppr=_spacing(0, 0, 240) + '<w:jc w:val="right"/>',
            rpr=f"{_color(GREY)}{_size(7.5)}",
        ),
        # --- characters -----------------------------------------------------------------------
        _character_style("Hyperlink", "Hyperlink", _color(NAVY), custom=False),
        _character_style("AsOf", "As Of", _color(GREY) + _size(8.5)),
        _character_style("SourceReference", "Source Reference", _color(LINK) + _size(7.5)),
        _character_style(
            "Verify",
            "Verify",
            "<w:b/><w:bCs/><w:caps/>"
            + _color(RED)
            + _size(7)
            + f'<w:bdr w:val="single" w:sz="4" w:space="0" w:color="{RED}"/>',
        ),
        _character_style("Muted", "Muted", _color(GREY)),
        _character_style(
            "CoverMark",
            "Cover Mark",
            f'<w:b/><w:bCs/><w:caps/>{_color(MARK)}<w:spacing w:val="20"/>{_size(9.5)}'
            f'<w:bdr w:val="single" w:sz="8" w:space="2" w:color="{MARK}"/>',
        ),
        _character_style(
            "Mark", "Mark", f'<w:b/><w:bCs/><w:caps/>{_color(MARK)}<w:spacing w:val="10"/>'
        ),
        # --- tables ---------------------------------------------------------------------------
        '<w:style w:type="table" w:customStyle="1" w:styleId="ReportTable">'
        '<w:name w:val="Report Table"/><w:basedOn w:val="TableNormal"/>'
        '<w:uiPriority w:val="59"/>'
        f"<w:pPr>{_spacing(0, 0, 240)}</w:pPr><w:rPr>{_size(8.5)}</w:rPr>"
        "<w:tblPr><w:tblBorders>"
        + _border("bottom", 4, RULE)
        + _border("insideH", 4, RULE)
        + "</w:tblBorders><w:tblCellMar>"
        '<w:top w:w="79" w:type="dxa"/><w:left w:w="91" w:type="dxa"/>'
        '<w:bottom w:w="79" w:type="dxa"/><w:right w:w="91" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr>"
        '<w:tblStylePr w:type="firstRow">'
        f"<w:rPr><w:b/><w:bCs/>{_color(NAVY)}</w:rPr><w:tblPr/><w:trPr><w:tblHeader/></w:trPr>"
        "<w:tcPr><w:tcBorders>"
        + _border("bottom", 6, NAVY)
        + f'</w:tcBorders><w:shd w:val="clear" w:color="auto" w:fill="{HEAD_FILL}"/></w:tcPr>'
        "</w:tblStylePr>"
        '<w:tblStylePr w:type="lastRow">'
        "<w:rPr><w:b/><w:bCs/></w:rPr><w:tblPr/><w:tcPr><w:tcBorders>"
        + _border("top", 6, NAVY)
        + '<w:bottom w:val="nil"/></w:tcBorders></w:tcPr></w:tblStylePr></w:style>',
        '<w:style w:type="table" w:customStyle="1" w:styleId="FactsTable">'
        '<w:name w:val="Facts Table"/><w:basedOn w:val="TableNormal"/>'
        '<w:uiPriority w:val="59"/>'
        f"<w:pPr>{_spacing(0, 0, 240)}</w:pPr><w:rPr>{_size(8.5)}</w:rPr>"
        "<w:tblPr><w:tblBorders>" + _border("left", 16, NAVY) + "</w:tblBorders><w:tblCellMar>"
        '<w:top w:w="68" w:type="dxa"/><w:left w:w="113" w:type="dxa"/>'
        '<w:bottom w:w="68" w:type="dxa"/><w:right w:w="113" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr>"
        f'<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="{FACTS_FILL}"/></w:tcPr>'
        "</w:style>",
    ]
    styles = [_with_width(style) for style in styles]
    defaults = (
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        f'<w:rFonts w:ascii="{LATIN_FONT}" w:eastAsia="{EAST_ASIAN_FONT}" '
        f'w:hAnsi="{LATIN_FONT}" w:cs="{LATIN_FONT}"/>'
        f"{_size(10)}"
        f'<w:lang w:val="en-GB" w:eastAsia="{EAST_ASIAN_LANG}" w:bidi="ar-SA"/>'
        "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
        f"{_spacing(0, 124, 252)}"
        "</w:pPr></w:pPrDefault></w:docDefaults>"
    )
    return (
        DECLARATION
        + f'<w:styles xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
        + defaults
        + "".join(styles)
        + "</w:styles>"
    )


def _with_width(style: str) -> str:
    """A paragraph style with its right indent: running text keeps the measure (Normal
    sets it, the others of ``MEASURED`` inherit it), every other style has none."""
    import re

    found = re.match(r'<w:style w:type="paragraph"[^>]* w:styleId="([^"]+)"', style)
    if found is None:
        return style
    ident = found.group(1)
    if ident != "Normal" and ident in MEASURED:
        return style
    right = TEXT_WIDTH - MEASURE if ident == "Normal" else 0
    if "<w:ind " in style:
        return style.replace("<w:ind ", f'<w:ind w:right="{right}" ', 1)
    indent = f'<w:ind w:right="{right}"/>'
    spacing = re.search(r"<w:spacing [^>]*/>", style)
    if spacing is not None:
        return style[: spacing.end()] + indent + style[spacing.end() :]
    if "</w:pPr>" in style:
        return style.replace("</w:pPr>", indent + "</w:pPr>", 1)
    at = style.index("<w:rPr>") if "<w:rPr>" in style else style.index("</w:style>")
    return style[:at] + f"<w:pPr>{indent}</w:pPr>" + style[at:]


def _level(ilvl: int, fmt: str, text: str, left: int, hanging: int) -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{escape(text)}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{left}" w:hanging="{hanging}"/></w:pPr>'
        + (
            f'<w:rPr><w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}"/></w:rPr>'
            if fmt == "bullet"
            else ""
        )
        + "</w:lvl>"
    )


def numbering_xml() -> str:
    """Three list kinds: bullets (num 1), numbers (num 2) and sources (num 3)."""
    bullets = "".join(_level(i, "bullet", "•–◦"[i % 3], 340 * (i + 1), 227) for i in range(9))
    numbers = "".join(
        _level(i, ("decimal", "lowerLetter", "lowerRoman")[i % 3], f"%{i + 1}.", 340 * (i + 1), 284)
        for i in range(9)
    )
    sources = _level(0, "decimal", "%1.", 397, 397)
    abstract = (
        '<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="hybridMultilevel"/>'
        f'<w:name w:val="Bullets"/>{bullets}</w:abstractNum>'
        '<w:abstractNum w:abstractNumId="1"><w:multiLevelType w:val="hybridMultilevel"/>'
        f'<w:name w:val="Numbers"/>{numbers}</w:abstractNum>'
        '<w:abstractNum w:abstractNumId="2"><w:multiLevelType w:val="singleLevel"/>'
        f'<w:name w:val="Sources"/>{sources}</w:abstractNum>'
    )
    nums = "".join(
        f'<w:num w:numId="{n + 1}"><w:abstractNumId w:val="{n}"/></w:num>' for n in range(3)
    )
    return DECLARATION + f'<w:numbering xmlns:w="{W_NS}">{abstract}{nums}</w:numbering>'


def settings_xml() -> str:
    return (
        DECLARATION + f'<w:settings xmlns:w="{W_NS}">'
        '<w:defaultTabStop w:val="709"/><w:characterSpacingControl w:val="compressPunctuation"/>'
        '<w:compat><w:compatSetting w:name="compatibilityMode" '
        'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
        "</w:settings>"
    )


def font_table_xml() -> str:
    """Every script's font, all sans serif ("swiss") of variable pitch."""
    entries = "".join(
        f'<w:font w:name="{script.family}"><w:charset w:val="{script.word_charset}"/>'
        '<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>'
        for script in scripts.SCRIPTS
    )
    return DECLARATION + f'<w:fonts xmlns:w="{W_NS}">{entries}</w:fonts>'


def _p(style: str, text: str, ppr: str = "") -> str:
    parts = (f'<w:t xml:space="preserve">{escape(part)}</w:t>' for part in text.split("\t"))
    return (
        f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{ppr}</w:pPr>'
        f"<w:r>{'<w:tab/>'.join(parts)}</w:r></w:p>"
    )


def _run(text: str, style: str | None = None) -> str:
    rpr = f'<w:rPr><w:rStyle w:val="{style}"/></w:rPr>' if style else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _sample_table() -> str:
    widths = (4932, 2466, 2466)

    def cell(text: str, width: int, style: str, right: bool = False) -> str:
        jc = '<w:jc w:val="right"/>' if right else ""
        return (
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{jc}</w:pPr>{_run(text)}</w:p></w:tc>'
        )

    def row(cells: tuple[str, str, str], style: str, header: bool = False) -> str:
        trpr = "<w:cantSplit/>" + ("<w:tblHeader/>" if header else "")
        return (
            f"<w:tr><w:trPr>{trpr}</w:trPr>"
            + "".join(
                cell(text, width, style, index > 0)
                for index, (text, width) in enumerate(zip(cells, widths, strict=True))
            )
            + "</w:tr>"
        )

    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="ReportTable"/><w:tblW w:w="5000" w:type="pct"/>'
        '<w:tblLayout w:type="fixed"/><w:tblLook w:val="0060" w:firstRow="1" w:lastRow="1" '
        'w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>"
        + row(
            ("Report Table: header row (Table Heading)", "Quantity", "Amount"),
            "TableHeading",
            header=True,
        )
        + row(("A row of Table Text", "2", "1,000"), "TableText")
        + row(("Another row", "3", "2,500"), "TableText")
        + row(("Total (last row)", "", "3,500"), "TableText")
        + "</w:tbl>"
    )


def document_xml() -> str:
    """A sample of every style; the renderer replaces the body and keeps the section."""
    body = [
        _p("Kicker", "Kicker: the kind of document"),
        _p("CoverLogos", "Cover Logos: the cities' logos, 18 mm high"),
        _p("Title", "Title: the document's title"),
        _p("Subtitle", "Subtitle: who and what"),
        _p("CoverLine", "Cover Line: period, programme, status"),
        (
            '<w:p><w:pPr><w:pStyle w:val="CoverFoot"/></w:pPr>'
            + _run("Internal", "CoverMark")
            + "<w:r><w:br/></w:r>"
            + _run("Cover Foot: who may read this.")
            + "</w:p>"
        ),
        _p("TOCHeading", "TOC Heading"),
        _p("TOC1", "toc 1\t1"),
        _p("TOC2", "toc 2\t1"),
        _p("Heading1", "heading 1"),
        _p("Lead", "Lead: a larger first paragraph."),
        (
            '<w:p><w:pPr><w:pStyle w:val="Normal"/></w:pPr>'
            + _run("Normal text with character styles: ")
            + _run("941,239")
            + _run(" as of 1 May 2019", "AsOf")
            + _run(" ")
            + _run("[1]", "SourceReference")
            + _run(" ")
            + _run("verify", "Verify")
            + _run(", ")
            + _run("muted", "Muted")
            + _run(", ")
            + _run("Hyperlink", "Hyperlink")
            + _run(" and ")
            + _run("Mark", "Mark")
            + _run(".")
            + "</w:p>"
        ),
        _p("Heading2", "heading 2"),
        _p("ListBullet", "List Bullet"),
        _p("ListBullet", "List Bullet"),
        _p("ListNumber", "List Number"),
        _p("ListNumber", "List Number"),
        _p("Heading3", "heading 3"),
        _sample_table(),
        _p("Caption", "caption"),
        _p("Note", "Note: small print."),
        _p("Notice", "Notice: something to act on."),
        _p("Source", "Source: an entry of the sources list."),
        _p("Header", "header\tMark"),
        _p("Footer", "footer: Page 1 of 1"),
    ]
    section = (
        f'<w:sectPr><w:pgSz w:w="{PAGE_WIDTH}" w:h="{PAGE_HEIGHT}"/>'
        f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" '
        f'w:left="{MARGIN_LEFT}" w:header="567" w:footer="567" w:gutter="0"/>'
        '<w:cols w:space="709"/><w:docGrid w:linePitch="360"/></w:sectPr>'
    )
    return (
        DECLARATION
        + f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
        + "".join(body)
        + section
        + "</w:body></w:document>"
    )


CONTENT_TYPES = (
    DECLARATION + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="png" ContentType="image/png"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.styles+xml"/>'
    '<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.numbering+xml"/>'
    '<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.settings+xml"/>'
    '<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.fontTable+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
    'package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.extended-properties+xml"/>'
    "</Types>"
)

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = (
    DECLARATION
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)
DOCUMENT_RELS = (
    DECLARATION
    + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{REL}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/numbering" Target="numbering.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/settings" Target="settings.xml"/>'
    f'<Relationship Id="rId4" Type="{REL}/fontTable" Target="fontTable.xml"/>'
    "</Relationships>"
)
CORE = (
    DECLARATION
    + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>reportgen reference document</dc:title>"
    "<dc:creator>reportgen</dc:creator>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
    "</cp:coreProperties>"
)
APP = (
    DECLARATION + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties"><Application>reportgen</Application></Properties>'
)


def build() -> bytes:
    """The reference document's bytes: the same every time (fixed entry dates and order)."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": PACKAGE_RELS,
        "docProps/core.xml": CORE,
        "docProps/app.xml": APP,
        "word/document.xml": document_xml(),
        "word/_rels/document.xml.rels": DOCUMENT_RELS,
        "word/styles.xml": styles_xml(),
        "word/numbering.xml": numbering_xml(),
        "word/settings.xml": settings_xml(),
        "word/fontTable.xml": font_table_xml(),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else TARGET
    target.write_bytes(build())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
