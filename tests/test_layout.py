"""Page layout read back: what stays together on a page, in the PDF and in the Word file as
LibreOffice lays it out.

A hand-made document repeats one pattern after fillers of growing length, so that some
of its headings fall at the foot of a page: a heading with a note under it ("All times
are local"), a day's heading and a short table; a panel of key facts; a long table.

The Word files the tests read as LibreOffice lays them out are built once and laid out
together, in one LibreOffice run (``laid_out``); the example briefings come from the run's
shared project, but for the Japanese one with its visit untranslated (``test_docx`` reads
it too), built from a copy of its own.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from reportgen.documents.content import (
    Cell,
    Cover,
    Document,
    FactList,
    Meta,
    Paragraph,
    Run,
    Section,
    Table,
)
from reportgen.renderers import RenderContext, to_docx, to_pdf
from reportgen.renderers.docx.office import NOT_INSTALLED
from reportgen.typography import typographic
from tests.helpers import (
    QUICK_WORD,
    Built,
    RunCli,
    Workspace,
    contents_entries,
    libreoffice_pdfs,
    open_docx,
    untranslated_japanese_briefing,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def parse_xml_root(data: bytes) -> Any:
    from lxml import etree

    return etree.fromstring(data)


ROUNDS = 14
FILLER = (
    "The delegation will be met at the airport by the International Policy Division and "
    "taken to the hotel, where a short programme of the visit is handed to each member. "
)


def plain(text: str) -> tuple[Run, ...]:
    return (Run(text),)


def round_sections(n: int) -> list[Section]:
    """A filler of ``n`` sentences, then the pattern whose headings must not be left alone."""
    rows = tuple((Cell(plain(f"{9 + r}:00")), Cell(plain(f"Row {n:02d}.{r}"))) for r in range(1, 7))
    table = Table((Cell(plain("Time")), Cell(plain("Appointment"))), rows, widths=(1, 4))
    facts = FactList(tuple((f"Fact {n:02d}.{r}", plain("A figure")) for r in range(1, 7)))
    note = Paragraph(plain("All times are local."), "note")
    return [
        Section(f"part-{n}", f"Part {n:02d}", 1, (Paragraph(plain(FILLER * (n + 1))),)),
        Section(f"programme-{n}", f"Programme {n:02d}", 1, (note,)),
        Section(f"day-{n}", f"Day {n:02d}", 2, (table,)),
        Section(f"panel-{n}", f"Panel {n:02d}", 2, (facts,)),
    ]


def layout_document() -> Document:
    created = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    # no contents page, which would name the headings once more
    sections = [replace(s, toc=False) for n in range(ROUNDS) for s in round_sections(n)]
    return Document(
        name="briefing",
        meta=Meta("Layout", "Tester", "Test", ("a",), "en", created, created),
        cover=Cover(kicker="Test", title="Layout", mark="Internal"),
        sections=tuple(sections),
        labels={"contents": "Contents", "page_of": "Page {page} of {pages}"},
    )


def pages_of(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")


def page_with(pages: Sequence[str], text: str) -> int:
    found = [number for number, page in enumerate(pages, start=1) if text in page]
    assert len(found) == 1, (text, found)
    return found[0]


def split_apart(pages: Sequence[str]) -> list[str]:
    """What the layout left apart: a heading from the first rows under it, a short table
    or a panel across a page break."""
    problems = []
    for n in range(ROUNDS):
        programme = page_with(pages, f"Programme {n:02d}")
        if page_with(pages, f"Row {n:02d}.1") != programme:
            problems.append(f"Programme {n:02d} on page {programme}, its first row after it")
        rows = {page_with(pages, f"Row {n:02d}.{r}") for r in range(1, 7)}
        if len(rows) > 1:
            problems.append(f"the table of Day {n:02d} on pages {sorted(rows)}")
        facts = {page_with(pages, f"Fact {n:02d}.{r}") for r in range(1, 7)}
        if len(facts) > 1 or page_with(pages, f"Panel {n:02d}") not in facts:
            problems.append(f"Panel {n:02d} on pages {sorted(facts)}")
    return problems


@pytest.fixture(scope="module")
def document() -> Document:
    return layout_document()


@pytest.fixture(scope="module")
def layout_pdf(document: Document, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made document as a PDF."""
    pdf = tmp_path_factory.mktemp("pdf") / "layout.pdf"
    pdf.write_bytes(to_pdf(document, RenderContext()))
    return pdf


QUICK = RenderContext(page_numbers=False, embed_fonts=False)
"""Word files for tests that read neither the contents' page numbers nor the fonts a file
carries (each costs seconds)."""


@pytest.fixture(scope="module")
def japanese_word(examples: Workspace) -> tuple[Built, Built]:
    """The example briefing in Japanese as a Word file, with the fonts it uses and without
    them (neither with the contents' page numbers)."""
    options = ("--format", "docx", "--lang", "ja", "--no-page-numbers")
    return (
        examples.build(VISIT, "briefing.ja.fonts.docx", *options),
        examples.build(VISIT, "briefing.ja.plain.docx", *options, "--no-embed-fonts"),
    )


@pytest.fixture(scope="module")
def word_files(
    document: Document,
    japanese_word: tuple[Built, Built],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    """The Word files the tests lay out with LibreOffice, by name."""
    folder = tmp_path_factory.mktemp("word")
    made = {"layout": to_docx(document, QUICK)}
    made |= {f"breaks-{lang}": to_docx(breaking_document(lang), QUICK) for lang in BREAKING}
    for name, data in made.items():
        (folder / f"{name}.docx").write_bytes(data)
    files = {name: folder / f"{name}.docx" for name in made}
    with_fonts, plain = japanese_word
    assert with_fonts.run.code == plain.run.code == 0, with_fonts.run.stderr + plain.run.stderr
    untranslated = untranslated_japanese_briefing(tmp_path_factory.mktemp("untranslated"))
    return files | {
        "briefing-ja-untranslated": untranslated,
        # last: the fonts a file embeds stay with LibreOffice for the files after it
        "briefing-ja-fonts": with_fonts.path,
    }


@pytest.fixture(scope="module")
def laid_out(
    word_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """Each of ``word_files`` as LibreOffice lays it out (a PDF), all in one run."""
    return libreoffice_pdfs(word_files, tmp_path_factory.mktemp("laid-out"))


def test_pdf_keeps_headings_notes_short_tables_and_panels_with_their_rows(
    layout_pdf: Path,
) -> None:
    pages = pages_of(layout_pdf)

    assert len(pages) > 8  # the pattern falls at many places of a page
    assert split_apart(pages) == []


def test_docx_keeps_headings_notes_short_tables_and_panels_with_their_rows(
    laid_out: dict[str, Path],
) -> None:
    pages = pages_of(laid_out["layout"])

    assert len(pages) > 8
    assert split_apart(pages) == []


def full_lines(pages: Sequence[str], paragraph: str) -> list[str]:
    """The lines of ``paragraph`` (a text repeated) that the layout filled: all but the last
    of each paragraph."""
    found: list[list[str]] = [[]]
    for page in pages:
        for line in page.splitlines():
            text = line.strip()
            if len(text) > 20 and text in paragraph * 3:
                found[-1].append(text)
            elif found[-1]:
                found.append([])
    return [line for lines in found for line in lines[:-1]]


def test_pdf_running_text_has_a_comfortable_measure(layout_pdf: Path) -> None:
    lengths = sorted(len(line) for line in full_lines(pages_of(layout_pdf), FILLER))

    assert len(lengths) > 100
    assert 65 <= lengths[len(lengths) // 2] <= 80  # about 65 to 80 letters a line
    assert lengths[-1] <= 82


def test_docx_running_text_has_a_comfortable_measure(laid_out: dict[str, Path]) -> None:
    pages = pages_of(laid_out["layout"])
    lengths = sorted(len(line) for line in full_lines(pages, FILLER))

    assert len(lengths) > 100
    assert 65 <= lengths[len(lengths) // 2] <= 80
    assert lengths[-1] <= 82


# --- Word contents without LibreOffice (with it: test_word_contents.py) ------------------------

VISIT = "profiles/visits/dalian-to-kitakyushu-2027-05.yaml"


def test_docx_contents_without_libreoffice_have_no_numbers_and_the_build_says_so_once(
    example_project: Path, cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a PATH like this one, without LibreOffice
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        for program in Path(folder).glob("*") if Path(folder).is_dir() else ():
            target = bin_dir / program.name
            if program.name not in ("soffice", "libreoffice") and not target.exists():
                target.symlink_to(program)
    monkeypatch.setenv("PATH", str(bin_dir))

    done = cli("build", VISIT, "--format", "docx", "--lang", "en", "--lang", "ja",
               "--no-embed-fonts", "-o", "out")  # fmt: skip
    entries = contents_entries(example_project / "out" / f"{Path(VISIT).stem}.briefing.en.docx")

    assert done.code == 0, done.stderr
    assert entries and all(page == "" for _, page in entries)
    assert done.stderr.splitlines().count(NOT_INSTALLED) == 1
    monkeypatch.setenv("COLUMNS", "250")
    doctor = cli("doctor")
    assert "not installed: Word contents come without page numbers" in doctor.stdout
    assert doctor.code == 0  # LibreOffice is optional
    assert NOT_INSTALLED == (
        "note: LibreOffice (soffice) is not installed: the contents of the Word files have no "
        "page numbers; Word adds them when the document's fields are updated (F9)"
    )


# --- Chinese and Japanese line breaking in Word ------------------------------------------------


def test_docx_english_in_a_japanese_document_keeps_its_words_in_libreoffice(
    word_files: dict[str, Path], laid_out: dict[str, Path]
) -> None:
    """LibreOffice breaks lines of a CJK language between any two letters; English words
    split there ("Kitakyus hu", "Arri val") when their runs are not marked as English (the
    example briefing in Japanese, its visit's texts untranslated: English, marked)."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("needs pdftotext (poppler-utils)")
    pdf = laid_out["briefing-ja-untranslated"]
    printed_text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    word = open_docx(str(word_files["briefing-ja-untranslated"]))
    texts = [p.text for p in word.paragraphs]
    texts += [c.text for t in word.tables for row in t.rows for c in row.cells]
    words = set(re.findall(r"[A-Za-z]+", "\n".join(texts)))

    printed = re.findall(r"[A-Za-z]+", printed_text)
    assert len(printed) > 1000
    assert [piece for piece in printed if piece not in words] == []


JAPANESE = "代表団は北九州市に到着し、市長と会談する。「環境」について（午後）話し合う。"
NO_LINE_STARTS_WITH = "、。）」，．"
BREAKING = {"ja": "ja-JP", "zh-Hans": "zh-CN"}
"""The languages whose lines break by these rules, and their language in Word."""


def breaking_document(lang: str) -> Document:
    """Lines of every length in ``lang``: the punctuation falls at the end of some line."""
    created = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    paragraphs = tuple(Paragraph(plain("あ" * n + JAPANESE * 6)) for n in range(24))
    return Document(
        name="briefing",
        meta=Meta("T", "Tester", "Test", ("a",), lang, created, created),
        cover=Cover(kicker="K", title="T", mark="M"),
        sections=(Section("s", "見出し", 1, paragraphs),),
        labels={"contents": "Contents", "page_of": "{page} / {pages}"},
    )


@pytest.mark.parametrize(("lang", "word_lang"), BREAKING.items())
def test_docx_breaks_chinese_and_japanese_lines_by_their_rules(
    lang: str, word_lang: str, word_files: dict[str, Path], laid_out: dict[str, Path]
) -> None:
    word = open_docx(str(word_files[f"breaks-{lang}"]))
    defaults = word.styles.element.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr")
    settings = word.settings.element

    assert defaults is not None
    for tag in ("kinsoku", "wordWrap", "overflowPunct", "autoSpaceDE", "autoSpaceDN"):
        assert defaults.find(f"{W}{tag}").get(f"{W}val") == "1", tag
    assert settings.find(f"{W}strictFirstAndLastChars") is not None
    before = settings.find(f"{W}noLineBreaksBefore")
    after = settings.find(f"{W}noLineBreaksAfter")
    assert before.get(f"{W}lang") == after.get(f"{W}lang") == word_lang
    assert set(NO_LINE_STARTS_WITH) <= set(before.get(f"{W}val"))
    assert set("「（") <= set(after.get(f"{W}val"))
    # as LibreOffice lays it out: no line starts with a comma, a full stop or a closing
    # bracket, none ends with an opening one
    lines = [
        line.strip() for page in pages_of(laid_out[f"breaks-{lang}"]) for line in page.splitlines()
    ]
    text = [line for line in lines if set(line) & set(JAPANESE)]
    assert len(text) > 50
    assert [line for line in text if line[0] in NO_LINE_STARTS_WITH] == []
    assert [line for line in text if line[-1] in "「（"] == []


KEPT = ("武内和久", "北九州市長", "2027年5月12日")
"""A name, a title and a date: each one kept on one line (``templating.join_kept``)."""


def joined_document(lang: str, width: int) -> Document:
    """A table whose first column is ``width`` parts of 20 narrow, and whose cells put the
    name, the title and the date at every place of a line."""
    created = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    rows = tuple(
        (Cell(plain("あ" * n + "、" + "、".join(KEPT) + "。")), Cell(plain("x"))) for n in range(8)
    )
    table = Table((Cell(plain("出席者")), Cell(plain("x"))), rows, widths=(width, 20 - width))
    return Document(
        name="briefing",
        meta=Meta("武内和久", "Tester", "武内和久", ("a",), lang, created, created),
        cover=Cover(kicker="K", title="T", mark="M"),
        sections=(
            Section("s", "武内和久", 1, (Paragraph(plain("、".join(KEPT))), table)),
            Section("t", "北九州市長", 1, (Paragraph(plain("x")),)),
            # enough headings for a contents page
            *(Section(f"u{n}", f"見出し{n}", 1, (Paragraph(plain("x")),)) for n in range(8)),
        ),
        labels={"contents": "目次", "page_of": "{page} / {pages}"},
    )


def raw_texts(path: Path) -> list[str]:
    """Each paragraph's text as the Word file holds it, word joiners and all."""
    import docx

    word = docx.Document(str(path))
    paragraphs = list(word.paragraphs)
    paragraphs += [
        p for t in word.tables for row in t.rows for c in row.cells for p in c.paragraphs
    ]
    return [p.text for p in paragraphs]


def test_docx_joins_the_letters_of_names_and_dates_in_chinese_japanese_and_korean(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ja.docx"
    path.write_bytes(to_docx(joined_document("ja", 3), RenderContext(page_numbers=False)))
    texts = raw_texts(path)
    word = open_docx(str(path))

    joined = ["\u2060".join(kept) for kept in KEPT]
    assert "、".join(joined) in texts  # the paragraph
    assert sum("、".join(joined) in text for text in texts) == 9  # and the 8 cells
    # not in headings, the contents' entries, the contents' heading, the properties
    assert [text for text in texts if text in ("武内和久", "北九州市長", "目次")] == [
        "目次", "武内和久", "北九州市長", "武内和久", "北九州市長",
    ]  # fmt: skip
    assert word.core_properties.title == word.core_properties.subject == "武内和久"
    # a reader of the text (tests.helpers.open_docx) sees the words alone
    assert "、".join(KEPT) in [p.text for p in word.paragraphs]
    # only in Chinese, Japanese and Korean editions
    english = tmp_path / "en.docx"
    english.write_bytes(to_docx(joined_document("en", 3), RenderContext(page_numbers=False)))
    assert not any("\u2060" in text for text in raw_texts(english))


# --- fonts that travel with the Word file -------------------------------------------------------


def pdf_fonts(pdf: Path) -> set[str]:
    """The fonts a PDF draws with (``pdffonts``), without their subset prefix."""
    listing = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    names = [line[:37].strip() for line in listing if line.strip()]  # a fixed-width column
    return {name.partition("+")[2] or name for name in names}


def without_noto(folder: Path) -> dict[str, str]:
    """The environment of an office PC without the Noto fonts: fontconfig knows one
    other font (LibreOffice does not start without any)."""
    fonts = folder / "fonts"
    fonts.mkdir(parents=True)
    other = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not other.is_file():
        pytest.skip("needs DejaVu Sans (fonts-dejavu-core)")
    (fonts / other.name).symlink_to(other)
    config = folder / "fonts.conf"
    config.write_text(
        f"<?xml version='1.0'?><fontconfig><dir>{fonts}</dir>"
        f"<cachedir>{folder / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return {**os.environ, "FONTCONFIG_FILE": str(config)}


def test_docx_embeds_the_subsets_of_the_fonts_it_uses(japanese_word: tuple[Built, Built]) -> None:
    from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

    from reportgen.renderers.docx.embedding import obfuscate

    done, plain = japanese_word
    assert done.run.code == plain.run.code == 0, done.run.stderr + plain.run.stderr
    word = open_docx(str(done.path))
    table = word.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
    )
    text = "".join(p.text for p in word.paragraphs)
    text += "".join(c.text for t in word.tables for row in t.rows for c in row.cells)

    keys = {
        e.get(f"{R}id"): e.get(f"{W}fontKey")
        for e in parse_xml_root(table.blob).iter()
        if e.get(f"{W}fontKey")
    }
    embedded = {}
    for rel in table.rels.values():
        font = TTFont(io.BytesIO(obfuscate(rel.target_part.blob, keys[rel.rId])))
        name = f"{font['name'].getDebugName(1)} {font['name'].getDebugName(2)}"
        embedded[name] = set(map(chr, font.getBestCmap()))
        assert (
            rel.target_part.content_type
            == "application/vnd.openxmlformats-officedocument.obfuscatedFont"
        )

    assert {
        "Noto Sans Regular",
        "Noto Sans Bold",
        "Noto Sans CJK JP Regular",
        "Noto Sans CJK JP Bold",
    } <= set(embedded)
    # subsets: every letter of the text is in the font that draws it, and little else
    japanese = {c for c in text if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff"}
    assert japanese <= embedded["Noto Sans CJK JP Regular"]
    assert len(embedded["Noto Sans CJK JP Regular"]) < 2000
    assert set("Kitakyushu") <= embedded["Noto Sans Regular"]
    assert word.settings.element.find(f"{W}embedTrueTypeFonts") is not None
    # without them, the file names the fonts and carries none
    assert (
        open_docx(str(plain.path))
        .part.part_related_by(
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
        )
        .rels
        == {}
    )


def test_docx_on_a_pc_without_noto_keeps_its_fonts_lines_and_pages(
    japanese_word: tuple[Built, Built], laid_out: dict[str, Path], tmp_path: Path
) -> None:
    with_fonts, plain = japanese_word
    elsewhere = without_noto(tmp_path / "pc")

    here = laid_out["briefing-ja-fonts"]
    # the file without fonts first: the fonts of the other stay with LibreOffice after it
    files = {"bare": plain.path, "there": with_fonts.path}
    found = libreoffice_pdfs(files, tmp_path / "elsewhere", elsewhere)
    there, bare = found["there"], found["bare"]

    assert {"NotoSansCJKjp-Regular", "NotoSans-Regular", "NotoSans-Bold"} <= {
        f.split("-VKana")[0] for f in pdf_fonts(there)
    }
    assert pdf_fonts(bare) == {"DejaVuSans"}  # what the PC would show without them
    assert pages_of(there) == pages_of(here)  # the same lines on the same pages


# --- typography ----------------------------------------------------------------------------------

PROPOSAL = "profiles/proposals/kitakyushu-dalian-air-2027.yaml"


def docx_words(path: Path) -> str:
    word = open_docx(str(path))
    texts = [p.text for p in word.paragraphs]
    texts += [c.text for t in word.tables for row in t.rows for c in row.cells]
    return " ".join(texts)


def test_printed_text_has_typographic_apostrophes_and_no_space_before_percent(
    examples: Workspace,
) -> None:
    built = [
        examples.build(VISIT, "briefing.pdf"),
        examples.build(VISIT, "briefing.quick.docx", *QUICK_WORD),
        examples.build(PROPOSAL, "proposal.pdf"),
        examples.build(PROPOSAL, "proposal.quick.docx", *QUICK_WORD),
    ]
    for done in built:
        assert done.run.code == 0, done.run.stderr
    briefing_pdf = "\n".join(pages_of(built[0].path))
    briefing_docx = docx_words(built[1].path)
    proposal_pdf = "\n".join(pages_of(built[2].path))
    proposal_docx = docx_words(built[3].path)

    for text in (briefing_pdf, briefing_docx):
        assert "Kitakyushu’s friendship city" in " ".join(text.split())
        assert "Kitakyushu's" not in text and "People's" not in text
    for text in (proposal_pdf, proposal_docx):
        assert re.search(r"\b33\.3%", text)  # a budget category's share of the total
        assert not re.search(r"\d %", text)


@pytest.mark.parametrize(
    ("text", "lang", "printed"),
    [
        ('Kitakyushu\'s "green growth" plan', "en", "Kitakyushu’s “green growth” plan"),
        ('Sie sagte "Umwelt"', "de", "Sie sagte „Umwelt“"),
        ('le "projet" d\'air', "fr", "le «projet» d’air"),
        ('会議は"環境"について', "ja", "会議は「環境」について"),
        ('the "City of Kitakyushu"', "ja", "the “City of Kitakyushu”"),  # English in Japanese
        ('see https://example.org/it\'s "here"', "en", "see https://example.org/it's “here”"),
        ('mail "office@city.example.org" now', "en", "mail “office@city.example.org” now"),
        ('see "https://example.org/a" and "b"', "en", "see “https://example.org/a” and “b”"),
    ],
)
def test_quotes_follow_the_language_of_the_text(text: str, lang: str, printed: str) -> None:
    assert typographic(text, lang) == printed


def test_negative_figures_print_a_true_minus_sign() -> None:
    # (the "Since the last visit" lines read back in test_since.py print "−1.2%")
    from reportgen.documents.writer import true_minus

    assert true_minus("-2,800") == "\u22122,800"
    assert true_minus("-JPY\u00a01,000") == "\u2212JPY\u00a01,000"
    assert true_minus("1-1 Jonai, +81-93-582-2146") == "1-1 Jonai, +81-93-582-2146"


def test_docx_japanese_cover_title_keeps_its_date_whole(
    japanese_word: tuple[Built, Built], laid_out: dict[str, Path]
) -> None:
    # the file that carries its fonts: here it is laid out as the one without them is
    # (the fonts are the system's), and test_docx_on_a_pc_without_noto_... lays it out
    # again elsewhere
    with_fonts, _ = japanese_word
    assert with_fonts.run.code == 0, with_fonts.run.stderr
    cover = pages_of(laid_out["briefing-ja-fonts"])[0]
    lines = ["".join(line.split()) for line in cover.splitlines()]

    # too long for one line: it breaks before the bracket, not inside the date
    assert "大連市代表団北九州市訪問" in lines
    assert "（2027年5月）" in lines
