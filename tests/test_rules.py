"""One small broken file per validation rule, each with its exact ``file:line:col`` line.

Every file is written into a project that holds two valid cities, ``aville`` and
``bville`` (see ``conftest.project``), and validated through the command line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RunCli, WriteFile

INVALID_1 = "invalid: 1 error, 0 warnings"


def _check(cli: RunCli, path: str) -> list[str]:
    result = cli("validate", path)
    assert result.code == (1 if result.lines[-1].startswith("invalid") else 0)
    return result.lines


# --- the baseline: the small files the rules below break are valid ----------------------------


def test_validate_minimal_files_are_valid(cli: RunCli, write: WriteFile, project: Path) -> None:
    write(
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
            - {id: o1, title: Monitoring}
        activities:
          - {id: a1, output: o1, title: Training, start: 2027-04, end: 2028-03}
        budget:
          currency: JPY
          lines:
            - {item: Experts, category: experts, quantity: 2, unit_cost: 500000, activity: a1}
        """,
    )
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        agenda:
          - {date: 2027-05-12, start: "09:30", end: "11:00", title: Courtesy call}
        proposals: [p]
        """,
    )

    result = cli("validate", "profiles")

    assert result.code == 0, result.stderr
    assert result.lines == ["valid: 0 errors, 0 warnings"]


# --- types and keys -------------------------------------------------------------------------


def test_validate_missing_required_field_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: JP
        """,
    )

    assert _check(cli, "c.yaml") == ["c.yaml:1:1: summary: required, but missing", INVALID_1]


def test_validate_bad_country_code_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: XX
        summary: A city.
        """,
    )

    assert _check(cli, "c.yaml") == [
        "c.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code",
        INVALID_1,
    ]


def test_validate_bad_id_is_reported(cli: RunCli, write: WriteFile, project: Path) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: C_ville
        name: Cville
        country: JP
        summary: A city.
        """,
    )

    assert _check(cli, "c.yaml") == [
        "c.yaml:2:5: id: 'C_ville' is not a valid id: use 1 to 63 lowercase letters, digits"
        " and hyphens, starting with a letter or digit",
        INVALID_1,
    ]


def test_validate_bad_date_is_reported(cli: RunCli, write: WriteFile, project: Path) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: JP
        summary: A city.
        population:
          - {value: 1000, as_of: 2019-13}
        """,
    )

    assert _check(cli, "c.yaml") == [
        "c.yaml:7:26: population[0].as_of: '2019-13' is not a real date",
        INVALID_1,
    ]


def test_validate_every_problem_in_a_file_is_reported_at_once(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: XX
        summary: A city.
        sdg_focus: [11, 18]
        """,
    )

    assert _check(cli, "c.yaml") == [
        "c.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code",
        "c.yaml:6:17: sdg_focus[1]: Input should be less than or equal to 17",
        "invalid: 2 errors, 0 warnings",
    ]


def test_validate_every_file_is_reported_at_once(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write("profiles/cities/c.yaml", "kind: city\nid: cville\nname: C\ncountry: XX\nsummary: S\n")
    write("profiles/cities/d.yaml", "kind: city\nid: dville\nname: D\ncountry: JP\n")

    assert _check(cli, "profiles") == [
        "profiles/cities/c.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code",
        "profiles/cities/d.yaml:1:1: summary: required, but missing",
        "invalid: 2 errors, 0 warnings",
    ]


# --- source references ------------------------------------------------------------------------


def test_validate_unknown_source_is_reported(cli: RunCli, write: WriteFile, project: Path) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: JP
        summary: A city.
        population:
          - {value: 1000, as_of: 2026, source: census}
        sources:
          - {id: register, title: Resident register}
        """,
    )

    assert _check(cli, "c.yaml") == [
        "c.yaml:7:40: population[0].source: unknown source 'census'"
        " (sources in this file: register)",
        INVALID_1,
    ]


def test_validate_duplicate_source_id_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: JP
        summary: A city.
        sources:
          - {id: register, title: Resident register}
          - {id: register, title: Another register}
        """,
    )

    assert _check(cli, "c.yaml") == [
        "c.yaml:8:10: sources[1].id: duplicate id 'register' (also at sources[0])",
        INVALID_1,
    ]


# --- city profiles ----------------------------------------------------------------------------


def test_validate_local_lang_missing_from_name_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: {en: Cville}
        local_lang: ja
        country: JP
        summary: A city.
        """,
    )

    assert _check(cli, "c.yaml") == ["c.yaml:4:13: local_lang: name has no 'ja' entry", INVALID_1]


def test_validate_term_ending_before_it_starts_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: JP
        summary: A city.
        officials:
          - {role: head, title: Mayor, name: A. Mayor, as_of: 2020, until: 2019-04}
        """,
    )

    assert _check(cli, "c.yaml") == [
        "c.yaml:7:68: officials[0].until: the term ends (2019-04) before it starts (2020)",
        INVALID_1,
    ]


def test_validate_city_partnering_with_itself_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: JP
        summary: A city.
        partnerships:
          - {partner: cville, type: sister}
        """,
    )

    assert _check(cli, "c.yaml") == [
        "c.yaml:7:15: partnerships[0].partner: a city cannot partner with itself",
        INVALID_1,
    ]


def test_validate_duplicate_initiative_id_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: JP
        summary: A city.
        initiatives:
          - {id: clean-air, title: Clean air}
          - {id: clean-air, title: Cleaner air}
        """,
    )

    assert _check(cli, "c.yaml") == [
        "c.yaml:8:10: initiatives[1].id: duplicate id 'clean-air' (also at initiatives[0])",
        INVALID_1,
    ]


def test_validate_partner_names_that_are_not_ids_are_allowed(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: JP
        summary: A city.
        initiatives:
          - {title: Clean air, partners: [aville, Hai Phong]}
        partnerships:
          - {partner: aville, type: sister}
          - {partner: Phnom Penh, type: sister}
          - {partner: no-such-city, type: friendship}
        timeline:
          - {date: 2014, title: Cooperation begins, partners: [Hai Phong, zville]}
        """,
    )

    assert _check(cli, "c.yaml") == ["valid: 0 errors, 0 warnings"]


# --- cross-file: ids and references ------------------------------------------------------------


def test_validate_duplicate_city_id_is_reported_in_both_files(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/cities/aville-copy.yaml",
        """\
        kind: city
        id: aville
        name: Aville again
        country: JP
        summary: A copy.
        """,
    )

    assert _check(cli, "profiles") == [
        "profiles/cities/aville-copy.yaml:2:5: id: city id 'aville' is also used in"
        " profiles/cities/aville.yaml",
        "profiles/cities/aville.yaml:2:5: id: city id 'aville' is also used in"
        " profiles/cities/aville-copy.yaml",
        "invalid: 2 errors, 0 warnings",
    ]


def test_validate_same_id_in_different_kinds_is_allowed(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/aville.yaml",
        """\
        kind: visit
        id: aville
        title: Visit
        direction: outbound
        host: bville
        guest: aville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        """,
    )

    assert _check(cli, "profiles") == ["valid: 0 errors, 0 warnings"]


def test_validate_unresolved_proposal_lead_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: cville
        partners: [bville]
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:4:7: lead: unknown city 'cville': no profile has it",
        INVALID_1,
    ]


def test_validate_unresolved_proposal_partner_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville, dville]
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:5:20: partners[1]: unknown city 'dville': no profile has it",
        INVALID_1,
    ]


def test_validate_lead_listed_as_partner_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville, aville]
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:5:20: partners[1]: 'aville' is the lead;"
        " it cannot also be a partner",
        INVALID_1,
    ]


def test_validate_unresolved_visit_host_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: cville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:5:7: host: unknown city 'cville': no profile has it",
        INVALID_1,
    ]


def test_validate_unresolved_visit_guest_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: dville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:6:8: guest: unknown city 'dville': no profile has it",
        INVALID_1,
    ]


def test_validate_guest_equal_to_host_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: aville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:6:8: guest: the guest city must differ from the host",
        INVALID_1,
    ]


def test_validate_unresolved_visit_proposal_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        proposals: [clean-air-2027]
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:10:13: proposals[0]: unknown proposal 'clean-air-2027':"
        " no profile has it",
        INVALID_1,
    ]


# --- proposals: period, activities, outputs ----------------------------------------------------


def test_validate_period_ending_before_it_starts_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        period: {start: 2027-04, end: 2027-03}
        summary: A project.
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:6:31: period.end: the period ends (2027-03)"
        " before it starts (2027-04)",
        INVALID_1,
    ]


def test_validate_activity_starting_before_the_period_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
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
            - {id: o1, title: Monitoring}
        activities:
          - id: a1
            output: o1
            title: Training
            start: 2027-01
            end: 2027-09
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:17:12: activities[0].start: starts 2027-01,"
        " before the period (2027-04)",
        INVALID_1,
    ]


def test_validate_activity_ending_after_the_period_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
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
            - {id: o1, title: Monitoring}
        activities:
          - id: a1
            output: o1
            title: Training
            start: 2027-04
            end: 2028-04
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:18:10: activities[0].end: ends 2028-04,"
        " after the period (2028-03)",
        INVALID_1,
    ]


def test_validate_activity_on_the_last_day_of_a_month_period_is_inside(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
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
            - {id: o1, title: Monitoring}
        activities:
          - {id: a1, output: o1, title: Training, start: 2027-04-01, end: 2028-03-31}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == ["valid: 0 errors, 0 warnings"]


def test_validate_activity_ending_before_it_starts_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
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
            - {id: o1, title: Monitoring}
        activities:
          - {id: a1, output: o1, title: Training, start: 2027-09, end: 2027-06}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:14:64: activities[0].end: the activity ends (2027-06)"
        " before it starts (2027-09)",
        INVALID_1,
    ]


def test_validate_activity_with_unknown_output_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
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
            - {id: o1, title: Monitoring}
        activities:
          - {id: a1, output: o2, title: Training, start: 2027-04, end: 2027-09}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:14:22: activities[0].output: unknown output 'o2'"
        " (logframe outputs: o1)",
        INVALID_1,
    ]


def test_validate_activity_lead_outside_the_proposal_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
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
            - {id: o1, title: Monitoring}
        activities:
          - {id: a1, output: o1, title: Training, start: 2027-04, end: 2027-09, lead: cville}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:14:79: activities[0].lead: 'cville' is neither the lead"
        " nor a partner",
        INVALID_1,
    ]


def test_validate_duplicate_activity_id_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
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
            - {id: o1, title: Monitoring}
        activities:
          - {id: a1, output: o1, title: Training, start: 2027-04, end: 2027-09}
          - {id: a1, output: o1, title: Seminar, start: 2027-10, end: 2028-03}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:15:10: activities[1].id: duplicate id 'a1'"
        " (also at activities[0])",
        INVALID_1,
    ]


def test_validate_duplicate_output_id_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
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
            - {id: o1, title: Monitoring}
            - {id: o1, title: Inventory}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:13:12: logframe.outputs[1].id: duplicate id 'o1'"
        " (also at outputs[0])",
        INVALID_1,
    ]


# --- proposals: programme limits and money -------------------------------------------------------


def test_validate_period_longer_than_the_programme_allows_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        programme: {name: Clean Cities Fund, max_months: 12}
        period: {start: 2027-04, end: 2028-04}
        summary: A project.
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:7:9: period: the period lasts 13 months;"
        " Clean Cities Fund allows at most 12",
        INVALID_1,
    ]


def test_validate_period_of_exactly_the_programme_maximum_is_allowed(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        programme: {name: Clean Cities Fund, max_months: 12}
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == ["valid: 0 errors, 0 warnings"]


def test_validate_period_shorter_than_the_programme_asks_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        programme: {name: Clean Cities Fund, min_months: 24}
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:7:9: period: the period lasts 12 months;"
        " Clean Cities Fund asks for at least 24",
        INVALID_1,
    ]


def test_validate_total_above_the_programme_limit_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        programme: {name: Clean Cities Fund, max_total: {amount: 1000000, currency: JPY}}
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        budget:
          currency: JPY
          lines:
            - {item: Experts, category: experts, quantity: 2, unit_cost: 400000}
            - {item: Travel, category: travel, quantity: 3, unit_cost: 100000}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:10:3: budget: the total JPY 1,100,000 exceeds the limit"
        " of Clean Cities Fund: JPY 1,000,000",
        INVALID_1,
    ]


def test_validate_budget_in_another_currency_than_the_limit_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        programme: {name: Clean Cities Fund, max_total: {amount: 1000000, currency: JPY}}
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        budget:
          currency: EUR
          lines:
            - {item: Experts, category: experts, quantity: 2, unit_cost: 4000}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:10:13: budget.currency: the budget is in EUR but the limit"
        " of Clean Cities Fund is in JPY",
        INVALID_1,
    ]


def test_validate_budget_line_with_unknown_activity_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
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
            - {id: o1, title: Monitoring}
        activities:
          - {id: a1, output: o1, title: Training, start: 2027-04, end: 2027-09}
        budget:
          currency: JPY
          lines:
            - {item: Experts, category: experts, quantity: 2, unit_cost: 500000, activity: a2}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:18:84: budget.lines[0].activity: unknown activity 'a2'"
        " (activities: a1)",
        INVALID_1,
    ]


def test_validate_yen_amount_with_decimals_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        budget:
          currency: JPY
          lines:
            - {item: Experts, category: experts, quantity: 2, unit_cost: 500000.5}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:11:66: budget.lines[0].unit_cost: 500000.5 has more"
        " decimals than JPY allows (0)",
        INVALID_1,
    ]


def test_validate_yen_line_total_with_decimals_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        budget:
          currency: JPY
          lines:
            - {item: Experts, category: experts, quantity: 0.5, unit_cost: 333}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:11:7: budget.lines[0]: the line total 166.5 has more"
        " decimals than JPY allows (0)",
        INVALID_1,
    ]


def test_validate_programme_limit_with_decimals_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        programme: {name: Fund, max_total: {amount: 1000000.5, currency: JPY}}
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        budget:
          currency: JPY
          lines:
            - {item: Experts, category: experts, quantity: 2, unit_cost: 100}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == [
        "profiles/proposals/p.yaml:6:45: programme.max_total.amount: 1000000.5 has more"
        " decimals than JPY allows",
        INVALID_1,
    ]


@pytest.mark.parametrize(("amount", "valid"), [("12.34", True), ("12.50", True), ("12.345", False)])
def test_validate_euro_amounts_allow_two_decimals(
    cli: RunCli, write: WriteFile, project: Path, amount: str, valid: bool
) -> None:
    write(
        "profiles/proposals/p.yaml",
        f"""\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        period: {{start: 2027-04, end: 2028-03}}
        summary: A project.
        budget:
          currency: EUR
          lines:
            - {{item: Experts, category: experts, quantity: 2, unit_cost: {amount}}}
        """,
    )

    lines = _check(cli, "profiles/proposals/p.yaml")

    expected = (
        ["valid: 0 errors, 0 warnings"]
        if valid
        else [
            f"profiles/proposals/p.yaml:11:66: budget.lines[0].unit_cost: {amount} has more"
            " decimals than EUR allows (2)",
            INVALID_1,
        ]
    )
    assert lines == expected


def test_validate_float_like_amount_is_exact(cli: RunCli, write: WriteFile, project: Path) -> None:
    # 0.1 + 0.2 is not 0.3 in floats; amounts are decimals, so three lines of 0.1 make 0.3
    write(
        "profiles/proposals/p.yaml",
        """\
        kind: proposal
        id: p
        title: Clean air
        lead: aville
        partners: [bville]
        programme: {name: Fund, max_total: {amount: 0.3, currency: EUR}}
        period: {start: 2027-04, end: 2028-03}
        summary: A project.
        budget:
          currency: EUR
          lines:
            - {item: A, category: other, quantity: 1, unit_cost: 0.1}
            - {item: B, category: other, quantity: 1, unit_cost: 0.1}
            - {item: C, category: other, quantity: 1, unit_cost: 0.1}
        """,
    )

    assert _check(cli, "profiles/proposals/p.yaml") == ["valid: 0 errors, 0 warnings"]


# --- visits ---------------------------------------------------------------------------------------


def test_validate_visit_ending_before_it_starts_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-10}
        timezone: Asia/Tokyo
        purpose: Talks.
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:7:33: dates.end: the visit ends (2027-05-10)"
        " before it starts (2027-05-12)",
        INVALID_1,
    ]


def test_validate_agenda_date_outside_the_visit_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        agenda:
          - {date: 2027-05-12, start: "09:30", title: Courtesy call}
          - {date: 2027-05-15, start: "09:30", title: Departure}
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:12:12: agenda[1].date: 2027-05-15 is outside the visit"
        " (2027-05-12 to 2027-05-14)",
        INVALID_1,
    ]


def test_validate_agenda_item_ending_before_it_starts_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        agenda:
          - date: 2027-05-12
            start: "11:00"
            end: "10:30"
            title: Courtesy call
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:13:10: agenda[0].end: ends at 10:30, not after it starts (11:00)",
        INVALID_1,
    ]


def test_validate_agenda_item_ending_as_it_starts_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        agenda:
          - {date: 2027-05-12, start: "11:00", end: "11:00", title: Courtesy call}
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:11:45: agenda[0].end: ends at 11:00, not after it starts (11:00)",
        INVALID_1,
    ]


def test_validate_agenda_date_that_is_not_a_day_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        agenda:
          - {date: 2027-05, start: "11:00", title: Courtesy call}
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:11:12: agenda[0].date: give a full date: YYYY-MM-DD",
        INVALID_1,
    ]


def test_validate_agenda_time_that_is_not_a_time_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Tokyo
        purpose: Talks.
        agenda:
          - {date: 2027-05-12, start: "25:00", title: Courtesy call}
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:11:31: agenda[0].start: expected a time of day as HH:MM"
        ' (for example "09:30")',
        INVALID_1,
    ]


def test_validate_unknown_time_zone_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "profiles/visits/v.yaml",
        """\
        kind: visit
        id: v
        title: Visit
        direction: inbound
        host: aville
        guest: bville
        dates: {start: 2027-05-12, end: 2027-05-14}
        timezone: Asia/Kitakyushu
        purpose: Talks.
        """,
    )

    assert _check(cli, "profiles/visits/v.yaml") == [
        "profiles/visits/v.yaml:8:11: timezone: 'Asia/Kitakyushu' is not an IANA time zone"
        " such as Asia/Tokyo",
        INVALID_1,
    ]


# --- the manifest ---------------------------------------------------------------------------------


def test_validate_manifest_duplicate_job_name_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "reportgen.yaml",
        """\
        profiles: profiles
        jobs:
          - {name: cities, document: city-profile, sources: [profiles/cities/*.yaml]}
          - {name: cities, document: city-profile, sources: [profiles/cities/a*.yaml]}
        """,
    )

    assert _check(cli, "reportgen.yaml") == [
        "reportgen.yaml:4:12: jobs[1].name: duplicate job name 'cities'",
        INVALID_1,
    ]


def test_validate_manifest_schedule_of_unknown_job_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "reportgen.yaml",
        """\
        profiles: profiles
        jobs:
          - {name: cities, document: city-profile, sources: [profiles/cities/*.yaml]}
        schedules:
          - {name: nightly, cron: "0 2 * * *", jobs: [cities, visits]}
        """,
    )

    assert _check(cli, "reportgen.yaml") == [
        "reportgen.yaml:5:55: schedules[0].jobs[1]: unknown job 'visits' (jobs: cities)",
        INVALID_1,
    ]


def test_validate_manifest_bad_cron_is_reported(
    cli: RunCli, write: WriteFile, project: Path
) -> None:
    write(
        "reportgen.yaml",
        """\
        profiles: profiles
        jobs:
          - {name: cities, document: city-profile, sources: [profiles/cities/*.yaml]}
        schedules:
          - {name: nightly, cron: "0 25 * * *", jobs: [cities]}
        """,
    )

    assert _check(cli, "reportgen.yaml") == [
        "reportgen.yaml:5:27: schedules[0].cron: '25' is not a valid hour field (allowed 0-23)",
        INVALID_1,
    ]
