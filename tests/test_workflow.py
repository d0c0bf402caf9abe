"""A new office's first week (issue 12, points 9 to 15), through the command line.

Starters and their placeholders, ``reportgen init`` and the home city, unreadable files,
messages a non-programmer can act on, what ``validate`` must catch before ``build``,
project catalogs, and the smaller things: one round of manifest errors, reversed dates,
follow-ups, slow-ageing areas and ``history`` in a pipe.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from reportgen.history import History
from tests.helpers import CITY_A, CITY_B, RunCli, WriteFile

VISIT = """\
kind: visit
id: bville-to-aville
title: Bville delegation to Aville
{direction}host: aville
guest: bville
dates: {{start: 2027-05-12, end: 2027-05-14}}
timezone: Asia/Tokyo
purpose: Talks.
"""
PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def _visit(direction: str = "direction: inbound\n") -> str:
    return VISIT.format(direction=direction)


def _catalog(root: Path, lang: str, pairs: dict[str, str]) -> None:
    path = root / "locales" / lang / "LC_MESSAGES" / "reportgen.po"
    path.parent.mkdir(parents=True)
    entries = "".join(f'msgid "{k}"\nmsgstr "{v}"\n\n' for k, v in pairs.items())
    path.write_text(PO_HEADER + entries, encoding="utf-8")


# --- 9. starters and placeholders --------------------------------------------------------------


def test_new_city_starter_placeholders_are_located_warnings(cli: RunCli, workdir: Path) -> None:
    cli("new", "city", "oslo")

    result = cli("validate", "oslo.yaml")

    assert result.code == 0
    assert result.lines == [
        "oslo.yaml:11:10: country: warning: ZZ (unknown country) is a placeholder: write the"
        " ISO 3166-1 code of the city's country, such as SE",
        'oslo.yaml:14:38: officials[0].name: warning: "TODO: name of the mayor" is a'
        " placeholder: write the real text",
        "oslo.yaml:16:13: population[0].value: warning: 123456 is the starter's placeholder"
        " number: write the real figure",
        'oslo.yaml:18:10: summary: warning: "TODO: one or two paragraphs on who the city is and'
        ' what i..." is a placeholder: write the real text',
        'oslo.yaml:39:31: sources[0].title: warning: "TODO: title of the page the figures come'
        ' from" is a placeholder: write the real text',
        "valid: 0 errors, 5 warnings",
    ]


def test_placeholder_written_by_hand_is_a_warning(cli: RunCli, write: WriteFile) -> None:
    write("a.yaml", CITY_A.replace("summary: A city.", "summary: TODO ask the mayor's office"))

    result = cli("validate", "a.yaml")

    assert result.lines[0] == (
        'a.yaml:5:10: summary: warning: "TODO ask the mayor\'s office" is a placeholder:'
        " write the real text"
    )


def test_unedited_starter_fails_a_strict_build_saying_why(cli: RunCli, workdir: Path) -> None:
    cli("new", "city", "oslo", "--country", "NO")

    result = cli("build", "oslo.yaml", "--format", "html", "--strict")

    assert result.code == 1
    assert result.lines[-1] == (
        "error: the build failed because --strict counts warnings as errors: 4 warnings"
    )
    assert not (workdir / "output").exists()


def test_starters_assume_no_country(cli: RunCli, project: Path) -> None:
    cli("new", "city", "malmo", "--name", "Malmö", "--country", "SE")
    cli("new", "visit", "bville-to-malmo", "--city", "malmo", "--partner", "bville")
    cli("new", "proposal", "malmo-water", "--city", "malmo", "--partner", "bville")

    visit = (project / "profiles/visits/bville-to-malmo.yaml").read_text(encoding="utf-8")
    proposal = (project / "profiles/proposals/malmo-water.yaml").read_text(encoding="utf-8")
    city = (project / "profiles/cities/malmo.yaml").read_text(encoding="utf-8")
    everything = visit + proposal + city
    assert 'name: {en: "Malmö"}' in city
    assert "country: SE " in city
    assert 'title: "Bville delegation to Malmö"' in visit
    assert "timezone: Europe/Stockholm " in visit
    assert "currency: SEK " in proposal
    assert "period: {start: 2028-01, end: 2029-12}" in proposal
    for japanese in ("JP", "Japan", "Tokyo", "JPY", "JICA", "-04}", "Kitakyushu"):
        assert japanese not in everything
    assert cli("validate", "profiles").code == 0


def test_new_takes_time_zone_and_currency(cli: RunCli, project: Path) -> None:
    cli("new", "visit", "v", "--timezone", "Europe/Lisbon")
    cli("new", "proposal", "p", "--currency", "EUR")

    visit = (project / "profiles/visits/v.yaml").read_text(encoding="utf-8")
    proposal = (project / "profiles/proposals/p.yaml").read_text(encoding="utf-8")
    assert "timezone: Europe/Lisbon " in visit
    assert "currency: EUR " in proposal


def test_new_refuses_an_unknown_country_code(cli: RunCli, workdir: Path) -> None:
    result = cli("new", "city", "oslo", "--country", "XY")

    assert result.code == 2
    assert result.lines == ["error: --country: 'XY' is not an ISO 3166-1 alpha-2 country code"]
    assert list(workdir.iterdir()) == []


def test_new_with_a_name_for_an_id_says_what_to_write(cli: RunCli, workdir: Path) -> None:
    result = cli("new", "city", "Malmö")

    assert result.code == 2
    assert result.lines[0].endswith('; write: reportgen new city malmo --name "Malmö"')


# --- 10. init and the home city ----------------------------------------------------------------


def test_init_starts_a_project_that_validates(cli: RunCli, workdir: Path) -> None:
    result = cli("init", "office", "--city", "Malmö", "--country", "SE")

    assert result.code == 0
    visit = "office/profiles/visits/partner-city-to-malmo-2027-02.yaml"
    assert result.stdout.splitlines()[:8] == [
        "started a reportgen project in office:",
        "  office/reportgen.yaml",
        "  office/profiles/cities/malmo.yaml",
        "  office/profiles/cities/partner-city.yaml",
        f"  {visit}",
        "  office/profiles/proposals/malmo-partner-city-project.yaml",
        "  office/.gitignore",
        "Next:",
    ]
    assert "reportgen validate reportgen.yaml profiles" in result.stdout
    assert (workdir / "office/.gitignore").read_text(encoding="utf-8") == "output/\n"
    manifest = (workdir / "office/reportgen.yaml").read_text(encoding="utf-8")
    assert "home: malmo " in manifest
    assert "timezone: Europe/Stockholm " in manifest
    assert "direction:" not in (workdir / visit).read_text(encoding="utf-8").replace(
        "# direction:", ""
    )
    checked = cli("validate", "office/reportgen.yaml", "office/profiles")
    assert checked.code == 0
    assert checked.lines[-1].startswith("valid: 0 errors, ")
    assert cli("validate", "--strict", "office/profiles").code == 1


def test_init_refuses_a_folder_with_files_unless_forced(cli: RunCli, write: WriteFile) -> None:
    write("notes.txt", "mine\n")

    refused = cli("init")
    forced = cli("init", "--force")

    assert refused.code == 2
    assert refused.lines == [
        "error: . is not empty: start the project in a new folder (reportgen init FOLDER),"
        " or add --force to write its files here anyway"
    ]
    assert forced.code == 0
    assert Path("reportgen.yaml").is_file()
    assert Path("notes.txt").read_text(encoding="utf-8") == "mine\n"


def test_visit_direction_follows_from_the_home_city(cli: RunCli, project: Path) -> None:
    (project / "reportgen.yaml").write_text("home: aville\nprofiles: profiles\n")
    (project / "profiles/visits").mkdir()
    (project / "profiles/visits/v.yaml").write_text(_visit(direction=""), encoding="utf-8")

    checked = cli("validate", "profiles")
    built = cli("build", "profiles/visits/v.yaml", "--format", "html")

    assert (checked.code, checked.lines) == (0, ["valid: 0 errors, 0 warnings"])
    assert built.code == 0, built.stderr
    page = (project / "output/bville-to-aville.briefing.en.html").read_text(encoding="utf-8")
    assert "receives a delegation from" in page


def test_visit_direction_that_contradicts_home_is_an_error(cli: RunCli, project: Path) -> None:
    (project / "reportgen.yaml").write_text("home: bville\nprofiles: profiles\n")
    (project / "profiles/visits").mkdir()
    (project / "profiles/visits/v.yaml").write_text(_visit(), encoding="utf-8")

    result = cli("validate", "profiles/visits/v.yaml")

    assert result.code == 1
    assert result.lines[0] == (
        "profiles/visits/v.yaml:4:12: direction: inbound contradicts host and guest: the guest"
        " 'bville' is the home city (reportgen.yaml), so the visit is outbound"
    )


def test_visit_without_direction_or_home_is_told_both_ways(cli: RunCli, project: Path) -> None:
    (project / "profiles/visits").mkdir()
    (project / "profiles/visits/v.yaml").write_text(_visit(direction=""), encoding="utf-8")

    result = cli("validate", "profiles/visits/v.yaml")

    assert result.code == 1
    assert result.lines[0] == (
        "profiles/visits/v.yaml:1:1: direction: required, but missing: inbound or outbound (or"
        " name your own city as home: in reportgen.yaml, and it follows from host and guest)"
    )


def test_manifest_home_must_be_a_city_of_the_project(cli: RunCli, project: Path) -> None:
    (project / "reportgen.yaml").write_text("profiles: profiles\nhome: cville\n")

    result = cli("validate", "reportgen.yaml")

    assert result.code == 1
    assert result.lines[0] == (
        "reportgen.yaml:2:7: home: unknown city 'cville': no profile in profiles has it"
    )


# --- 11. one unreadable file -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        (
            CITY_B.replace("summary: Another city.", "summary:\n\tAnother city.").encode(),
            "profiles/cities/bville.yaml:6:1: a tab is used for indentation: indent with spaces"
            " (YAML allows no tabs)",
        ),
        (
            CITY_B.replace("Another city.", "Caf\xe9 culture.").encode("cp1252"),
            "profiles/cities/bville.yaml:5:13: not UTF-8 text (byte 0xE9): save the file as"
            " UTF-8; it looks like Windows-1252 (Western European)",
        ),
    ],
    ids=["tab", "windows-1252"],
)
def test_unreadable_city_is_reported_once_and_named_by_the_files_that_use_it(
    cli: RunCli, project: Path, raw: bytes, line: str
) -> None:
    (project / "profiles/cities/bville.yaml").write_bytes(raw)
    (project / "profiles/visits").mkdir()
    (project / "profiles/visits/v.yaml").write_text(_visit(), encoding="utf-8")
    reference = (
        "profiles/visits/v.yaml:6:8: guest: city 'bville' is in a file that could not be read:"
        " profiles/cities/bville.yaml (see its error)"
    )

    checked = cli("validate", "profiles")
    built = cli("build", "profiles/visits/v.yaml", "--format", "html")

    assert checked.lines == [line, reference, "invalid: 2 errors, 0 warnings"]
    assert built.code == 1
    assert built.lines == [line, reference, "error: 2 errors in the input"]


# --- 12. messages to act on --------------------------------------------------------------------


def test_build_with_a_country_code_for_a_language_suggests_the_language(
    cli: RunCli, project: Path
) -> None:
    result = cli("build", "profiles/cities/aville.yaml", "--lang", "kr", "--format", "html")

    assert result.code == 2
    assert result.lines == [
        "error: --lang: 'kr' is not a language: KR is the country code of South Korea;"
        " for Korean write ko"
    ]


def test_manifest_language_that_is_a_country_code_is_located(cli: RunCli, project: Path) -> None:
    (project / "reportgen.yaml").write_text("profiles: profiles\ndefaults: {languages: [en, jp]}\n")

    result = cli("validate", "reportgen.yaml")

    assert result.lines[0] == (
        "reportgen.yaml:2:28: defaults.languages[1]: 'jp' is not a language: JP is the country"
        " code of Japan; for Japanese write ja"
    )


# --- 13. what validate must catch before build -------------------------------------------------


def test_validate_reports_a_logo_that_does_not_exist(cli: RunCli, write: WriteFile) -> None:
    write("a.yaml", CITY_A + "logo: images/nowhere.png\n")

    result = cli("validate", "a.yaml")

    assert result.code == 1
    assert result.lines[0] == "a.yaml:6:7: logo: the image 'images/nowhere.png' does not exist"


def test_validate_reports_a_logo_that_is_not_an_image(cli: RunCli, write: WriteFile) -> None:
    write("a.yaml", CITY_A + "logo: logo.png\n")
    write("logo.png", "not a picture\n")

    result = cli("validate", "a.yaml")

    assert (
        result.lines[0] == "a.yaml:6:7: logo: the image 'logo.png' is not a PNG, JPEG or SVG image"
    )


JOBS = """\
profiles: profiles
defaults: {formats: [html]}
jobs:
  - {name: cities, document: city-profile, sources: [profiles/cities/aville.yaml]}
  - {name: visits, document: briefing, sources: [profiles/visit/*.yaml]}
  - {name: both, document: city-profile, sources: [profiles/cities/b*.yaml, profile/x.yaml]}
"""


def test_validate_reports_job_sources_that_match_no_file(cli: RunCli, project: Path) -> None:
    (project / "reportgen.yaml").write_text(JOBS)

    result = cli("validate", "reportgen.yaml")

    assert result.lines == [
        "reportgen.yaml:5:49: jobs[1].sources: no file matches profiles/visit/*.yaml",
        "reportgen.yaml:6:77: jobs[2].sources[1]: warning: no file matches profile/x.yaml",
        "invalid: 1 error, 1 warning",
    ]


def test_batch_job_that_matches_nothing_fails_alone(cli: RunCli, project: Path) -> None:
    (project / "reportgen.yaml").write_text(JOBS)

    result = cli("batch", "--jobs", "1")

    assert result.code == 1
    assert sorted(p.name for p in (project / "output").glob("*.html")) == [
        "aville.city-profile.en.html",
        "bville.city-profile.en.html",
    ]
    assert "failed: job visits" in result.lines
    # the same line as validate gives
    assert "  reportgen.yaml:5:49: jobs[1].sources: no file matches profiles/visit/*.yaml" in (
        result.lines
    )
    assert result.lines[-1].startswith("built 2, fresh 0, failed 1 in ")


# --- 14. catalogs in the project ---------------------------------------------------------------


def test_project_catalog_adds_a_language(cli: RunCli, project: Path) -> None:
    _catalog(project, "ko", {"Country": "국가"})

    # the catalog has one string: the rest, and the English summary, stand in (marked)
    result = cli(
        "build", "profiles/cities/aville.yaml", "--lang", "ko", "--format", "html",
        "--allow-untranslated",
    )  # fmt: skip

    assert result.code == 0, result.stderr
    assert "no catalog for ko" not in result.stderr
    page = (project / "output/aville.city-profile.ko.html").read_text(encoding="utf-8")
    assert "국가" in page


def test_project_catalog_overrides_a_shipped_string_and_keeps_the_rest(
    cli: RunCli, project: Path
) -> None:
    _catalog(project, "ja", {"Country": "くに"})

    result = cli(
        "build", "profiles/cities/aville.yaml", "--lang", "ja", "--format", "html",
        "--allow-untranslated",  # the summary is English only
    )  # fmt: skip

    assert result.code == 0, result.stderr
    assert "msgid" not in result.stderr  # every fixed string: the project's or the shipped one
    page = (project / "output/aville.city-profile.ja.html").read_text(encoding="utf-8")
    assert "くに" in page
    assert "概要" in page  # "Summary", still from the shipped catalog


# --- 15. smaller things ------------------------------------------------------------------------


def test_manifest_schema_and_reference_errors_come_in_one_round(cli: RunCli, project: Path) -> None:
    (project / "reportgen.yaml").write_text(
        textwrap.dedent(
            """\
            jobs:
              - {name: a, document: city-profile, sources: [x.yaml], formats: [odt]}
            schedules:
              - {name: nightly, cron: "0 2 * * *", jobs: [b]}
            """
        )
    )

    result = cli("validate", "reportgen.yaml")

    assert [line.split(": ")[1] for line in result.lines[:-1]] == [
        "jobs[0].formats[0]",
        "schedules[0].jobs[0]",
    ]


def test_reversed_visit_dates_are_one_error(cli: RunCli, project: Path) -> None:
    agenda = "".join(
        f'  - {{date: 2027-05-1{day}, start: "10:00", title: Talk {day}}}\n' for day in range(2, 5)
    )
    text = _visit().replace(
        "start: 2027-05-12, end: 2027-05-14", "start: 2027-05-14, end: 2027-05-12"
    )
    (project / "profiles/visits").mkdir()
    (project / "profiles/visits/v.yaml").write_text(
        text + "agenda:\n" + agenda + "follow_up:\n  - {action: Thank, due: 2027-05-13}\n",
        encoding="utf-8",
    )

    result = cli("validate", "profiles/visits/v.yaml")

    assert result.lines == [
        "profiles/visits/v.yaml:7:33: dates.end: the visit ends (2027-05-12) before it starts"
        " (2027-05-14)",
        "invalid: 1 error, 0 warnings",
    ]


def test_follow_up_due_before_the_visit_ends_is_an_error(cli: RunCli, project: Path) -> None:
    (project / "profiles/visits").mkdir()
    (project / "profiles/visits/v.yaml").write_text(
        _visit() + "follow_up:\n  - {action: Send the minutes, due: 2026-05-20}\n"
        "  - {action: Thank the hosts, due: 2027-05-14}\n",
        encoding="utf-8",
    )

    result = cli("validate", "profiles/visits/v.yaml")

    assert result.lines == [
        "profiles/visits/v.yaml:11:37: follow_up[0].due: due 2026-05-20, before the visit ends"
        " (2027-05-14): a follow-up comes after the visit; check the date",
        "invalid: 1 error, 0 warnings",
    ]


@pytest.mark.parametrize(("as_of", "stale"), [("2024", False), ("2016-06", True)])
def test_land_area_ages_in_ten_years_not_two(
    cli: RunCli, write: WriteFile, as_of: str, stale: bool
) -> None:
    sources = "sources: [{id: survey, title: Land survey}]\n"
    write(
        "a.yaml", CITY_A + f"area_km2: {{value: 492.0, as_of: {as_of}, source: survey}}\n" + sources
    )

    result = cli("validate", "a.yaml")

    warned = [
        f"a.yaml:6:33: area_km2.as_of: warning: area 492.0 km² is dated {as_of} (source: survey),"
        " more than 120 months ago: verify it"
    ]
    assert result.lines[:-1] == (warned if stale else [])


def _record_runs(project: Path) -> None:
    long_error = "profiles/cities/aville.yaml:4:10: country:" + " a long message" * 12
    with History.opened(project / "output") as state:
        state.record_run("manual", 1_800_000_000.0, 1.25, (2, 0, 0), [])
        failure = {"target": "output/aville.city-profile.en.pdf", "job": "c", "error": long_error}
        state.record_run("schedule:nightly", 1_800_003_600.0, 3.5, (1, 1, 1), [failure])


def test_history_in_a_pipe_prints_one_full_line_per_run(cli: RunCli, project: Path) -> None:
    (project / "reportgen.yaml").write_text("profiles: profiles\ntimezone: Europe/Stockholm\n")
    _record_runs(project)

    result = cli("history")

    assert result.code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        "2027-01-15 10:00 CET  schedule:nightly  3.5 s  built 1  fresh 1  failed 1  "
        "output/aville.city-profile.en.pdf: profiles/cities/aville.yaml:4:10: country: a long"
    )
    assert lines[0].endswith("a long message")
    assert lines[1] == "2027-01-15 09:00 CET  manual  1.2 s  built 2  fresh 0  failed 0"


def test_history_json_gives_every_run(cli: RunCli, project: Path) -> None:
    _record_runs(project)

    result = cli("history", "--json")

    runs = json.loads(result.stdout)
    assert [(r["trigger"], r["built"], r["fresh"], r["failed"]) for r in runs] == [
        ("schedule:nightly", 1, 1, 1),
        ("manual", 2, 0, 0),
    ]
    assert runs[0]["failures"][0]["target"] == "output/aville.city-profile.en.pdf"
    assert runs[1]["seconds"] == 1.25
