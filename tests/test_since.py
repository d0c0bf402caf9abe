"""The briefing's "Since the last visit": the previous visit found, and what the profiles
date between it and this one, read back from HTML, PDF and Word files."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

import reportgen
from reportgen.batching import BatchResult, Settings, run
from reportgen.models import CityProfile, Visit
from reportgen.workspace import Clock, Options, Workspace
from tests.helpers import TODAY, RunCli, WriteFile, open_docx

AVILLE = """\
kind: city
id: aville
name: {en: Aville, ja: エーヴィル}
country: JP
summary: A city.
officials:
  - role: head
    title: {en: Mayor, ja: 市長}
    name: {en: Hana Mori, ja: 森花}
    as_of: 2026
    since: 2025-04-01
    source: press
  - role: head
    title: {en: Mayor, ja: 市長}
    name: {en: Ken Old, ja: 大江健}
    as_of: 2020
    until: 2025-03-31
    source: press
population:
  - {value: 100000, as_of: 2020, kind: census, scope: city, source: census}
  - {value: 98765, as_of: 2025-10-01, kind: census, scope: city, source: census}
timeline:
  - {date: 2025-04-01, title: The new mayor takes office, source: press}
  - {date: 2025-06, title: {en: A harbour office opens, ja: 港湾事務所を開設}, source: press}
  - {date: 2024, title: An event of the year of the last visit, source: press}
sources:
  - {id: press, title: City press releases}
  - {id: census, title: National census}
"""
BVILLE = """\
kind: city
id: bville
name: {en: Bville, ja: ビーヴィル}
country: CN
summary: Another city.
designations:
  - title: {en: Green City, ja: 緑の都市}
    by: {en: A Network, ja: ある連合}
    year: 2026-02
    source: net
partnerships:
  - {partner: aville, type: sister, established: 2025-09-01, source: net}
sources:
  - {id: net, title: Network news}
"""
VISIT = """\
kind: visit
id: {id}
title: {{en: {title}, ja: {title}（日本語）}}
host: {host}
guest: {guest}
dates: {{start: {start}, end: {end}}}
timezone: Asia/Tokyo
purpose: Talks.
"""
PREVIOUS_ACTIONS = """\
follow_up:
  - action: {en: Exchange staff for a week., ja: 職員を一週間交換する。}
    owner: {en: Aville Office, ja: エーヴィル事務所}
    due: 2024-12-31
    status: done
    done_on: 2024-12-01
  - action: {en: Agree a joint plan, ja: 共同計画に合意する}
    owner: {en: Bville Office, ja: ビーヴィル事務所}
    due: 2025-06-30
    audience: public
  - {action: {en: Settle the costs, ja: 費用を精算する}, audience: internal}
"""
CURRENT = "profiles/visits/now.yaml"
JA_OFFICE = "2025年4月1日、森花が大江健の後任として市長に就任[2]"
JA_OPEN = "共同計画に合意する（ビーヴィル事務所；期限：2025年6月30日）：未完了"
PREVIOUS = "profiles/visits/before.yaml"


def visit(ident: str, title: str, host: str, guest: str, start: str, end: str) -> str:
    return VISIT.format(id=ident, title=title, host=host, guest=guest, start=start, end=end)


@pytest.fixture
def cities(write: WriteFile) -> Path:
    """Two cities whose profiles date changes in 2025 and 2026, and a current visit."""
    path = write("reportgen.yaml", "home: aville\nprofiles: profiles\n")
    write("profiles/cities/aville.yaml", AVILLE)
    write("profiles/cities/bville.yaml", BVILLE)
    write(CURRENT, visit("now", "Talks in Aville", "aville", "bville", "2026-10-05", "2026-10-07"))
    return path.parent


@pytest.fixture
def visits(cities: Path, write: WriteFile) -> Path:
    """The previous visit (the other way round), an older one and a later one."""
    before = visit("before", "Talks in Bville", "bville", "aville", "2024-06-03", "2024-06-05")
    write(PREVIOUS, before + PREVIOUS_ACTIONS)
    older = visit("older", "Old", "aville", "bville", "2019-05-01", "2019-05-01")
    later = visit("later", "Later", "bville", "aville", "2027-05-01", "2027-05-01")
    write("profiles/visits/older.yaml", older)
    write("profiles/visits/later.yaml", later)
    return cities


def build_html(cli: RunCli, *options: str) -> str:
    result = cli("build", CURRENT, "--format", "html", "-o", "out", *options)
    assert result.code == 0, result.stderr
    return next(Path("out").glob("*.html")).read_text(encoding="utf-8")


def since_lines(page: str) -> list[str]:
    """The heading, paragraphs and list items of the section, as text."""
    match = re.search(r'<section class="level-1" id="since">(.*?)</section>', page, re.S)
    if match is None:
        return []
    parts = re.findall(r"<(?:h1|p|li)[^>]*>(.*?)</(?:h1|p|li)>", match.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", part)).split()) for part in parts]


def squash(text: str) -> str:
    return " ".join(text.split())


def test_since_lists_what_changed_between_the_visits(cli: RunCli, visits: Path) -> None:
    lines = since_lines(build_html(cli))

    assert lines == [
        "Since the last visit (3–5 June 2024)",
        "Last visit: Talks in Bville. What the profiles of the two cities record between its "
        "end and 5 October 2026:",
        "Bville",
        "Partnership with Aville エーヴィル signed (1 September 2025)[1]",
        "Green City awarded by A Network (February 2026)[1]",
        "Aville",
        "Hana Mori 森花 took office as Mayor on 1 April 2025, succeeding Ken Old 大江健[2]",
        "June 2025: A harbour office opens[2]",
        "Population: 98,765 (census, city) as of 1 October 2025[3], −1.2% against 100,000 "
        "(census, city) as of 2020[3]",
        "Follow-up actions from the last visit",
        "Exchange staff for a week (Aville Office; due 31 December 2024): done on 1 December 2024",
        "Agree a joint plan (Bville Office; due 30 June 2025): open",
        "Settle the costs: open",
    ]


def test_since_change_is_computed_from_the_figures_of_the_profile(
    cli: RunCli, visits: Path
) -> None:
    city = reportgen.load(Path("profiles/cities/aville.yaml"))
    assert isinstance(city, CityProfile)
    old, new = city.population[0].value, city.population[1].value
    change = (Decimal(new - old) / old * 100).quantize(Decimal("0.1"))

    lines = since_lines(build_html(cli))

    # a true minus sign (U+2212), not a hyphen
    shown = str(change).replace("-", "\u2212")
    assert f"{shown}% against {old:,}" in next(x for x in lines if x.startswith("Population"))


def test_since_in_japanese_follows_japanese_word_order(cli: RunCli, visits: Path) -> None:
    lines = since_lines(build_html(cli, "--lang", "ja", "--allow-untranslated"))

    assert lines[0] == "前回訪問以降の動き（2024年6月3日～5日）"
    assert JA_OFFICE in lines
    assert "2025年6月：港湾事務所を開設[2]" in lines
    assert JA_OPEN in lines
    done = "職員を一週間交換する（エーヴィル事務所；期限：2024年12月31日）：2024年12月1日完了"
    assert done in lines


def test_since_public_edition_leaves_out_internal_actions(cli: RunCli, visits: Path) -> None:
    lines = since_lines(build_html(cli, "--audience", "public"))

    assert "Agree a joint plan (Bville Office; due 30 June 2025): open" in lines
    assert not [line for line in lines if "Settle the costs" in line]


def test_since_first_visit_has_no_section(cli: RunCli, cities: Path) -> None:
    page = build_html(cli)

    assert since_lines(page) == []
    assert "Since the last visit" not in page


def test_since_previous_visit_named_by_date_and_title(
    cli: RunCli, visits: Path, write: WriteFile
) -> None:
    text = visit("now", "Talks in Aville", "aville", "bville", "2026-10-05", "2026-10-07")
    write(CURRENT, text + "previous_visit: {date: 2025-07, title: A visit with no profile}\n")

    lines = since_lines(build_html(cli))

    assert lines[:2] == [
        "Since the last visit (July 2025)",
        "Last visit: A visit with no profile. What the profiles of the two cities record "
        "between its end and 5 October 2026:",
    ]
    # only what is dated after July 2025, and no follow-up actions of another visit
    assert lines[2:] == [
        "Bville",
        "Partnership with Aville エーヴィル signed (1 September 2025)[1]",
        "Green City awarded by A Network (February 2026)[1]",
        "Aville",
        "Population: 98,765 (census, city) as of 1 October 2025[2], −1.2% against 100,000 "
        "(census, city) as of 2020[2]",
    ]


def test_since_previous_visit_named_by_id_overrides_the_latest(
    cli: RunCli, visits: Path, write: WriteFile
) -> None:
    text = visit("now", "Talks in Aville", "aville", "bville", "2026-10-05", "2026-10-07")
    write(CURRENT, text + "previous_visit: older\n")

    lines = since_lines(build_html(cli))

    assert lines[0] == "Since the last visit (1 May 2019)"
    assert "2024: An event of the year of the last visit[2]" in lines


@pytest.mark.parametrize(
    ("addition", "line"),
    [
        (
            "previous_visit: nowhere\n",
            "profiles/visits/now.yaml:9:17: previous_visit: unknown visit 'nowhere': "
            "no profile has it",
        ),
        (
            "previous_visit: now\n",
            "profiles/visits/now.yaml:9:17: previous_visit: a visit cannot be its own "
            "previous visit",
        ),
        (
            "previous_visit: {date: 2026-11, title: Later}\n",
            "profiles/visits/now.yaml:9:24: previous_visit.date: 2026-11 is not before this "
            "visit starts (2026-10-05)",
        ),
        (
            "follow_up: [{action: Call, due: 2026-11-01, done_on: 2026-11-02}]\n",
            "profiles/visits/now.yaml:9:54: follow_up[0].done_on: a date it was done, but the "
            "status is open: add status: done",
        ),
    ],
)
def test_since_bad_references_are_located(
    cli: RunCli, cities: Path, write: WriteFile, addition: str, line: str
) -> None:
    text = visit("now", "Talks in Aville", "aville", "bville", "2026-10-05", "2026-10-07")
    write(CURRENT, text + addition)

    result = cli("validate", CURRENT)

    assert result.code == 1
    assert line in result.lines


# --- PDF and Word read back ----------------------------------------------------------------


def test_since_pdf_lines_match_the_profiles(cli: RunCli, visits: Path) -> None:
    previous = reportgen.load(Path(PREVIOUS))
    assert isinstance(previous, Visit)
    result = cli("build", CURRENT, "-o", "out/briefing.pdf")
    assert result.code == 0, result.stderr

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "out/briefing.pdf", "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    section = squash(text[text.index("Since the last visit (3–5 June 2024)") :])
    section = section[: section.index("The two cities")]

    assert "Hana Mori 森花 took office as Mayor on 1 April 2025, succeeding Ken Old" in section
    assert "−1.2% against 100,000" in section
    for action in previous.follow_up:
        assert str(action.action).rstrip(".") in section
    assert "Agree a joint plan (Bville Office; due 30 June 2025): open" in section


def test_since_docx_lines_in_japanese_match_the_profiles(cli: RunCli, visits: Path) -> None:
    result = cli(
        "build", CURRENT, "--format", "docx", "--lang", "ja", "--allow-untranslated",
        "-o", "out/b.docx",
    )  # fmt: skip
    assert result.code == 0, result.stderr

    paragraphs = [squash(p.text) for p in open_docx("out/b.docx").paragraphs]
    start = paragraphs.index("前回訪問以降の動き（2024年6月3日～5日）")
    section = paragraphs[start : start + 12]

    assert "ビーヴィル" in section
    assert JA_OFFICE in section
    assert (
        "人口：98,765（国勢調査、市域） 2025年10月1日時点[3]"
        "（100,000（国勢調査、市域） 2020年時点[3]と比べて−1.2%）"
    ) in section
    assert JA_OPEN in section


# --- freshness -------------------------------------------------------------------------------


def batch(root: Path) -> BatchResult:
    options = Options()
    workspace = Workspace.resolve(
        manifest=root / "reportgen.yaml", options=options, clock=Clock(TODAY), require_manifest=True
    )
    return run(workspace, options, Settings(jobs=1))


def statuses(result: BatchResult) -> dict[str, str]:
    return {item.path.name: item.status for item in result.results}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


MANIFEST = """\
home: aville
profiles: profiles
defaults: {formats: [html], languages: [en]}
jobs:
  - {name: briefing, document: briefing, sources: [profiles/visits/now.yaml]}
"""


def test_since_briefing_is_rebuilt_when_the_previous_visit_changes(
    visits: Path, write: WriteFile
) -> None:
    write("reportgen.yaml", MANIFEST)
    name = "now.briefing.en.html"
    assert statuses(batch(visits)) == {name: "built"}

    edit(visits / PREVIOUS, "purpose: Talks.", "purpose: Talks on trade.")
    unrelated = statuses(batch(visits))
    edit(visits / PREVIOUS, "due: 2025-06-30\n", "due: 2025-06-30\n    status: done\n")
    done = statuses(batch(visits))

    assert unrelated == {name: "fresh"}  # the section does not print the purpose
    assert done == {name: "built"}
    page = (visits / "output" / name).read_text(encoding="utf-8")
    assert "Agree a joint plan (Bville Office; due 30 June 2025): done" in since_lines(page)


def test_since_briefing_is_rebuilt_when_a_previous_visit_appears(
    cities: Path, write: WriteFile
) -> None:
    write("reportgen.yaml", MANIFEST)
    name = "now.briefing.en.html"
    assert statuses(batch(cities)) == {name: "built"}
    before = visit("before", "Talks in Bville", "bville", "aville", "2024-06-03", "2024-06-05")

    write(PREVIOUS, before)
    result = statuses(batch(cities))

    assert result == {name: "built"}
    page = (cities / "output" / name).read_text(encoding="utf-8")
    assert since_lines(page)[0] == "Since the last visit (3–5 June 2024)"


def test_since_example_briefings_show_the_changes_of_the_profiles(
    cli: RunCli, example_project: Path
) -> None:
    anniversary = reportgen.load(Path("profiles/visits/dalian-to-kitakyushu-2024.yaml"))
    assert isinstance(anniversary, Visit)
    open_actions = [str(a.action).rstrip(".") for a in anniversary.follow_up if a.status == "open"]

    pages = {}
    for name in ("dalian-to-kitakyushu-2027-05", "dalian-to-kitakyushu-2024"):
        result = cli("build", f"profiles/visits/{name}.yaml", "--format", "html", "-o", "out")
        assert result.code == 0, result.stderr
        pages[name] = since_lines(Path(f"out/{name}.briefing.en.html").read_text("utf-8"))

    later, earlier = pages["dalian-to-kitakyushu-2027-05"], pages["dalian-to-kitakyushu-2024"]
    assert later[0] == "Since the last visit (1–2 May 2024)"
    assert open_actions and all(
        any(line.startswith(action) and line.endswith(": open") for line in later)
        for action in open_actions
    )
    # a register count of 2025 is not compared with the census of 2020
    population = next(line for line in later if line.startswith("Population: 913,577"))
    assert "against" not in population
    assert earlier[0] == "Since the last visit (2009)"
    office = (
        "Kazuhisa Takeuchi 武内和久 took office as Mayor in February 2023, succeeding Kenji "
        "Kitahashi 北橋健治["
    )
    assert any(line.startswith(office) for line in earlier)
    assert not [line for line in earlier if "until" in line]


# --- what the section says, and what it does not claim ---------------------------------------

CVILLE = """\
kind: city
id: aville
name: Aville
country: JP
summary: A city.
officials:
  - {role: head, title: Mayor, name: Ann New, as_of: 2025-11-01, source: press}
  - {role: head, title: Mayor, name: Bob Old, as_of: 2020, until: 2025-10-31, source: press}
  - {role: chair, title: Chair of the Assembly, name: Cy New, as_of: 2026, source: press}
  - {role: chair, title: Chair of the Assembly, name: Di Old, as_of: 2020, until: 2025-06}
population:
  - {value: 120000, as_of: 2010, kind: census, scope: city, source: census}
  - {value: 118000, as_of: 2019, kind: estimate, scope: city, source: census}
  - {value: 115000, as_of: 2025-10-01, kind: census, scope: city, source: census}
  - {value: 900000, as_of: 2023, kind: estimate, scope: metro, source: census}
sources:
  - {id: press, title: City press releases}
  - {id: census, title: National census}
"""
DVILLE = """\
kind: city
id: bville
name: Bville
country: CN
summary: Another city.
population:
  - {value: 50000, as_of: 2020-11-01, kind: census, scope: city}
timeline:
  - {date: 2023-03, title: A port opens}
  - {date: 2027-02, title: A later event after the visit}
"""


@pytest.fixture
def changes(write: WriteFile) -> Path:
    """A successor without a start date, figures of several kinds, a city with nothing new."""
    path = write("reportgen.yaml", "home: aville\nprofiles: profiles\n")
    write("profiles/cities/aville.yaml", CVILLE)
    write("profiles/cities/bville.yaml", DVILLE)
    write(CURRENT, visit("now", "Talks in Aville", "aville", "bville", "2026-10-05", "2026-10-07"))
    before = visit("before", "Talks in Bville", "bville", "aville", "2024-06-03", "2024-06-05")
    write(PREVIOUS, before)
    return path.parent


def test_since_new_holder_starts_the_day_after_the_predecessor(cli: RunCli, changes: Path) -> None:
    lines = since_lines(build_html(cli))

    # the predecessor's last day (31 October) is not the successor's first
    assert "Ann New took office as Mayor on 1 November 2025, succeeding Bob Old[1]" in lines
    # a month: the month after
    assert "Cy New took office as Chair of the Assembly in July 2025, succeeding Di Old[1]" in (
        lines
    )
    assert not [line for line in lines if "until" in line or "31 October" in line]


def test_since_compares_only_with_the_latest_figure_of_the_same_kind(
    cli: RunCli, changes: Path
) -> None:
    lines = since_lines(build_html(cli))

    # the latest city figure known at the last visit is the 2019 estimate: a census of
    # 2025 is not compared with it, nor with the older census of 2010
    assert "Population: 115,000 (census, city) as of 1 October 2025[2]" in lines
    assert not [line for line in lines if "against" in line]


def test_since_compares_like_with_like(cli: RunCli, changes: Path, write: WriteFile) -> None:
    write(
        "profiles/cities/aville.yaml",
        CVILLE.replace("kind: estimate, scope: city", "kind: census, scope: city"),
    )

    lines = since_lines(build_html(cli))

    assert (
        "Population: 115,000 (census, city) as of 1 October 2025[2], −2.5% against 118,000 "
        "(census, city) as of 2019[2]"
    ) in lines


def test_since_nothing_new_says_what_was_checked_and_how_old(cli: RunCli, changes: Path) -> None:
    ja = since_lines(build_html(cli, "--lang", "ja", "--allow-untranslated"))
    shutil.rmtree("out")
    lines = since_lines(build_html(cli))

    bville = lines[lines.index("Bville") + 1]
    assert bville == (
        "The profile records nothing after the last visit (checked: office holders, figures, "
        "designations, initiatives, partnerships, events); its newest dated entry is from "
        "March 2023."
    )
    assert not [line for line in lines if "Nothing new" in line]
    assert (
        "前回の訪問以降の記録はない（確認した項目：役職者、数値、認定・受賞、取組、提携、出来事）。"
        "最も新しい記録は2023年3月のものである。"
    ) in ja
