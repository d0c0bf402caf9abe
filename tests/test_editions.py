"""What a briefing, a profile and a proposal print for their readers and their office: issue
control, the draft mark, the summary and who is who, each fact once, a public edition safe
to publish, and sources; read back from the PDF (pdftotext), the page it is laid out from
where the layout is not what a test reads, and the Word file (python-docx)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.helpers import (
    QUICK_WORD,
    ROOT,
    TODAY_EPOCH,
    RunCli,
    Workspace,
    open_docx,
    run_cli,
    strict_edition,
)

VISIT = "profiles/visits/dalian-to-kitakyushu-2027-05.yaml"
PROPOSAL = "profiles/proposals/kitakyushu-dalian-air-2027.yaml"
VISIT_PDF = "dalian-to-kitakyushu-2027-05.briefing.en.pdf"


def pages(pdf: Path) -> list[str]:
    """The text of each page, as pdftotext lays it out."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def words(text: str) -> str:
    """``text`` with its runs of white space made one space."""
    return " ".join(text.split())


def docx_text(path: Path) -> str:
    """Every paragraph of the body, the tables' cells included, and of headers and footers."""
    document = open_docx(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


def set_field(path: Path, key: str, value: str) -> None:
    """Set the top-level ``key`` of a profile to ``value`` (a line of YAML), in its place."""
    text = path.read_text(encoding="utf-8")
    head, found, tail = text.partition(f"\n{key}:")
    assert found, key
    end = tail.index("\n")
    path.write_text(f"{head}\n{key}: {value}{tail[end:]}", encoding="utf-8")


class Amended(NamedTuple):
    """The example briefing built from amended profiles: its PDF's pages and its Word file."""

    printed: list[str]
    docx: Path


@pytest.fixture(scope="module")
def amended(tmp_path_factory: pytest.TempPathFactory) -> Amended:
    """The example briefing in PDF and Word, built once from a copy of the example project
    with four amendments, each read by a test of its own and each in a part of the
    briefing that the others leave alone: the visit is version 2.1 (issue control, on the
    cover's foot and each page's) and a draft (the mark, on the cover's band, each page's
    head and behind each page), the Mayor of Kitakyushu changes in April 2027 (who is
    who), and a source of Dalian's gives its address and the day it was read (sources).

    The Word file's contents have no page numbers, and it carries no fonts: no test here
    reads them."""
    project = tmp_path_factory.mktemp("amended")
    shutil.copytree(ROOT / "profiles", project / "profiles")
    shutil.copy2(ROOT / "reportgen.yaml", project / "reportgen.yaml")
    set_field(project / VISIT, "version", '"2.1"')
    set_field(project / VISIT, "status", "draft")
    city = project / "profiles/cities/kitakyushu.yaml"
    text = city.read_text(encoding="utf-8")
    city.write_text(
        text.replace(
            "officials:\n",
            "officials:\n"
            "  - {role: head, title: Mayor, name: {en: Hana Newcomer, ja: 新任花},"
            " as_of: 2027-04-01, since: 2027-04-01, source: jihyo-2026}\n",
            1,
        ),
        encoding="utf-8",
    )
    city = project / "profiles/cities/dalian.yaml"
    text = city.read_text(encoding="utf-8")
    head, found, tail = text.partition("  - id: cgtn-2024\n")
    assert found
    city.write_text(
        head
        + found
        + "    url: https://example.org/cgtn/dalian-2024\n    accessed: 2024-06-30\n"
        + tail,
        encoding="utf-8",
    )
    run = run_cli(
        project, "build", VISIT, "--format", "pdf", "--format", "docx", "--no-page-numbers",
        "--no-embed-fonts", "-o", "out/", epoch=int(TODAY_EPOCH),
    )  # fmt: skip
    assert run.code == 0, run.stderr
    pdf = project / "out" / VISIT_PDF
    return Amended(pages(pdf), pdf.with_suffix(".docx"))


# --- 1. issue control and the draft mark ---------------------------------------------------


def test_every_cover_and_page_foot_carries_the_issue_control(amended: Amended) -> None:
    printed, docx = amended  # version 2.1

    cover = words(printed[0])
    assert "Issued by International Policy Division, Kitakyushu City" in cover
    assert "Date of issue 15 January 2027" in cover
    assert "Information as of 15 January 2027" in cover
    assert "Version 2.1" in cover
    foot = (
        "Issued by International Policy Division, Kitakyushu City · Date of issue 15 Jan 2027"
        " · Information as of 15 Jan 2027 · Version 2.1"
    )
    assert all(foot in words(page) for page in printed[1:])
    assert "Issued by\tInternational Policy Division, Kitakyushu City" in docx_text(docx)
    assert foot in open_docx(str(docx)).sections[-1].footer.paragraphs[0].text


def test_a_draft_is_marked_on_every_page_in_pdf_and_word(amended: Amended) -> None:
    printed, docx = amended  # a draft

    assert all("DRAFT" in page for page in printed[1:])
    assert "D RAFT" in printed[0]  # the cover's band (letter-spaced), beside the handling mark
    word = open_docx(str(docx))
    header = word.sections[-1].header
    assert "DRAFT · INTERNAL" in header.paragraphs[0].text.upper()
    assert 'string="DRAFT"' in header._element.xml  # the watermark behind every page
    assert "DRAFT" in [p.text for p in word.paragraphs]  # and on the cover


def test_a_final_visit_has_no_draft_mark(examples: Workspace) -> None:
    built = examples.build(VISIT, "briefing.pdf")

    assert built.run.code == 0, built.run.stderr
    printed = pages(built.path)
    assert not any("DRAFT" in page for page in printed)


def test_a_public_edition_is_not_built_from_a_draft(example_project: Path, cli: RunCli) -> None:
    set_field(example_project / VISIT, "status", "draft")

    result = cli("build", VISIT, "--audience", "public", "-o", "out/")

    assert result.code == 1
    assert result.lines[0] == (
        f"{VISIT}:18:9: status: the visit is a draft: a public edition is built only from a"
        " final one (change `status`, or build the internal edition)"
    )
    assert not (example_project / "out").exists() or not list((example_project / "out").iterdir())


def test_the_issuing_office_follows_the_language(examples: Workspace) -> None:
    built = strict_edition(examples, "ja")

    assert built.run.code == 0, built.run.stderr
    cover = words(pages(built.path)[0])
    assert re.search(r"国際政策課、\s?北九州市", cover), cover


# --- 4. a public edition is safe to publish by construction -------------------------------


def test_the_courtesy_copy_prints_only_what_is_marked_public(
    example_project: Path, cli: RunCli
) -> None:
    # the job as the example defines it, but for its page alone: what an edition prints is
    # the document's, whatever its format (its PDF is laid out from this page, its Word
    # file is the same edition through the Word renderer)
    manifest = example_project / "reportgen.yaml"
    job = "  - name: dalian-visit-courtesy-copy\n"
    text = manifest.read_text(encoding="utf-8")
    head, found, tail = text.partition(job)
    block, rest = tail.split("\n  - ", 1)  # the job's own lines, up to the next job
    assert found and "formats:" not in block
    manifest.write_text(f"{head}{found}{block}\n    formats: [html]\n  - {rest}", encoding="utf-8")
    result = cli("batch", "--only", "dalian-visit-courtesy-copy", "--jobs", "1")

    assert result.code == 0, result.stderr
    page = example_project / "output/dalian-to-kitakyushu-2027-05.briefing.zh-Hans.public.html"
    source = html.unescape(page.read_text(encoding="utf-8"))  # attributes (alt texts) too
    text = words(re.sub(r"<[^>]*>", "", source))
    assert "礼节性拜会" in text or "Courtesy call" in text  # a public appointment
    assert "09:30" in text
    for internal in (  # in the edition's language (and in English, were it to fall back)
        "接待方事前碰头会", "Host team pre-brief",  # an internal appointment
        "抵达，前往酒店", "Arrival and transfer",  # an appointment not marked public
        "欢迎代表团", "Welcome the delegation",  # talking points
        "争取在访问结束前", "Seek agreement on the work plan",
        "核心信息", "Key messages",
        "交替传译", "Interpretation",  # logistics
        "+81-93-582-2146",  # a phone number
        "已签署的会议纪要", "Circulate the signed meeting minutes",  # a follow-up action
        "市委书记", "Party Secretary",  # a sensitivity
        "待确认", "to be confirmed",
    ):  # fmt: skip
        assert internal not in text and internal not in source, internal
    cover_html = source.split('<section class="cover">', 1)[1].split("</section>", 1)[0]
    cover = words(re.sub(r"<[^>]*>", "", cover_html))
    assert "供公开发布。" in cover
    assert "left out" not in cover and "略" not in cover


def test_unsettled_text_in_a_public_item_fails_the_public_edition_at_its_line(
    example_project: Path, cli: RunCli
) -> None:
    visit = example_project / VISIT
    text = visit.read_text(encoding="utf-8")
    notes = "    notes:\n      en: Site access and safety arrangements to be confirmed.\n"
    visit.write_text(text.replace(notes, "    audience: public\n" + notes), encoding="utf-8")

    result = cli("build", VISIT, "--audience", "public", "-o", "out/")

    assert result.code == 1
    line = next(n for n, x in enumerate(visit.read_text().splitlines(), 1) if "Site access" in x)
    assert result.lines[0] == (
        f'{VISIT}:{line}:11: agenda[7].notes.en: "Site access and safety arrangements to be'
        ' confirmed." is not final ("to be confirmed"): write the final text, or mark the'
        " item `audience: internal` (a public edition prints it)"
    )
    assert not (example_project / "out").exists()
    # the internal edition may carry it (the check is the audience's, before any format)
    assert cli("build", VISIT, "--format", "html", "-o", "out/").code == 0


def test_a_placeholder_in_a_city_the_briefing_prints_fails_the_public_edition(
    example_project: Path, cli: RunCli
) -> None:
    city = example_project / "profiles/cities/dalian.yaml"
    text = city.read_text(encoding="utf-8")
    city.write_text(
        text.replace("region: {en: Liaoning Province,", 'region: {en: "TODO: region",'),
        encoding="utf-8",
    )

    result = cli("build", VISIT, "--audience", "public", "-o", "out/")

    assert result.code == 1
    assert result.lines[0].startswith("profiles/cities/dalian.yaml:10:")
    assert result.lines[0].endswith(
        'region.en: "TODO: region" is a placeholder: write the real text, or mark the item'
        " `audience: internal` (a public edition prints it)"
    )


def test_logistics_are_printed_in_public_only_when_marked_public(
    example_project: Path, cli: RunCli
) -> None:
    visit = example_project / VISIT
    text = visit.read_text(encoding="utf-8")
    # the text in every language it is written in, moved under `text:`
    body = text.split("logistics:\n", 1)[1].split("\n\n", 1)[0]
    marked = "logistics:\n  audience: public\n  text:\n" + "\n".join(
        "  " + line for line in body.splitlines()
    )
    visit.write_text(text.replace("logistics:\n" + body, marked), encoding="utf-8")

    # what a public edition prints is the document's, whatever its format: read the Word
    # file (no LibreOffice pass, no fonts), which takes a fraction of a PDF's layout
    result = cli("build", VISIT, "--audience", "public", *QUICK_WORD, "-o", "out/")

    assert result.code == 0, result.stderr
    docx = example_project / "out/dalian-to-kitakyushu-2027-05.briefing.en.public.docx"
    assert "Interpretation: consecutive Chinese–Japanese" in words(docx_text(docx))


def test_a_public_proposal_leaves_out_its_risks_and_who_funds_what(
    example_project: Path, cli: RunCli
) -> None:
    result = cli("build", PROPOSAL, "--audience", "public", *QUICK_WORD, "-o", "out/")

    assert result.code == 0, result.stderr
    text = docx_text(example_project / "out/kitakyushu-dalian-air-2027.proposal.en.public.docx")
    assert "Grand total" in text
    for internal in ("Risks", "Mitigation", "By funder", "Funded by", "to be confirmed"):
        assert internal not in text, internal
    internal_cli = cli("build", PROPOSAL, *QUICK_WORD, "-o", "out/")
    assert internal_cli.code == 0
    full = docx_text(example_project / "out/kitakyushu-dalian-air-2027.proposal.en.docx")
    assert "By funder" in full and "Mitigation" in full


# --- 2. a summary up front, and who is who by name ------------------------------------------


def test_the_summary_page_holds_purpose_asks_key_messages_and_risks(
    examples: Workspace,
) -> None:
    built = examples.build(VISIT, "briefing.pdf")

    assert built.run.code == 0, built.run.stderr
    printed = pages(built.path)
    summary = words(next(page for page in printed[2:] if "\nSummary\n" in page))
    order = [
        "Summary",
        "Head of delegation Chen Shaowang 陈绍旺",
        "Mayor, Dalian Municipal People’s Government",
        "First host Kazuhisa Takeuchi 武内和久",
        "Illustrative example: a delegation from Dalian",  # the purpose
        "Asks",
        "Agree the work plan, roles and first-year activities",
        "Key messages",
        "Welcome the delegation and recall the friendship",
        "Risks",
        "Protocol order: the Secretary of the Dalian Municipal Committee",
    ]
    positions = [summary.find(part) for part in order]
    assert -1 not in positions, list(zip(order, positions, strict=True))
    assert positions == sorted(positions)
    text = words("\n".join(printed))
    # stated once: the points to raise and the sensitivities are the summary's
    assert text.count("Welcome the delegation and recall the friendship") == 1
    assert text.count("Avoid presenting Dalian as a source of pollution") == 1
    assert "Mayor of Dalian 大连市市长" not in text
    assert "Since the last visit" not in summary  # the summary is a page of its own


def test_who_is_who_names_the_office_holders_with_their_form_of_address(
    examples: Workspace,
) -> None:
    built = examples.build(VISIT, "briefing.quick.docx", *QUICK_WORD)

    assert built.run.code == 0, built.run.stderr
    word = open_docx(str(built.path))
    tables = [t for t in word.tables if t.rows[0].cells[1].text == "Name and position"]
    delegation, hosts = ([[c.text for c in row.cells] for row in t.rows] for t in tables)
    assert delegation[0] == ["No.", "Name and position", "Role", "Notes"]
    assert delegation[1][1].split("\n") == [
        "Chen Shaowang 陈绍旺[1] verify",
        "Mayor, Dalian Municipal People’s Government",
        "address as Mayor Chen",
    ]
    assert hosts[1][1].split("\n") == [
        "Kazuhisa Takeuchi 武内和久[2]",
        "Mayor, City of Kitakyushu",
        "address as Mayor Takeuchi",
    ]
    # a person known by a description is not described twice
    assert delegation[2][1].split("\n")[:2] == [
        "Director, Dalian Ecology and Environment Bureau (illustrative) "
        "大连市生态环境局局长（示例）",  # its form in the person's language beside it
        "address as Director",
    ]
    for row in [*delegation[1:], *hosts[1:]]:
        cells = [cell for cell in row if cell]
        assert len(set(cells)) == len(cells)


def test_who_is_who_follows_the_office_when_it_changes_hands(amended: Amended) -> None:
    # Hana Newcomer is Mayor of Kitakyushu from 1 April 2027, before the visit
    text = words("\n".join(amended.printed))
    assert "First host Hana Newcomer 新任花" in text
    assert "Kazuhisa Takeuchi 武内和久[" not in text.split("The two cities")[0]


def test_a_person_needs_a_name_or_an_office(example_project: Path, cli: RunCli) -> None:
    visit = example_project / VISIT
    text = visit.read_text(encoding="utf-8")
    visit.write_text(
        text.replace("  - official: head  ", "  - dietary: none  ", 1), encoding="utf-8"
    )

    result = cli("validate", VISIT)

    assert result.code == 1
    line = next(
        n for n, x in enumerate(visit.read_text().splitlines(), 1) if "- dietary: none" in x
    )
    assert result.lines[0] == (
        f"{VISIT}:{line}:5: delegation[0]: give the person's name, or `official` (such as head)"
        " to take it from the city's profile"
    )


# --- 3. each fact once ------------------------------------------------------------------------


def test_each_story_is_printed_once_and_the_chart_table_is_its_alternative(
    examples: Workspace,
) -> None:
    pdf = examples.build(VISIT, "briefing.pdf")
    page = examples.build(VISIT, "briefing.html", "--format", "html")
    docx = examples.build(VISIT, "briefing.quick.docx", *QUICK_WORD)

    assert [b.run.code for b in (pdf, page, docx)] == [0, 0, 0], docx.run.stderr
    text = words("\n".join(pages(pdf.path)))
    # the joint initiative that both cities record, once, in the history of the relationship
    assert text.count("Dalian Environmental Model Zone[") == 1
    assert text.count("Kitakyushu sent 67 experts") == 1
    # the long overviews belong to the city profiles
    assert "Having turned itself from a polluted city" not in text
    # the timeline is drawn once (its labels are the chart's), not printed again as a table
    assert text.count("friendship with Dalian") == 2  # two labels of the chart
    assert "Date Event" not in text
    assert "Mayor Chen Shaowang of Dalian met Mayor Takeuchi" not in text
    # its data, descriptions included, is the picture's text alternative, in HTML and Word
    html = page.path.read_text()
    assert "Mayor Chen Shaowang of Dalian met Mayor Takeuchi" in html
    word = open_docx(str(docx.path))
    described = [e.get("descr") for e in word.element.body.iter() if e.tag.endswith("}docPr")]
    assert any(
        d
        and d.startswith("Relationship timeline: 1 May 1979 Friendship city agreement")
        and "Mayor Chen Shaowang of Dalian met Mayor Takeuchi" in d
        for d in described
    )


# --- 5. sources -------------------------------------------------------------------------------


def test_sources_print_their_address_and_access_date_and_keep_their_own_notes(
    amended: Amended,
) -> None:
    printed, docx = amended  # Dalian's source cgtn-2024 has a url and an access date

    listed = words("\n".join(printed).split("Numbers in")[-1])
    entry = re.search(r"\d+\. CGTN reports on Dalian, June 2024\..*?(?= \d{1,2}\. |$)", listed)
    assert entry is not None, listed
    assert "Accessed 30 June 2024" in entry.group()
    assert "https://example.org/cgtn/dalian-2024" in entry.group()
    word = open_docx(str(docx))
    paragraph = next(p for p in word.paragraphs if p.text.startswith("CGTN reports on Dalian"))
    assert "Accessed 30 June 2024" in paragraph.text
    assert any(
        link.address == "https://example.org/cgtn/dalian-2024" for link in paragraph.hyperlinks
    )
    # the city's website, cited by the city for a designation, does not carry the note the
    # visit wrote on its own copy of it
    website = re.search(r"\d+\. City of Kitakyushu official website.*?(?= \d{1,2}\. |$)", listed)
    assert website is not None
    assert "Contact details of the International Policy Division" not in website.group()


def test_a_draft_proposal_is_left_out_of_a_public_briefing(
    example_project: Path, cli: RunCli
) -> None:
    set_field(example_project / PROPOSAL, "status", "draft")

    internal = cli("build", VISIT, "--format", "html", "-o", "out/")
    public = cli("build", VISIT, "--format", "html", "--audience", "public", "-o", "out/")

    assert (internal.code, public.code) == (0, 0), public.stderr
    out = example_project / "out"
    assert "Related proposals" in (out / VISIT_PDF).with_suffix(".html").read_text()
    public_html = (out / VISIT_PDF.replace(".pdf", ".public.html")).read_text()
    assert "Related proposals" not in public_html
    assert "cleaner air (PM2.5)" not in public_html
