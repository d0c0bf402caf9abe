"""Word documents read back with python-docx: structure, contents, fields, scripts, pictures,
properties, reproducibility and reference documents (good, broken, oversized, zip bombs).

The example proposal is built once per module through the pipeline, on a fixed day; the
smaller cases render hand-made ``Document`` objects directly. No test here reads the
contents' page numbers or the fonts a Word file carries (``test_layout`` does): the builds
skip the LibreOffice pass and the fonts, which cost seconds each.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import os
import random
import re
import struct
import time
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import docx
import pytest
import yaml
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Inches, RGBColor, Twips

import reportgen
from reportgen import Options, scripts
from reportgen.documents.content import (
    BulletList,
    Cell,
    Cover,
    Document,
    Figure,
    Meta,
    Paragraph,
    Picture,
    Run,
    Section,
    Source,
    SourceList,
    Table,
)
from reportgen.renderers.docx import (
    MAX_REFERENCE_BYTES,
    ReferenceDocxError,
    bundled_reference,
    read_reference,
    render_docx,
    svg_to_png,
)
from tests.helpers import open_docx, unjoined, untranslated_japanese_briefing

ROOT = Path(__file__).resolve().parent.parent
PROPOSAL = ROOT / "profiles" / "proposals" / "kitakyushu-dalian-air-2027.yaml"
VISIT = ROOT / "profiles" / "visits" / "dalian-to-kitakyushu-2027-05.yaml"
EPOCH = 1798761600
"""2027-01-01 00:00 UTC: "today" and the document date of every build here."""
TODAY = dt.date(2027, 1, 1)
EMU_PER_MM = 36000


# --- building ---------------------------------------------------------------------------------


def build_docx(
    source: Path,
    target: Path,
    *,
    lang: str = "en",
    reference: Path | None = None,
    audience: str = "internal",
) -> Path:
    """One DOCX through the pipeline, with ``SOURCE_DATE_EPOCH`` fixed, without the
    contents' page numbers and the fonts."""
    options = Options(
        formats=("docx",),
        languages=(lang,),
        audience="public" if audience == "public" else "internal",
        reference_docx=reference,
        page_numbers=False,
        embed_fonts=False,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
        result = reportgen.build(source, options=options, output=target, profiles=ROOT / "profiles")
    assert result.written == [target]
    return target


@pytest.fixture(scope="module")
def proposal_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("docx")
    return build_docx(PROPOSAL, folder / "proposal.docx")


@pytest.fixture(scope="module")
def proposal(proposal_path: Path) -> WordDocument:
    return open_docx(str(proposal_path))


def xpath(element: Any, query: str) -> list[Any]:
    """``query`` on a python-docx element (``w:``, ``r:``, ``wp:`` ... prefixes known)."""
    found: list[Any] = element.xpath(query)
    return found


def w(name: str) -> str:
    return "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}" + name


def paragraphs_in(word: WordDocument, style: str) -> list[str]:
    return [p.text for p in word.paragraphs if p.style is not None and p.style.name == style]


def small_document(
    *sections: Section, lang: str = "en", sources: tuple[Source, ...] = ()
) -> Document:
    """A document made by hand, for cases the examples do not have."""
    created = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    return Document(
        name="city-profile",
        meta=Meta("Small", "Tester", "Test", ("a", "b"), lang, created, created),
        cover=Cover(kicker="Test", title="Small", mark="Internal", note="Note."),
        sections=sections,
        sources=sources,
        labels={"contents": "Contents", "page": "Page", "of": "of"},
    )


def reopen(data: bytes) -> WordDocument:
    return open_docx(io.BytesIO(data))


# --- structure --------------------------------------------------------------------------------


def test_docx_headings_use_heading_styles(proposal: WordDocument) -> None:
    level_1 = paragraphs_in(proposal, "Heading 1")
    level_2 = paragraphs_in(proposal, "Heading 2")

    assert level_1[:3] == ["Summary", "Background", "Problem"]
    assert {"Logical framework", "Budget", "Risks", "Sources"} <= set(level_1)
    assert [t for t in level_2 if t.startswith("Output ")] == [
        "Output 1: PM2.5 monitoring and emission inventory strengthened",
        "Output 2: Emission control at pilot industrial facilities",
        "Output 3: PM2.5 action plan and shared results",
    ]
    assert paragraphs_in(proposal, "Title") == [
        "Kitakyushu–Dalian cooperation for cleaner air (PM2.5)"
    ]


def test_docx_cover_is_a_section_without_header_or_footer(proposal: WordDocument) -> None:
    cover, body = proposal.sections[0], proposal.sections[-1]

    assert len(proposal.sections) == 2
    assert cover.header.is_linked_to_previous and cover.footer.is_linked_to_previous
    assert not body.header.is_linked_to_previous
    assert "Kitakyushu–Dalian cooperation" in body.header.paragraphs[0].text
    assert "Internal" in body.header.paragraphs[0].text


def test_docx_contents_is_a_prefilled_toc_field(proposal: WordDocument) -> None:
    body = proposal.element.body
    instructions = [t.text for t in xpath(body, ".//w:instrText")]
    entries = [  # the title, without the page number that LibreOffice's layout adds
        (p.style.name if p.style else "", p.text.partition("\t")[0])
        for p in proposal.paragraphs
        if p.style is not None and p.style.name.lower() in ("toc 1", "toc 2")
    ]
    links = [link.get(w("anchor")) for link in xpath(body, ".//w:hyperlink[@w:anchor]")]
    bookmarks = {b.get(w("name")) for b in xpath(body, ".//w:bookmarkStart")}
    headings = [
        p.text
        for p in proposal.paragraphs
        if p.style is not None and p.style.name in ("Heading 1", "Heading 2")
    ]

    assert instructions[0].strip() == 'TOC \\o "1-2" \\h \\z \\u'
    assert entries[0] == ("toc 1", "Summary")
    assert ("toc 2", "Output 2: Emission control at pilot industrial facilities") in entries
    assert [text for _, text in entries] == headings
    assert "_Toc_summary" in links and "_Toc_output_o2" in links
    assert {anchor for anchor in links if anchor.startswith("_Toc_")} <= bookmarks
    assert all(len(name) <= 40 for name in bookmarks)


def test_docx_footer_has_page_and_numpages_fields(proposal: WordDocument) -> None:
    footer = proposal.sections[-1].footer
    instructions = [t.text.strip() for t in xpath(footer._element, ".//w:instrText")]

    assert instructions == ["PAGE", "NUMPAGES"]
    assert footer.paragraphs[0].text.split("\t")[-1].startswith("Page ")
    assert " of " in footer.paragraphs[0].text


def budget_total() -> Decimal:
    """The grand total computed from the proposal's YAML, not from reportgen."""
    data = yaml.safe_load(PROPOSAL.read_text("utf-8"))
    lines = data["budget"]["lines"]
    return sum(
        (Decimal(str(line["quantity"])) * Decimal(str(line["unit_cost"])) for line in lines),
        Decimal(0),
    )


def test_docx_budget_table_has_the_exact_total(proposal: WordDocument) -> None:
    total = f"{budget_total():,.0f}"
    table = next(t for t in proposal.tables if t.rows[0].cells[0].text == "Item")
    header, last = table.rows[0], table.rows[-1]
    amount = last.cells[4]

    assert total == "51,350,000"
    assert [c.text for c in last.cells][:1] == ["Grand total"]
    assert amount.text == total
    assert amount.paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert all(run.bold for run in amount.paragraphs[0].runs)
    assert table.style is not None and table.style.name == "Report Table"
    assert xpath(header._tr, "./w:trPr/w:tblHeader")
    assert all(xpath(row._tr, "./w:trPr/w:cantSplit") for row in table.rows)
    widths = [int(col.get(w("w"))) for col in xpath(table._tbl, "./w:tblGrid/w:gridCol")]
    assert abs(widths[0] - 2 * widths[1]) <= 1  # relative widths 6, 3, 3, 3, 3, 3 (in twips)


def test_docx_lists_are_numbered_lists(proposal: WordDocument, japanese_briefing: Path) -> None:
    bullets = [
        p for p in proposal.paragraphs if p.style is not None and p.style.name == "List Bullet"
    ]
    briefing = open_docx(str(japanese_briefing))
    sources = [p for p in briefing.paragraphs if p.style is not None and p.style.name == "Source"]

    assert bullets and all(xpath(p._p, "./w:pPr/w:numPr/w:numId") for p in bullets)
    # the proposal cites none of its sources: they are listed, as bullets
    assert any(p.text.startswith("JICA Partnership Program") for p in bullets)
    assert sources and all(xpath(p._p, "./w:pPr/w:numPr/w:numId") for p in sources)
    assert {b.get(w("name")) for p in sources for b in xpath(p._p, "./w:bookmarkStart")} >= {
        "src_1",
        "src_2",
    }


def test_docx_cjk_runs_have_an_east_asian_font(proposal: WordDocument) -> None:
    body = proposal.element.body
    runs = [r for r in xpath(body, ".//w:r") if "北九州市" in "".join(xpath(r, "./w:t/text()"))]
    fonts = {r.get(w("eastAsia")) for run in runs for r in xpath(run, "./w:rPr/w:rFonts")}
    langs = {r.get(w("eastAsia")) for run in runs for r in xpath(run, "./w:rPr/w:lang")}
    dalian = [r for r in xpath(body, ".//w:r") if "大连市" in "".join(xpath(r, "./w:t/text()"))]

    assert runs
    assert fonts == {"Noto Sans CJK JP"} and langs == {"ja-JP"}
    assert {f.get(w("eastAsia")) for r in dalian for f in xpath(r, "./w:rPr/w:rFonts")} == {
        "Noto Sans CJK SC"
    }


def test_docx_figures_are_pictures_with_alt_text(proposal: WordDocument) -> None:
    figures = [p for p in proposal.paragraphs if p.style is not None and p.style.name == "Figure"]
    pictures = [inline for p in figures for inline in xpath(p._p, ".//wp:inline")]
    descriptions = [xpath(inline, "./wp:docPr/@descr")[0] for inline in pictures]
    widths = [int(xpath(inline, "./wp:extent/@cx")[0]) for inline in pictures]

    assert len(pictures) == 3  # work plan, budget, SDG chips
    assert descriptions[0].startswith("Gantt chart of the work plan, April 2027")
    assert descriptions[1].startswith("Bar chart of the budget by category, as shares of ")
    assert descriptions[2].startswith("Sustainable Development Goals: 3 ")
    assert [round(width / EMU_PER_MM) for width in widths] == [170, 170, 170]


def test_docx_core_properties_come_from_the_document(proposal: WordDocument) -> None:
    props = proposal.core_properties
    when = dt.datetime.fromtimestamp(EPOCH, dt.UTC)

    assert props.title == "Kitakyushu–Dalian cooperation for cleaner air (PM2.5)"
    assert props.subject == "Cooperation proposal"
    assert props.author == "Kitakyushu City"
    assert props.keywords == "Kitakyushu City, Dalian, SDG 3, SDG 11, SDG 17"
    assert props.language == "en-GB"
    assert props.created == when and props.modified == when
    assert props.last_modified_by == "reportgen"
    assert props.revision == 1


def test_docx_rebuild_is_byte_identical(
    proposal_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    again = build_docx(PROPOSAL, tmp_path / "again.docx")

    assert again.read_bytes() == proposal_path.read_bytes()
    with zipfile.ZipFile(again) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_docx_language_is_set_in_the_styles(tmp_path: Path) -> None:
    word = open_docx(str(build_docx(PROPOSAL, tmp_path / "ja.docx", lang="ja")))
    defaults = xpath(word.styles.element, "./w:docDefaults/w:rPrDefault/w:rPr")[0]
    lang = xpath(defaults, "./w:lang")[0]
    fonts = xpath(defaults, "./w:rFonts")[0]

    # Latin letters in a Japanese document are English, East Asian ones Japanese
    assert (lang.get(w("val")), lang.get(w("eastAsia"))) == ("en-GB", "ja-JP")
    assert fonts.get(w("eastAsia")) == "Noto Sans CJK JP"
    assert word.core_properties.title.startswith("北九州市・大連市")
    assert word.core_properties.language == "ja-JP"


# --- the language of each run -----------------------------------------------------------------

LATIN = re.compile(r"[A-Za-z]")
EAST_ASIAN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@pytest.fixture(scope="module")
def japanese_briefing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example briefing in Japanese, its visit's texts untranslated: built with
    ``allow_untranslated``, they fall back to English (marked)."""
    return untranslated_japanese_briefing(tmp_path_factory.mktemp("ja"))


def text_runs(path: Path) -> list[tuple[str, dict[str, str]]]:
    """Every run with text in the body, headers and footers: its text and ``w:lang``."""
    runs = []
    with zipfile.ZipFile(path) as package:
        parts = [
            n
            for n in package.namelist()
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", n)
        ]
        for name in parts:
            for run in ET.fromstring(package.read(name)).iter(w("r")):
                text = unjoined("".join(t.text or "" for t in run.iter(w("t"))))
                lang = run.find(f"{w('rPr')}/{w('lang')}")
                attributes = {} if lang is None else {k.split("}")[1]: v for k, v in lang.items()}
                if text.strip():
                    runs.append((text, attributes))
    return runs


def test_docx_runs_in_a_cjk_document_mark_latin_letters_as_latin(japanese_briefing: Path) -> None:
    runs = text_runs(japanese_briefing)
    latin = [(text, lang) for text, lang in runs if LATIN.search(text)]
    east_asian = [(text, lang) for text, lang in runs if EAST_ASIAN.search(text)]
    fallback = [text for text, _ in latin if not EAST_ASIAN.search(text) and len(text) > 40]

    assert fallback  # English texts that stand in for missing translations
    assert [t for t, lang in latin if scripts.for_lang(lang.get("val", "ja")).slot != "latin"] == []
    assert {lang["val"] for _, lang in latin} == {"en-GB"}
    assert [t for t, lang in east_asian if "eastAsia" not in lang] == []
    assert {lang["eastAsia"] for _, lang in east_asian} == {"ja-JP"}


def test_docx_each_run_takes_the_language_of_its_text_or_of_its_letters(tmp_path: Path) -> None:
    japanese = (
        Run("Malmö", lang="sv"),
        Run("大连市", lang="zh-Hans"),
        Run("กรุงเทพ Bangkok", lang="th"),
        Run("Swedish person-months"),
        Run("北九州市 KITA"),
        Run("서울"),
    )
    english = (Run("北九州市"), Run("Lyon", lang="fr"))

    def marks(runs: tuple[Run, ...], lang: str) -> dict[str, dict[str, str]]:
        doc = small_document(Section("s", "Runs", 1, (Paragraph(runs),)), lang=lang)
        path = tmp_path / f"{lang}.docx"
        path.write_bytes(render_docx(doc, embed_fonts=False))
        wanted = {run.text for run in runs}
        return {text: lang for text, lang in text_runs(path) if text in wanted}

    assert marks(japanese, "ja") == {
        "Malmö": {"val": "sv"},
        "大连市": {"val": "en-GB", "eastAsia": "zh-CN"},
        "กรุงเทพ Bangkok": {"val": "en-GB", "bidi": "th-TH"},
        "Swedish person-months": {"val": "en-GB"},
        "北九州市 KITA": {"val": "en-GB", "eastAsia": "ja-JP"},
        "서울": {"val": "en-GB", "eastAsia": "ko-KR"},
    }
    assert marks(english, "en") == {
        "北九州市": {"val": "en-GB", "eastAsia": "ja-JP"},
        "Lyon": {"val": "fr-FR"},
    }


def test_docx_briefing_builds_for_the_public(tmp_path: Path) -> None:
    internal = open_docx(str(build_docx(VISIT, tmp_path / "internal.docx")))
    public = open_docx(str(build_docx(VISIT, tmp_path / "public.docx", audience="public")))

    assert "Risks" in [p.text for p in internal.paragraphs]  # the sensitivities, in the summary
    assert "Risks" not in [p.text for p in public.paragraphs]
    assert "Public" in public.sections[-1].header.paragraphs[0].text


# --- hand-made documents -------------------------------------------------------------------------


def test_docx_text_loses_what_xml_cannot_hold() -> None:
    runs = (Run("a\x00b\x1fc\ud800d\ufffe"), Run(" first\nsecond\ttab"))
    doc = small_document(Section("s", "Bad \x07title", 1, (Paragraph(runs),)))

    word = reopen(render_docx(doc))
    paragraph = next(p for p in word.paragraphs if p.text.startswith("abcd"))

    assert "Bad title" in paragraphs_in(word, "Heading 1")
    assert paragraph.text == "abcd first\nsecond\ttab"
    assert xpath(paragraph._p, ".//w:br") and xpath(paragraph._p, ".//w:tab")


def test_docx_ordered_lists_restart_their_numbers() -> None:
    lists = (
        BulletList(((Run("one"),), (Run("two"),)), ordered=True),
        Paragraph((Run("between"),)),
        BulletList(((Run("again one"),),), ordered=True),
    )
    word = reopen(render_docx(small_document(Section("s", "Lists", 1, lists))))
    numbered = [p for p in word.paragraphs if p.style is not None and p.style.name == "List Number"]
    ids = [xpath(p._p, "./w:pPr/w:numPr/w:numId/@w:val")[0] for p in numbered]
    numbering = word.part.numbering_part.element
    restarts = {
        num.get(w("numId")): xpath(num, "./w:lvlOverride/w:startOverride/@w:val")
        for num in xpath(numbering, "./w:num")
    }

    assert [p.text for p in numbered] == ["one", "two", "again one"]
    assert ids[0] == ids[1] != ids[2]
    assert restarts[ids[0]] == ["1"] and restarts[ids[2]] == ["1"]


def test_docx_links_are_hyperlinks() -> None:
    source = Source(1, "src-1", (Run("A source"),))
    runs = (
        Run("site", href="https://example.org/a"),
        Run("mail", href="mailto:a@example.org"),
        Run("[1]", "ref", href="#src-1"),
        Run("bad", href="javascript:alert(1)"),
    )
    doc = small_document(
        Section("s", "Links", 1, (Paragraph(runs),)),
        Section("sources", "Sources", 1, (SourceList((source,)),)),
        sources=(source,),
    )

    word = reopen(render_docx(doc))
    body = word.element.body
    external = [word.part.rels[r_id].target_ref for r_id in xpath(body, ".//w:hyperlink/@r:id")]
    toc = "ancestor::w:p/w:pPr/w:pStyle[starts-with(@w:val, 'TOC')]"
    internal = xpath(body, f".//w:hyperlink[not({toc})]/@w:anchor")

    assert external == ["https://example.org/a", "mailto:a@example.org"]
    assert internal == ["src_1"]
    assert "src_1" in xpath(body, ".//w:bookmarkStart/@w:name")
    assert "bad" in "".join(xpath(body, ".//w:r/w:t/text()"))


def test_docx_thai_runs_use_the_complex_script_font() -> None:
    doc = small_document(Section("s", "Thai", 1, (Paragraph((Run("กรุงเทพ", lang="th"),)),)))

    word = reopen(render_docx(doc))
    runs = xpath(word.element.body, ".//w:r")
    run = next(r for r in runs if "กรุงเทพ" in "".join(xpath(r, ".//text()")))

    assert xpath(run, "./w:rPr/w:rFonts/@w:cs") == ["Noto Sans Thai"]
    assert xpath(run, "./w:rPr/w:lang/@w:bidi") == ["th-TH"]


def test_docx_figure_width_follows_the_svg_and_is_capped() -> None:
    def svg(width: str) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="10mm" '
            'viewBox="0 0 50 10"><text x="1" y="8" font-size="5">北九州 text</text></svg>'
        )

    blocks = (Figure(svg("50mm"), "small one"), Figure(svg("400mm"), "too wide", "A caption"))
    word = reopen(render_docx(small_document(Section("s", "Pictures", 1, blocks))))
    widths = [round(shape.width / EMU_PER_MM) for shape in word.inline_shapes]

    assert widths == [50, 170]  # the second capped to A4 minus 20 mm margins
    assert paragraphs_in(word, "Caption") == ["A caption"]


def test_docx_cover_shows_logos_with_alt_text() -> None:
    square = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="30mm" height="30mm">'
        '<circle cx="50%" cy="50%" r="40%" fill="#c33"/></svg>'
    )
    wide = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 40">'
        '<rect width="400" height="40"/></svg>'
    )
    png = svg_to_png(square, 30)
    logos = (
        Picture(png, "image/png", "Logo of A"),
        Picture(wide.encode(), "image/svg+xml", "Logo of B"),
    )
    doc = small_document()
    doc = replace(doc, cover=replace(doc.cover, logos=logos))

    word = reopen(render_docx(doc))
    shapes = list(word.inline_shapes)
    sizes = [(round(s.width / EMU_PER_MM), round(s.height / EMU_PER_MM)) for s in shapes]

    assert [xpath(s._inline, "./wp:docPr/@descr")[0] for s in shapes] == ["Logo of A", "Logo of B"]
    assert sizes == [(18, 18), (50, 5)]  # 18 mm high, at most 50 mm wide
    assert paragraphs_in(word, "Cover Logos") == ["   "]


def test_docx_tables_pad_short_rows_and_mark_footers_bold() -> None:
    table = Table(
        header=(Cell((Run("A"),)), Cell((Run("B"),)), Cell((Run("C"),), "right")),
        rows=((Cell((Run("1"),)),),),
        footer=((Cell((Run("Total"),)), Cell(()), Cell((Run("9"),), "right")),),
    )
    word = reopen(render_docx(small_document(Section("s", "T", 1, (table,)))))
    rows = word.tables[0].rows

    assert [len(row.cells) for row in rows] == [3, 3, 3]
    assert all(run.bold for cell in rows[-1].cells for p in cell.paragraphs for run in p.runs)


def test_docx_paper_sets_the_page_size_of_the_bundled_reference() -> None:
    letter = reopen(render_docx(small_document(), paper="letter")).sections[-1]
    a4 = reopen(render_docx(small_document())).sections[-1]

    assert (letter.page_width, letter.page_height) == (Inches(8.5), Inches(11))
    assert (a4.page_width, a4.page_height) == (Twips(11906), Twips(16838))


def load_tool(name: str) -> ModuleType:
    """A build-time script of ``tools/``, which the package does not ship, loaded by path."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docx_bundled_reference_is_what_the_script_makes() -> None:
    make_reference = load_tool("make_reference")

    assert make_reference.build() == bundled_reference()


# --- reference documents ---------------------------------------------------------------------


def letterhead(path: Path) -> Path:
    """A city's template: red serif headings, a letterhead in the header, a body to drop."""
    word = docx.Document()
    heading = word.styles["Heading 1"]
    heading.font.name = "DejaVu Serif"
    heading.font.color.rgb = RGBColor(0xC0, 0x10, 0x20)
    word.add_paragraph("Text of the template, not of the report.")
    header = word.sections[0].header
    header.is_linked_to_previous = False
    header.paragraphs[0].text = "CITY OF EXAMPLE"
    word.save(str(path))
    return path


def test_docx_reference_styles_are_used(tmp_path: Path) -> None:
    reference = letterhead(tmp_path / "letterhead.docx")

    word = open_docx(str(build_docx(PROPOSAL, tmp_path / "styled.docx", reference=reference)))
    heading = word.styles["Heading 1"]
    names = {style.name for style in word.styles}

    assert heading.font.name == "DejaVu Serif"
    assert heading.font.color.rgb == RGBColor(0xC0, 0x10, 0x20)
    assert {"Table Text", "Report Table", "As Of", "Cover Foot"} <= names  # added
    assert "Summary" in paragraphs_in(word, "Heading 1")
    assert not any("Text of the template" in p.text for p in word.paragraphs)
    assert word.sections[-1].header.paragraphs[0].text == "CITY OF EXAMPLE"
    bullets = [p for p in word.paragraphs if p.style is not None and p.style.name == "List Bullet"]
    assert bullets and all(xpath(p._p, "./w:pPr/w:numPr/w:numId") for p in bullets)


def refused(path: Path) -> str:
    with pytest.raises(ReferenceDocxError) as caught:
        read_reference(path)
    return str(caught.value)


def test_docx_reference_of_random_bytes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.docx"
    path.write_bytes(random.Random(4).randbytes(4096))

    assert refused(path) == f"{path}: not a Word document (.docx): it is not a zip archive"


def test_docx_reference_too_large_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "large.docx"
    with path.open("wb") as handle:  # sparse: no 20 MB written
        handle.truncate(MAX_REFERENCE_BYTES + 1)

    assert re.fullmatch(
        rf"{re.escape(str(path))}: the reference document is 20\.0 MB; the limit is 20 MB",
        refused(path),
    )


def deflated(data: bytes, times: int = 1) -> tuple[bytes, int, int]:
    """``data`` repeated ``times`` times, deflated as a zip member holds it: the packed
    bytes, their CRC-32 and their size. ``data`` is packed once: flushed whole, it packs to
    the same bytes each time."""
    packer = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
    packed = packer.compress(data) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(data, crc)
    return packed * times + packer.flush(), crc, len(data) * times


def write_zip(path: Path, members: dict[str, tuple[bytes, int, int]]) -> None:
    """A zip archive of deflated ``members`` (name: packed bytes, CRC-32, size)."""
    entries, directory = b"", b""
    for name, (packed, crc, size) in members.items():
        fields = (20, 0, 8, 0, 0x21, crc, len(packed), size, len(name.encode()), 0)
        directory += struct.pack("<IH5H3I2H", 0x02014B50, 20, *fields)
        directory += struct.pack("<3H2I", 0, 0, 0, 0, len(entries)) + name.encode()
        entries += struct.pack("<I5H3I2H", 0x04034B50, *fields) + name.encode() + packed
    end = struct.pack("<I4H2IH", 0x06054B50, 0, 0, len(members), len(members),
                      len(directory), len(entries), 0)  # fmt: skip
    path.write_bytes(entries + directory + end)


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A .docx whose document part is 300 MB of zeros, about 1.4 MB packed."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    write_zip(
        path,
        {
            "[Content_Types].xml": deflated(b"<Types/>"),
            "word/document.xml": deflated(bytes(1 << 20), 300),
        },
    )
    return path


def test_docx_reference_zip_bomb_is_refused(zip_bomb: Path) -> None:
    assert zip_bomb.stat().st_size < 2 * 2**20
    assert refused(zip_bomb).endswith("unpacks to 300 MB; the limit is 200 MB")


def test_docx_reference_that_unpacks_far_beyond_its_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ratio.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", bytes(10 * 2**20))

    assert "times its size (a zip bomb?); the limit is 100 times" in refused(path)


def test_docx_reference_without_document_part_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nodoc.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/styles.xml", "<w:styles/>")

    assert refused(path) == f"{path}: not a Word document (.docx): it has no word/document.xml"


def test_docx_reference_with_too_many_files_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for index in range(2001):
            archive.writestr(f"word/media/{index}.bin", b"")

    assert refused(path).endswith("holds 2001 files; the limit is 2000")


def test_docx_reference_that_python_docx_cannot_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml")
        archive.writestr("word/document.xml", "<w:document/>")

    with pytest.raises(ReferenceDocxError, match="not a usable Word document"):
        render_docx(small_document(), reference=path)


def test_docx_cli_reports_a_bad_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.cli import main

    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    args = ["build", str(PROPOSAL), "--format", "docx", "--reference-docx", "bad.docx"]
    args += ["--profiles", str(ROOT / "profiles"), "-o", "out.docx"]

    with pytest.raises(SystemExit) as exited:
        main(args)

    assert exited.value.code == 1
    assert (
        capsys.readouterr()
        .err.strip()
        .endswith("bad.docx: not a Word document (.docx): it is not a zip archive")
    )
    assert not (tmp_path / "out.docx").exists()


# --- the LibreOffice pass ------------------------------------------------------------------------


def test_libreoffice_profiles_are_kept_in_the_cache_one_per_run_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.renderers.docx import office

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    kept = tmp_path / "cache" / "reportgen" / "libreoffice"

    with office._profile() as first, office._profile() as second:
        assert (first, second) == (kept / "slot-0", kept / "slot-1")  # never one for two
    with office._profile() as again:
        assert again == first  # a later run takes up the same profile


def test_a_hung_libreoffice_is_ended_whole_and_the_contents_stay_without_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.renderers.docx import office

    # an office that never finishes: a script whose own child (the office) hangs
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    started = tmp_path / "office.pid"
    script = bin_dir / "soffice"
    script.write_text(f"#!/bin/sh\nsleep 600 &\necho $! > {started}\nwait\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(office, "LAYOUT_TIMEOUT", 1.0)
    sections = tuple(Section(f"s{n}", f"Part {n}", 1, (Paragraph((Run("x"),)),)) for n in range(12))

    with pytest.raises(office.LayoutError, match="took more than 1 s"):
        office.lay_out(b"PK")
    word = reopen(render_docx(small_document(*sections), embed_fonts=False))

    # the office is gone with the script: nothing is left running on the profile
    office_pid = int(started.read_text())
    for _ in range(50):
        if not running(office_pid):
            break
        time.sleep(0.1)
    assert not running(office_pid)
    entries = [p.text for p in word.paragraphs if p.style is not None and p.style.name == "toc 1"]
    assert entries and all("\t" not in entry for entry in entries)


def running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
