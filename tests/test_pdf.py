"""PDF documents read back: pages, contents, bookmarks, fonts, metadata, facts and audience.

Every document is built through the command line, run in this process, in a copy of the
example project on a fixed day (``SOURCE_DATE_EPOCH``), and each one only once per session:
a PDF takes seconds to lay out.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PageObject

import reportgen
from reportgen.models import CityProfile, Proposal, Visit
from reportgen.models.types import Text
from tests.helpers import (
    DALIAN,
    EPOCH,
    KITAKYUSHU,
    MINIMAL_CITY,
    PROPOSAL,
    ROOT,
    VISIT,
    Built,
    Run,
    Workspace,
    inside,
    run_cli,
    squash,
    write,
)

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)

# --- building ---------------------------------------------------------------------------------


def snippet(value: Text | str, words: int = 8) -> str:
    """The first words of a text, to look for in extracted text that wraps anywhere (as
    printed: with typographic quotes and apostrophes)."""
    from reportgen.typography import typographic

    return typographic(" ".join(str(value).split()[:words]), "en")


def load_city(ident: str) -> CityProfile:
    profile = reportgen.load(ROOT / "profiles" / "cities" / f"{ident}.yaml")
    assert isinstance(profile, CityProfile)
    return profile


def load_visit() -> Visit:
    profile = reportgen.load(ROOT / VISIT)
    assert isinstance(profile, Visit)
    return profile


# --- the documents, each built once -----------------------------------------------------------


@pytest.fixture(scope="session")
def briefing(examples: Workspace) -> Built:
    return examples.build(VISIT, "briefing.pdf")


@pytest.fixture(scope="session")
def proposal(examples: Workspace) -> Built:
    return examples.build(PROPOSAL, "proposal.pdf")


@pytest.fixture(scope="session")
def kitakyushu(examples: Workspace) -> Built:
    return examples.build(KITAKYUSHU, "kitakyushu.pdf")


@pytest.fixture(scope="session")
def dalian(examples: Workspace) -> Built:
    return examples.build(DALIAN, "dalian.pdf")


@pytest.fixture(scope="session")
def dalian_letter(examples: Workspace) -> Built:
    return examples.build(DALIAN, "dalian-letter.pdf", "--paper", "letter")


@pytest.fixture(scope="session")
def minimal(samples: Workspace) -> Built:
    return samples.build("profiles/cities/minimal.yaml", "minimal.pdf")


@pytest.fixture(scope="session")
def tricky(samples: Workspace) -> Built:
    return samples.build("profiles/cities/tricky.yaml", "tricky.pdf")


@pytest.fixture(scope="session")
def public_tricky(samples: Workspace) -> Built:
    return samples.build("profiles/cities/tricky.yaml", "tricky-public.pdf", "--audience", "public")


EXAMPLES = ["briefing", "proposal", "kitakyushu", "dalian"]
WITH_CONTENTS = ["briefing", "proposal"]
"""The examples long enough to have a contents page (city profiles have none)."""
EVERY_DOCUMENT = [*EXAMPLES, "public_briefing", "minimal", "tricky", "public_tricky"]


def document(request: pytest.FixtureRequest, name: str) -> Built:
    built = request.getfixturevalue(name)
    assert isinstance(built, Built)
    return built


# --- reading PDFs -----------------------------------------------------------------------------

CONTENTS_LINE = re.compile(r"^(?P<title>.*?\S)\s*(?:\.\s*){3,}(?P<page>\d+)$")


def contents_page(pdf: Built) -> int:
    """The page of the contents; the cover's for a document without contents."""
    pages = range(1, len(pdf.pages) + 1)
    return next((n for n in pages if pdf.lines(n)[:1] == ["Contents"]), 1)


def contents_entries(pdf: Built) -> list[tuple[str, int]]:
    """The ``Title ..... N`` lines of the contents page."""
    entries = []
    for line in pdf.lines(contents_page(pdf)):
        match = CONTENTS_LINE.match(line)
        if match:
            entries.append((match["title"], int(match["page"])))
    return entries


def heading_page(pdf: Built, title: str, start: int) -> int | None:
    """The first page from ``start`` on that has ``title`` as a line of its own."""
    return next((n for n in range(start, len(pdf.pages) + 1) if title in pdf.lines(n)), None)


def uris(pdf: Built) -> list[str]:
    """The targets of every link annotation that leaves the document."""
    found = []
    for page in pdf.reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None and action.get("/S") == "/URI":
                found.append(str(action["/URI"]))
    return found


def pdffonts(path: Path) -> list[tuple[str, str]]:
    """Each font of the PDF and whether it is embedded (``yes``/``no``), from ``pdffonts``."""
    done = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    rows = []
    for line in done.stdout.splitlines()[2:]:
        parts = line.split()
        # name, type (several words), encoding, emb, sub, uni, object number, generation
        rows.append((parts[0], parts[-5]))
    return rows


def baseline_above_bottom(page: PageObject, start: str) -> float:
    """How far above the bottom edge (pt) the text run beginning with ``start`` sits."""
    found: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.startswith(start):
            found.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5] - float(page.mediabox.bottom))

    page.extract_text(visitor_text=visit)
    assert found, f"no text starting with {start!r}"
    return found[0]


# --- pages, contents and bookmarks ------------------------------------------------------------


def test_briefing_has_the_pages_of_a_full_pack(briefing: Built) -> None:
    count = len(briefing.reader.pages)

    assert count > 5
    assert briefing.pages[-1].rstrip().endswith(f"Page {count} of {count}")


@pytest.mark.parametrize("name", WITH_CONTENTS)
def test_contents_page_numbers_are_the_pages_of_the_headings(
    request: pytest.FixtureRequest, name: str
) -> None:
    pdf = document(request, name)
    entries = contents_entries(pdf)
    found: list[tuple[str, int | None]] = []
    start = contents_page(pdf) + 1
    for title, _ in entries:
        page = heading_page(pdf, title, start)
        found.append((title, page))
        start = page or start

    assert len(entries) >= 5
    assert found == entries


@pytest.mark.parametrize("name", WITH_CONTENTS)
def test_bookmarks_list_the_contents_entries_at_their_pages(
    request: pytest.FixtureRequest, name: str
) -> None:
    pdf = document(request, name)

    bookmarks = [(h.title, h.page) for h in pdf.outline if h.level <= 2]

    assert bookmarks == contents_entries(pdf)


def test_briefing_bookmarks_include_the_level_one_headings(briefing: Built) -> None:
    top = [h.title for h in briefing.outline if h.level == 1]

    for title in (
        "Summary",
        "Programme",
        "Delegation and hosts",
        "Talking points",
        "The two cities",
        "History of the relationship",
        "Related proposals",
        "Sources",
    ):
        assert title in top
    assert "Contents" not in top
    assert briefing.reader.metadata is not None
    assert briefing.reader.metadata.title not in top


def test_briefing_running_header_repeats_the_handling_mark(briefing: Built) -> None:
    without = [n for n, text in enumerate(briefing.pages[1:], start=2) if "INTERNAL" not in text]

    assert without == []


# --- fonts and scripts ------------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_fonts_are_all_embedded_and_include_noto_cjk(
    request: pytest.FixtureRequest, name: str
) -> None:
    fonts = pdffonts(document(request, name).path)

    assert fonts
    assert [font for font, embedded in fonts if embedded != "yes"] == []
    assert any(re.search(r"Noto.?Sans.?CJK", font) for font, _ in fonts)


def test_briefing_city_names_in_their_own_script_extract_as_text(briefing: Built) -> None:
    assert "北九州市" in briefing.text
    assert "大连市" in briefing.text
    assert "Dalian 大连市 → Kitakyushu City 北九州市" in briefing.pages[0]


# --- metadata ---------------------------------------------------------------------------------


def test_briefing_metadata_describes_the_visit(briefing: Built) -> None:
    meta = briefing.reader.metadata
    visit = load_visit()

    assert meta is not None
    assert meta.title == visit.title.get("en")
    assert meta.author == "Kitakyushu City"
    assert meta.subject == "Briefing pack"
    assert meta.get("/Keywords") == "Kitakyushu City, Dalian, delegation visit"
    assert meta.creator is not None and meta.creator.startswith("reportgen ")


@pytest.mark.parametrize("name", EXAMPLES)
def test_pdf_language_and_dates_come_from_the_inputs(
    request: pytest.FixtureRequest, name: str
) -> None:
    reader = document(request, name).reader
    meta = reader.metadata
    epoch = dt.datetime.fromtimestamp(EPOCH, dt.UTC)

    assert reader.root_object.get("/Lang") == "en"
    assert meta is not None
    assert meta.creation_date == epoch
    assert meta.modification_date == epoch


def test_proposal_metadata_lists_cities_and_goals(proposal: Built) -> None:
    meta = proposal.reader.metadata

    assert meta is not None
    assert meta.subject == "Cooperation proposal"
    assert meta.author == "Kitakyushu City"
    assert meta.get("/Keywords") == "Kitakyushu City, Dalian, SDG 3, SDG 11, SDG 17"


# --- figures ----------------------------------------------------------------------------------


def test_proposal_budget_totals_are_computed_exactly(proposal: Built) -> None:
    profile = reportgen.load(ROOT / PROPOSAL)
    assert isinstance(profile, Proposal) and profile.budget is not None
    lines = profile.budget.lines
    totals = [line.quantity * line.unit_cost for line in lines]
    grand = sum(totals, Decimal(0))
    by_category: dict[str, Decimal] = {}
    by_funder: dict[str, Decimal] = {}
    for line, total in zip(lines, totals, strict=True):
        by_category[line.category] = by_category.get(line.category, Decimal(0)) + total
        funder = str(load_city(str(line.funded_by)).name)
        by_funder[funder] = by_funder.get(funder, Decimal(0)) + total

    budget = proposal.section("Budget")

    assert grand == Decimal(51_350_000)
    assert f"Grand total {grand:,.0f}" in budget
    for line, total in zip(lines, totals, strict=True):
        assert f"{line.unit_cost:,.0f} {total:,.0f}" in budget
    for category, subtotal in by_category.items():
        assert f"{category.capitalize()} {subtotal:,.0f}" in budget
    for funder, subtotal in by_funder.items():
        assert f"{funder} {subtotal:,.0f}" in budget
    assert f"Total budget JPY {grand:,.0f}" in proposal.section("Summary")


@pytest.mark.parametrize("ident", ["kitakyushu", "dalian"])
def test_city_profile_dated_figures_show_their_date_and_source(
    request: pytest.FixtureRequest, ident: str
) -> None:
    pdf = document(request, ident)
    city = load_city(ident)
    head = city.head()
    assert head is not None
    local = head.name.get(city.local_lang) if city.local_lang else ""

    overview = pdf.section("Overview")

    for fact in city.population:
        figure = re.escape(f"{fact.value:,}") + r"(?: \([^)]*\))? as of [^\[;]+\[\d+\]"
        assert re.search(figure, overview), f"{fact.value:,} without its date and source"
    holder = re.escape(f"{head.name.get('en')} {local}") + r" as of [^\[;]+\[\d+\]"
    assert re.search(holder, overview)
    sources = pdf.section("Sources")
    for source in city.sources:
        assert snippet(source.title) in sources


def test_city_profile_shows_a_fact_with_its_full_date(kitakyushu: Built) -> None:
    assert "941,239 (estimate, city) as of 1 May 2019" in kitakyushu.words


def test_proposal_indicator_baselines_show_their_date(proposal: Built) -> None:
    profile = reportgen.load(ROOT / PROPOSAL)
    assert isinstance(profile, Proposal) and profile.logframe is not None
    indicators = [i for output in profile.logframe.outputs for i in output.indicators]

    assert proposal.section("Logical framework").count("0 as of April 2027") == len(indicators)


# --- stale facts ------------------------------------------------------------------------------


def test_stale_current_fact_is_marked_verify(briefing: Built, dalian: Built) -> None:
    # Dalian's mayor is on file as of 2024: more than 24 months before 2027-01-01
    stale = r"Chen Shaowang 陈绍旺 as of 2024\[\d+\] VERIFY"

    assert re.search(stale, briefing.words)
    assert re.search(stale, dalian.words)
    # an older census figure is history, not the current figure: nothing to verify
    old = r"6,690,432 \(census, city; 6th national census\) as of 2010\[\d+\](?! VERIFY)"
    assert re.search(old, dalian.words)


def test_stale_after_option_marks_recent_facts_verify(
    examples: Workspace, kitakyushu: Built
) -> None:
    # the register figure of 1 January 2025 is exactly 24 months old on 2027-01-01
    current = r"913,577 \(register, city\) as of 1 January 2025\[\d+\]"

    # the option decides what is marked, whatever the format: the page the PDF is made from
    # shows it without a layout (print.css writes the mark in capitals)
    stale = examples.build(
        KITAKYUSHU, "kitakyushu-stale.html", "--format", "html", "--stale-after", "1"
    )
    words = squash(html.unescape(re.sub(r"<[^>]*>", "", stale.path.read_text("utf-8"))))

    assert stale.run.code == 0
    assert "population 913,577 is dated 2025-01-01" in stale.run.stderr
    assert re.search(current + r"(?! VERIFY)", kitakyushu.words)
    assert re.search(current + " verify", words)
    # a year is read as late as it can be: "2026" is not older than one month yet
    assert re.search(r"Kazuhisa Takeuchi 武内和久 as of 2026\[\d+\](?! verify)", words)


# --- audience ---------------------------------------------------------------------------------


def test_public_briefing_leaves_out_what_is_internal(
    briefing: Built, public_briefing: Built
) -> None:
    visit = load_visit()
    internal = [
        *(snippet(item.title) for item in visit.agenda if item.audience == "internal"),
        *(
            snippet(person.name)
            for person in visit.delegation
            if person.audience == "internal" and person.name
        ),
        *(snippet(point.point) for point in visit.talking_points if point.audience == "internal"),
        *(snippet(note) for note in visit.sensitivities),
        "+81-93-582-2146",
    ]
    public = [snippet(item.title) for item in visit.agenda if item.audience == "public"]
    assert len(internal) > 10 and public and visit.talking_points

    for text in internal:
        assert text in briefing.words
        assert text not in public_briefing.words
    for text in public:
        assert text in public_briefing.words
    assert "Risks" in briefing.text  # the sensitivities, in the summary
    assert "Risks" not in public_briefing.text


@pytest.mark.parametrize(
    ("name", "mark", "other"),
    [("briefing", "INTERNAL", "PUBLIC"), ("public_briefing", "PUBLIC", "INTERNAL")],
)
def test_briefing_cover_says_which_audience_it_is_for(
    request: pytest.FixtureRequest, name: str, mark: str, other: str
) -> None:
    cover = document(request, name).lines(1)

    assert mark in cover
    assert other not in cover


def test_public_city_profile_leaves_out_contact_details(
    tricky: Built, public_tricky: Built
) -> None:
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")

    assert email.findall(tricky.words) == ["ann@example.org", "bob@example.org"]
    assert "+81-3-1234-5678" in tricky.words
    assert email.findall(public_tricky.words) == []
    assert "+81-3-1234-5678" not in public_tricky.words
    assert "Bob Hidden" not in public_tricky.words
    assert "Ann Example" in public_tricky.words
    assert [u for u in uris(public_tricky) if u.startswith("mailto:")] == []


# --- absent things and hostile text -----------------------------------------------------------


@pytest.mark.parametrize("name", EVERY_DOCUMENT)
def test_document_never_prints_none(request: pytest.FixtureRequest, name: str) -> None:
    assert re.findall(r".{0,30}\bNone\b.{0,30}", document(request, name).words) == []


@pytest.mark.parametrize("name", EVERY_DOCUMENT)
def test_document_has_no_empty_headings(request: pytest.FixtureRequest, name: str) -> None:
    pdf = document(request, name)
    meta = pdf.reader.metadata
    assert meta is not None
    # pypdf leaves out the text of pictures (SDG chips, charts): read pdftotext's instead
    furniture = re.compile(r"^(?:Page \d+ of \d+)?$")
    lines = [
        line.strip()
        for text in pdf.poppler_pages[contents_page(pdf) :]
        for line in text.splitlines()
        if not furniture.match(line.strip()) and line.strip() != meta.title
    ]
    positions = []
    start = 0
    for heading in pdf.outline:
        start = lines.index(heading.title, start)
        positions.append(start)
        start += 1
    positions.append(len(lines))

    empty = [
        heading.title
        for index, heading in enumerate(pdf.outline)
        if positions[index + 1] - positions[index] <= 1
        and (index + 1 == len(pdf.outline) or pdf.outline[index + 1].level <= heading.level)
    ]

    assert empty == []


def test_city_with_only_required_fields_has_no_optional_headings(minimal: Built) -> None:
    assert minimal.run.code == 0
    assert [h.title for h in minimal.outline] == ["Overview"]
    for absent in (
        "Designations",
        "SDG focus",
        "Initiatives",
        "Goals",
        "Partnerships",
        "Contacts",
        "Sources",
        "Head of government",
        "Population",
        " as of ",  # no dated fact ("Information as of" is the cover's issue control)
    ):
        assert absent not in minimal.text.replace("Information as of", "")
    assert "A small town with nothing else on file." in minimal.words


def test_profile_text_is_printed_literally(tricky: Built) -> None:
    assert "{{ 7*7 }}" in tricky.words
    assert "<script>alert(1)</script>" in tricky.words
    assert "<b>bold</b>" in tricky.words
    assert re.search(r"\b49\b", tricky.words) is None


def test_only_http_and_mailto_links_become_pdf_links(tricky: Built) -> None:
    targets = uris(tricky)

    assert "https://example.org/tricky" in targets
    assert "https://example.org/census" in targets
    assert [u for u in targets if not u.startswith(("https://", "http://", "mailto:"))] == []
    assert "good link" in tricky.words


# --- paper ------------------------------------------------------------------------------------


def _sizes(pdf: Built) -> set[tuple[float, float]]:
    return {
        (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2))
        for page in pdf.reader.pages
    }


def test_default_paper_is_a4(briefing: Built) -> None:
    assert _sizes(briefing) == {A4}


def test_letter_paper_gives_letter_pages(dalian_letter: Built) -> None:
    assert dalian_letter.run.code == 0
    assert _sizes(dalian_letter) == {LETTER}


def test_a4_cover_foot_sits_above_the_bottom_margin(dalian: Built) -> None:
    assert baseline_above_bottom(dalian.reader.pages[0], "Internal:") > 50


def test_letter_cover_foot_sits_above_the_bottom_margin(dalian_letter: Built) -> None:
    assert baseline_above_bottom(dalian_letter.reader.pages[0], "Internal:") > 50


# --- reproducibility and the render log -------------------------------------------------------


def test_builds_in_processes_with_other_hash_seeds_are_byte_identical(
    examples: Workspace, dalian: Built, tmp_path: Path
) -> None:
    # two fresh processes at once, in another copy of the project, with string hashing (and
    # so the order of sets) unlike each other's and this process's, which built ``dalian``
    Workspace(tmp_path)
    docx = examples.build(DALIAN, "dalian.docx", "--format", "docx")
    forced = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE")
    environment = {name: value for name, value in os.environ.items() if name not in forced}
    environment |= {"SOURCE_DATE_EPOCH": str(EPOCH), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "reportgen", "build", DALIAN, "--format", "pdf"]
    builds = [
        subprocess.Popen(
            [*command, "--format", "docx", "-o", f"out-{seed}"],
            cwd=tmp_path,
            env={**environment, "PYTHONHASHSEED": seed},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed in ("1", "2")
    ]
    runs = [(build.communicate(timeout=120), build.returncode) for build in builds]

    assert [code for _, code in runs] == [0, 0], [err for (_, err), _ in runs]
    for seed in ("1", "2"):
        assert (tmp_path / f"out-{seed}/dalian.city-profile.en.pdf").read_bytes() == (
            dalian.path.read_bytes()
        )
        assert (tmp_path / f"out-{seed}/dalian.city-profile.en.docx").read_bytes() == (
            docx.path.read_bytes()
        )


def test_pipeline_build_ages_facts_against_source_date_epoch(tmp_path: Path) -> None:
    write(tmp_path / "reportgen.yaml", "profiles: profiles\n")
    write(
        tmp_path / "profiles/cities/old.yaml",
        """\
        kind: city
        id: old
        name: Old Town
        country: JP
        summary: On file since the last century.
        population: {value: 5000, as_of: 1999-06-01}
        """,
    )
    epoch = int(dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp())

    with inside(tmp_path, epoch):
        result = reportgen.build("profiles/cities/old.yaml", output=Path("old.pdf"))
    pdf = Built(tmp_path / "old.pdf", Run(0, "", "", ()))

    assert result.written == [Path("old.pdf")]
    assert pdf.reader.metadata is not None
    assert pdf.reader.metadata.creation_date == dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    assert "5,000 as of 1 June 1999" in pdf.words
    assert "VERIFY" not in pdf.words


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_builds_log_no_weasyprint_problems(
    request: pytest.FixtureRequest, name: str
) -> None:
    run = document(request, name).run
    stale_warning = re.compile(r"^profiles/\S+\.yaml:\d+:\d+: \S+: warning: .* verify it$")

    assert run.code == 0
    assert run.weasyprint_log == ()
    assert [line for line in run.stderr.splitlines() if not stale_warning.match(line)] == []
    assert run.stdout == f"out/{name}.pdf\n"


def test_weasyprint_warning_fails_the_build_and_writes_nothing(tmp_path: Path) -> None:
    Workspace(tmp_path, {"profiles/cities/minimal.yaml": MINIMAL_CITY})
    write(tmp_path / "templates/print.css", "p { colr: red; }\n")

    run = run_cli(tmp_path, "build", "profiles/cities/minimal.yaml", "-o", "out/minimal.pdf")

    assert run.code == 1
    assert "colr" in run.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


# --- failed builds ----------------------------------------------------------------------------


def test_missing_referenced_profile_fails_naming_it(tmp_path: Path) -> None:
    project = Workspace(tmp_path)
    (tmp_path / DALIAN).unlink()

    built = project.build(VISIT, "briefing.pdf")

    assert built.run.code == 1
    assert "unknown city 'dalian'" in built.run.stderr
    assert built.run.stderr.startswith(f"{VISIT}:")
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_invalid_profile_fails_with_positions_and_writes_nothing(tmp_path: Path) -> None:
    broken = MINIMAL_CITY.replace("country: JP", "country: XX") + "population: {value: many}\n"
    project = Workspace(tmp_path, {"profiles/cities/minimal.yaml": broken})

    built = project.build("profiles/cities/minimal.yaml", "minimal.pdf")

    assert built.run.code == 1
    assert "profiles/cities/minimal.yaml:4:10: country: " in built.run.stderr
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_missing_logo_fails_naming_it(tmp_path: Path) -> None:
    city = MINIMAL_CITY + "logo: images/missing.png\n"
    project = Workspace(tmp_path, {"profiles/cities/minimal.yaml": city})

    built = project.build("profiles/cities/minimal.yaml", "minimal.pdf")

    assert built.run.code == 1
    assert "images/missing.png" in built.run.stderr
    assert not built.path.exists()
