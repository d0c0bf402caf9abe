"""Property tests: whatever a profile holds, validation reports it and never raises; every
valid project builds, in HTML and Word (and, for a few, PDF).

Projects are generated as Python data (one to three cities, then a visit and a proposal
between two of them) and written with PyYAML's safe dumper. A near-valid project has one
thing broken: a required key dropped, a value of the wrong type or out of range, a bad
id, date or address, an unknown key, or text made of any Unicode at all.

Every run explores new examples (no fixed seed, no example database left on disk), a few
seconds per test. Every example is validated through the command line; of the valid
projects a drawn sample is also built, since a build costs ten to fifty validations. Word
files are built without the LibreOffice pass that numbers their contents and without
fonts (seconds each), except a drawn few of the valid projects' builds.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import string
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.cli import main
from reportgen.yamlio import MAX_INT_DIGITS, resolve_plain
from tests.helpers import TODAY_EPOCH, Result, docx_text, html_text, pdf_text, squeeze

SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,  # new examples every run, and no folder of them left behind
    "print_blob": True,  # a failure prints the line that replays it
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
BUILD_ONE_IN = 4
"""About one valid example in this many is also built."""
WHOLE_WORD_ONE_IN = 3
"""About one built valid project in this many has Word files with numbered contents and
embedded fonts."""

Data = dict[str, Any]
Project = list[tuple[str, Data]]
"""Profiles as (file name, data)."""

# --- valid values -------------------------------------------------------------------------------

_ID_CHARS = string.ascii_lowercase + string.digits
ids = st.builds(
    lambda head, body, tail: head + body + (f"-{tail}" if tail else ""),
    st.sampled_from(string.ascii_lowercase),
    st.text(_ID_CHARS, max_size=10),
    st.one_of(st.just(""), st.text(_ID_CHARS, min_size=1, max_size=8)),
).filter(
    lambda ident: (
        ident not in {"con", "prn", "aux", "nul"}
        and not (ident[:3] in ("com", "lpt") and ident[3:].isdigit())
    )
)
"""Ids: lowercase letters, digits and hyphens, ``[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,8})?``
(built from its parts: drawn from the pattern, they cost three times as much)."""


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
USABLE_INT = 10**MAX_INT_DIGITS - 1
"""The largest integer a profile may hold (longer ones are refused as hostile)."""
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
    names = words.filter(lambda word: word.strip().casefold() != ident)  # not itself
    partners = st.one_of(st.sampled_from(others), names) if others else names
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
        "extra": st.dictionaries(
            ids, st.one_of(words, st.integers(-USABLE_INT, USABLE_INT), st.booleans()), max_size=3
        ),
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

PROBLEM = re.compile(r"^profiles/[^:]+\.yaml(?::\d+:\d+)?: \S.*$")
"""A problem line: the file, where in it when known, then the field and the message."""
SUMMARY = re.compile(r"^(?:valid|invalid): (?P<errors>\d+) errors?, (?P<warnings>\d+) warnings?$")
sampled = st.integers(0, BUILD_ONE_IN - 1).map(lambda pick: pick == BUILD_ONE_IN - 1)
"""Whether this example is also built; shrinks towards not building, so that shrinking a
failure of validation costs no builds."""
whole_word = st.integers(0, WHOLE_WORD_ONE_IN - 1).map(lambda pick: pick == 0)
"""Whether a built example's Word files get page numbers in their contents and embedded
fonts; shrinks towards them, so that a failure of either keeps it."""


@settings(max_examples=100, **SETTINGS)
@given(broken(), sampled)
def test_validate_reports_every_problem_and_never_raises(files: Project, build: bool) -> None:
    with project_folder(files) as folder:
        run = reportgen(folder, "validate", "profiles")

        errors = checked_report(run)
        if not errors and build:  # the change left it valid: then it builds (a sample)
            for name, _ in files:
                build_one(folder, name, ("html", "docx"))


@settings(max_examples=40, **SETTINGS)
@given(projects(), sampled, whole_word)
def test_valid_projects_validate_and_build_in_html_and_word(
    files: Project, build: bool, whole: bool
) -> None:
    with project_folder(files) as folder:
        run = reportgen(folder, "validate", "profiles")

        assert checked_report(run) == 0, run.stderr
        if not build:
            return
        for name, data in files:
            html, docx = build_one(folder, name, ("html", "docx"), whole_word=whole)
            if data["kind"] == "city":
                printed = plain(english(data["name"]))
                assert printed in plain(html_text(html))
                assert printed in plain(docx_text(docx))


@settings(max_examples=2, **SETTINGS)
@given(projects(latin_texts, latin_words))
def test_valid_projects_build_as_pdf(files: Project) -> None:
    with project_folder(files) as folder:
        for name, data in files:
            (pdf,) = build_one(folder, name, ("pdf",))
            if data["kind"] == "city":
                assert plain(english(data["name"])) in plain(pdf_text(pdf))


_TYPOGRAPHIC = str.maketrans(dict.fromkeys("“”„«»", '"') | dict.fromkeys("‘’‚", "'"))


def plain(text: str) -> str:
    """Text as written in a profile: without white space, and with the straight quotes that
    printing makes typographic ("Kitakyushu" prints as “Kitakyushu”)."""
    return squeeze(text).translate(_TYPOGRAPHIC)


@contextmanager
def project_folder(files: Project) -> Iterator[Path]:
    """A project (a manifest and the profiles) in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        (folder / "reportgen.yaml").write_text("profiles: profiles\n", "utf-8")
        for name, data in files:
            path = folder / "profiles" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dump(data), "utf-8")
        yield folder


def checked_report(run: Result) -> int:
    """The number of errors ``validate`` found, after checking how it reported them.

    One located line per problem (errors first), then a summary that counts them; exit 1
    when there are errors, else 0.
    """
    *problems, last = run.lines
    summary = SUMMARY.match(last)
    assert summary is not None, run.stderr
    errors, warnings = int(summary["errors"]), int(summary["warnings"])
    assert len(problems) == errors + warnings, run.stderr
    for line in problems:
        assert PROBLEM.match(line), line
    assert [": warning: " in line for line in problems] == [False] * errors + [True] * warnings
    assert run.code == (1 if errors else 0)
    assert run.stdout == ""
    return errors


def dump(data: Data) -> str:
    """``data`` as YAML: with PyYAML's C emitter (ten times faster) unless it cannot write it.

    Only the Python emitter escapes lone surrogates (``"\\ud800"``).
    """
    try:
        return yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
    except UnicodeEncodeError:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def reportgen(folder: Path, *args: str) -> Result:
    """``reportgen ARGS... --debug`` run in this process inside ``folder``, on ``TODAY``.

    ``--debug`` lets an internal error out as the exception itself, for Hypothesis to shrink.
    """
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        patch.chdir(folder)
        patch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        patch.setenv("NO_COLOR", "1")
        for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "CLICOLOR_FORCE"):
            patch.delenv(name, raising=False)
        try:
            main([*args, "--debug"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        else:  # pragma: no cover - main always exits
            code = 0
    return Result(code, out.getvalue(), err.getvalue())


def build_one(
    folder: Path, name: str, formats: tuple[str, ...], *, whole_word: bool = False
) -> list[Path]:
    """``reportgen build profiles/NAME`` in each format into ``output/``; the files written.

    A Word file has page numbers in its contents and embedded fonts with ``whole_word``.
    """
    options = [option for fmt in formats for option in ("--format", fmt)]
    if "docx" in formats and not whole_word:
        options += ["--no-page-numbers", "--no-embed-fonts"]
    # generated texts are in any language: an English edition of a text written in Thai
    # alone is a partial one, built and marked
    run = reportgen(
        folder, "build", f"profiles/{name}", *options, "--allow-untranslated", "-o", "output"
    )
    assert run.code == 0, run.stderr
    written = {Path(line).suffix: folder / line for line in run.stdout.splitlines()}
    assert sorted(written) == sorted(f".{fmt}" for fmt in formats), run.stdout
    return [written[f".{fmt}"] for fmt in formats]


def english(text: str | dict[str, str]) -> str:
    """What an English document prints for a text: English, else the first translation."""
    if isinstance(text, str):
        return text.strip()
    return (text.get("en") or next(iter(text.values()))).strip()
