"""Complete language editions: an edition is built only when every text it prints is in
its language; the example's Japanese and Chinese briefings are; names, units, agenda
types and percentages follow the edition's language."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from reportgen import yamlio
from tests.helpers import (
    QUICK_WORD,
    RunCli,
    Workspace,
    WriteFile,
    docx_text,
    html_text,
    poppler_text,
    strict_edition,
)

VISIT = "profiles/visits/dalian-to-kitakyushu-2027-05.yaml"
STALE_CENSUS = "population[0].as_of: warning: population 7,450,785 is dated 2020-11-01"

LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’.]*(?:[ \-–/]+[A-Za-z][A-Za-z'’.]*)+")
"""Two or more Latin words in a row (a single word, an acronym such as JICA, PM2.5 or
SDGs, is not a run): what an English text left in a CJK edition looks like."""

ALLOWED_RUNS = {
    "Hai Phong",  # partner cities named by their own names (free names, not profiles)
    "Phnom Penh",
    "JST, UTC",  # the zone's abbreviation and offset: "（JST, UTC+09:00）"
}
"""Runs that are names or ids: the only Latin words a Japanese or Chinese page may hold."""

URL_OR_MAIL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+|\b[\w.-]+\.(?:jp|cn|org|net|com)\b")


def latin_runs(text: str, sources_heading: str) -> list[str]:
    """The runs of Latin words of a CJK edition outside names, URLs and ids.

    The list of sources, from its heading on, is left out: references are cited as
    they were published (an English page keeps its English title). URLs, e-mail
    addresses and host names are removed first; a line break inside a run joins it.
    """
    body = text.rsplit(sources_heading, 1)[0]
    body = URL_OR_MAIL.sub(" ", body.replace("\n", " "))
    return [run for run in LATIN_RUN.findall(body) if run.strip() not in ALLOWED_RUNS]


@pytest.mark.parametrize(("lang", "sources"), [("ja", "出典"), ("zh-Hans", "资料来源")])
def test_example_briefing_is_a_complete_edition_without_english_runs(
    examples: Workspace, lang: str, sources: str
) -> None:
    # built under --strict: every warning, a translation's included, fails the build
    built = strict_edition(examples, lang)
    assert built.run.code == 0, built.run.stderr
    assert "translation" not in built.run.stderr
    text = poppler_text(built.path)
    assert latin_runs(text, sources) == []
    assert "例示" in text or "示例" in text


@pytest.mark.parametrize(("lang", "font"), [("ja", "CJK-JP"), ("zh-Hans", "CJK-SC")])
def test_latin_words_in_a_cjk_edition_are_set_in_the_latin_font(
    examples: Workspace, lang: str, font: str
) -> None:
    built = strict_edition(examples, lang)
    assert built.run.code == 0, built.run.stderr
    pdf = built.reader
    latin: dict[str, set[str]] = {}
    own: set[str] = set()

    def note(text: str, cm: object, tm: object, font_dict: object, size: object) -> None:
        if not isinstance(font_dict, dict):
            return
        name = str(font_dict.get("/BaseFont"))
        for word in re.findall(r"[A-Za-z]{2,}", text):  # SDGs, PM2.5, JST, UTC
            latin.setdefault(word, set()).add(name)
        if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text):
            own.add(name)

    for page in pdf.pages:
        page.extract_text(visitor_text=note)

    assert {"SDGs", "PM", "JST"} <= set(latin)
    assert {word: fonts for word, fonts in latin.items() if any("CJK" in f for f in fonts)} == {}
    assert any(font in name for name in own)  # (a name quoted in Japanese form: CJK-JP)
    assert not [name for name in own | set().union(*latin.values()) if "Italic" in name]


def test_strict_example_fails_only_on_the_stale_census(cli: RunCli, example_project: Path) -> None:
    built = cli("build", VISIT, "--lang", "ja", "--lang", "zh-Hans", "--strict", "-o", "out")
    problems = [line for line in built.lines if line.startswith("profiles/")]
    assert all("warning:" in line and "is dated" in line for line in problems), problems
    assert not [line for line in built.lines if "translation" in line or "Latin" in line]


def test_chinese_edition_prints_chinese_names_never_japanese_forms(examples: Workspace) -> None:
    docx = examples.build(VISIT, "briefing.zh-Hans.quick.docx", "--lang", "zh-Hans", *QUICK_WORD)
    built = strict_edition(examples, "zh-Hans")
    assert (docx.run.code, built.run.code) == (0, 0), docx.run.stderr + built.run.stderr
    pdf = poppler_text(built.path)
    word = docx_text(docx.path)
    for text in (pdf, word):
        assert "北九州市市长" in text
        assert "来访：北九州市接待大连市代表团" in text
        assert "陈绍旺" in text
        for japanese in ("北九州市長", "大連", "Kitakyushu City"):
            assert japanese not in text.rsplit("资料来源", 1)[0]


def _drop(path: Path, *fields: tuple[str | int, ...], lang: str = "ja") -> None:
    """Remove the ``lang`` form of the texts at ``fields`` (as if never translated): its
    key's line and the lines of a block value under it."""
    doc = yamlio.load(path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    gone: set[int] = set()
    for loc in fields:
        pos = doc.locate((*loc, lang), key=True)
        assert pos is not None and pos.line is not None, loc
        first = pos.line - 1
        gone.add(first)
        indent = len(lines[first]) - len(lines[first].lstrip())
        for index in range(first + 1, len(lines)):
            if len(lines[index]) - len(lines[index].lstrip()) <= indent:
                break
            gone.add(index)
    kept = [line for index, line in enumerate(lines) if index not in gone]
    path.write_text("".join(kept), encoding="utf-8")


def test_untranslated_text_fails_the_edition_at_its_line(
    cli: RunCli, example_project: Path
) -> None:
    visit = example_project / VISIT
    _drop(visit, ("objectives", 1))
    built = cli("build", VISIT, "--lang", "ja", "-o", "out")
    assert built.code == 1
    line = next(line for line in built.lines if "objectives" in line)
    position = yamlio.load(visit).locate(("objectives", 1))
    assert position is not None
    assert line == (
        f"{VISIT}:{position.line}:{position.col}: objectives[1]: has no ja translation: "
        "translate it, or build with --allow-untranslated"
    )
    assert [line for line in built.lines if "translation" in line] == [line]
    assert not (example_project / "out").exists()


def test_allow_untranslated_marks_every_fallback_and_the_cover(
    cli: RunCli, example_project: Path
) -> None:
    _drop(example_project / VISIT, ("objectives", 1))
    # the marks are the document's, whatever its format: the page (which the PDF is laid
    # out from) and the Word file are read
    built = cli(
        "build", VISIT, "--lang", "ja", "--format", "html", *QUICK_WORD, "--allow-untranslated",
        "-o", "out",
    )  # fmt: skip
    assert built.code == 0, built.stderr
    assert "objectives[1]: warning: has no ja translation" in built.stderr
    printed = html_text(example_project / "out/dalian-to-kitakyushu-2027-05.briefing.ja.html")
    word = docx_text(example_project / "out/dalian-to-kitakyushu-2027-05.briefing.ja.docx")
    english = "Confirm the data and monitoring information"
    for text in (printed, word):
        flat = " ".join(text.split())
        assert f"[EN] {english}" in flat
        assert flat.count("[EN]") == 1
        assert "一部未翻訳" in flat
    complete = cli(
        "build", VISIT, "--lang", "en", "--format", "html", "--allow-untranslated", "-o", "en"
    )
    assert complete.code == 0
    page = example_project / "en/dalian-to-kitakyushu-2027-05.briefing.en.html"
    assert "[EN]" not in page.read_text(encoding="utf-8")


def test_status_validate_and_build_count_the_same_missing_texts(
    cli: RunCli, example_project: Path
) -> None:
    _drop(example_project / VISIT, ("objectives", 0), ("purpose",), ("agenda", 4, "title"))
    _drop(example_project / "profiles/cities/dalian.yaml", ("summary",))
    status = cli("translations", "status", "--documents", VISIT, "--lang", "ja", "--json")
    assert status.code == 0, status.stderr
    missing = json.loads(status.stdout)[0]["missing"]
    built = cli("build", VISIT, "--lang", "ja", "-o", "out")
    from_build = [line for line in built.lines if "has no ja translation" in line]
    checked = cli("validate", VISIT, "--lang", "ja")
    from_validate = [line for line in checked.lines if "has no ja translation" in line]
    assert missing == len(from_build) == 4
    assert checked.code == 1
    assert sorted(from_validate) == sorted(from_build)


SPANISH_CATALOG = r"""
msgid ""
msgstr ""
"Language: es\n"
"Content-Type: text/plain; charset=utf-8\n"

msgid "person-trips"
msgstr "viajes por persona"

msgid "lump sum"
msgstr "suma global"

msgid "households"
msgstr "hogares"

msgid "t/month"
msgstr "t/mes"

msgid "meeting"
msgstr "reunión"

msgid "Share"
msgstr "Porcentaje"
"""

PROPOSAL = """\
kind: proposal
id: agua
title: {en: Water for all, es: Agua para todos}
lead: aville
partners: [bville]
period: {start: 2027-01, end: 2027-12}
status: draft
summary: {en: A water project., es: Un proyecto de agua.}
logframe:
  goal: {en: Clean water., es: Agua limpia.}
  purpose: {en: Pipes work., es: Las tuberías funcionan.}
  outputs:
    - id: o1
      title: {en: Pipes, es: Tuberías}
      indicators:
        - indicator: {en: Homes connected, es: Viviendas conectadas}
          unit: households
          target: {value: 500, by: 2027-12}
        - indicator: {en: Sludge removed, es: Lodos retirados}
          unit: t/month
          target: {value: 12, by: 2027-12}
budget:
  currency: EUR
  lines:
    - {item: {en: Expert visits, es: Visitas de expertos}, category: travel, quantity: 3,
       unit: person-trips, unit_cost: 1830}
    - {item: {en: Pipes, es: Tuberías}, category: equipment, quantity: 1,
       unit: lump sum, unit_cost: 4510}
"""

VISIT_ES = """\
kind: visit
id: visita
title: {en: Visit, es: Visita}
host: aville
guest: bville
direction: inbound
dates: {start: 2027-05-12, end: 2027-05-12}
timezone: Europe/Madrid
purpose: {en: Talks., es: Conversaciones.}
agenda:
  - date: 2027-05-12
    start: "09:30"
    end: "10:30"
    title: {en: Talks, es: Conversaciones}
    type: meeting
  - date: 2027-05-12
    start: "11:00"
    title: {en: Old town, es: Casco antiguo}
    type: {en: cultural walk, es: paseo cultural}
"""


def test_spanish_catalog_gives_units_types_and_percentages_in_spanish(
    cli: RunCli, project: Path, write: WriteFile
) -> None:
    write("locales/es/LC_MESSAGES/reportgen.po", SPANISH_CATALOG)
    write("profiles/proposals/agua.yaml", PROPOSAL)
    write("profiles/visits/visita.yaml", VISIT_ES)
    texts = []
    for source in ("profiles/proposals/agua.yaml", "profiles/visits/visita.yaml"):
        # the catalog translates a few fixed strings only: the rest stands in English. What
        # the edition prints is the document's, whatever its format: the page (which the PDF
        # is laid out from) and the Word file are read
        built = cli(
            "build", source, "--lang", "es", "--format", "html", *QUICK_WORD,
            "--allow-untranslated", "-o", "out",
        )  # fmt: skip
        assert built.code == 0, built.stderr
        stem = Path(source).stem
        document = "proposal" if stem == "agua" else "briefing"
        for suffix, read in (("html", html_text), ("docx", docx_text)):
            text = read(project / f"out/{stem}.{document}.es.{suffix}")
            texts.append(" ".join(text.split()))
    proposal_page, proposal_docx, visit_page, visit_docx = texts
    for text in (proposal_page, proposal_docx):
        assert "3 viajes por persona" in text
        assert "1 suma global" in text
        assert "hogares" in text and "t/mes" in text
        assert "54,9 %" in text and "45,1 %" in text  # 5,490 and 4,510 of 10,000
        for english in ("person-trips", "lump sum", "households", "t/month", "54.9"):
            assert english not in text
    for text in (visit_page, visit_docx):
        assert "(reunión)" in text and "(paseo cultural)" in text
        assert "meeting" not in text and "cultural walk" not in text


def test_names_and_addresses_are_not_exported_and_units_are(
    cli: RunCli, project: Path, write: WriteFile
) -> None:
    write("profiles/proposals/agua.yaml", PROPOSAL.replace("unit: t/month", "unit: m3 per day"))
    exported = cli("translations", "export", "--lang", "ja", "--format", "po", "-o", "-")
    assert exported.code == 0, exported.stderr
    assert 'msgid "m3 per day"' in exported.stdout  # a unit no catalog knows is a text
    assert 'msgid "households"' not in exported.stdout  # the catalogs translate it
    assert "#name" not in exported.stdout  # city names are not texts to translate
    status = cli("translations", "status", "--lang", "ja", "--json")
    assert status.code == 0


def test_validate_flags_a_latin_only_name_in_a_cjk_edition(
    cli: RunCli, example_project: Path
) -> None:
    visit = example_project / VISIT
    text = visit.read_text(encoding="utf-8").replace(
        "      zh-Hans: 大连市生态环境局局长（示例）\n", ""
    )
    visit.write_text(text, encoding="utf-8")
    checked = cli("validate", VISIT, "--lang", "zh-Hans")
    position = yamlio.load(visit).locate(("delegation", 1, "name"), key=True)
    assert position is not None
    assert (
        f"{VISIT}:{position.line}:{position.col}: delegation[1].name: warning: the zh-Hans "
        "edition would print this name in Latin letters only: add its zh-Hans form"
    ) in checked.lines
    assert shutil.which("pdftotext")


def test_batch_and_the_api_take_allow_untranslated_from_the_one_options_object(
    cli: RunCli, example_project: Path
) -> None:
    import reportgen
    from reportgen import Options

    _drop(example_project / VISIT, ("objectives", 1))
    (example_project / "reportgen.yaml").write_text(
        "profiles: profiles\noutput: output\njobs:\n"
        f"  - {{name: ja, document: briefing, sources: [{VISIT}], formats: [html], "
        "languages: [ja]}\n",
        encoding="utf-8",
    )
    failed = cli("batch", "--jobs", "1")
    assert failed.code == 1
    assert any("objectives[1]: has no ja translation" in line for line in failed.lines)
    assert not list((example_project / "output").glob("*.html"))

    built = cli("batch", "--jobs", "1", "--allow-untranslated")
    assert built.code == 0, built.stderr
    page = (example_project / "output/dalian-to-kitakyushu-2027-05.briefing.ja.html").read_text(
        encoding="utf-8"
    )
    assert "[EN]" in page

    options = Options(languages=("ja",), formats=("html",), allow_untranslated=True)
    result = reportgen.build(example_project / VISIT, options=options, output=example_project / "a")
    assert "[EN]" in result.written[0].read_text(encoding="utf-8")
    with pytest.raises(reportgen.errors.InvalidInput):
        reportgen.build(example_project / VISIT, options=Options(languages=("ja",)))
