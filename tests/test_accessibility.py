"""Accessible documents: PDF/UA-1 checked by an independent checker, public editions tagged by
default, figures described, Word files with what Word's accessibility checker looks for.

The checker is ``outloud`` (PDF/UA-1 and WCAG 2.2, independent of WeasyPrint). Each PDF is
built once; the example briefing's public edition is the same build as ``test_pdf``'s.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from docx.document import Document as WordDocument
from outloud import check

import reportgen
from reportgen.models import Proposal
from reportgen.workspace import Options
from tests.helpers import (
    DALIAN,
    PROPOSAL,
    ROOT,
    Built,
    Workspace,
    open_docx,
)

WATCHED = {"LNK-001", "LNK-004", "PAG-001", "TAG-020", "ORD-001"}
"""Warnings that an accessible reportgen PDF must not have, besides every error."""


def problems(path: Path) -> list[str]:
    """What the checker finds in ``path`` that fails an accessible PDF, one line each."""
    result = check(str(path))
    assert result.error is None, result.error
    return [
        f"{f.rule} p.{f.page}: {f.message}"
        for f in result.sorted_findings()
        if f.severity == "error" or f.rule in WATCHED
    ]


def structure(path: Path) -> Iterator[Any]:
    """Every structure element of a tagged PDF, document order."""
    pdf = pikepdf.open(path)
    stack = list(reversed(list(pdf.Root.StructTreeRoot.K)))
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Dictionary) and "/S" in node:
            yield node
            kids = node.get("/K")
            if isinstance(kids, pikepdf.Array):
                stack.extend(reversed(list(kids)))


def xmp(path: Path) -> str:
    with pikepdf.open(path) as pdf:
        return bytes(pdf.Root.Metadata.read_bytes()).decode("utf-8")


def first_id(path: Path) -> bytes:
    with pikepdf.open(path) as pdf:
        return bytes(pdf.trailer.ID[0])


@pytest.fixture(scope="module")
def chinese_profile(examples: Workspace) -> Built:
    """The Dalian city profile in Chinese, asked for as PDF/UA-1."""
    return examples.build(
        DALIAN, "dalian.zh.ua.pdf", "--lang", "zh-Hans", "--pdf-variant", "pdf/ua-1"
    )


TRICKY_UA = (
    "profiles/cities/tricky.yaml",
    "--lang",
    "ja",
    "--allow-untranslated",  # its texts are English: a partial edition, marked
    "--pdf-variant",
    "pdf/ua-1",
)
"""A one-page city with links of every kind, in Japanese, as PDF/UA-1."""


@pytest.fixture(scope="module")
def tricky_ua(samples: Workspace) -> Built:
    """A one-page city with links of every kind, in Japanese, as PDF/UA-1."""
    return samples.build(TRICKY_UA[0], "tricky.ja.ua.pdf", *TRICKY_UA[1:])


# --- the checker ------------------------------------------------------------------------------


def test_public_briefing_passes_the_checker(public_briefing: Built) -> None:
    assert public_briefing.run.code == 0, public_briefing.run.stderr

    assert problems(public_briefing.path) == []


def test_chinese_city_profile_as_pdf_ua_passes_the_checker(chinese_profile: Built) -> None:
    assert chinese_profile.run.code == 0, chinese_profile.run.stderr

    assert problems(chinese_profile.path) == []


def test_japanese_page_with_links_passes_the_checker(tricky_ua: Built) -> None:
    assert tricky_ua.run.code == 0, tricky_ua.run.stderr

    assert problems(tricky_ua.path) == []


# --- what the post-processing mends -----------------------------------------------------------


def test_public_edition_is_tagged_pdf_ua_1(public_briefing: Built) -> None:
    pdf = pikepdf.open(public_briefing.path)

    assert pdf.Root.MarkInfo.Marked
    assert "/StructTreeRoot" in pdf.Root
    assert str(pdf.Root.Lang) == "en"
    assert 'pdfuaid:part="1"' in xmp(public_briefing.path)


def test_running_heads_and_page_numbers_are_pagination_artifacts(public_briefing: Built) -> None:
    pdf = pikepdf.open(public_briefing.path)
    last = pdf.pages[len(pdf.pages) - 1]
    content = last.Contents.read_bytes()
    pagination = content.count(b"/Artifact <</Type /Pagination>> BDC")
    tagged = {int(mcid) for mcid in re.findall(rb"<</MCID (\d+)>>", content)}
    owners = pdf.Root.StructTreeRoot.ParentTree.Nums[2 * int(last.StructParents) + 1]

    # the title and the mark at the top, "Page 9 of 9" at the bottom
    assert pagination >= 3
    assert all(mcid < len(owners) and owners[mcid] is not None for mcid in tagged)


def test_each_link_annotation_is_printable_and_owned_by_a_link(tricky_ua: Built) -> None:
    pdf = pikepdf.open(tricky_ua.path)
    annotations = [a for page in pdf.pages for a in page.get("/Annots", [])]
    owners = {
        kid.Obj.objgen: element.S
        for element in structure(tricky_ua.path)
        for kid in element.get("/K", [])
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"
    }

    assert annotations
    assert all(int(a.F) & 4 for a in annotations)
    assert [owners.get(a.objgen) for a in annotations] == ["/Link"] * len(annotations)


def test_links_are_described_by_what_they_point_to(tricky_ua: Built) -> None:
    pdf = pikepdf.open(tricky_ua.path)
    contents = {
        str(a.Dest if "/Dest" in a else a.A.URI): str(a.Contents)
        for page in pdf.pages
        for a in page.get("/Annots", [])
    }
    references = {target: text for target, text in contents.items() if target.startswith("src")}

    assert references
    assert all("National census" in text for text in references.values())
    assert contents["https://example.org/tricky"] == "https://example.org/tricky"


def test_no_structure_element_is_an_empty_span(public_briefing: Built) -> None:
    empty = [
        str(e.S)
        for e in structure(public_briefing.path)
        if e.S in ("/Span", "/NonStruct") and len(e.get("/K", [])) == 0
    ]

    assert empty == []


def test_accessible_builds_are_byte_identical(tricky_ua: Built, samples: Workspace) -> None:
    partial = ("--lang", "ja", "--allow-untranslated")
    first = tricky_ua
    second = samples.build(TRICKY_UA[0], "tricky.ja.ua-again.pdf", *TRICKY_UA[1:])
    plain = samples.build(TRICKY_UA[0], "tricky-plain.pdf", *partial)
    ids = [first_id(b.path) for b in (first, plain)]

    assert first.path.read_bytes() == second.path.read_bytes()
    assert ids[0] == ids[1]  # WeasyPrint's, from the page it laid out


# --- variants ---------------------------------------------------------------------------------


def test_variant_none_turns_tagging_off_for_the_public(samples: Workspace) -> None:
    built = samples.build(
        "profiles/cities/minimal.yaml", "minimal-public-plain.pdf", "--audience", "public",
        "--pdf-variant", "none",
    )  # fmt: skip
    pdf = pikepdf.open(built.path)

    assert built.run.code == 0, built.run.stderr
    assert "/StructTreeRoot" not in pdf.Root
    assert "/MarkInfo" not in pdf.Root


def test_internal_edition_stays_plain_by_default(samples: Workspace) -> None:
    built = samples.build("profiles/cities/minimal.yaml", "minimal.pdf")  # test_pdf's too

    assert "/StructTreeRoot" not in pikepdf.open(built.path).Root


def test_variant_follows_the_audience_unless_asked() -> None:
    assert Options().variant_for("public") == "pdf/ua-1"
    assert Options().variant_for("internal") is None
    assert Options(pdf_variant="none").variant_for("public") is None
    assert Options(pdf_variant="pdf/a-3b").variant_for("public") == "pdf/a-3b"


# WeasyPrint opens its sRGB profile for PDF/A and leaves the file to the garbage collector
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_archival_pdf_keeps_its_attached_profile(samples: Workspace) -> None:
    built = samples.build(
        "profiles/cities/minimal.yaml", "minimal-archive.pdf", "--pdf-variant", "pdf/a-3b"
    )
    pdf = pikepdf.open(built.path)
    attached = {name: bytes(spec.get_file().read_bytes()) for name, spec in pdf.attachments.items()}
    source = (samples.folder / "profiles" / "cities" / "minimal.yaml").read_bytes()

    assert attached == {"minimal.yaml": source}
    assert 'pdfaid:part="3"' in xmp(built.path)
    assert all(int(a.F) & 4 for page in pdf.pages for a in page.get("/Annots", []))


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_public_archival_pdf_attaches_no_profile(samples: Workspace) -> None:
    # the profiles hold what is marked internal: attached whole, they would publish it
    built = samples.build(
        "profiles/cities/minimal.yaml",
        "minimal-public-archive.pdf",
        "--pdf-variant",
        "pdf/a-3b",
        "--audience",
        "public",
    )

    assert built.run.code == 0, built.run.stderr
    assert pikepdf.open(built.path).attachments.keys() == set()
    assert 'pdfaid:part="3"' in xmp(built.path)


# --- figures ----------------------------------------------------------------------------------


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img" and (dict(attrs).get("src") or "").startswith("data:image/svg"):
            self.alts.append(dict(attrs).get("alt") or "")


def figure_alts(examples: Workspace, source: str, name: str) -> list[str]:
    built = examples.build(source, name, "--format", "html")
    assert built.run.code == 0, built.run.stderr
    parser = _Figures()
    parser.feed(built.path.read_text(encoding="utf-8"))
    return parser.alts


def test_budget_and_work_plan_figures_say_what_they_show(examples: Workspace) -> None:
    proposal = reportgen.load(examples.folder / PROPOSAL)
    assert isinstance(proposal, Proposal) and proposal.budget is not None
    gantt, budget, _sdgs = figure_alts(examples, PROPOSAL, "proposal.html")
    categories = {line.category.capitalize() for line in proposal.budget.lines}

    assert re.match(r"Gantt chart of the work plan, April 2027\W+March 2029: A1 ", gantt), gantt
    assert all(f"{a.id.upper()} " in gantt for a in proposal.activities)
    assert budget.startswith("Bar chart of the budget by category, as shares of the total: ")
    assert all(re.search(rf"{c} \d+%", budget) for c in categories), budget


# --- Word -------------------------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def word_proposal(tmp_path_factory: pytest.TempPathFactory) -> WordDocument:
    folder = tmp_path_factory.mktemp("word")
    target = folder / "proposal.ja.docx"
    # read for its styles, tables and pictures: no LibreOffice pass to number the contents,
    # no fonts carried in the file
    options = Options(
        formats=("docx",),
        languages=("ja",),
        audience="public",
        page_numbers=False,
        embed_fonts=False,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1798761600")
        reportgen.build(ROOT / PROPOSAL, options=options, output=target, profiles=ROOT / "profiles")
    return open_docx(str(target))


def test_word_title_and_language_are_set(word_proposal: WordDocument) -> None:
    defaults = word_proposal.styles.element.find(f"{W}docDefaults")
    assert defaults is not None
    lang = defaults.find(f"{W}rPrDefault/{W}rPr/{W}lang")

    assert word_proposal.core_properties.title
    assert word_proposal.core_properties.language == "ja-JP"
    assert lang is not None and lang.get(f"{W}eastAsia") == "ja-JP"


def test_word_headings_are_heading_styles_without_skipped_levels(
    word_proposal: WordDocument,
) -> None:
    levels = [
        int(p.style.name.removeprefix("Heading "))
        for p in word_proposal.paragraphs
        if p.style is not None and re.fullmatch(r"Heading \d", p.style.name)
    ]

    assert levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels))


def test_word_data_tables_have_a_header_row(word_proposal: WordDocument) -> None:
    tables = [
        t for t in word_proposal.tables if t.style is not None and t.style.name == "Report Table"
    ]

    assert tables
    assert all(t._tbl.tr_lst[0].find(f"{W}trPr/{W}tblHeader") is not None for t in tables)


def test_word_pictures_are_inline_with_alt_text(word_proposal: WordDocument) -> None:
    body = word_proposal.element.body
    drawings = body.xpath(".//w:drawing")
    described = body.xpath(".//w:drawing/wp:inline/wp:docPr/@descr")

    assert drawings
    assert len(described) == len(drawings)
    assert all(len(text) >= 20 for text in described)  # a sentence (Japanese has no spaces)
