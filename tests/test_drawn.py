"""Every fact a document prints is checked in that document: the warnings and errors of
the profiles it draws on, placeholders at any depth, and dated figures without a source.

Through the command line; what a briefing printed is read back from its HTML or PDF.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from reportgen import schedule as schedules
from reportgen.history import History
from tests.helpers import RunCli, WriteFile

MANIFEST = """\
home: aville
profiles: profiles
output: output
jobs:
  - {name: visit, document: briefing, sources: [profiles/visits/v.yaml], formats: [html]}
  - {name: cities, document: city-profile, sources: [profiles/cities/*.yaml], formats: [html]}
"""
AVILLE = """\
kind: city
id: aville
name: Aville
country: JP
summary: The host.
population: [{value: 5000, as_of: 2026-01, source: register}]
sources: [{id: register, title: Residents register}]
"""
BVILLE = """\
kind: city
id: bville
name: Bville
country: CN
summary: The guest.
population: [{value: 7000, as_of: 2019-05, source: census}]
sources: [{id: census, title: Census}]
"""
CVILLE = """\
kind: city
id: cville
name: Cville
country: KR
summary: A partner of the proposal only.
population: [{value: 9000, as_of: 2018, source: census}]
sources: [{id: census, title: Census}]
"""
PROPOSAL = """\
kind: proposal
id: p
title: Clean air
lead: aville
partners: [bville, cville]
period: {start: 2027-04, end: 2028-03}
summary: "TODO: the project in one paragraph"
governance: "TODO: who steers it"
"""
VISIT = """\
kind: visit
id: v
title: Talks in Aville
host: aville
guest: bville
dates: {start: 2027-05-10, end: 2027-05-12}
timezone: Asia/Tokyo
purpose: Talks.
proposals: [p]
"""
BVILLE_STALE = (
    "profiles/cities/bville.yaml:6:35: population[0].as_of: warning: population 7,000 is"
    " dated 2019-05 (source: census), more than 24 months ago: verify it"
)
CVILLE_STALE = (
    "profiles/cities/cville.yaml:6:35: population[0].as_of: warning: population 9,000 is"
    " dated 2018 (source: census), more than 24 months ago: verify it"
)
SUMMARY_TODO = (
    'profiles/proposals/p.yaml:7:10: summary: warning: "TODO: the project in one paragraph"'
    " is a placeholder: write the real text"
)
GOVERNANCE_TODO = (
    'profiles/proposals/p.yaml:8:13: governance: warning: "TODO: who steers it" is a'
    " placeholder: write the real text"
)


@pytest.fixture
def office(write: WriteFile, workdir: Path) -> Path:
    """A visit of Bville to Aville with a related proposal that Cville is a partner of."""
    write("reportgen.yaml", MANIFEST)
    write("profiles/cities/aville.yaml", AVILLE)
    write("profiles/cities/bville.yaml", BVILLE)
    write("profiles/cities/cville.yaml", CVILLE)
    write("profiles/proposals/p.yaml", PROPOSAL)
    write("profiles/visits/v.yaml", VISIT)
    return workdir


def _build(cli: RunCli, source: str, *args: str) -> tuple[int, list[str]]:
    result = cli("build", source, "--format", "html", "-o", "out.html", *args)
    return result.code, result.lines


# --- 1. the warnings of the profiles a document draws on -------------------------------------


def test_a_briefing_carries_the_warnings_of_what_it_prints(cli: RunCli, office: Path) -> None:
    code, lines = _build(cli, "profiles/visits/v.yaml")

    # the guest's stale population is printed; so is the proposal's summary. Cville is
    # printed by name only (its population is not), and the proposal's governance is not
    # printed in a briefing: their warnings belong to their own documents
    assert code == 0
    assert lines == [BVILLE_STALE, SUMMARY_TODO]
    page = (office / "out.html").read_text("utf-8")
    assert "7,000" in page and "verify" in page
    assert "9,000" not in page and "who steers it" not in page


def test_strict_fails_a_briefing_on_a_warning_of_a_city_it_prints(
    cli: RunCli, office: Path
) -> None:
    code, lines = _build(cli, "profiles/visits/v.yaml", "--strict")

    assert code == 1
    assert lines == [
        BVILLE_STALE,
        SUMMARY_TODO,
        "error: the build failed because --strict counts warnings as errors: 2 warnings",
    ]
    assert not (office / "out.html").exists()


def test_each_document_carries_only_what_it_prints(cli: RunCli, office: Path) -> None:
    assert _build(cli, "profiles/proposals/p.yaml") == (0, [SUMMARY_TODO, GOVERNANCE_TODO])
    assert _build(cli, "profiles/cities/cville.yaml") == (0, [CVILLE_STALE])
    assert _build(cli, "profiles/cities/aville.yaml") == (0, [])


def test_a_profile_reached_twice_warns_once(cli: RunCli, office: Path, write: WriteFile) -> None:
    # Bville is the guest and a partner of the proposal; the proposal's lead is the host
    _, lines = _build(cli, "profiles/visits/v.yaml")

    assert lines.count(BVILLE_STALE) == 1
    assert len(lines) == len(set(lines))


def test_the_previous_visit_brings_the_warnings_it_prints(
    cli: RunCli, office: Path, write: WriteFile
) -> None:
    write(
        "profiles/visits/before.yaml",
        VISIT.replace("id: v", "id: before")
        .replace("2027-05-10, end: 2027-05-12", "2025-06-02, end: 2025-06-04")
        .replace(
            "proposals: [p]", "follow_up:\n  - {action: 'TODO: what was agreed', owner: Aville}"
        ),
    )
    # a visit between other cities is only looked at, never printed: its problem is its own
    write(
        "profiles/visits/elsewhere.yaml",
        VISIT.replace("id: v", "id: elsewhere")
        .replace("guest: bville", "guest: nowhere")
        .replace("proposals: [p]\n", ""),
    )

    code, lines = _build(cli, "profiles/visits/v.yaml")

    assert code == 0
    assert (
        'profiles/visits/before.yaml:10:14: follow_up[0].action: warning: "TODO: what was'
        ' agreed" is a placeholder: write the real text'
    ) in lines
    assert not any("elsewhere" in line for line in lines)


def test_batch_prints_reports_and_fails_strict_on_a_drawn_warning(
    cli: RunCli, office: Path
) -> None:
    result = cli("batch", "--only", "visit", "--report", "report.json")

    assert result.code == 0
    assert BVILLE_STALE in result.lines and SUMMARY_TODO in result.lines
    report = json.loads((office / "report.json").read_text("utf-8"))
    (item,) = report["tasks"]
    assert item["warnings"] == [BVILLE_STALE, SUMMARY_TODO]
    assert report["summary"]["warnings"] == 2

    strict = cli("batch", "--only", "visit", "--strict")
    assert strict.code == 1
    assert f"  {BVILLE_STALE} (--strict: warnings fail)" in strict.lines


def test_a_scheduled_run_logs_the_drawn_warnings(cli: RunCli, office: Path) -> None:
    (office / "reportgen.yaml").write_text(
        MANIFEST + "schedules:\n  - {name: nightly, cron: '0 2 * * *', jobs: [visit]}\n"
    )
    history = History.open(office / "output")
    try:  # last run two days ago: the nightly run is due
        history.set_marker(schedules.TRIGGER_PREFIX + "nightly", time.time() - 2 * 86400)
    finally:
        history.close()

    result = cli("schedule", "due")

    assert result.code == 0, result.stderr
    logged = (result.stdout + result.stderr).splitlines()
    for warning in (BVILLE_STALE, SUMMARY_TODO):
        assert any(line.endswith(f" schedule nightly: {warning}") for line in logged), logged


def test_the_example_briefing_reports_its_stale_figures(cli: RunCli, example_project: Path) -> None:
    visit = "profiles/visits/dalian-to-kitakyushu-2027-05.yaml"
    dalian = (
        "profiles/cities/dalian.yaml:21:12: population[0].as_of: warning: population 7,450,785"
        " is dated 2020-11-01 (source: census-2020), more than 24 months ago: verify it"
    )

    built = cli("build", visit, "--strict", "--format", "html", "-o", "out.html")
    # one worker for the job's two languages: each worker loads the fonts and WeasyPrint first
    batched = cli("batch", "--only", "dalian-visit-briefing", "--strict", "--jobs", "1")

    assert built.code == 1
    assert dalian in built.lines
    assert built.lines[-1].startswith("error: the build failed because --strict counts")
    assert not (example_project / "out.html").exists()
    assert batched.code == 1
    assert f"  {dalian} (--strict: warnings fail)" in batched.lines


# --- 2. a document that draws on an invalid profile fails ------------------------------------


def test_a_partner_city_saved_as_windows_1252_fails_the_briefing(cli: RunCli, office: Path) -> None:
    (office / "profiles/cities/cville.yaml").write_bytes(
        CVILLE.replace(
            "summary: A partner of the proposal only.", "summary: Ciudad de Cvillé."
        ).encode("cp1252")
    )

    code, lines = _build(cli, "profiles/visits/v.yaml")

    assert code == 1
    assert lines[:2] == [
        "profiles/cities/cville.yaml:5:25: not UTF-8 text (byte 0xE9): save the file as UTF-8;"
        " it looks like Windows-1252 (Western European)",
        "profiles/proposals/p.yaml:5:20: partners[1]: city 'cville' is in a file that could not"
        " be read: profiles/cities/cville.yaml (see its error)",
    ]
    assert lines[-1] == "error: 2 errors in the input"
    assert not (office / "out.html").exists()


def test_a_partner_city_with_a_value_that_does_not_validate_fails_every_document_naming_it(
    cli: RunCli, office: Path
) -> None:
    path = office / "profiles/cities/cville.yaml"
    path.write_text(CVILLE.replace("value: 9000", "value: many"), encoding="utf-8")
    invalid = (
        "profiles/cities/cville.yaml:6:22: population[0].value: Input should be a valid"
        " integer, unable to parse string as an integer"
    )
    named = (
        "profiles/proposals/p.yaml:5:20: partners[1]: city 'cville' is in a file with errors:"
        " profiles/cities/cville.yaml (see them)"
    )

    for source in ("profiles/visits/v.yaml", "profiles/proposals/p.yaml"):
        code, lines = _build(cli, source)
        assert code == 1, source
        assert invalid in lines and named in lines, lines
    assert not (office / "out.html").exists()


def test_a_city_profile_does_not_print_a_broken_partner_as_its_id(
    cli: RunCli, office: Path, write: WriteFile
) -> None:
    write(
        "profiles/cities/aville.yaml",
        AVILLE + "partnerships: [{partner: cville, type: friendship, established: 1990}]\n",
    )
    (office / "profiles/cities/cville.yaml").write_text("kind: city\nid: cville\nname: [\n")

    code, lines = _build(cli, "profiles/cities/aville.yaml")

    assert code == 1
    assert any(line.startswith("profiles/cities/cville.yaml:") for line in lines), lines
    assert (
        "profiles/cities/aville.yaml:8:26: partnerships[0].partner: city 'cville' is in a file"
        " that could not be read: profiles/cities/cville.yaml (see its error)"
    ) in lines
    assert not (office / "out.html").exists()


# --- 3. placeholders in every text, at any depth ---------------------------------------------


def test_placeholders_in_plain_lists_of_text_are_found(
    cli: RunCli, office: Path, write: WriteFile
) -> None:
    write(
        "profiles/visits/v.yaml",
        VISIT
        + "objectives: [Agree the plan, 'TODO: what else']\n"
        + "sensitivities: ['TODO: ask protocol']\n"
        + "agenda:\n"
        + "  - {date: 2027-05-10, start: '10:00', title: Call, participants: [Mayor, TODO who]}\n",
    )
    found = [
        'profiles/visits/v.yaml:10:30: objectives[1]: warning: "TODO: what else" is a'
        " placeholder: write the real text",
        'profiles/visits/v.yaml:11:17: sensitivities[0]: warning: "TODO: ask protocol" is a'
        " placeholder: write the real text",
        'profiles/visits/v.yaml:13:75: agenda[0].participants[1]: warning: "TODO who" is a'
        " placeholder: write the real text",
    ]

    validated = cli("validate", "--strict", "profiles/visits/v.yaml")
    code, lines = _build(cli, "profiles/visits/v.yaml", "--strict")

    assert validated.code == 1
    assert validated.lines == [*found, "invalid: 0 errors, 3 warnings (--strict: warnings fail)"]
    assert code == 1
    assert set(found) <= set(lines)


def test_placeholder_number_in_a_list_is_found(cli: RunCli, office: Path, write: WriteFile) -> None:
    write("profiles/cities/aville.yaml", AVILLE + "extra: {counts: [1, 123456]}\n")

    result = cli("validate", "profiles/cities/aville.yaml")

    assert result.lines[0] == (
        "profiles/cities/aville.yaml:8:21: extra.counts[1]: warning: 123456 is the starter's"
        " placeholder number: write the real figure"
    )


def test_a_placeholder_in_a_partners_name_fails_every_document_that_prints_it(
    cli: RunCli, office: Path, write: WriteFile
) -> None:
    write("profiles/cities/cville.yaml", CVILLE.replace("name: Cville", "name: 'TODO: name'"))
    todo = (
        'profiles/cities/cville.yaml:3:7: name: warning: "TODO: name" is a placeholder:'
        " write the real text"
    )

    proposal = _build(cli, "profiles/proposals/p.yaml", "--strict")
    briefing = _build(cli, "profiles/visits/v.yaml", "--strict")
    host = _build(cli, "profiles/cities/aville.yaml", "--strict")

    assert proposal[0] == 1 and todo in proposal[1]
    assert briefing[0] == 1 and todo in briefing[1]
    assert host == (0, [])  # Aville's profile does not name Cville


# --- 4. a dated figure without a source ------------------------------------------------------


def test_a_dated_figure_without_a_source_is_a_warning(
    cli: RunCli, office: Path, write: WriteFile
) -> None:
    write(
        "profiles/cities/aville.yaml",
        AVILLE.replace(", source: register}", "}")
        + "officials: [{role: head, title: Mayor, name: A. Mayor, as_of: 2026}]\n",
    )
    population = (
        "profiles/cities/aville.yaml:6:14: population[0]: warning: population 5,000 (as of"
        " 2026-01) has no source: add source: with the id of one of this file's sources"
        " (register)"
    )
    mayor = (
        "profiles/cities/aville.yaml:8:13: officials[0]: warning: Mayor A. Mayor (as of 2026)"
        " has no source: add source: with the id of one of this file's sources (register)"
    )

    validated = cli("validate", "profiles/cities/aville.yaml")
    code, lines = _build(cli, "profiles/cities/aville.yaml", "--strict")
    briefing = _build(cli, "profiles/visits/v.yaml")

    assert validated.lines == [population, mayor, "valid: 0 errors, 2 warnings"]
    assert code == 1 and lines[:2] == [population, mayor]
    assert population in briefing[1] and mayor in briefing[1]


def test_one_worker_keeps_each_documents_warnings_to_itself(cli: RunCli, office: Path) -> None:
    (office / "reportgen.yaml").write_text(
        MANIFEST.replace("formats: [html]}", "formats: [html], languages: [ja, en]}", 1)
    )

    result = cli(
        "batch", "--only", "visit", "--jobs", "1", "--report", "report.json",
        "--allow-untranslated",  # the office's texts are English: a partial Japanese edition
    )  # fmt: skip

    assert result.code == 0, result.stderr
    report = json.loads((office / "report.json").read_text("utf-8"))
    warnings = {item["language"]: item["warnings"] for item in report["tasks"]}
    assert any("no ja translation" in line for line in warnings["ja"])
    assert warnings["en"] == [BVILLE_STALE, SUMMARY_TODO]
