"""Stale facts: current facts older than ``--stale-after`` months are warnings, or failures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import reportgen
from reportgen.errors import Report
from tests.helpers import TODAY, RunCli, WriteFile

CITY = """\
kind: city
id: cville
name: Cville
country: JP
summary: A city.
officials:
  - {role: head, title: Mayor, name: Ann Lee, as_of: 2024-06, source: press}
  - {role: head, title: Mayor, name: Bo Kim, as_of: 2015, until: 2019, source: press}
  - {role: deputy, title: Deputy Mayor, name: Cy Oh, as_of: 2026-03, source: press}
population:
  - {value: 1000, as_of: 2010, scope: city, source: census}
  - {value: 1200, as_of: 2020-10-01, scope: city, source: census}
  - {value: 5000, as_of: 2026-01, scope: metro, source: census}
area_km2: {value: 100.5, as_of: 2016, source: census}
sources:
  - {id: press, title: Press}
  - {id: census, title: Census}
"""
"""On ``TODAY`` (2027-01-15) with the default 24 months, three current facts are stale (an
area after ten years)."""

STALE_LINES = [
    "c.yaml:7:54: officials[0].as_of: warning: Mayor Ann Lee is dated 2024-06 (source: press),"
    " more than 24 months ago: verify it",
    "c.yaml:12:26: population[1].as_of: warning: population 1,200 is dated 2020-10-01"
    " (source: census), more than 24 months ago: verify it",
    "c.yaml:14:33: area_km2.as_of: warning: area 100.5 km² is dated 2016 (source: census),"
    " more than 120 months ago: verify it",
]


def _warnings(report: Report) -> list[str]:
    return [f"{issue.path}: {issue.message}" for issue in report.warnings]


def _city(as_of: str, *, source: str = ", source: census") -> str:
    return (
        "kind: city\nid: cville\nname: Cville\ncountry: JP\nsummary: A city.\n"
        f"population: {{value: 1200, as_of: {as_of}{source}}}\n"
        "sources: [{id: census, title: Census}]\n"
    )


def test_stale_current_facts_are_warnings_naming_fact_date_and_source(
    cli: RunCli, write: WriteFile
) -> None:
    write("c.yaml", CITY)

    result = cli("validate", "c.yaml")

    assert result.code == 0
    assert result.lines == [*STALE_LINES, "valid: 0 errors, 3 warnings"]


def test_stale_warnings_fail_under_strict(cli: RunCli, write: WriteFile) -> None:
    write("c.yaml", CITY)

    result = cli("validate", "--strict", "c.yaml")

    assert result.code == 1
    assert result.lines == [
        *STALE_LINES,
        "invalid: 0 errors, 3 warnings (--strict: warnings fail)",
    ]


def test_stale_strict_passes_when_nothing_is_stale(cli: RunCli, write: WriteFile) -> None:
    write("c.yaml", CITY)

    result = cli("validate", "--strict", "--stale-after", "240", "c.yaml")

    assert result.code == 0
    assert result.lines == ["valid: 0 errors, 0 warnings"]


def test_stale_after_option_sets_the_limit(cli: RunCli, write: WriteFile) -> None:
    write("c.yaml", CITY)

    result = cli("validate", "--stale-after", "6", "c.yaml")

    # the deputy (2026-03) and the metro figure (2026-01) are older than six months too
    assert result.code == 0
    assert [line.split(": ")[1] for line in result.lines[:-1]] == [
        "officials[0].as_of",
        "officials[2].as_of",
        "population[1].as_of",
        "population[2].as_of",
        "area_km2.as_of",
    ]
    assert "more than 6 months ago" in result.lines[0]


def test_stale_after_option_must_be_positive(cli: RunCli, write: WriteFile) -> None:
    write("c.yaml", CITY)

    result = cli("validate", "--stale-after", "0", "c.yaml")

    assert result.code == 2


def test_stale_after_longer_than_the_calendar_warns_of_nothing(
    cli: RunCli, write: WriteFile
) -> None:
    write("c.yaml", CITY)

    result = cli("validate", "--stale-after", "100000", "c.yaml")

    assert result.code == 0
    assert result.lines == ["valid: 0 errors, 0 warnings"]


def test_stale_today_comes_from_source_date_epoch(
    cli: RunCli, write: WriteFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("c.yaml", _city("2025-06-01"))
    on_first_july = dt.datetime(2027, 7, 1, tzinfo=dt.UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(on_first_july.timestamp())))

    result = cli("validate", "c.yaml")

    assert result.lines[0] == (
        "c.yaml:6:34: population[0].as_of: warning: population 1,200 is dated 2025-06-01"
        " (source: census), more than 24 months ago: verify it"
    )


def test_stale_past_official_and_superseded_figure_are_history(write: WriteFile) -> None:
    path = write("c.yaml", CITY)

    report = reportgen.validate([path], today=TODAY)

    paths = [issue.path for issue in report.warnings]
    assert "officials[1].as_of" not in paths
    assert "population[0].as_of" not in paths


def test_stale_newest_population_figure_per_scope_counts(write: WriteFile) -> None:
    path = write("c.yaml", CITY)

    report = reportgen.validate([path], today=dt.date(2028, 3, 1))

    # on 2028-03-01 the metro figure of 2026-01 is stale as well, and the city's 2010 still not
    assert [i.path for i in report.warnings if i.path.startswith("population")] == [
        "population[1].as_of",
        "population[2].as_of",
    ]


def test_stale_fact_is_read_as_late_as_its_precision_allows(write: WriteFile) -> None:
    path = write("c.yaml", _city("2024"))

    # 2024 may mean 2024-12-31: 24 months before 2026-12-31 is not yet past it
    fresh = reportgen.validate([path], today=dt.date(2026, 12, 31))
    stale = reportgen.validate([path], today=dt.date(2027, 1, 1))

    assert _warnings(fresh) == []
    assert _warnings(stale) == [
        "population[0].as_of: population 1,200 is dated 2024 (source: census),"
        " more than 24 months ago: verify it"
    ]


def test_stale_fact_without_source_says_so(write: WriteFile) -> None:
    path = write("c.yaml", _city("2019-05-01", source=""))

    report = reportgen.validate([path], today=TODAY)

    assert _warnings(report) == [
        "population[0]: population 1,200 (as of 2019-05-01) has no source: add source: with"
        " the id of one of this file's sources (census)",
        "population[0].as_of: population 1,200 is dated 2019-05-01 (no source),"
        " more than 24 months ago: verify it",
    ]


def test_stale_facts_are_not_errors(write: WriteFile) -> None:
    path = write("c.yaml", CITY)

    report = reportgen.validate([path], today=TODAY)

    assert (report.errors, len(report.warnings)) == ([], 3)
    assert not report.failed()
    assert report.failed(strict=True)


def test_stale_dates_in_proposals_and_visits_are_not_facts(write: WriteFile, project: Path) -> None:
    path = write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        logframe:
          goal: Cleaner air.
          purpose: Better data.
          outputs:
            - id: o1
              title: Monitoring
              indicators:
                - {indicator: PM2.5, baseline: {value: 48, as_of: 2001}}
        """,
    )

    report = reportgen.validate([path], today=TODAY)

    assert list(report) == []
