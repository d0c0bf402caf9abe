"""Property tests: whatever a profile holds, validation reports it and never raises; every
valid project builds, in HTML and Word (and, for a few, PDF).

Projects are generated as Python data (one to three cities, then a visit and a proposal
between two of them) and written with ``yaml.safe_dump``. A near-valid project has one
thing broken: a required key dropped, a value of the wrong type or out of range, a bad
id, date or address, an unknown key, or text made of any Unicode at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reportgen
from reportgen.errors import Severity
from reportgen.pipeline import build
from reportgen.workspace import Clock, Options, Workspace
from reportgen.yamlio import resolve_plain
from tests.conftest import TODAY
from tests.test_hostile import docx_text, html_text, pdf_text, squeeze

SETTINGS: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}

Data = dict[str, Any]
Project = list[tuple[str, Data]]
"""Profiles as (file name, data)."""

# --- valid values -------------------------------------------------------------------------------

ids = st.from_regex(r"[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,8})?", fullmatch=True).filter(
    lambda ident: (
        ident not in {"con", "prn", "aux", "nul"}
        and not (ident[:3] in ("com", "lpt") and ident[3:].isdigit())
    )
)
"""Ids: lowercase letters, digits and hyphens."""


def _plain_text(text: str) -> str:
    """``text``, or with a letter in front where YAML would read a number, null or nothing."""
    stripped = text.strip()
    if stripped and resolve_plain(stripped) == "tag:yaml.org,2002:str":
        return text
    return "x" + text


def _texts(alphabet: st.SearchStrategy[str]) -> tuple[Any, Any]:
    words = st.text(alphabet=alphabet, min_size=1, max_size=40).map(_plain_text)
    languages = st.sampled_from(["en", "ja", "zh-Hans", "th", "pt-BR"])
    return words, st.one_of(words, st.dictionaries(languages, words, min_size=1))


words, texts = _texts(st.characters(categories=["L", "N", "P", "S", "Zs"]))
"""Text that a profile may hold: letters of any script, digits, punctuation, spaces
(Markdown and HTML included), never read back as a number, a boolean or null; as a
string or as translations by language."""
latin_words, latin_texts = _texts(
    st.characters(categories=["L", "N", "P", "S", "Zs"], max_codepoint=0x17F)
)
"""Text that the PDF's fonts can draw whatever the machine (any script needs its font)."""
days = st.dates(dt.date(1950, 1, 1), dt.date(2026, 12, 31))
partial_dates = st.one_of(
    days.map(lambda day: day.isoformat()),
    days.map(lambda day: day.isoformat()[:7]),
    days.map(lambda day: day.year),
)
countries = st.sampled_from(["JP", "CN", "NO", "KR", "TH", "KH", "DE", "BR", "US"])
sdgs = st.lists(st.integers(1, 17), max_size=17, unique=True)


@st.composite
def cities(draw: st.DrawFn, ident: str, others: list[str], texts: Any, words: Any) -> Data:
    """A valid city profile; partners are the other cities' ids or free names."""
    source_ids = draw(st.lists(ids, max_size=3, unique=True))
    sources = st.sampled_from(source_ids) if source_ids else st.none()
    partners = st.one_of(st.sampled_from(others), words) if others else words
    city: Data = {
        "kind": "city",
        "id": ident,
        "name": draw(texts),
        "country": draw(countries),
        "summary": draw(texts),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "region": texts,
        "overview": texts,
        "industries": st.lists(texts, max_size=4),
        "sdg_focus": sdgs,
        "population": st.lists(
            st.fixed_dictionaries(
                {"value": st.integers(0, 40_000_000), "as_of": partial_dates},
                optional={"source": sources, "kind": st.sampled_from(["census", "estimate"])},
            ),
            max_size=3,
        ),
        "officials": st.lists(
            st.fixed_dictionaries(
                {"role": st.just("head"), "title": texts, "name": texts, "as_of": partial_dates}
            ),
            max_size=2,
        ),
        "partnerships": st.lists(
            st.fixed_dictionaries(
                {
                    "partner": partners,
                    "type": st.sampled_from(["sister", "friendship", "exchange", "project"]),
                },
                optional={"established": partial_dates, "themes": st.lists(texts, max_size=2)},
            ),
            max_size=3,
        ),
        "timeline": st.lists(
            st.fixed_dictionaries(
                {"date": partial_dates, "title": texts},
                optional={"partners": st.lists(partners, max_size=2)},
            ),
            max_size=5,
        ),
        "goals": st.lists(
            st.fixed_dictionaries(
                {"title": texts}, optional={"target_year": st.integers(2027, 2100), "sdgs": sdgs}
            ),
            max_size=2,
        ),
        "contacts": st.lists(
            st.fixed_dictionaries(
                {"name": texts},
                optional={
                    "email": st.just("office@example.org"),
                    "phone": st.just("+81-93-582-2101"),
                    "audience": st.sampled_from(["internal", "public"]),
                },
            ),
            max_size=2,
        ),
        "extra": st.dictionaries(ids, st.one_of(words, st.integers(), st.booleans()), max_size=3),
    }
    for key in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        city[key] = draw(optional[key])
    if source_ids:
        city["sources"] = [
            {"id": source, "title": draw(texts), "url": f"https://example.org/{source}"}
            for source in source_ids
        ]
    return city


def visit(ident: str, host: str, guest: str, length: int) -> Data:
    start = dt.date(2027, 5, 10)
    return {
        "kind": "visit",
        "id": ident,
        "title": "Delegation visit",
        "direction": "inbound",
        "host": host,
        "guest": guest,
        "dates": {"start": start.isoformat(), "end": (start + dt.timedelta(length)).isoformat()},
        "timezone": "Asia/Tokyo",
        "purpose": "Talks on air quality.",
        "agenda": [
            {
                "date": (start + dt.timedelta(day)).isoformat(),
                "start": "09:30",
                "end": "11:00",
                "title": f"Meeting {day}",
            }
            for day in range(length + 1)
        ],
    }


def proposal(ident: str, lead: str, partner: str, lines: int) -> Data:
    return {
        "kind": "proposal",
        "id": ident,
        "title": "Cleaner air",
        "lead": lead,
        "partners": [partner],
        "period": {"start": "2027-04", "end": "2028-03"},
        "summary": "Two cities measure and cut fine dust.",
        "logframe": {
            "goal": "Clean air",
            "purpose": "Less dust",
            "outputs": [{"id": "o1", "title": "A network"}],
        },
        "activities": [
            {"id": "a1", "output": "o1", "title": "Sensors", "start": "2027-04", "end": "2027-09"}
        ],
        "budget": {
            "currency": "JPY",
            "lines": [
                {"item": f"Item {n}", "category": "experts", "quantity": n + 1, "unit_cost": 1000}
                for n in range(lines)
            ],
        },
    }


@st.composite
def projects(draw: st.DrawFn, texts: Any = texts, words: Any = words) -> Project:
    """One to three valid cities, and with two or more a visit and a proposal between them."""
    names = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    files: Project = []
    for ident in names:
        others = [other for other in names if other != ident]
        files.append((f"cities/{ident}.yaml", draw(cities(ident, others, texts, words))))
    if len(names) >= 2:
        host, guest = names[0], names[1]
        files.append(("visits/v.yaml", visit("v", host, guest, draw(st.integers(0, 4)))))
        files.append(("proposals/p.yaml", proposal("p", host, guest, draw(st.integers(0, 5)))))
    return files


# --- near-valid values ----------------------------------------------------------------------------

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(10**29, 10**45),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(
        [
            "2019-02-30",
            "2019-13",
            "../x",
            "con",
            "ｋitakyushu",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "\u202egpj.exe",
            "\x1b[2J",
            "\ud800",
            "{{ 7*7 }}",
            "<script>alert(1)</script>",
            -1,
            0,
            18,
        ]
    ),
)
"""Any value, and values that hostile or careless hands put in profiles."""


@st.composite
def broken(draw: st.DrawFn) -> Project:
    """A valid project with one value of one profile dropped, replaced or added."""
    files = draw(projects())
    index = draw(st.integers(0, len(files) - 1))
    name, data = files[index]
    paths = list(_paths(data))
    path = draw(st.sampled_from(paths))
    change = draw(st.sampled_from(["drop", "replace", "add"]))
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    last = path[-1]
    if change == "drop" and isinstance(target, dict):
        del target[last]
    elif change == "add" and isinstance(target, dict):
        target[draw(st.sampled_from(["nmae", "populaton", "ID", "", "kind"]))] = draw(anything)
    else:
        target[last] = draw(anything)
    files[index] = (name, data)
    return files


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in ``node`` (a value reached by keys and indices)."""
    found: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        found.append((*prefix, key))
        if isinstance(value, dict | list) and value:
            found.extend(_paths(value, (*prefix, key)))
    return found


# --- the properties -----------------------------------------------------------------------------


def write_project(folder: Path, files: Project) -> list[Path]:
    paths = []
    for name, data in files:
        path = folder / "profiles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        paths.append(path)
    return paths


@settings(max_examples=150, **SETTINGS)
@given(broken())
def test_validate_reports_every_problem_and_never_raises(files: Project) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        paths = write_project(folder, files)

        report = reportgen.validate(
            [folder / "profiles"], profiles=folder / "profiles", today=TODAY
        )

        for issue in report:
            assert issue.file and issue.message
            assert "\n" not in str(issue)
        if not report.errors:  # the change left it valid: then it builds
            for path in paths:
                build_one(folder, path, ("html", "docx"))


@settings(max_examples=40, **SETTINGS)
@given(projects())
def test_valid_projects_validate_and_build_in_html_and_word(files: Project) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        paths = write_project(folder, files)
        report = reportgen.validate(
            [folder / "profiles"], profiles=folder / "profiles", today=TODAY
        )
        assert [str(i) for i in report if i.severity is Severity.ERROR] == []
        for path, (_, data) in zip(paths, files, strict=True):
            result = build_one(folder, path, ("html", "docx"))
            html, docx = sorted(result, key=lambda p: p.suffix, reverse=True)
            if data["kind"] == "city":
                name = english(data["name"])
                assert squeeze(name) in squeeze(html_text(html))
                assert squeeze(name) in squeeze(docx_text(docx))


@settings(max_examples=3, **SETTINGS)
@given(projects(latin_texts, latin_words))
def test_valid_projects_build_as_pdf(files: Project) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        paths = write_project(folder, files)
        for path, (_, data) in zip(paths, files, strict=True):
            (pdf,) = build_one(folder, path, ("pdf",))
            if data["kind"] == "city":
                assert squeeze(english(data["name"])) in squeeze(pdf_text(pdf))


def build_one(folder: Path, source: Path, formats: tuple[str, ...]) -> list[Path]:
    workspace = dataclasses.replace(
        Workspace.resolve(source, profiles=folder / "profiles", clock=Clock(TODAY)),
        templates=folder / "templates",
    )
    options = Options(formats=formats)
    written = build(workspace, source, options, output=folder / "output").written
    assert len(written) == len(formats)
    return written


def english(text: str | dict[str, str]) -> str:
    """What an English document prints for a text: English, else the first translation."""
    if isinstance(text, str):
        return text.strip()
    return (text.get("en") or next(iter(text.values()))).strip()
