"""Every validation rule: a table of small broken files, each with its exact problem lines.

Each row is written into a project that holds two valid cities, ``aville`` and ``bville``
(see ``conftest.project``), and validated through the command line run in this process;
the first row shows that the small files the others break are valid. A few runs of the
real ``reportgen`` command prove the entry point, the exit codes and standard error.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import TODAY_EPOCH, RunCli, WriteFile


@dataclass(frozen=True)
class Rule:
    """A file that breaks one rule (or keeps to it), and the problem lines it must give."""

    name: str
    file: str
    text: str
    """The file's content (dedented when written)."""
    lines: list[str]
    """The lines ``reportgen validate`` prints before its summary; none when it is valid."""
    check: str = ""
    """The path given to ``validate``: ``file`` unless said otherwise."""
    also: dict[str, str] = field(default_factory=dict)
    """More files written beside it."""

    @property
    def summary(self) -> str:
        if not self.lines:
            return "valid: 0 errors, 0 warnings"
        errors = len(self.lines)
        return f"invalid: {errors} error{'s' if errors > 1 else ''}, 0 warnings"


RULES = [
    Rule(
        "minimal-files-are-valid",
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
        [],
        check="profiles",
        also={
            "profiles/visits/v.yaml": """\
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
        },
    ),
    Rule(
        "missing-required-field",
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: JP
        """,
        [
            "c.yaml:1:1: summary: required, but missing",
        ],
    ),
    Rule(
        "bad-country-code",
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: XX
        summary: A city.
        """,
        [
            "c.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code",
        ],
    ),
    Rule(
        "bad-id",
        "c.yaml",
        """\
        kind: city
        id: C_ville
        name: Cville
        country: JP
        summary: A city.
        """,
        [
            "c.yaml:2:5: id: 'C_ville' is not a valid id: use 1 to 63 lowercase letters, digits"
            " and hyphens, starting with a letter or digit",
        ],
    ),
    Rule(
        "bad-date",
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
        [
            "c.yaml:7:26: population[0].as_of: '2019-13' is not a real date",
        ],
    ),
    Rule(
        "every-problem-in-a-file",
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: XX
        summary: A city.
        sdg_focus: [11, 18]
        """,
        [
            "c.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code",
            "c.yaml:6:17: sdg_focus[1]: Input should be less than or equal to 17",
        ],
    ),
    Rule(
        "every-file-at-once",
        "profiles/cities/c.yaml",
        """\
        kind: city
        id: cville
        name: C
        country: XX
        summary: S
        """,
        [
            "profiles/cities/c.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code",
            "profiles/cities/d.yaml:1:1: summary: required, but missing",
        ],
        check="profiles",
        also={
            "profiles/cities/d.yaml": """\
            kind: city
            id: dville
            name: D
            country: JP
            """,
        },
    ),
    Rule(
        "unknown-source",
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
        [
            "c.yaml:7:40: population[0].source: unknown source 'census'"
            " (sources in this file: register)",
        ],
    ),
    Rule(
        "duplicate-source-id",
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
        [
            "c.yaml:8:10: sources[1].id: duplicate id 'register' (also at sources[0])",
        ],
    ),
    Rule(
        "local-lang-missing-from-name",
        "c.yaml",
        """\
        kind: city
        id: cville
        name: {en: Cville}
        local_lang: ja
        country: JP
        summary: A city.
        """,
        [
            "c.yaml:4:13: local_lang: name has no 'ja' entry",
        ],
    ),
    Rule(
        "term-ending-before-it-starts",
        "c.yaml",
        """\
        kind: city
        id: cville
        name: Cville
        country: JP
        summary: A city.
        officials:
          - {role: head, title: Mayor, name: A. Mayor, as_of: 2020, until: 2019-04, source: s}
        sources: [{id: s, title: Council minutes}]
        """,
        [
            "c.yaml:7:68: officials[0].until: the term ends (2019-04) before it starts (2020)",
        ],
    ),
    Rule(
        "city-partnering-with-itself",
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
        [
            "c.yaml:7:15: partnerships[0].partner: a city cannot partner with itself",
        ],
    ),
    Rule(
        "duplicate-initiative-id",
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
        [
            "c.yaml:8:10: initiatives[1].id: duplicate id 'clean-air' (also at initiatives[0])",
        ],
    ),
    Rule(
        "partner-names-that-are-not-ids",
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
        [],
    ),
    Rule(
        "duplicate-city-id-in-two-files",
        "profiles/cities/aville-copy.yaml",
        """\
        kind: city
        id: aville
        name: Aville again
        country: JP
        summary: A copy.
        """,
        [
            "profiles/cities/aville-copy.yaml:2:5: id: city id 'aville' is also used in"
            " profiles/cities/aville.yaml",
            "profiles/cities/aville.yaml:2:5: id: city id 'aville' is also used in"
            " profiles/cities/aville-copy.yaml",
        ],
        check="profiles",
    ),
    Rule(
        "same-id-in-different-kinds",
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
        [],
        check="profiles",
    ),
    Rule(
        "unresolved-proposal-lead",
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
        [
            "profiles/proposals/p.yaml:4:7: lead: unknown city 'cville': no profile has it",
        ],
    ),
    Rule(
        "unresolved-proposal-partner",
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
        [
            "profiles/proposals/p.yaml:5:20: partners[1]: unknown city 'dville': no profile has it",
        ],
    ),
    Rule(
        "lead-listed-as-partner",
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
        [
            "profiles/proposals/p.yaml:5:20: partners[1]: 'aville' is the lead;"
            " it cannot also be a partner",
        ],
    ),
    Rule(
        "unresolved-visit-host",
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
        [
            "profiles/visits/v.yaml:5:7: host: unknown city 'cville': no profile has it",
        ],
    ),
    Rule(
        "unresolved-visit-guest",
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
        [
            "profiles/visits/v.yaml:6:8: guest: unknown city 'dville': no profile has it",
        ],
    ),
    Rule(
        "guest-equal-to-host",
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
        [
            "profiles/visits/v.yaml:6:8: guest: the guest city must differ from the host",
        ],
    ),
    Rule(
        "unresolved-visit-proposal",
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
        [
            "profiles/visits/v.yaml:10:13: proposals[0]: unknown proposal 'clean-air-2027':"
            " no profile has it",
        ],
    ),
    Rule(
        "period-ending-before-it-starts",
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
        [
            "profiles/proposals/p.yaml:6:31: period.end: the period ends (2027-03)"
            " before it starts (2027-04)",
        ],
    ),
    Rule(
        "activity-starting-before-the-period",
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
        [
            "profiles/proposals/p.yaml:17:12: activities[0].start: starts 2027-01,"
            " before the period (2027-04)",
        ],
    ),
    Rule(
        "activity-ending-after-the-period",
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
        [
            "profiles/proposals/p.yaml:18:10: activities[0].end: ends 2028-04,"
            " after the period (2028-03)",
        ],
    ),
    Rule(
        "activity-on-the-last-day-of-a-month-period-is-inside",
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
        [],
    ),
    Rule(
        "activity-ending-before-it-starts",
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
        [
            "profiles/proposals/p.yaml:14:64: activities[0].end: the activity ends (2027-06)"
            " before it starts (2027-09)",
        ],
    ),
    Rule(
        "activity-with-unknown-output",
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
        [
            "profiles/proposals/p.yaml:14:22: activities[0].output: unknown output 'o2'"
            " (logframe outputs: o1)",
        ],
    ),
    Rule(
        "activity-lead-outside-the-proposal",
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
        [
            "profiles/proposals/p.yaml:14:79: activities[0].lead: 'cville' is neither the lead"
            " nor a partner",
        ],
    ),
    Rule(
        "duplicate-activity-id",
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
        [
            "profiles/proposals/p.yaml:15:10: activities[1].id: duplicate id 'a1'"
            " (also at activities[0])",
        ],
    ),
    Rule(
        "duplicate-output-id",
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
        [
            "profiles/proposals/p.yaml:13:12: logframe.outputs[1].id: duplicate id 'o1'"
            " (also at outputs[0])",
        ],
    ),
    Rule(
        "period-longer-than-the-programme-allows",
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
        [
            "profiles/proposals/p.yaml:7:9: period: the period lasts 13 months;"
            " Clean Cities Fund allows at most 12",
        ],
    ),
    Rule(
        "period-of-exactly-the-programme-maximum",
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
        [],
    ),
    Rule(
        "period-shorter-than-the-programme-asks",
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
        [
            "profiles/proposals/p.yaml:7:9: period: the period lasts 12 months;"
            " Clean Cities Fund asks for at least 24",
        ],
    ),
    Rule(
        "total-above-the-programme-limit",
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
        [
            "profiles/proposals/p.yaml:10:3: budget: the total JPY 1,100,000 exceeds the limit"
            " of Clean Cities Fund: JPY 1,000,000",
        ],
    ),
    Rule(
        "budget-in-another-currency-than-the-limit",
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
        [
            "profiles/proposals/p.yaml:10:13: budget.currency: the budget is in EUR but the limit"
            " of Clean Cities Fund is in JPY",
        ],
    ),
    Rule(
        "budget-line-with-unknown-activity",
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
        [
            "profiles/proposals/p.yaml:18:84: budget.lines[0].activity: unknown activity 'a2'"
            " (activities: a1)",
        ],
    ),
    Rule(
        "yen-amount-with-decimals",
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
        [
            "profiles/proposals/p.yaml:11:66: budget.lines[0].unit_cost: 500000.5 has more"
            " decimals than JPY allows (0)",
        ],
    ),
    Rule(
        "yen-line-total-with-decimals",
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
        [
            "profiles/proposals/p.yaml:11:7: budget.lines[0]: the line total 166.5 has more"
            " decimals than JPY allows (0)",
        ],
    ),
    Rule(
        "programme-limit-with-decimals",
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
        [
            "profiles/proposals/p.yaml:6:45: programme.max_total.amount: 1000000.5 has more"
            " decimals than JPY allows",
        ],
    ),
    # EUR has two decimals: 12.34 and 12.50 fit, 12.345 does not
    Rule(
        "euro-amount-with-two-decimals",
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
          currency: EUR
          lines:
            - {item: Experts, category: experts, quantity: 2, unit_cost: 12.34}
        """,
        [],
    ),
    Rule(
        "euro-amount-with-a-trailing-zero",
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
          currency: EUR
          lines:
            - {item: Experts, category: experts, quantity: 2, unit_cost: 12.50}
        """,
        [],
    ),
    Rule(
        "euro-amount-with-three-decimals",
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
          currency: EUR
          lines:
            - {item: Experts, category: experts, quantity: 2, unit_cost: 12.345}
        """,
        [
            "profiles/proposals/p.yaml:11:66: budget.lines[0].unit_cost: 12.345 has more"
            " decimals than EUR allows (2)",
        ],
    ),
    # 0.1 + 0.2 is not 0.3 in floats; amounts are decimals, so three lines of 0.1 make 0.3
    Rule(
        "float-like-amount-is-exact",
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
        [],
    ),
    Rule(
        "visit-ending-before-it-starts",
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
        [
            "profiles/visits/v.yaml:7:33: dates.end: the visit ends (2027-05-10)"
            " before it starts (2027-05-12)",
        ],
    ),
    Rule(
        "agenda-date-outside-the-visit",
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
        [
            "profiles/visits/v.yaml:12:12: agenda[1].date: 2027-05-15 is outside the visit"
            " (2027-05-12 to 2027-05-14)",
        ],
    ),
    Rule(
        "agenda-item-ending-before-it-starts",
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
        [
            "profiles/visits/v.yaml:13:10: agenda[0].end: ends at 10:30,"
            " not after it starts (11:00)",
        ],
    ),
    Rule(
        "agenda-item-ending-as-it-starts",
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
        [
            "profiles/visits/v.yaml:11:45: agenda[0].end: ends at 11:00,"
            " not after it starts (11:00)",
        ],
    ),
    Rule(
        "agenda-date-that-is-not-a-day",
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
        [
            "profiles/visits/v.yaml:11:12: agenda[0].date: give a full date: YYYY-MM-DD",
        ],
    ),
    Rule(
        "agenda-time-that-is-not-a-time",
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
        [
            "profiles/visits/v.yaml:11:31: agenda[0].start: expected a time of day as HH:MM"
            ' (for example "09:30")',
        ],
    ),
    Rule(
        "unknown-time-zone",
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
        [
            "profiles/visits/v.yaml:8:11: timezone: 'Asia/Kitakyushu' is not an IANA time zone"
            " such as Asia/Tokyo",
        ],
    ),
    Rule(
        "manifest-duplicate-job-name",
        "reportgen.yaml",
        """\
        profiles: profiles
        jobs:
          - {name: cities, document: city-profile, sources: [profiles/cities/*.yaml]}
          - {name: cities, document: city-profile, sources: [profiles/cities/a*.yaml]}
        """,
        [
            "reportgen.yaml:4:12: jobs[1].name: duplicate job name 'cities'",
        ],
    ),
    Rule(
        "manifest-schedule-of-unknown-job",
        "reportgen.yaml",
        """\
        profiles: profiles
        jobs:
          - {name: cities, document: city-profile, sources: [profiles/cities/*.yaml]}
        schedules:
          - {name: nightly, cron: "0 2 * * *", jobs: [cities, visits]}
        """,
        [
            "reportgen.yaml:5:55: schedules[0].jobs[1]: unknown job 'visits' (jobs: cities)",
        ],
    ),
    Rule(
        "manifest-bad-cron",
        "reportgen.yaml",
        """\
        profiles: profiles
        jobs:
          - {name: cities, document: city-profile, sources: [profiles/cities/*.yaml]}
        schedules:
          - {name: nightly, cron: "0 25 * * *", jobs: [cities]}
        """,
        [
            "reportgen.yaml:5:27: schedules[0].cron: '25' is not a valid hour field (allowed 0-23)",
        ],
    ),
]


@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
def test_validate_rule(cli: RunCli, write: WriteFile, project: Path, rule: Rule) -> None:
    for name, text in {rule.file: rule.text, **rule.also}.items():
        write(name, text)

    result = cli("validate", rule.check or rule.file)

    assert result.lines == [*rule.lines, rule.summary]
    assert result.code == (1 if rule.lines else 0)
    assert result.stdout == ""


def test_rule_names_are_unique() -> None:
    names = [rule.name for rule in RULES]

    assert len(set(names)) == len(names)


# --- the real command ----------------------------------------------------------------------------


def run_reportgen(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed ``reportgen`` command, as a user runs it, in the current folder."""
    command = Path(sys.executable).with_name("reportgen")
    forced = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE")
    environment = {name: value for name, value in os.environ.items() if name not in forced}
    environment |= {"NO_COLOR": "1", "SOURCE_DATE_EPOCH": TODAY_EPOCH}
    return subprocess.run(
        [str(command), *args],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        timeout=120,
    )


def test_reportgen_command_reports_every_problem_of_every_file_and_exits_1(
    write: WriteFile, project: Path
) -> None:
    rule = next(rule for rule in RULES if rule.name == "every-file-at-once")
    for name, text in {rule.file: rule.text, **rule.also}.items():
        write(name, text)

    done = run_reportgen("validate", rule.check)

    assert done.returncode == 1
    assert done.stderr.splitlines() == [*rule.lines, rule.summary]
    assert done.stdout == ""


def test_reportgen_command_on_valid_files_exits_0(write: WriteFile, project: Path) -> None:
    rule = RULES[0]
    for name, text in {rule.file: rule.text, **rule.also}.items():
        write(name, text)

    done = run_reportgen("validate", rule.check, "reportgen.yaml")

    assert done.returncode == 0, done.stderr
    assert done.stderr == "valid: 0 errors, 0 warnings\n"
    assert done.stdout == ""
