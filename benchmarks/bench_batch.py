"""Time ``reportgen batch`` on a synthetic project: full, parallel, no-op and incremental builds.

Run from the repository root after ``./run setup``::

    .venv/bin/python benchmarks/bench_batch.py [--cities 40] [--visits 10] [--proposals 10]
        [--formats pdf,docx] [--skip-single] [--quick] [--rounds 1] [--keep]

It writes a synthetic but realistic project into a temporary folder: city profiles,
visits and proposals made from the examples in ``profiles/`` with varied content
(ids, names, populations, dates, numbers of agenda items, activities and budget lines),
whose partners point at the other synthetic cities, so briefings and proposals depend on
them, and a manifest with one job per document. It checks them with ``reportgen
validate`` (and stops if that fails), then prints:

- the full build with ``--jobs 1`` and with ``--jobs 2`` (each from an empty output
  folder), documents per second, and the speed-up (target: at least 1.8x);
- a no-op rebuild, the whole ``reportgen batch`` process (target: under 1 s, and at
  least 50x faster than the full build on 2 workers);
- the rebuild after one city changes, and which documents it rebuilt (only the
  documents that depend on that city should be);
- the same documents built by one ``reportgen build`` process each, one at a time (the
  batch on one worker should be at least 1.5x faster); ``--skip-single`` leaves it out;
- the peak resident memory of each worker process (target: under 400 MB), read from
  ``VmHWM`` in ``/proc/<pid>/status`` of the batch's child processes while it runs.

``--quick`` (8 cities, 2 visits, 2 proposals) is a smoke run. Every build takes
2027-01-01 as today (``SOURCE_DATE_EPOCH``). The machines are noisy: compare the ratios,
which are taken side by side in one run, rather than absolute seconds; the CPU seconds and
load average printed beside each full build show when other work got in the way, and
``--rounds N`` repeats the full builds and keeps the fastest of each.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from random import Random
from typing import Any, NoReturn

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "profiles"
BIN = Path(sys.executable).parent
REPORTGEN = str(BIN / "reportgen")
EPOCH = "1798761600"
"""2027-01-01, the day every build takes as today (as in bench_pdf.py)."""

# --- synthetic content -----------------------------------------------------------------------

# (English name, local name, region, region in the local script)
JAPANESE = [
    ("Sapporo", "札幌市", "Hokkaido", "北海道"),
    ("Sendai", "仙台市", "Miyagi Prefecture", "宮城県"),
    ("Niigata", "新潟市", "Niigata Prefecture", "新潟県"),
    ("Kanazawa", "金沢市", "Ishikawa Prefecture", "石川県"),
    ("Toyama", "富山市", "Toyama Prefecture", "富山県"),
    ("Shizuoka", "静岡市", "Shizuoka Prefecture", "静岡県"),
    ("Hamamatsu", "浜松市", "Shizuoka Prefecture", "静岡県"),
    ("Nagoya", "名古屋市", "Aichi Prefecture", "愛知県"),
    ("Kyoto", "京都市", "Kyoto Prefecture", "京都府"),
    ("Sakai", "堺市", "Osaka Prefecture", "大阪府"),
    ("Kobe", "神戸市", "Hyogo Prefecture", "兵庫県"),
    ("Okayama", "岡山市", "Okayama Prefecture", "岡山県"),
    ("Hiroshima", "広島市", "Hiroshima Prefecture", "広島県"),
    ("Shimonoseki", "下関市", "Yamaguchi Prefecture", "山口県"),
    ("Matsuyama", "松山市", "Ehime Prefecture", "愛媛県"),
    ("Fukuoka", "福岡市", "Fukuoka Prefecture", "福岡県"),
    ("Nagasaki", "長崎市", "Nagasaki Prefecture", "長崎県"),
    ("Kumamoto", "熊本市", "Kumamoto Prefecture", "熊本県"),
    ("Oita", "大分市", "Oita Prefecture", "大分県"),
    ("Kagoshima", "鹿児島市", "Kagoshima Prefecture", "鹿児島県"),
]
CHINESE = [
    ("Qingdao", "青岛市", "Shandong Province", "山东省"),
    ("Yantai", "烟台市", "Shandong Province", "山东省"),
    ("Weihai", "威海市", "Shandong Province", "山东省"),
    ("Jinan", "济南市", "Shandong Province", "山东省"),
    ("Shenyang", "沈阳市", "Liaoning Province", "辽宁省"),
    ("Changchun", "长春市", "Jilin Province", "吉林省"),
    ("Harbin", "哈尔滨市", "Heilongjiang Province", "黑龙江省"),
    ("Nanjing", "南京市", "Jiangsu Province", "江苏省"),
    ("Suzhou", "苏州市", "Jiangsu Province", "江苏省"),
    ("Wuxi", "无锡市", "Jiangsu Province", "江苏省"),
    ("Hangzhou", "杭州市", "Zhejiang Province", "浙江省"),
    ("Ningbo", "宁波市", "Zhejiang Province", "浙江省"),
    ("Fuzhou", "福州市", "Fujian Province", "福建省"),
    ("Xiamen", "厦门市", "Fujian Province", "福建省"),
    ("Guangzhou", "广州市", "Guangdong Province", "广东省"),
    ("Shenzhen", "深圳市", "Guangdong Province", "广东省"),
    ("Wuhan", "武汉市", "Hubei Province", "湖北省"),
    ("Chengdu", "成都市", "Sichuan Province", "四川省"),
    ("Kunming", "昆明市", "Yunnan Province", "云南省"),
    ("Xi'an", "西安市", "Shaanxi Province", "陕西省"),
]
MAYORS_JP = [
    ("Hiroshi Sato", "佐藤浩"),
    ("Yuko Tanaka", "田中裕子"),
    ("Takeshi Suzuki", "鈴木武"),
    ("Akiko Watanabe", "渡辺明子"),
    ("Kenta Ito", "伊藤健太"),
    ("Naoko Yamamoto", "山本直子"),
    ("Makoto Nakamura", "中村誠"),
    ("Emi Kobayashi", "小林恵美"),
]
MAYORS_CN = [
    ("Wang Jianguo", "王建国"),
    ("Li Hua", "李华"),
    ("Zhang Wei", "张伟"),
    ("Liu Yang", "刘洋"),
    ("Chen Jing", "陈静"),
    ("Zhao Lei", "赵磊"),
    ("Sun Min", "孙敏"),
    ("Zhou Qiang", "周强"),
]
FREE_PARTNERS = ["Hai Phong", "Phnom Penh", "Busan", "Vladivostok", "Tacoma", "Surabaya"]
THEMES = [
    ("air", "air quality (PM2.5)", [3, 11, 13]),
    ("water", "water supply and non-revenue water", [6, 11]),
    ("waste", "solid waste management and recycling", [11, 12]),
    ("energy", "energy efficiency in public buildings", [7, 13]),
    ("transport", "low-carbon urban transport", [11, 13]),
    ("coast", "marine litter on the coast", [12, 14]),
]
PARTNERSHIP_THEMES = [
    "environment",
    "pollution control",
    "water",
    "education",
    "culture",
    "trade",
    "tourism",
    "sport",
]
INITIATIVES = [
    (
        "environment-model",
        "{name} Environment Model",
        "Packages the city's experience of pollution control and exports environmental "
        "infrastructure such as waste disposal and water management.",
        [6, 11, 12],
    ),
    (
        "water-partnership",
        "Water supply partnership",
        "Sends waterworks engineers to partner cities to reduce non-revenue water, and "
        "trains their staff in {name}.",
        [6, 17],
    ),
    (
        "zero-carbon-2050",
        "Zero Carbon City 2050",
        "A plan to cut the city's greenhouse gas emissions to net zero by 2050, with "
        "solar power on public buildings and electric buses.",
        [7, 13],
    ),
    (
        "youth-exchange",
        "Youth exchange with partner cities",
        "Secondary school pupils from {name} and its partner cities visit each other "
        "every summer and work on a shared environmental project.",
        [4, 17],
    ),
    (
        "waste-cooperation",
        "Solid waste cooperation",
        "Joint studies of waste collection and composting with partner cities, and "
        "training of their staff at the city's recycling centre.",
        [11, 12],
    ),
    (
        "air-quality",
        "Air quality cooperation",
        "Joint research, dispatch of experts and training in {name}, aimed at "
        "pollutants such as PM2.5.",
        [3, 11, 17],
    ),
]
GOALS = [
    ("Carbon neutrality by 2050", [7, 13], 2050),
    ("Recycling rate of 35 % of household waste", [12], 2030),
    ("Hydrogen society", [7, 13], None),
    ("Human resource development through education for sustainable development", [4], None),
    ("Double the number of international students", [4, 17], 2030),
]
NETWORKS = [
    "ICLEI – Local Governments for Sustainability",
    "CityNet",
    "UCLG ASPAC",
    "Asian-Pacific City Summit",
]
AGENDA = [
    ("Courtesy call on the Mayor of {host}", "courtesy call", "City Hall"),
    ("Working session: the {topic} cooperation project", "meeting", "City Hall"),
    ("Briefing on {host}'s SDGs work and Voluntary Local Review", "briefing", "City Hall"),
    ("Site visit: {host} water purification plant", "site visit", "Water Bureau"),
    ("Site visit: waste-to-energy plant", "site visit", "Eastern Environment Centre"),
    ("Lunch with the chamber of commerce", "lunch", "Chamber of Commerce"),
    ("Meeting with the city council's international exchange committee", "meeting", "Council"),
    ("University exchange: environmental engineering laboratory", "site visit", "University"),
    ("Press conference", "press", "City Hall press room"),
    ("Cultural programme: old town and port", "cultural", "Old town"),
    ("Technology cooperation and training programmes", "site visit", "Training centre"),
]
ACTIVITIES = [
    (
        "Inception and baseline review",
        "Inception visit, review of existing data, agreed work plan.",
    ),
    ("Expert dispatch on {topic}", "Experts from {lead} work with the partner's staff."),
    ("Training in {lead} for {partner} staff", "Courses in {lead} for the partner's staff."),
    ("Pilot project on {topic}", "A pilot at sites chosen by the partner, with a plan for each."),
    ("Workshops on {topic} in {partner}", "Workshops in {partner} led by experts from {lead}."),
    ("Drafting of the action plan", "The partner drafts an action plan from the pilot results."),
    ("Joint survey", "A joint survey of the current state, by both cities' staff."),
    ("Study tour to {lead}", "Decision makers from {partner} see the measures in {lead}."),
    ("Public awareness campaign", "Leaflets, school visits and a public event in {partner}."),
    ("Results seminars", "Seminars in both cities to present the results."),
]
BUDGET_ITEMS = [
    ("Experts from {lead} on {topic}", "experts", "person-months"),
    ("Expert travel to {partner}", "travel", "person-trips"),
    ("Delegation travel from {partner}", "travel", "person-trips"),
    ("Training participants: travel, accommodation and allowances", "training", "participants"),
    ("Course delivery in {lead}", "training", "courses"),
    ("Interpretation and translation", "other", "days"),
    ("Monitoring equipment for joint measurements", "equipment", "sets"),
    ("Local survey costs", "other", "sites"),
    ("Workshops in {partner}", "training", "workshops"),
    ("Results seminars", "events", "seminars"),
]
INDICATORS = [
    ("Staff trained in {topic}", "persons", 20, 60),
    ("Pilot sites with an improvement plan", "sites", 3, 12),
    ("Action plan adopted by the partner city", "plans", 1, 1),
    ("Seminars presenting the results", "seminars", 1, 4),
    ("Share of households reached by the campaign", "%", 10, 60),
]
TALKING_POINTS = [
    ("Welcome the delegation and recall the friendship between {host} and {guest}.", "raise"),
    ("Present the {topic} project as the next step of the cities' cooperation.", "raise"),
    ("Seek agreement on the work plan and a joint steering committee.", "raise"),
    ("Propose that the results be presented at the next anniversary.", "raise"),
    ("If asked about a larger budget: the programme allows at most JPY 60 million.", "if-raised"),
    ("If asked about other fields of cooperation: offer a separate exchange.", "if-raised"),
    ("If pressed on data: results are published only as both cities agree.", "defensive"),
    ("If pressed on funds beyond the period: no commitment beyond the budget.", "defensive"),
]
SENSITIVITIES = [
    "Protocol order: confirm who heads the delegation through official channels.",
    "Names: check that the officials named are still in office.",
    "Data belong to the partner city; do not quote figures in public without its agreement.",
]
RISKS = [
    ("Data cannot be shared as planned.", "medium", "high"),
    ("Trained staff move to other posts.", "medium", "medium"),
    ("Pilot sites withdraw or delay the work.", "medium", "medium"),
    ("Travel costs rise beyond the budget, or travel is restricted.", "low", "medium"),
    ("The application is not selected by the programme.", "medium", "high"),
]


class NoAliases(RoundTripRepresenter):
    """Write a value met twice (a visit's first day is also its first agenda day) twice."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def flow(mapping: Mapping[str, Any]) -> CommentedMap:
    """A mapping written on one line, as the examples write names: ``{en: ..., ja: ...}``."""
    node = CommentedMap(mapping)
    node.fa.set_flow_style()
    return node


def block(mapping: Mapping[str, Any]) -> CommentedMap:
    return CommentedMap(mapping)


def quoted(text: str) -> DoubleQuotedScalarString:
    value: DoubleQuotedScalarString = DoubleQuotedScalarString(text)
    return value


def paragraphs(texts: Sequence[str]) -> LiteralScalarString:
    value: LiteralScalarString = LiteralScalarString(
        "\n\n".join(textwrap.fill(t, 80) for t in texts)
    )
    return value


def short_lists_inline(node: Any) -> Any:
    """Lists of a few short words or numbers on one line, as the examples write ``sdgs``."""
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = short_lists_inline(value)
        return node
    if isinstance(node, list):
        items = [short_lists_inline(item) for item in node]
        scalars = all(isinstance(i, int | str) and "\n" not in str(i) for i in items)
        if scalars and sum(len(str(i)) + 2 for i in items) <= 60:
            inline = CommentedSeq(items)
            inline.fa.set_flow_style()
            return inline
        node[:] = items
        return node
    return node


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def month(year: int, month_: int) -> str:
    return f"{year:04d}-{month_:02d}"


def slug(name: str) -> str:
    return name.lower().replace("'", "").replace(" ", "-")


@dataclass
class City:
    ident: str
    name: str
    local: str
    lang: str
    country: str
    region: str
    region_local: str
    partners: list[str] = field(default_factory=list)
    """Ids of the synthetic cities this profile names (partnerships, initiatives, timeline)."""
    data: CommentedMap | None = None

    @property
    def japanese(self) -> bool:
        return self.country == "JP"


@dataclass
class Synthetic:
    """A generated project, and who depends on whom in it."""

    root: Path
    formats: list[str]
    cities: dict[str, City] = field(default_factory=dict)
    visits: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)
    """Visit id: host, guest and the proposals it includes."""
    proposals: dict[str, list[str]] = field(default_factory=dict)
    """Proposal id: the lead and the partners."""

    @property
    def builds(self) -> int:
        return len(self.cities) + len(self.visits) + len(self.proposals)

    @property
    def documents(self) -> int:
        return self.builds * len(self.formats)

    def sources(self) -> list[Path]:
        folder = self.root / "profiles"
        return sorted(folder.rglob("*.yaml"))

    def dependants(self, city: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """The builds that print ``city``'s population, and those that print only its name.

        Its population is printed by its own profile and by the briefings of the visits it
        hosts or makes. The proposals it leads or joins, and the documents of cities that
        name it as a partner, print only its name: a new figure must not rebuild them.
        """
        prints = {("cities", city)}
        prints |= {
            ("visits", v) for v, (host, guest, _) in self.visits.items() if city in (host, guest)
        }
        joined = {p for p, members in self.proposals.items() if city in members}
        naming = {c.ident for c in self.cities.values() if city in c.partners}
        names = {("proposals", p) for p in joined} | {("cities", c) for c in naming}
        names |= {
            ("visits", v)
            for v, (host, guest, props) in self.visits.items()
            if {host, guest} & naming or joined & set(props)
        }
        names |= {
            ("proposals", p) for p, members in self.proposals.items() if naming & set(members)
        }
        return prints, names - prints


class Generator:
    """Writes the synthetic project, from the example profiles and the pools above."""

    def __init__(self, root: Path, seed: int, formats: list[str]) -> None:
        self.rng = Random(seed)
        self.yaml = YAML()
        self.yaml.Representer = NoAliases
        self.yaml.preserve_quotes = True
        self.yaml.width = 100
        self.yaml.indent(mapping=2, sequence=4, offset=2)
        self.project = Synthetic(root, formats)
        self.kitakyushu = self.load("cities/kitakyushu.yaml")
        self.dalian = self.load("cities/dalian.yaml")
        self.visit = self.load("visits/dalian-to-kitakyushu-2027-05.yaml")
        self.proposal = self.load("proposals/kitakyushu-dalian-air-2027.yaml")

    def load(self, name: str) -> CommentedMap:
        data = self.yaml.load(EXAMPLES / name)
        assert isinstance(data, CommentedMap)
        return data

    def write(self, folder: str, ident: str, data: CommentedMap, about: str) -> Path:
        path = self.project.root / "profiles" / folder / f"{ident}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = StringIO()
        self.yaml.dump(short_lists_inline(data), stream)
        header = f"# {about}\n# Synthetic profile written by benchmarks/bench_batch.py.\n"
        path.write_text(header + stream.getvalue(), "utf-8")
        return path

    def ordered(self, template: Mapping[str, Any], values: Mapping[str, Any]) -> CommentedMap:
        """``values`` in the template's key order (keys the template lacks go last)."""
        keys = [k for k in template if k in values] + [k for k in values if k not in template]
        return CommentedMap((k, values[k]) for k in keys if values[k] is not None)

    # -- the project ------------------------------------------------------------------------

    def run(self, cities: int, visits: int, proposals: int) -> Synthetic:
        self.plan_cities(cities)
        for city in self.project.cities.values():
            self.write_city(city)
        self.plan_proposals(proposals)
        self.plan_visits(visits)
        self.write_manifest()
        return self.project

    def plan_cities(self, count: int) -> None:
        rng = self.rng
        for index in range(count):
            pool, lang, country = (
                (JAPANESE, "ja", "JP") if index % 2 == 0 else (CHINESE, "zh-Hans", "CN")
            )
            name, local, region, region_local = pool[(index // 2) % len(pool)]
            round_ = index // (2 * len(pool))
            ident = slug(name) + (f"-{round_ + 1}" if round_ else "")
            shown = name + (f" {round_ + 1}" if round_ else "")
            self.project.cities[ident] = City(
                ident, shown, local, lang, country, region, region_local
            )
        ids = list(self.project.cities)
        for city in self.project.cities.values():
            abroad = [c for c in ids if self.project.cities[c].country != city.country]
            at_home = [c for c in ids if c != city.ident and c not in abroad]
            wanted = rng.randint(1, 4)
            chosen = rng.sample(abroad, min(len(abroad), max(1, wanted - 1)))
            if wanted > len(chosen) and at_home:
                chosen.append(rng.choice(at_home))
            city.partners = chosen

    def write_city(self, city: City) -> None:
        rng, jp = self.rng, city.japanese
        cities = self.project.cities
        lang = city.lang
        mayor = rng.choice(MAYORS_JP if jp else MAYORS_CN)
        officials = [
            block(
                {
                    "role": "head",
                    "title": flow({"en": "Mayor", lang: "市長" if jp else "市长"}),
                    "name": flow({"en": mayor[0], lang: mayor[1]}),
                    "as_of": rng.choice([2025, 2026, dt.date(2026, rng.randint(1, 12), 1)]),
                    "source": "city-web",
                }
            )
        ]
        if rng.random() < 0.5:
            past = rng.choice(MAYORS_JP if jp else MAYORS_CN)
            start = rng.randint(2011, 2018)
            officials.append(
                block(
                    {
                        "role": "head",
                        "title": flow({"en": "Mayor", lang: "市長" if jp else "市长"}),
                        "name": flow({"en": past[0], lang: past[1]}),
                        "as_of": dt.date(start, rng.randint(1, 12), 1),
                        "until": month(start + rng.randint(3, 8), rng.randint(1, 12)),
                        "source": "press-2024",
                    }
                )
            )
        base = rng.randint(150_000, 2_300_000) if jp else rng.randint(2_000_000, 16_000_000)
        population = [
            flow(
                {
                    "value": int(base * rng.uniform(0.95, 0.99)),
                    "as_of": 2015,
                    "kind": "census",
                    "scope": "city",
                    "source": "census-2015",
                }
            ),
            flow(
                {
                    "value": base,
                    "as_of": dt.date(2020, 10 if jp else 11, 1),
                    "kind": "census",
                    "scope": "city",
                    "source": "census-2020",
                }
            ),
            flow(
                {
                    "value": int(base * rng.uniform(0.97, 1.03)),
                    "as_of": dt.date(2025, 1, 1),
                    "kind": "register" if jp else "estimate",
                    "scope": "city",
                    "source": "register-2025",
                }
            ),
        ][3 - rng.randint(1, 3) :]
        first_partner = cities[city.partners[0]].name
        own = self.kitakyushu if jp else self.dalian
        overview_pool = [
            str(p).replace("Kitakyushu", city.name).replace("Dalian", first_partner)
            for p in str(own["overview"]).split("\n\n")
            if not p.lstrip().startswith("-") and not p.rstrip().endswith(":")
        ] + [
            f"{city.name} lies in {city.region}. Its port and airport connect it with the rest "
            f"of Asia, and its economy rests on manufacturing, logistics and services.",
            f"The city has exchanged staff, students and experts with {first_partner} since the "
            "two cities signed their agreement, and it receives trainees from its other "
            "partner cities every year.",
            "International cooperation is run by the city's international relations division, "
            "with the support of local universities, the chamber of commerce and citizens' "
            "groups.",
        ]
        overview = rng.sample(overview_pool, rng.randint(1, min(4, len(overview_pool))))
        industries = [
            copy.deepcopy(i) if jp else i["en"]
            for i in rng.sample(list(self.kitakyushu["industries"]), rng.randint(2, 6))
        ]
        designations = [
            block({**copy.deepcopy(d), "source": "press-2024"})
            for d in rng.sample(
                list(self.kitakyushu["designations"] if jp else self.dalian["designations"]),
                rng.randint(0, 2),
            )
        ]
        initiatives = []
        for key, title, summary, sdgs in rng.sample(INITIATIVES, rng.randint(1, 4)):
            partners = rng.sample(city.partners, min(len(city.partners), rng.randint(0, 2)))
            initiatives.append(
                block(
                    {
                        "id": key,
                        "title": title.format(name=city.name),
                        "summary": summary.format(name=city.name),
                        "since": month(rng.randint(1995, 2022), rng.randint(1, 12)),
                        "sdgs": sdgs,
                        **({"partners": partners} if partners else {}),
                        "source": "city-web",
                    }
                )
            )
        goals = [
            block(
                {
                    "title": title,
                    "sdgs": sdgs,
                    **({"target_year": year} if year else {}),
                    "source": "city-web",
                }
            )
            for title, sdgs, year in rng.sample(GOALS, rng.randint(0, 3))
        ]
        partnerships: list[CommentedMap] = []
        timeline: list[tuple[dt.date | int, str, list[str]]] = []
        for partner in city.partners:
            other = cities[partner]
            kind = rng.choice(["sister", "friendship", "friendship", "exchange"])
            signed = dt.date(rng.randint(1973, 2019), rng.randint(1, 12), rng.randint(1, 28))
            themes = rng.sample(PARTNERSHIP_THEMES, rng.randint(0, 3))
            partnerships.append(
                block(
                    {
                        "partner": partner,
                        "type": kind,
                        "established": signed,
                        "status": "active" if rng.random() < 0.9 else "inactive",
                        **({"themes": themes} if themes else {}),
                        "note": f"Anniversaries with {other.name} are marked every five years.",
                        "source": "partners-archive",
                    }
                )
            )
            timeline.append(
                (signed, f"{kind.capitalize()} city agreement with {other.name}", [partner])
            )
            for year in range(signed.year + 10, 2026, 10):
                if rng.random() < 0.5:
                    timeline.append(
                        (year, f"{year - signed.year}th anniversary with {other.name}", [partner])
                    )
        if rng.random() < 0.4:
            free = rng.choice(FREE_PARTNERS)
            signed = dt.date(rng.randint(1990, 2020), rng.randint(1, 12), rng.randint(1, 28))
            partnerships.append(
                block(
                    {"partner": free, "type": "sister", "established": signed, "source": "city-web"}
                )
            )
            timeline.append((signed, f"{free} becomes a sister city", [free]))
        for _ in range(rng.randint(1, 6)):
            year = rng.randint(1980, 2025)
            timeline.append(
                (
                    year,
                    rng.choice(
                        [
                            f"{city.name} opens its international cooperation centre",
                            f"{city.name} hosts an international environment conference",
                            "Selected as a model city for the SDGs",
                            "First training course for engineers from partner cities",
                            "Joins a city network for climate action",
                        ]
                    ),
                    [],
                )
            )
        timeline.sort(key=lambda event: str(event[0]))
        events = [
            block(
                {
                    "date": when,
                    "title": title,
                    **({"partners": partners} if partners else {}),
                    "source": "partners-archive" if partners else "press-2024",
                }
            )
            for when, title, partners in timeline[: rng.randint(3, 15)]
        ]
        networks = [
            flow({"name": name, "role": "member"})
            for name in rng.sample(NETWORKS, rng.randint(0, 2))
        ]
        contacts = None
        if jp:
            contacts = [
                block(
                    {
                        "unit": block(
                            {
                                "en": f"International Relations Division, City of {city.name}",
                                "ja": f"{city.local} 国際交流課",
                            }
                        ),
                        "address": f"{rng.randint(1, 9)}-{rng.randint(1, 30)} Chuo, {city.name}, "
                        "Japan",
                        "phone": quoted(
                            f"+81-{rng.randint(11, 99)}-{rng.randint(200, 999)}-"
                            f"{rng.randint(1000, 9999)}"
                        ),
                    }
                )
            ]
        sources = [
            block({"id": "city-web", "title": f"City of {city.name} official website"}),
            block(
                {
                    "id": "census-2015",
                    "title": f"2015 national census population of {city.name}",
                    "publisher": "Statistics Bureau of Japan"
                    if jp
                    else "National Bureau of Statistics",
                }
            ),
            block(
                {
                    "id": "census-2020",
                    "title": f"2020 national census population of {city.name}",
                    "publisher": "Statistics Bureau of Japan"
                    if jp
                    else "National Bureau of Statistics",
                }
            ),
            block({"id": "register-2025", "title": f"Population of {city.name} on 1 January 2025"}),
            block({"id": "press-2024", "title": f"Press reports on {city.name} (2024)"}),
            block(
                {
                    "id": "partners-archive",
                    "title": f"Agreements with the partner cities of {city.name} (city archives)",
                    "note": "Secondary copies; not checked against the originals.",
                }
            ),
        ]
        values: dict[str, Any] = {
            "kind": "city",
            "id": city.ident,
            "name": flow({"en": f"{city.name} City" if jp else city.name, lang: city.local}),
            "local_lang": lang,
            "country": city.country,
            "region": flow({"en": city.region, lang: city.region_local}),
            "municipality_type": flow({"en": "designated city", "ja": "政令指定都市"})
            if jp and rng.random() < 0.5
            else None,
            "officials": officials,
            "population": population,
            "area_km2": flow(
                {"value": round(rng.uniform(100, 1500), 2), "as_of": 2024, "source": "city-web"}
            )
            if rng.random() < 0.5
            else None,
            "summary": f"{city.name}, in {city.region}, works with {len(city.partners)} partner "
            f"cities on the environment and exchange, {first_partner} among them. "
            + str(self.kitakyushu["summary"] if jp else self.dalian["summary"])
            .replace("Kitakyushu", city.name)
            .replace("Dalian", first_partner)
            .split(". ")[-1],
            "overview": paragraphs(overview),
            "industries": industries,
            "designations": designations or None,
            "sdg_focus": sorted(rng.sample(range(1, 18), rng.randint(2, 6))),
            "initiatives": initiatives,
            "goals": goals or None,
            "partnerships": partnerships,
            "networks": networks or None,
            "timeline": events,
            "contacts": contacts,
            "sources": sources,
        }
        city.data = self.ordered(self.kitakyushu, values)
        self.write("cities", city.ident, city.data, f"City profile of {city.name}.")

    def plan_proposals(self, count: int) -> None:
        rng, cities = self.rng, self.project.cities
        for index in range(count):
            lead = rng.choice(list(cities))
            partners = list(cities[lead].partners[: rng.randint(1, 3)])
            key, topic, sdgs = THEMES[index % len(THEMES)]
            year, start_month = add_months(2027, 4, rng.randint(0, 18))
            ident = f"{lead}-{partners[0]}-{key}-{year}"
            if ident in self.project.proposals:
                ident += f"-{index}"
            self.project.proposals[ident] = [lead, *partners]
            self.write_proposal(ident, lead, partners, key, topic, sdgs, (year, start_month))

    def write_proposal(
        self,
        ident: str,
        lead: str,
        partners: list[str],
        key: str,
        topic: str,
        sdgs: list[int],
        start: tuple[int, int],
    ) -> None:
        rng, cities = self.rng, self.project.cities
        tpl = self.proposal
        lead_name, partner_name = cities[lead].name, cities[partners[0]].name
        months = rng.randint(12, 36)
        end = add_months(*start, months - 1)
        words = {"lead": lead_name, "partner": partner_name, "topic": topic}
        outputs = []
        for number in range(1, rng.randint(1, 4) + 1):
            indicators = []
            for text, unit, low, high in rng.sample(INDICATORS, rng.randint(1, 3)):
                by = add_months(*start, rng.randint(months // 2, months - 1))
                indicators.append(
                    block(
                        {
                            "indicator": text.format(**words),
                            "unit": unit,
                            "baseline": flow({"value": 0, "as_of": month(*start)}),
                            "target": flow({"value": rng.randint(low, high), "by": month(*by)}),
                            "verification": "Records kept by the partner city.",
                        }
                    )
                )
            outputs.append(
                block(
                    {
                        "id": f"o{number}",
                        "title": rng.choice(
                            [
                                f"Capacity for {topic} strengthened",
                                "Pilot measures in place",
                                "Action plan drafted and submitted",
                                "Results shared with other cities",
                            ]
                        ),
                        "indicators": indicators,
                    }
                )
            )
        activities = []
        chosen = rng.sample(ACTIVITIES, rng.randint(2, min(10, len(ACTIVITIES))))
        for number, (title, description) in enumerate(chosen, start=1):
            first = rng.randint(0, months - 2)
            last = rng.randint(first + 1, months - 1)
            activities.append(
                block(
                    {
                        "id": f"a{number}",
                        "output": rng.choice(outputs)["id"],
                        "title": title.format(**words),
                        "description": description.format(**words),
                        "start": month(*add_months(*start, first)),
                        "end": month(*add_months(*start, last)),
                        "lead": rng.choice([lead, *partners]),
                    }
                )
            )
        lines = []
        count = rng.randint(3, 25)
        cap = 57_000_000 // count
        for _ in range(count):
            item, category, unit = rng.choice(BUDGET_ITEMS)
            quantity = rng.randint(1, 20)
            unit_cost = max(10_000, int(rng.uniform(0.2, 1.0) * cap / quantity) // 10_000 * 10_000)
            funder = lead if rng.random() < 0.8 else rng.choice(partners)
            line = {
                "item": item.format(**words),
                "category": category,
                "quantity": quantity,
                "unit": unit,
                "unit_cost": unit_cost,
                "funded_by": funder,
                "activity": rng.choice(activities)["id"],
            }
            if funder != lead:
                line["note"] = f"Contribution of {cities[funder].name}."
            lines.append(flow(line))
        risks = [
            block(
                {
                    "risk": risk,
                    "likelihood": likelihood,
                    "impact": impact,
                    "mitigation": "Agree the terms at the inception visit and review them twice "
                    "a year at the steering committee.",
                    "owner": rng.choice([lead, *partners]),
                }
            )
            for risk, likelihood, impact in rng.sample(RISKS, rng.randint(1, 5))
        ]
        sign_off = [
            block(
                {
                    "name": "(to be confirmed)",
                    "title": "Mayor",
                    "organisation": f"City of {cities[city].name}",
                }
            )
            for city in [lead, *partners]
        ]
        background = [
            f"{lead_name} and {partner_name} have worked together since "
            f"{rng.randint(1975, 2015)}. " + str(tpl["background"]).split("\n\n")[-1],
        ]
        values: dict[str, Any] = {
            "kind": "proposal",
            "id": ident,
            "title": f"{lead_name}–{partner_name} cooperation on {topic}",
            "lead": lead,
            "partners": partners,
            "programme": copy.deepcopy(tpl["programme"]),
            "period": flow({"start": month(*start), "end": month(*end)}),
            "status": rng.choice(["draft", "draft", "submitted"]),
            "summary": f"*Synthetic example:* a {months}-month project in which {lead_name} "
            f"shares its experience of {topic} with {partner_name}.",
            "background": paragraphs(
                [
                    b.replace("Kitakyushu", lead_name).replace("Dalian", partner_name)
                    for b in background
                ]
            ),
            "problem": LiteralScalarString(str(tpl["problem"]).replace("Dalian", partner_name)),
            "logframe": block(
                {
                    "goal": f"Better {topic} in {partner_name}.",
                    "purpose": f"{partner_name} has the data, methods and trained staff "
                    f"for {topic}.",
                    "outputs": outputs,
                }
            ),
            "activities": activities,
            "budget": block({"currency": "JPY", "lines": lines}),
            "sdgs": sdgs,
            "risks": risks,
            "governance": LiteralScalarString(str(tpl["governance"]).split("\n\n")[0]),
            "sign_off": sign_off,
            "sources": copy.deepcopy(tpl["sources"][:1]),
        }
        data = self.ordered(tpl, values)
        self.write("proposals", ident, data, f"Cooperation proposal {ident}.")

    def plan_visits(self, count: int) -> None:
        rng, cities = self.rng, self.project.cities
        for _ in range(count):
            host = rng.choice(list(cities))
            guest = rng.choice(cities[host].partners)
            start = dt.date(2027, 1, 15) + dt.timedelta(days=rng.randint(0, 320))
            end = start + dt.timedelta(days=rng.randint(1, 4))
            ident = f"{guest}-to-{host}-{start:%Y-%m}"
            if ident in self.project.visits:
                ident += f"-{start:%d}"
            related = [
                p for p, members in self.project.proposals.items() if {host, guest} & set(members)
            ]
            proposals = rng.sample(related, min(len(related), rng.randint(0, 2)))
            self.project.visits[ident] = (host, guest, proposals)
            self.write_visit(ident, host, guest, start, end, proposals)

    def write_visit(
        self, ident: str, host: str, guest: str, start: dt.date, end: dt.date, proposals: list[str]
    ) -> None:
        rng, cities, tpl = self.rng, self.project.cities, self.visit
        h, g = cities[host], cities[guest]
        topic = rng.choice(THEMES)[1]
        words = {"host": h.name, "guest": g.name, "topic": topic}
        guest_lang = "ja" if g.japanese else "zh"
        host_lang = "ja" if h.japanese else "zh"
        delegation = [
            block(
                {
                    "name": flow(
                        {
                            "en": f"Mayor of {g.name}",
                            g.lang: f"{g.local}長" if g.japanese else f"{g.local}市长",
                        }
                    ),
                    "title": "Mayor",
                    "organisation": f"City of {g.name}",
                    "role": "head of delegation",
                    "address_as": "Mayor",
                    "languages": [guest_lang],
                }
            )
        ]
        for role, title in rng.sample(
            [
                ("lead for the cooperation project", "Director"),
                ("delegation secretary; protocol contact", "Division Director"),
                ("technical expert", "Senior Engineer"),
                ("interpreter", "Interpreter"),
                ("council member", "Member of the City Council"),
            ],
            rng.randint(1, 5),
        ):
            delegation.append(
                block(
                    {
                        "name": f"{title}, City of {g.name} (illustrative)",
                        "title": title,
                        "organisation": f"City of {g.name}",
                        "role": role,
                        "languages": [guest_lang]
                        if title != "Interpreter"
                        else [guest_lang, host_lang],
                    }
                )
            )
        hosts = [
            block(
                {
                    "name": f"Mayor of {h.name}",
                    "title": "Mayor",
                    "organisation": f"City of {h.name}",
                    "role": "host of the courtesy call and the welcome dinner",
                    "languages": [host_lang],
                }
            )
        ]
        for title in rng.sample(
            ["Director-General", "Director", "Deputy Mayor"], rng.randint(1, 3)
        ):
            hosts.append(
                block(
                    {
                        "name": f"{title}, City of {h.name} (illustrative)",
                        "title": title,
                        "organisation": f"City of {h.name}",
                        "languages": [host_lang],
                    }
                )
            )
        agenda = [
            block(
                {
                    "date": start,
                    "start": quoted("15:00"),
                    "end": quoted("16:00"),
                    "title": "Arrival and transfer to the hotel",
                    "type": "arrival",
                    "participants": ["Delegation", "International Relations Division"],
                }
            ),
            block(
                {
                    "date": start,
                    "start": quoted("18:30"),
                    "end": quoted("20:30"),
                    "title": f"Welcome dinner hosted by the City of {h.name}",
                    "type": "dinner",
                    "participants": ["Delegation", f"Mayor of {h.name}"],
                }
            ),
        ]
        day = start + dt.timedelta(days=1)
        while day < end:
            hour = 9
            for title, kind, place in rng.sample(AGENDA, rng.randint(1, 4)):
                item = {
                    "date": day,
                    "start": quoted(f"{hour:02d}:30"),
                    "end": quoted(f"{hour + 1:02d}:45"),
                    "title": title.format(**words),
                    "type": kind,
                    "location": place,
                    "participants": ["Delegation", f"City of {h.name}"],
                }
                if rng.random() < 0.3:
                    item["notes"] = "Arrangements to be confirmed with the delegation secretary."
                agenda.append(block(item))
                hour += 2
            day += dt.timedelta(days=1)
        agenda.append(
            block(
                {
                    "date": end,
                    "start": quoted("09:00"),
                    "end": quoted("10:00"),
                    "title": "Departure",
                    "type": "departure",
                    "participants": ["Delegation"],
                }
            )
        )
        talking = [
            block({"point": point.format(**words), "priority": priority})
            for point, priority in rng.sample(TALKING_POINTS, rng.randint(2, len(TALKING_POINTS)))
        ]
        follow_up = [
            block(
                {
                    "action": action.format(**words),
                    "owner": f"International Relations Division, City of {h.name}",
                    "due": end + dt.timedelta(days=7 * (number + 1)),
                }
            )
            for number, action in enumerate(
                rng.sample(
                    [
                        "Send letters of thanks to the head of delegation.",
                        "Circulate the signed meeting minutes to both sides.",
                        "Update the project proposal with the agreed work plan.",
                        "Hold the first meeting of the joint steering committee (online).",
                        "Send the training materials to {guest}.",
                    ],
                    rng.randint(1, 5),
                )
            )
        ]
        values: dict[str, Any] = {
            "kind": "visit",
            "id": ident,
            "title": f"{g.name} municipal delegation to {h.name}, {start:%B %Y}",
            "direction": "inbound",
            "host": host,
            "guest": guest,
            "dates": flow({"start": start, "end": end}),
            "timezone": "Asia/Tokyo" if h.japanese else "Asia/Shanghai",
            "purpose": f"*Synthetic example:* a delegation from {g.name} visits {h.name} to "
            f"agree how the two cities will work together on {topic}.",
            "objectives": [
                "Agree the work plan, roles and first-year activities of the project.",
                "Confirm the data each side will share, and on what terms.",
                f"Show the delegation {h.name}'s environmental institutions.",
            ][: rng.randint(1, 3)],
            "delegation": delegation,
            "hosts": hosts,
            "agenda": agenda,
            "talking_points": talking,
            "sensitivities": rng.sample(SENSITIVITIES, rng.randint(0, 3)) or None,
            "logistics": copy.deepcopy(tpl["logistics"]),
            "follow_up": follow_up,
            "proposals": proposals or None,
        }
        data = self.ordered(tpl, values)
        self.write("visits", ident, data, f"Delegation visit {ident}.")

    def write_manifest(self) -> None:
        jobs = [
            ("city-profiles", "city-profile", "cities", self.project.cities),
            ("briefings", "briefing", "visits", self.project.visits),
            ("proposals", "proposal", "proposals", self.project.proposals),
        ]
        lines = [
            "# Synthetic project written by benchmarks/bench_batch.py.",
            "profiles: profiles",
            "output: output",
            f"defaults: {{formats: [{', '.join(self.project.formats)}], languages: [en], "
            "audience: internal}",
            "jobs:",
        ]
        for name, document, folder, items in jobs:
            if items:
                lines += [
                    f"  - name: {name}",
                    f"    document: {document}",
                    f"    sources: [profiles/{folder}/*.yaml]",
                ]
        (self.project.root / "reportgen.yaml").write_text("\n".join(lines) + "\n", "utf-8")

    def touch_city(self, ident: str) -> None:
        """Change one figure of a city: its newest population count."""
        city = self.project.cities[ident]
        assert city.data is not None
        city.data["population"][-1]["value"] += 1234
        self.write("cities", ident, city.data, f"City profile of {city.name} (changed).")


# --- measuring ------------------------------------------------------------------------------


def fail(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(1)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = EPOCH
    return env


def vm_hwm_kb(pid: int) -> int | None:
    """Peak resident memory of a live process, from /proc/<pid>/status (kB)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def children(pid: int) -> list[int]:
    """Child processes of ``pid``, from /proc (each thread's list of children)."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text()
            found += [int(child) for child in text.split()]
    except OSError:
        pass
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``: its children, theirs, and so on."""
    found: list[int] = []
    below = children(pid)
    while below:
        found += below
        below = [grandchild for child in below for grandchild in children(child)]
    return found


def cpu_with_reaped(pid: int) -> float | None:
    """CPU seconds of ``pid`` and of the children it has waited for (``/proc/<pid>/stat``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return sum(int(ticks) for ticks in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class MemorySampler:
    """Samples the peak RSS (VmHWM) of a process and its workers while it runs, and the
    CPU of the fork server its workers come from.

    VmHWM only grows, so the last sample of each process is its peak (to within the
    sampling interval before it exits). Workers are the processes named
    ``reportgen-build`` below it (forked from its fork server, or spawned). The fork server
    is not waited for by the batch process, so neither it nor the workers it forked count
    in the batch's own CPU figure: its CPU and theirs (it waits for them) is sampled here.
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.parent_kb = 0
        self.workers_kb: dict[int, int] = {}
        self.forkserver_cpu = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        parent = vm_hwm_kb(self.pid)
        if parent is not None:
            self.parent_kb = max(self.parent_kb, parent)
        for child in descendants(self.pid):
            try:
                name = Path(f"/proc/{child}/comm").read_text().strip()
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"forkserver" in command and name != "reportgen-build":
                self.forkserver_cpu = max(self.forkserver_cpu, cpu_with_reaped(child) or 0.0)
            if name != "reportgen-build":
                continue
            peak = vm_hwm_kb(child)
            if peak is not None:
                self.workers_kb[child] = max(self.workers_kb.get(child, 0), peak)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class BatchRun:
    seconds: float
    """The whole ``reportgen batch`` process."""
    inside: float
    """Time inside ``batch.run``, from the JSON report."""
    built: list[tuple[str, str]]
    """``(folder, file stem)`` of each built document's source, once per output file."""
    fresh: int
    cpu: float
    """CPU seconds (user and system) of the batch process and its workers (with the
    sampler: also of the fork server the workers come from)."""
    load: float = 0.0
    """The 1-minute load average when it started (other work on the machine)."""
    workers_mb: list[float] = field(default_factory=list)
    parent_mb: float = 0.0


def children_cpu() -> float:
    """CPU seconds of every waited-for child process so far (workers count once joined)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(project: Path, jobs: int, *, sample: bool = False) -> BatchRun:
    report = project / "batch-report.json"
    args = [REPORTGEN, "batch", "--jobs", str(jobs), "--report", str(report)]
    load = os.getloadavg()[0]
    cpu = children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(
        args,
        cwd=project,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = MemorySampler(process.pid) if sample else None
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    cpu = children_cpu() - cpu
    if sampler is not None:
        sampler.stop()
        cpu += sampler.forkserver_cpu
    if process.returncode != 0:
        fail(f"`reportgen batch --jobs {jobs}` failed ({process.returncode}):\n{out}{err}")
    record = json.loads(report.read_text("utf-8"))
    built = [
        (Path(task["source"]).parent.name, Path(task["source"]).stem)
        for task in record["tasks"]
        if task["status"] == "built"
    ]
    summary = record["summary"]
    result = BatchRun(seconds, summary["seconds"], built, summary["fresh"], cpu, load)
    if sampler is not None:
        result.workers_mb = [kb / 1024 for kb in sampler.workers_kb.values()]
        result.parent_mb = sampler.parent_kb / 1024
    return result


def clean_build(project: Path, jobs: int) -> BatchRun:
    shutil.rmtree(project / "output", ignore_errors=True)
    return run_batch(project, jobs, sample=True)


def command_seconds(args: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=environment(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        fail(f"`{' '.join(args)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return seconds


def validate(project: Path) -> tuple[float, str]:
    args = [REPORTGEN, "validate", "profiles", "reportgen.yaml"]
    started = time.perf_counter()
    done = subprocess.run(args, cwd=project, env=environment(), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        fail(f"the synthetic project does not validate:\n{done.stdout}{done.stderr}")
    return seconds, (done.stderr.strip().splitlines() or [""])[-1]


def one_process_each(synthetic: Synthetic) -> tuple[float, float, str]:
    """Every document built by its own ``reportgen build`` process, one after another.

    Returns the total time, its CPU seconds, and the first failure (empty when every build
    succeeded).
    """
    output = synthetic.root / "single-output"
    shutil.rmtree(output, ignore_errors=True)
    output.mkdir()
    formats = [arg for fmt in synthetic.formats for arg in ("--format", fmt)]
    total, cpu = 0.0, children_cpu()
    for source in synthetic.sources():
        args = [REPORTGEN, "build", str(source), "--profiles", "profiles", "-o", str(output)]
        started = time.perf_counter()
        done = subprocess.run(
            [*args, *formats], cwd=synthetic.root, env=environment(), capture_output=True, text=True
        )
        total += time.perf_counter() - started
        if done.returncode != 0:
            first = (done.stderr.strip().splitlines() or ["?"])[0]
            return total, children_cpu() - cpu, f"{source.name}: {first}"
    return total, children_cpu() - cpu, ""


def most_depended_on(synthetic: Synthetic) -> str:
    return max(synthetic.cities, key=lambda c: (len(synthetic.dependants(c)[0]), c))


def describe(keys: set[tuple[str, str]]) -> str:
    """``2 city profiles, 1 briefing``: how many of each kind of document."""
    names = {"cities": "city profile", "visits": "briefing", "proposals": "proposal"}
    counts = {folder: sum(1 for f, _ in keys if f == folder) for folder in names}
    return ", ".join(f"{n} {names[f]}{'s' * (n != 1)}" for f, n in counts.items() if n) or "none"


def row(label: str, figure: str, note: str = "") -> None:
    """One figure, lined up: label, value, then the target or a remark."""
    print(f"{label:<36}{figure:>10}   {note}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cities", type=int, default=40)
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--proposals", type=int, default=10)
    parser.add_argument("--formats", default="pdf", help="comma-separated: pdf, docx (default pdf)")
    parser.add_argument("--quick", action="store_true", help="8 cities, 2 visits, 2 proposals")
    parser.add_argument(
        "--skip-single", action="store_true", help="skip one `reportgen build` per document"
    )
    parser.add_argument("--repeat", type=int, default=3, help="no-op runs (median)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="full builds on 1 and on 2 workers, alternating; the fastest of each counts",
    )
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--keep", action="store_true", help="keep the synthetic project")
    options = parser.parse_args()
    if options.quick:
        options.cities, options.visits, options.proposals = 8, 2, 2
    formats = [f.strip() for f in options.formats.split(",") if f.strip()]
    if not formats or any(f not in ("pdf", "docx") for f in formats):
        parser.error("--formats takes pdf, docx or pdf,docx")
    if options.cities < 4 or options.visits < 0 or options.proposals < 0:
        parser.error("at least 4 cities, and no negative counts")

    root = Path(tempfile.mkdtemp(prefix="reportgen-bench-batch-"))
    try:
        measure(root, options.cities, options.visits, options.proposals, formats, options)
    finally:
        if options.keep:
            print(f"synthetic project kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def measure(
    root: Path,
    cities: int,
    visits: int,
    proposals: int,
    formats: list[str],
    options: argparse.Namespace,
) -> None:
    generator = Generator(root, options.seed, formats)
    synthetic = generator.run(cities, visits, proposals)
    total = synthetic.documents
    repeat = max(1, options.repeat)
    print(
        f"synthetic project: {len(synthetic.cities)} cities, {len(synthetic.visits)} visits, "
        f"{len(synthetic.proposals)} proposals -> {total} documents ({', '.join(formats)}; "
        f"{synthetic.builds} builds); {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}"
    )
    seconds, verdict = validate(root)
    row("  reportgen validate", f"{seconds:.2f} s", f"({verdict})")
    # Warm the page cache (WeasyPrint, fonts), so the first timed build is not the only cold one.
    command_seconds([str(BIN / "python"), "-c", "import weasyprint"], root)

    rounds: dict[int, list[BatchRun]] = {1: [], 2: []}
    largest_mb = 0.0
    for _ in range(max(1, options.rounds)):
        rounds[1].append(clean_build(root, 1))
        if not largest_mb:
            largest_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rounds[2].append(clean_build(root, 2))
    one, two = (min(rounds[jobs], key=lambda r: r.seconds) for jobs in (1, 2))
    if options.rounds > 1:
        for jobs in (1, 2):
            shown = ", ".join(f"{r.seconds:.2f}" for r in rounds[jobs])
            print(f"  --jobs {jobs}, {options.rounds} rounds: {shown} s; the fastest counts")
    for jobs, run in ((1, one), (2, two)):
        if len(run.built) != total:
            fail(f"--jobs {jobs} built {len(run.built)} of {total} documents")
        row(
            f"full build, --jobs {jobs}",
            f"{run.seconds:.2f} s",
            f"{total / run.seconds:.2f} documents/s; {run.cpu:.1f} s CPU; load {run.load:.2f}",
        )
    row("  speed-up, 2 workers against 1", f"{one.seconds / two.seconds:.2f}x", "(target >= 1.8x)")
    row(
        "  CPU time, 2 workers against 1",
        f"{two.cpu / one.cpu:.2f}x",
        "(about 1: the same work; then a low speed-up means other load or idle workers)",
    )

    noops = [run_batch(root, 2) for _ in range(repeat)]
    for run in noops:
        if run.built or run.fresh != total:
            fail(f"no-op rebuild built {len(run.built)} documents, {run.fresh} fresh of {total}")
    noop = statistics.median(r.seconds for r in noops)
    inside = statistics.median(r.inside for r in noops)
    start_up = statistics.median(
        command_seconds([REPORTGEN, "--version"], root) for _ in range(repeat)
    )
    row(f"no-op rebuild (median of {repeat})", f"{noop:.2f} s", "(target < 1 s; whole process)")
    row(
        "  faster than the --jobs 2 build",
        f"{two.seconds / noop:.0f}x",
        f"(target >= 50x; {one.seconds / noop:.0f}x against --jobs 1)",
    )
    row("  of which inside batch.run", f"{inside:.2f} s", "(from --report; the rest: start-up)")
    row("  `reportgen --version` process", f"{start_up:.2f} s", "(interpreter and click)")

    changed = most_depended_on(synthetic)
    prints, names = synthetic.dependants(changed)
    generator.touch_city(changed)
    after = run_batch(root, 2)
    rebuilt = set(after.built)
    row(
        "one city changed, --jobs 2",
        f"{after.seconds:.2f} s",
        f"rebuilt {len(after.built)} of {total} documents, from {len(rebuilt)} profiles: "
        f"{describe(rebuilt)}",
    )
    precision = len(rebuilt & prints) / len(rebuilt) if rebuilt else 1.0
    print(
        f"  '{changed}' (population changed): {len(prints)} documents print it "
        f"({describe(prints)}), {len(names)} more print only its name; "
        f"precision {precision:.0%} (target 100 %)"
    )
    if not prints <= rebuilt:
        print(f"  NOT rebuilt, though they print it: {sorted(prints - rebuilt)}")
    if rebuilt - prints:
        print(f"  rebuilt, though they do not print it: {sorted(rebuilt - prints)}")
    if rebuilt == prints:
        print("  exactly the documents that print the figure were rebuilt")

    if options.skip_single:
        print("one `reportgen build` per document: skipped (--skip-single)")
    else:
        single, single_cpu, failure = one_process_each(synthetic)
        if failure:
            print(f"one `reportgen build` per document: FAILED, {failure}")
        else:
            row(
                "one `reportgen build` per document",
                f"{single:.2f} s",
                f"{synthetic.builds} processes, {single / synthetic.builds:.2f} s each; "
                f"{single_cpu:.1f} s CPU",
            )
            row("  batch --jobs 1 faster by", f"{single / one.seconds:.2f}x", "(target >= 1.5x)")

    print("peak memory per worker (VmHWM sampled from /proc while the batch runs; target < 400 MB)")
    for jobs, run in ((1, one), (2, two)):
        shown = ", ".join(f"{mb:.0f}" for mb in sorted(run.workers_mb, reverse=True)) or "none"
        row(
            f"  --jobs {jobs}: {len(run.workers_mb)} worker{'s' * (len(run.workers_mb) != 1)}",
            f"{max(run.workers_mb, default=0):.0f} MB",
            f"(each: {shown} MB; the batch process itself {run.parent_mb:.0f} MB)",
        )
    row(
        "  cross-check, getrusage",
        f"{largest_mb:.0f} MB",
        "(RUSAGE_CHILDREN ru_maxrss after the --jobs 1 build: the largest process waited"
        " for, its worker; workers forked from a fork server are not: then the batch itself)",
    )
    print(
        f"load average at the end {os.getloadavg()[0]:.2f} (other work on the machine skews times)"
    )


if __name__ == "__main__":
    main()
