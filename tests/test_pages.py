"""What the pages print: cover, facts, sources, labels, dates and layout, read back.

One small project of its own (an outbound visit from Malmö to Kitakyushu, a proposal
and the two cities) is built once per module through the command line, on a fixed day,
and the PDF (pypdf and ``pdftotext``) and Word files are read back.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from functools import cached_property
from pathlib import Path

import pytest
from docx.table import Table as WordTable
from pypdf import PdfReader

from reportgen.cli import main
from tests.helpers import QUICK_WORD, open_docx, poppler_text

EPOCH = "1798761600"
"""2027-01-01 00:00 UTC: the day of every build here."""

MALMO = """\
kind: city
id: malmo
name: {en: Malmö, sv: Malmö}
country: SE
region: {en: Skåne County, ja: スコーネ県}
municipality_type: {en: municipality, ja: 基礎自治体}
population:
  - value: 362133
    as_of: 2023-12-31
    kind: register
    scope: city
    note: before the census review
    source: scb
  - {value: 357377, as_of: 2022-12-31, kind: register, scope: city, source: scb}
area_km2: {value: 158.4, as_of: 2020, note: approximate, source: scb}
summary: A city in the south of Sweden.
partnerships:
  - {partner: kitakyushu, type: friendship, status: planned, established: 2026, source: city-web}
sources:
  - id: scb
    title: Population statistics
    publisher: Statistics Sweden
    url: "https://www.scb.se/en/"
    accessed: 2024-05-02
  - id: city-web
    title: City of Malmö website
    publisher: City of Malmö
    note: Municipal board; the city's international office.
"""

KITAKYUSHU = """\
kind: city
id: kitakyushu
name: {en: Kitakyushu City, ja: 北九州市}
local_lang: ja
country: JP
officials:
  - role: head
    title: {en: Mayor, ja: 市長}
    name: {en: Kazuhisa Takeuchi, ja: 武内和久}
    as_of: 2026
    source: kitakyushu-web
summary: A city in the north of Kyushu.
sources:
  - {id: kitakyushu-web, title: City of Kitakyushu official website, publisher: City of Kitakyushu}
  - id: scb-table
    title: Swedish population table
    url: "HTTPS://www.scb.se/en"
    note: Population statistics.
  - {id: wind, title: Hibikinada offshore wind farm, publisher: Fukuoka Prefecture}
"""

VISIT = """\
kind: visit
id: malmo-to-kitakyushu
title:
  en: Malmö delegation to Kitakyushu, October 2027
  ja: マルメ市代表団 北九州市訪問（2027年10月）
direction: outbound
host: kitakyushu
guest: malmo
dates: {start: 2027-10-12, end: 2027-10-14}
timezone: Asia/Tokyo
purpose: A delegation from Malmö visits Kitakyushu.
agenda:
  - {date: 2027-10-12, start: "10:00", title: Courtesy call on the Mayor, type: courtesy call}
  - date: 2027-10-13
    start: "12:00"
    title: Working lunch with the city
    type: meeting
    location: {en: City Hall, ja: 北九州市役所本庁舎十五階の大会議室と隣接する控室}
    participants: [Delegation, International Policy Division]
  - {date: 2027-10-14, start: "09:00", title: Departure, type: departure}
delegation:
  - name: Anna Svensson
    title: {en: Head of International Affairs, ja: 国際部長, zh-Hans: 国际事务主管}
    organisation: {en: City of Malmö, ja: マルメ市, zh-Hans: 马尔默市}
    role: head of delegation
    languages: [sv, en]
hosts:
  - name: {en: Mayor of Kitakyushu, ja: 北九州市長}
    title: {en: Mayor, ja: 市長}
    organisation: {en: City of Kitakyushu, ja: 北九州市}
    role: host of the courtesy call and the welcome dinner
    languages: [ja]
contacts:
  - unit: {en: International Policy Division, ja: 国際政策課}
    address: 1-1 Jonai, Kitakyushu
    phone: "+81-93-582-2146"
proposals: [air]
sources:
  - id: kitakyushu-web
    title: City of Kitakyushu official website
    publisher: City of Kitakyushu
    note: Contact details.
  - id: protocol
    title: Protocol practice in Japanese cities
    note: The Mayor receives the delegation.
"""

SIGNATORIES = "\n".join(
    f"  - {{name: Signatory {n}, title: Director {n}, organisation: City of Malmö}}"
    for n in range(1, 9)
)
LONG_OUTPUT = "Data-sharing agreement between the environment bureaus of both cities signed"
FILLER = " ".join(["The steering committee meets twice a year to review the work plan."] * 32)
PROPOSAL = f"""\
kind: proposal
id: air
title: Cleaner air together
lead: malmo
partners: [kitakyushu]
period: {{start: 2027-04, end: 2029-03}}
status: draft
summary: Two cities work together on air quality.
logframe:
  goal: Cleaner air.
  purpose: Better monitoring.
  outputs:
    - {{id: o1, title: Monitoring network upgraded}}
    - {{id: o2, title: Action plan adopted}}
    - {{id: o3, title: "{LONG_OUTPUT}"}}
activities:
  - {{id: a1, output: o1, title: Monitoring survey, start: 2027-04, end: 2027-07, lead: malmo}}
  - {{id: a2, output: o2, title: Drafting the plan, start: 2027-10, end: 2028-03, lead: kitakyushu}}
  - {{id: a3, output: o3, title: Data agreement, start: 2028-04, end: 2028-09, lead: kitakyushu}}
budget:
  currency: EUR
  lines:
    - {{item: Expert missions, category: experts, quantity: 2, unit: missions, unit_cost: 5000,
       funded_by: malmo, activity: a1}}
    - {{item: Flights, category: travel, quantity: 4, unit: trips, unit_cost: 1200,
       funded_by: malmo, activity: a1}}
governance: >-
  {FILLER}
sign_off:
{SIGNATORIES}
sources:
  - id: city-web
    title: City of Malmö website
    publisher: City of Malmö
    note: Municipal board (kommunstyrelsen). Mayor's office.
"""

LUND_FILLER = " ".join(["Lund is a university city in the south of Sweden, close to Malmö."] * 62)
LUND = f"""\
kind: city
id: lund
name: {{en: Lund}}
country: SE
summary: A university city.
overview: >-
  {LUND_FILLER}
designations:
  - {{title: European Capital of Innovation, by: European Commission, year: 2024}}
  - {{title: Fairtrade City, by: Fairtrade Sweden, year: 2019}}
"""
"""A table of two rows at the foot of a page: its first row fits there, its second not."""

FILES = {
    "reportgen.yaml": "profiles: profiles\n",
    "profiles/cities/malmo.yaml": MALMO,
    "profiles/cities/kitakyushu.yaml": KITAKYUSHU,
    "profiles/visits/malmo-to-kitakyushu.yaml": VISIT,
    "profiles/proposals/air.yaml": PROPOSAL,
    "profiles/cities/lund.yaml": LUND,
}
VISIT_FILE = "profiles/visits/malmo-to-kitakyushu.yaml"
PROPOSAL_FILE = "profiles/proposals/air.yaml"
MALMO_FILE = "profiles/cities/malmo.yaml"
LUND_FILE = "profiles/cities/lund.yaml"


def squash(text: str) -> str:
    """Every run of white space (thin spaces too) as one space."""
    return " ".join(text.split())


class Pdf:
    """A built PDF, read back once with pypdf and once with ``pdftotext``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @cached_property
    def pages(self) -> list[str]:
        return [page.extract_text() for page in PdfReader(self.path).pages]

    @cached_property
    def words(self) -> str:
        return squash(" ".join(self.pages))

    @cached_property
    def poppler(self) -> str:
        """``pdftotext`` in reading order: text inside pictures (charts) included."""
        return poppler_text(self.path)


class Project:
    """The project folder; each document is built the first time it is asked for."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        for name, text in FILES.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        self._built: dict[tuple[str, ...], Path] = {}

    def build(self, source: str, name: str, *options: str) -> Path:
        # the pages' profiles are translated in part: their editions in other languages
        # are partial ones, built and marked
        args = ("build", source, "-o", f"out/{name}", "--allow-untranslated", *options)
        if args not in self._built:
            out, err = io.StringIO(), io.StringIO()
            with pytest.MonkeyPatch.context() as patch:
                patch.chdir(self.folder)
                patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
                patch.setenv("NO_COLOR", "1")
                with redirect_stdout(out), redirect_stderr(err):
                    try:
                        main(list(args))
                    except SystemExit as exc:
                        assert not exc.code, err.getvalue()
            self._built[args] = self.folder / "out" / name
        return self._built[args]

    def pdf(self, source: str, name: str, *options: str) -> Pdf:
        return Pdf(self.build(source, name, *options))

    def docx_text(self, source: str, name: str, *options: str) -> str:
        """Every paragraph of the Word file, tables included, as one squashed text.

        The Word files here are read for their words and tables: built without the
        LibreOffice pass that numbers the contents, and without fonts (``QUICK_WORD``).
        """
        word = open_docx(str(self.build(source, name, *QUICK_WORD, *options)))
        texts = [p.text for p in word.paragraphs]
        for table in word.tables:
            texts.extend(cell.text for row in table.rows for cell in row.cells)
        return squash(" ".join(texts))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    yield Project(tmp_path_factory.mktemp("pages"))


@pytest.fixture(scope="module")
def briefing(project: Project) -> Pdf:
    return project.pdf(VISIT_FILE, "briefing.pdf")


@pytest.fixture(scope="module")
def public_briefing(project: Project) -> Pdf:
    return project.pdf(VISIT_FILE, "briefing.public.pdf", "--audience", "public")


@pytest.fixture(scope="module")
def proposal(project: Project) -> Pdf:
    return project.pdf(PROPOSAL_FILE, "proposal.pdf")


@pytest.fixture(scope="module")
def city(project: Project) -> Pdf:
    return project.pdf(MALMO_FILE, "malmo.pdf")


def sources_section(pdf: Pdf) -> list[str]:
    """The entries of the sources section, as ``pdftotext`` reads them (numbers first)."""
    text = pdf.poppler[pdf.poppler.rindex("Numbers in brackets refer to these sources.") :]
    entries = re.split(r"(?m)^(?=\d+\. )", text)[1:]
    return [squash(entry) for entry in entries]


# --- 1. the cover arrow -----------------------------------------------------------------------


def test_outbound_cover_arrow_runs_from_the_delegation_to_the_host(briefing: Pdf) -> None:
    cover = squash(briefing.pages[0])

    assert "Malmö → Kitakyushu City 北九州市" in cover
    assert "Kitakyushu City 北九州市 → Malmö" not in cover
    assert "Outbound: a delegation from Malmö travels to Kitakyushu City" in briefing.words


# --- 2. the note of a fact --------------------------------------------------------------------


def test_fact_note_is_printed_beside_the_figure_in_pdf(city: Pdf) -> None:
    assert "362,133 (register, city; before the census review) as of 31 December 2023" in (
        city.words
    )
    assert "158.4 km² (approximate) as of 2020" in city.words


def test_fact_note_is_printed_beside_the_figure_in_docx(project: Project) -> None:
    text = project.docx_text(MALMO_FILE, "malmo.docx")

    assert "362,133 (register, city; before the census review) as of 31 December 2023" in text
    assert "158.4 km² (approximate) as of 2020" in text


# --- 3. sources, once each --------------------------------------------------------------------


def test_briefing_lists_each_distinct_source_once(briefing: Pdf) -> None:
    entries = sources_section(briefing)

    # the visit, the host city and the proposal all name the city's website; the same
    # statistics page is named by both cities, its URL written two ways
    assert [entry.split(". ")[0] for entry in entries] == ["1", "2", "3"]
    assert sum("City of Kitakyushu official website" in entry for entry in entries) == 1
    assert sum("scb.se" in entry.casefold() for entry in entries) == 1
    assert sum("City of Malmö website" in entry for entry in entries) == 1


def test_merged_source_keeps_its_number_everywhere(briefing: Pdf) -> None:
    entries = sources_section(briefing)
    statistics = next(e for e in entries if "scb.se" in e.casefold()).split(". ")[0]

    # Malmö's figures cite the statistics page that Kitakyushu's profile listed first
    assert (
        f"362,133 (register, city; before the census review) as of 31 December 2023[{statistics}]"
        in (briefing.words)
    )
    assert f"158.4 km² (approximate) as of 2020[{statistics}]" in briefing.words
    refs = {int(n) for n in re.findall(r"\[(\d+)\]", briefing.words)}
    assert refs <= {1, 2, 3}


def test_briefing_lists_only_the_sources_it_cites(briefing: Pdf) -> None:
    sources = briefing.poppler[briefing.poppler.rindex("Numbers in brackets") :]

    # Kitakyushu's profile lists the wind farm's page, but nothing in the briefing cites it
    assert "Hibikinada" not in briefing.poppler
    # the visit's own sources cannot be cited: listed apart, unnumbered
    consulted = squash(sources[sources.index("Also consulted") :])
    assert "Protocol practice in Japanese cities. The Mayor receives the delegation." in consulted
    assert not re.search(r"\d+\. Protocol practice", squash(sources))


def test_public_edition_lists_only_the_sources_it_cites(public_briefing: Pdf) -> None:
    # the visit's own sources back its talking points and sensitivities, left out here
    assert "Protocol practice in Japanese cities" not in public_briefing.words
    assert "Also consulted" not in public_briefing.words
    assert "City of Kitakyushu official website" in public_briefing.words


def test_sources_are_numbered_in_the_order_they_are_first_cited(briefing: Pdf) -> None:
    body = briefing.words[: briefing.words.rindex("Numbers in brackets")]
    numbers = [int(n) for n in re.findall(r"\[(\d+)\]", body)]
    first = list(dict.fromkeys(numbers))

    assert first == list(range(1, len(first) + 1))
    assert len(sources_section(briefing)) == len(first)


def test_docx_lists_only_the_sources_it_cites(project: Project) -> None:
    word = open_docx(str(project.build(VISIT_FILE, "briefing.docx", *QUICK_WORD)))
    texts = [p.text for p in word.paragraphs]
    numbered = [p.text for p in word.paragraphs if p.style is not None and p.style.name == "Source"]

    assert not any("Hibikinada" in text for text in texts)
    assert len(numbered) == 3
    assert "Also consulted" in texts
    consulted = texts[texts.index("Also consulted") + 1 :]
    assert any(text.startswith("Protocol practice in Japanese cities") for text in consulted)


def test_document_citing_nothing_lists_its_sources_unnumbered(proposal: Pdf) -> None:
    sources = squash(proposal.poppler[proposal.poppler.rindex("Sources") :])

    assert "City of Malmö website" in sources
    assert "Numbers in brackets" not in proposal.words
    assert "Also consulted" not in proposal.words


def test_merged_source_keeps_the_notes_of_the_file_cited(briefing: Pdf, project: Project) -> None:
    entry = next(e for e in sources_section(briefing) if "City of Malmö website" in e)
    docx = project.docx_text(VISIT_FILE, "briefing.docx")
    # the city, which the briefing cites, lists "Municipal board; ...", the proposal
    # "Municipal board (kommunstyrelsen). Mayor's office.": each note stays with its file
    cited = "City of Malmö website. Municipal board; the city’s international office."

    assert cited in entry
    assert cited in docx
    assert "Mayor’s office" not in entry  # typographic apostrophes, as printed
    assert entry.count("Municipal board") == 1
    assert "City of Malmö website. City of Malmö." not in entry  # the title names its publisher


def test_source_merged_by_url_has_the_title_of_the_copy_cited(briefing: Pdf) -> None:
    entry = next(e for e in sources_section(briefing) if "scb.se" in e.casefold())

    # Kitakyushu lists the page first as "Swedish population table"; Malmö's figures cite it
    assert re.match(r"\d+\. Population statistics\. Statistics Sweden\. Accessed 2 May 2024", entry)
    assert "Swedish population table" not in entry
    assert entry.count("Population statistics") == 1  # a note that repeats the title


# --- 4. no review marks in public -------------------------------------------------------------


def test_public_edition_shows_date_and_source_but_no_verify_mark(
    briefing: Pdf, public_briefing: Pdf
) -> None:
    # Malmö's register figure of 2023-12-31 is current and older than 24 months... on 2027-01-01
    stale = r"362,133 \(register, city; before the census review\) as of 31 December 2023\[\d+\]"

    assert re.search(stale + " VERIFY", briefing.words)
    assert re.search(stale, public_briefing.words)
    assert "VERIFY" not in public_briefing.words


# --- 5. echoes and raw values -----------------------------------------------------------------


def test_programme_leaves_out_a_type_that_the_title_says(briefing: Pdf) -> None:
    assert "Courtesy call on the Mayor" in briefing.words
    assert "(courtesy call)" not in briefing.words
    assert "Departure" in briefing.words
    assert "(departure)" not in briefing.words
    assert "Working lunch with the city (meeting)" in briefing.words


def test_fixed_values_print_as_labels(proposal: Pdf, city: Pdf) -> None:
    assert "Status Draft" in proposal.words
    assert "Status: Draft" in squash(proposal.pages[0])
    assert re.search(r"Expert missions \(A1\) Experts", proposal.words)
    assert re.search(r"Flights \(A1\) Travel", proposal.words)
    assert "Friendship city 2026 Planned" in city.words
    for raw in (" draft", " experts ", " travel ", " planned", " friendship "):
        assert raw not in proposal.words + city.words


def test_fixed_values_are_translated(project: Project) -> None:
    page = (project.folder / "out").joinpath
    project.build(PROPOSAL_FILE, "proposal.ja.html", "--format", "html", "--lang", "ja")
    html = page("proposal.ja.html").read_text(encoding="utf-8")

    assert ">草案<" in html  # Draft
    assert ">旅費<" in html  # Travel
    assert ">専門家経費<" in html  # Experts


def test_gantt_legend_names_the_outputs(proposal: Pdf) -> None:
    chart = squash(proposal.poppler)

    assert "Output 1: Monitoring network upgraded" in chart
    assert "Output 2: Action plan adopted" in chart
    assert not re.search(r"\bo1\b|\bo2\b", chart)


def test_gantt_legend_prints_a_long_output_title_in_full(proposal: Pdf) -> None:
    chart = squash(proposal.poppler)

    # the heading prints the title too; the legend used to cut it ("Output 3: Data-shari…")
    assert chart.count(f"Output 3: {LONG_OUTPUT}") >= 2
    assert "…" not in chart


# --- 6. ranges of dates -----------------------------------------------------------------------


def test_range_of_days_names_the_month_and_year_once(briefing: Pdf) -> None:
    assert "12–14 October 2027" in squash(briefing.pages[0])
    assert "Dates 12–14 October 2027" in briefing.words
    assert "12 October 2027 – 14 October 2027" not in briefing.words


def test_range_of_months_stays_months(proposal: Pdf) -> None:
    assert "Period April 2027 – March 2029 (24 months)" in proposal.words
    assert "April – July 2027" in proposal.words  # activity a1
    assert "October 2027 – March 2028" in proposal.words  # activity a2


def test_japanese_range_of_days_uses_the_japanese_interval(project: Project) -> None:
    project.build(VISIT_FILE, "briefing.ja.html", "--format", "html", "--lang", "ja")
    html = (project.folder / "out" / "briefing.ja.html").read_text(encoding="utf-8")
    html = re.sub(r"</?span[^>]*>", "", html)

    assert "2027年10月12日～14日" in html
    assert "2027年10月12日 – 2027年10月14日" not in html


# --- 7. layout --------------------------------------------------------------------------------


def test_table_header_words_do_not_run_together(proposal: Pdf) -> None:
    header = re.compile(r"ID\s+Activity\s+Output\s+When\s+Lead")

    assert header.search(proposal.words)
    assert header.search(squash(proposal.poppler))
    assert "OutputWhen" not in proposal.words + proposal.poppler


def test_sign_off_table_stays_on_one_page(proposal: Pdf) -> None:
    pages = [n for n, text in enumerate(proposal.pages) if "Signatory" in text]

    assert len(pages) == 1
    page = squash(proposal.pages[pages[0]])
    assert all(f"Signatory {n}" in page for n in range(1, 9))
    assert proposal.words.count("Name and title Signature Date") == 1


def test_source_entry_says_accessed_with_a_capital(city: Pdf) -> None:
    assert "Statistics Sweden. Accessed 2 May 2024." in city.words
    assert "accessed" not in city.words


def test_region_and_municipality_type_have_their_own_labels(city: Pdf) -> None:
    assert "Region Skåne County" in city.words
    assert "Country Sweden" in city.words
    assert "Type of municipality municipality" in city.words
    assert "Country Skåne County" not in city.words


def test_short_document_has_no_contents_page(city: Pdf, briefing: Pdf) -> None:
    assert "Contents" not in city.words
    assert len(city.pages) == 2  # the cover and the profile
    # a briefing's contents lists its programme days and both cities: ten headings
    assert "Contents" in squash(briefing.pages[1])


def test_budget_total_comes_once_after_the_last_line(proposal: Pdf) -> None:
    # the budget runs over a page break: the total is not repeated at the foot of the first
    assert proposal.words.count("Grand total") == 1
    assert re.search(
        r"Flights \(A1\) Travel 4 trips 1,200.00 4,800.00 Malmö Grand total", (proposal.words)
    )


def test_table_leaves_no_row_alone_on_a_page(project: Project) -> None:
    pdf = project.pdf(LUND_FILE, "lund.pdf")
    pages = [n for n, text in enumerate(pdf.pages) if "Fairtrade" in text or "Innovation" in text]

    assert len(pages) == 1
    assert "Designations and awards" in pdf.pages[pages[0]]


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_docx_sign_off_rows_are_kept_together(project: Project) -> None:
    word = open_docx(str(project.build(PROPOSAL_FILE, "proposal.docx", *QUICK_WORD)))
    table = next(t for t in word.tables if t.rows[0].cells[0].text == "Name and title")
    kept = [
        all(p._p.find(f"{W}pPr/{W}keepNext") is not None for c in row.cells for p in c.paragraphs)
        for row in table.rows
    ]

    assert len(kept) == 9  # the header and eight signatories
    assert kept == [True] * 8 + [False]


def test_docx_short_document_has_no_contents(project: Project) -> None:
    word = open_docx(str(project.build(MALMO_FILE, "malmo.docx", *QUICK_WORD)))
    fields = [e.text for e in word.element.body.iter(f"{W}instrText")]

    assert not any("TOC" in (text or "") for text in fields)
    assert "Contents" not in [p.text for p in word.paragraphs]


# --- lists in the language's own words ----------------------------------------------------------


@pytest.fixture(scope="module")
def japanese_briefing(project: Project) -> Pdf:
    return project.pdf(VISIT_FILE, "briefing.ja.pdf", "--lang", "ja")


@pytest.fixture(scope="module")
def chinese_page(project: Project) -> str:
    """The text of the Chinese briefing's page: what its lists print is the document's, not
    its layout's (the PDF is laid out from this page; the Japanese PDF's lines are read)."""
    path = project.build(
        VISIT_FILE, "briefing.zh-Hans.html", "--format", "html", "--lang", "zh-Hans"
    )
    return html.unescape(re.sub(r"<[^>]*>", "", path.read_text(encoding="utf-8")))


def compact(text: str) -> str:
    """The text without any white space: CJK lines wrap anywhere."""
    return "".join(text.split())


def test_japanese_and_chinese_lists_use_their_own_separators(
    japanese_briefing: Pdf, chinese_page: str
) -> None:
    ja, zh = compact(japanese_briefing.poppler), compact(chinese_page)

    assert "使用言語：スウェーデン語、英語" in ja  # Languages: Swedish, English
    assert "国際部長、マルメ市" in ja  # title and organisation
    assert "瑞典语和英语" in zh
    assert "国际事务主管、马尔默市" in zh
    assert "スウェーデン語,英語" not in ja
    assert "瑞典语,英语" not in zh


def test_english_lists_keep_their_commas(briefing: Pdf, japanese_briefing: Pdf) -> None:
    assert "Languages: Swedish, English" in briefing.words
    assert "Head of International Affairs, City of Malmö" in briefing.words
    # English standing in for a missing translation (marked) keeps its commas in a Japanese
    # document
    ja = squash(japanese_briefing.poppler)
    assert "[EN] Delegation, [EN] International Policy Division" in ja
    assert "国際政策課、1-1 Jonai, Kitakyushu, +81-93-582-2146" in ja


def test_docx_lists_use_the_languages_own_separators(project: Project) -> None:
    text = project.docx_text(VISIT_FILE, "briefing.zh-Hans.docx", "--lang", "zh-Hans")

    assert "瑞典语和英语" in text
    assert "国际事务主管、马尔默市" in text


# --- lines that keep CJK names and dates whole ----------------------------------------------------


def test_japanese_cover_title_keeps_its_date_whole(japanese_briefing: Pdf) -> None:
    cover = [line.strip() for line in japanese_briefing.poppler.split("\f")[0].splitlines()]

    # the title is too long for one line: it breaks before the bracket, not inside the date
    assert "マルメ市代表団 北九州市訪問" in cover
    assert "（2027年10月）" in cover


def test_short_cjk_name_stays_on_one_line_in_a_narrow_column(briefing: Pdf) -> None:
    lines = [line.strip() for line in briefing.poppler.splitlines()]

    # "Mayor of Kitakyushu 北九州市長" in the name column of the hosts table: the CJK name
    # is not broken between its characters
    assert any(line.endswith("北九州市長") for line in lines)
    assert not any(line.endswith("北九州") for line in lines)


def test_long_cjk_text_still_wraps_in_its_column(japanese_briefing: Pdf) -> None:
    location = "北九州市役所本庁舎十五階の大会議室と隣接する控室"
    lines = [compact(line) for line in japanese_briefing.poppler.splitlines()]

    assert location in compact(japanese_briefing.poppler)
    assert not any(location in line for line in lines)


def kept_with_next(table: WordTable) -> list[bool]:
    """For each row of a Word table: whether every paragraph in it is kept with the next."""
    return [
        all(p._p.find(f"{W}pPr/{W}keepNext") is not None for c in row.cells for p in c.paragraphs)
        for row in table.rows
    ]


def test_docx_table_leaves_no_row_alone_on_a_page(project: Project) -> None:
    lund = open_docx(str(project.build(LUND_FILE, "lund.docx", *QUICK_WORD)))
    proposal = open_docx(str(project.build(PROPOSAL_FILE, "proposal.docx", *QUICK_WORD)))
    designations = next(t for t in lund.tables if t.rows[0].cells[0].text == "Designation")
    activities = next(t for t in proposal.tables if t.rows[0].cells[0].text == "ID")
    budget = next(t for t in proposal.tables if t.rows[0].cells[0].text == "Item")

    assert kept_with_next(designations) == [True, True, False]
    # the header with the first row, the last but one with the last
    assert kept_with_next(activities) == [True, True, True, False]
    # the last line with the total under it
    assert kept_with_next(budget) == [True, True, True, False]
