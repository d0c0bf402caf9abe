"""The translators' round trip: export, fill with independent tools, import, build.

The exported files are read and filled by translate-toolkit and polib, as a CAT tool
or Poedit would; the profiles they come back into are compared line by line with the
originals.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polib
import pytest
from lxml import etree
from ruamel.yaml import YAML
from translate.storage import po as tt_po
from translate.storage import xliff as tt_xliff
from translate.storage.placeables import StringElem

from reportgen import yamlio
from reportgen.errors import format_loc
from reportgen.models import parse_profile
from reportgen.texts import untranslated
from reportgen.translations.units import source_digest, units
from tests.helpers import ROOT, RunCli, WriteFile

NS = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
VISIT = "profiles/visits/dalian-to-kitakyushu-2027-05.yaml"


def read_store(path: Path, kind: Any = tt_xliff.xlifffile) -> Any:
    """A translation file as translate-toolkit reads it (XLIFF, or ``tt_po.pofile``)."""
    return kind.parsefile(str(path))


def fill_xliff(path: Path, translate: Callable[[str, str, int], str]) -> dict[str, str]:
    """Fill every unit's target through translate-toolkit, keeping inline tags as they are.

    ``translate(id, words, n)`` gives the translation of each run of words. Returns the
    Markdown each unit should come back as, by id.
    """
    store = read_store(path)
    expected: dict[str, str] = {}
    for unit in store.units:
        if unit.isheader():
            continue
        ident = unit.xmlelement.get("id")
        rich = unit.rich_source[0]
        if all(isinstance(part, str) for part in rich.sub):
            unit.target = translate(ident, unit.source, 0)
            expected[ident] = unit.target
            continue
        target = copy.deepcopy(rich)
        words = 0
        for leaf in target.sub:
            if type(leaf) is StringElem and str(leaf).strip():
                words += 1
                leaf.sub = [translate(ident, str(leaf), words)]
        unit.rich_target = [target]
        expected[ident] = str(unit.target)
    store.savefile(str(path))
    return expected


class Numbered:
    """Stand-in translations that name their unit: 訳 and a number per unit (and run)."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def __call__(self, ident: str, words: str, n: int) -> str:
        number = self.numbers.setdefault(ident, len(self.numbers) + 1)
        lead = " " if words.startswith(" ") else ""
        trail = " " if words.endswith(" ") and n else ""
        return f"{lead}訳{number}" + (f".{n}" if n else "") + trail


def ruamel_data(text: str) -> Any:
    """The file as ruamel.yaml reads it (YAML 1.2)."""
    return YAML(typ="safe", pure=True).load(text)


def ordered(value: Any) -> Any:
    """Data with the order of keys made part of it."""
    if isinstance(value, dict):
        return [(str(k), ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [ordered(v) for v in value]
    return value


def without_added(new: Any, old: Any, lang: str = "ja") -> Any:
    """``new`` with the ``lang`` texts that ``old`` did not have taken out again."""
    if isinstance(old, str) and isinstance(new, dict) and list(new) == ["en", lang]:
        return new["en"] if new["en"] == old else new
    if isinstance(new, dict) and isinstance(old, dict):
        return {
            key: without_added(value, old.get(key), lang)
            for key, value in new.items()
            if not (key == lang and key not in old and isinstance(value, str))
        }
    if isinstance(new, list) and isinstance(old, list) and len(new) == len(old):
        return [without_added(n, o, lang) for n, o in zip(new, old, strict=True)]
    return new


def assert_only_translations_added(old: str, new: str, path: Path, lang: str = "ja") -> None:
    """Outside the texts that were given a translation, every line is as it was.

    Lines may change only where a translated text starts (its key, or its item in a
    list) and on the following lines of that text; comment lines never change.
    """
    doc = yamlio.parse(old, path)
    profile = parse_profile(doc)
    starts: set[int] = set()
    for unit in units(profile, doc, "", lang):
        if not unit.translated:
            starts.add(unit.line or 0)
            key = doc.locate(unit.loc, key=True)
            starts.add(key.line if key else 0)
    old_lines, new_lines = old.splitlines(), new.splitlines()
    allowed: set[int] = set()
    for start in sorted(starts - {0}):
        depth = _indent(old_lines[start - 1])
        allowed.add(start)
        for number in range(start + 1, len(old_lines) + 1):
            line = old_lines[number - 1]
            if line.strip() and (_indent(line) <= depth or line.lstrip().startswith("#")):
                break
            allowed.add(number)
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        for number in range(i1 + 1, i2 + 1) if tag != "equal" else ():
            line = old_lines[number - 1]
            assert not line.lstrip().startswith("#"), f"comment changed: {line!r}"
            assert number in allowed, f"line {number} changed: {line!r}"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the example project, made current."""
    shutil.copytree(ROOT / "profiles", tmp_path / "profiles")
    shutil.copy2(ROOT / "reportgen.yaml", tmp_path / "reportgen.yaml")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def lang_status(cli: RunCli, lang: str, *paths: str) -> dict[str, Any]:
    result = cli("translations", "status", "--lang", lang, "--json", *paths)
    assert result.code == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)[0]
    return found


def test_translations_round_trip_makes_the_example_briefing_korean(
    cli: RunCli, example: Path
) -> None:
    # the example is complete in Japanese and Chinese: a new language goes the whole way
    before = {p: p.read_text(encoding="utf-8") for p in sorted(example.glob("profiles/*/*.yaml"))}
    assert lang_status(cli, "ko", "--documents", VISIT)["missing"] == 230

    exported = cli("translations", "export", "--lang", "ko", "--documents", VISIT)
    assert exported.code == 0, exported.stderr
    assert exported.stdout == "translations/ko.xlf\n"
    assert "230 texts from 5 files to translate into ko" in exported.stderr
    xlf = example / "translations" / "ko.xlf"
    tree = etree.parse(str(xlf))
    assert tree.getroot().get("version") == "1.2"
    agenda = tree.find(f".//x:trans-unit[@id='{VISIT}#agenda[0].title']", NS)
    assert agenda is not None
    assert (agenda.get("maxwidth"), agenda.get("size-unit")) == ("100", "char")
    assert agenda.findtext("x:source", namespaces=NS) == "Arrival and transfer to the hotel"
    notes = [n.text for n in agenda.findall("x:note", NS)]
    assert notes[0] == (
        f"{VISIT}:162: agenda[0].title: What happens. (One appointment in the programme.)"
    )
    assert notes[1] == "At most 100 characters: a cell of the programme table."
    assert agenda.findtext(".//x:context[@context-type='linenumber']", namespaces=NS) == "162"
    purpose = tree.find(f".//x:trans-unit[@id='{VISIT}#purpose']/x:source", NS)
    assert purpose is not None
    assert [(c.tag.split("}")[1], c.text) for c in purpose] == [("bpt", "*"), ("ept", "*")]
    assert not purpose.text

    expected = fill_xliff(xlf, Numbered())
    imported = cli("translations", "import", str(xlf))
    assert imported.code == 0, imported.stderr
    assert "imported 230 translations into 5 files; 0 already there" in imported.stderr

    for path, old in before.items():
        new = path.read_text(encoding="utf-8")
        assert_only_translations_added(old, new, path, "ko")
        old_data = ruamel_data(old)
        assert ordered(without_added(ruamel_data(new), old_data, "ko")) == ordered(old_data)
    visit = yamlio.load(example / VISIT).data
    assert visit["agenda"][0]["title"]["ko"] == expected[f"{VISIT}#agenda[0].title"]
    assert visit["purpose"]["ko"] == expected[f"{VISIT}#purpose"]
    assert visit["purpose"]["ko"].startswith("*訳")

    # the fixed strings: a project catalog of Korean, every entry filled
    assert cli("translations", "new-catalog", "ko").code == 0
    catalog = polib.pofile(str(example / "locales/ko/LC_MESSAGES/reportgen.po"))
    for entry in catalog:
        entry.msgstr = entry.msgid
    catalog.save()
    built = cli("build", VISIT, "--lang", "ko", "--format", "html", "-o", "ko.html")
    assert built.code == 0, built.stderr
    assert "translation" not in built.stderr
    page = (example / "ko.html").read_text(encoding="utf-8")
    printed = [
        text
        for ident, text in expected.items()
        if re.search(r"#(agenda\[\d+\]\.title|talking_points\[\d+\]\.point)$", ident)
    ]
    assert len(printed) == 19
    for text in printed:
        assert text in page

    assert lang_status(cli, "ko", "--documents", VISIT)["missing"] == 0
    after = {p: p.read_bytes() for p in before}
    again = cli("translations", "import", str(xlf))
    assert again.code == 0, again.stderr
    assert "imported 0 translations into 0 files; 230 already there" in again.stderr
    assert {p: p.read_bytes() for p in before} == after


CITY = """\
# Aville, as its office writes it.
kind: city
id: aville
name: Aville   # the short form
country: JP
region: Kanto
population: {value: 1000, as_of: 2026, note: estimate}
summary: >-
  A city by the sea,
  with a port.
industries: [ships, "steel, fine"]
designations:
  - title: {en: Green award, zh-Hans: 绿色奖}
    by: UNEP
timeline:
  - date: 2020
    title:
      en: Port opened
      zh-Hans: 港口开放
"""


def test_po_export_is_read_by_translate_toolkit_and_filled_with_polib(
    cli: RunCli, write: WriteFile, workdir: Path
) -> None:
    write("reportgen.yaml", "profiles: profiles\n")
    city = write("profiles/cities/aville.yaml", CITY)

    exported = cli("translations", "export", "--lang", "ja", "--format", "po")
    assert exported.code == 0, exported.stderr
    path = workdir / "translations" / "ja.po"
    store = read_store(path, tt_po.pofile)
    found = {u.getcontext(): u for u in store.units if not u.isheader()}
    ident = "profiles/cities/aville.yaml#timeline[0].title"
    assert found[ident].source == "Port opened"
    assert found[ident].getlocations() == ["profiles/cities/aville.yaml:17"]
    assert "At most 100 characters: a label of the timeline chart." in found[ident].getnotes()
    assert found["profiles/cities/aville.yaml#summary"].source == (
        "A city by the sea, with a port."
    )

    catalog = polib.pofile(str(path))
    assert catalog.metadata["Language"] == "ja"
    words = {
        "Kanto": "関東",
        "estimate": "推計",
        "A city by the sea, with a port.": "海辺の町で、港がある。\n二行目。",
        "ships": "船舶",
        "steel, fine": "鉄鋼, 精密",
        "Green award": "緑の賞",
        "UNEP": "国連環境計画",
        "Port opened": "開港",
    }
    for entry in catalog:
        entry.msgstr = words[entry.msgid]
    catalog.save()

    imported = cli("translations", "import", str(path))
    assert imported.code == 0, imported.stderr
    assert (
        city.read_text(encoding="utf-8")
        == """\
# Aville, as its office writes it.
kind: city
id: aville
name: Aville   # the short form
country: JP
region:
  en: Kanto
  ja: 関東
population: {value: 1000, as_of: 2026, note: {en: estimate, ja: 推計}}
summary:
  en: >-
    A city by the sea,
    with a port.
  ja: |-
    海辺の町で、港がある。
    二行目。
industries: [{en: ships, ja: 船舶}, {en: "steel, fine", ja: "鉄鋼, 精密"}]
designations:
  - title: {en: Green award, zh-Hans: 绿色奖, ja: 緑の賞}
    by:
      en: UNEP
      ja: 国連環境計画
timeline:
  - date: 2020
    title:
      en: Port opened
      zh-Hans: 港口开放
      ja: 開港
"""
    )


@pytest.mark.parametrize("fmt", ["xliff", "po"])
def test_import_refuses_a_translation_whose_source_changed(
    cli: RunCli, project: Path, fmt: str
) -> None:
    exported = cli("translations", "export", "--lang", "ja", "--format", fmt, "profiles/cities")
    assert exported.code == 0, exported.stderr
    path = Path(exported.stdout.strip())
    city = project / "profiles/cities/aville.yaml"
    city.write_text(city.read_text().replace("summary: A city.", "summary: A port city."))
    if fmt == "po":
        catalog = polib.pofile(str(path))
        for entry in catalog:
            entry.msgstr = "訳" + entry.msgid
        catalog.save()
    else:
        fill_xliff(path, lambda ident, words, n: "訳" + words)

    imported = cli("translations", "import", str(path))
    assert imported.code == 1
    assert imported.lines[0] == (
        f"profiles/cities/aville.yaml:5:10: summary: the source text changed since {path} "
        "was exported: the ja translation was not imported; it needs a new translation"
    )
    assert "imported 1 translation into 1 file; 0 already there; 1 not imported" in (
        imported.stderr
    )
    data = yamlio.load(city).data
    assert data["summary"] == "A port city."
    assert data["name"] == "Aville"  # a name is not a text to translate
    other = yamlio.load(project / "profiles/cities/bville.yaml").data
    assert other["summary"] == {"en": "Another city.", "ja": "訳Another city."}


def test_import_reports_translations_of_texts_and_files_that_are_gone(
    cli: RunCli, project: Path
) -> None:
    city = project / "profiles/cities/aville.yaml"
    city.write_text(city.read_text() + "region: Kanto\n")
    exported = cli("translations", "export", "--lang", "ja")
    assert exported.code == 0, exported.stderr
    xlf = project / "translations/ja.xlf"
    fill_xliff(xlf, lambda ident, words, n: "訳" + words)
    city.write_text(city.read_text().replace("region: Kanto\n", ""))
    (project / "profiles/cities/bville.yaml").unlink()
    tree = etree.parse(str(xlf))
    lines = {u.get("id"): u.sourceline for u in tree.iter(f"{{{NS['x']}}}trans-unit")}

    imported = cli("translations", "import", "translations/ja.xlf")
    assert imported.code == 1
    region = "profiles/cities/aville.yaml#region"
    first_b = "profiles/cities/bville.yaml#summary"
    assert imported.lines[:2] == [
        f"translations/ja.xlf:{lines[region]}:1: {region}: not imported: the profile has no "
        "such text any more",
        f"translations/ja.xlf:{lines[first_b]}:1: profiles/cities/bville.yaml: 1 translation "
        "not imported: the file no longer exists in .",
    ]
    assert yamlio.load(city).data["summary"] == {"en": "A city.", "ja": "訳A city."}


def test_import_changes_no_file_that_does_not_validate(cli: RunCli, project: Path) -> None:
    assert cli("translations", "export", "--lang", "ja").code == 0
    xlf = project / "translations/ja.xlf"
    fill_xliff(xlf, lambda ident, words, n: "訳" + words)
    city = project / "profiles/cities/aville.yaml"
    broken = city.read_text().replace("country: JP", "country: XX")
    city.write_text(broken)

    imported = cli("translations", "import", str(xlf))
    assert imported.code == 1
    assert imported.lines[:2] == [
        "profiles/cities/aville.yaml: no translation was imported into this file: correct "
        "its errors first",
        "profiles/cities/aville.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code",
    ]
    assert city.read_text() == broken
    assert yamlio.load(project / "profiles/cities/bville.yaml").data["summary"] == {
        "en": "Another city.",
        "ja": "訳Another city.",
    }


MARKED = """\
kind: city
id: aville
name: Aville
country: JP
region: Kanto
summary: |-
  - *Port:* the [harbour](https://example.org/port) of the city
  - *Rail:* two lines
"""


def test_xliff_marks_markdown_as_tags_and_keeps_it_on_import(
    cli: RunCli, write: WriteFile, workdir: Path
) -> None:
    write("reportgen.yaml", "profiles: profiles\n")
    city = write("profiles/cities/aville.yaml", MARKED)
    assert cli("translations", "export", "--lang", "ja").code == 0
    xlf = workdir / "translations/ja.xlf"
    tree = etree.parse(str(xlf))
    unit = tree.find(".//x:trans-unit[@id='profiles/cities/aville.yaml#summary']", NS)
    assert unit is not None
    source = unit.find("x:source", NS)
    assert source is not None
    assert [(c.tag.split("}")[1], c.get("id"), c.get("ctype"), c.text) for c in source] == [
        ("ph", "1", "x-md-list-item", "- "),
        ("bpt", "2", "italic", "*"),
        ("ept", "2", None, "*"),
        ("bpt", "3", "link", "["),
        ("ept", "3", None, "](https://example.org/port)"),
        ("ph", "4", "x-md-list-item", "\n- "),
        ("bpt", "5", "italic", "*"),
        ("ept", "5", None, "*"),
    ]
    store = read_store(xlf)
    summary = next(u for u in store.units if u.getid().endswith("#summary"))
    assert summary.source == (
        "- *Port:* the [harbour](https://example.org/port) of the city\n- *Rail:* two lines"
    )

    # a tool that writes the marks as <g> and <x/> by id, as some CAT tools do
    target = etree.SubElement(unit, f"{{{NS['x']}}}target")
    target.append(etree.fromstring(f'<x xmlns="{NS["x"]}" id="1"/>'))
    target.append(etree.fromstring(f'<g xmlns="{NS["x"]}" id="2">港:</g>'))
    target[-1].tail = " 市の"
    target.append(etree.fromstring(f'<g xmlns="{NS["x"]}" id="3">港湾</g>'))
    target[-1].tail = ""
    target.append(etree.fromstring(f'<x xmlns="{NS["x"]}" id="4"/>'))
    target.append(etree.fromstring(f'<g xmlns="{NS["x"]}" id="5">鉄道:</g>'))
    target[-1].tail = " 二路線"
    name = tree.find(".//x:trans-unit[@id='profiles/cities/aville.yaml#region']", NS)
    assert name is not None
    broken = etree.SubElement(name, f"{{{NS['x']}}}target")
    broken.text = "- エーヴィル"
    tree.write(str(xlf), xml_declaration=True, encoding="UTF-8")

    imported = cli("translations", "import", str(xlf))
    assert imported.code == 1
    assert imported.lines[0] == (
        f"translations/ja.xlf:{name.sourceline}:1: profiles/cities/aville.yaml#region: not "
        "imported: the translation has 1 list items where the source has 0: keep each "
        "list-item and paragraph tag (or Markdown mark) of the source"
    )
    assert yamlio.load(city).data["summary"]["ja"] == (
        "- *港:* 市の[港湾](https://example.org/port)\n- *鉄道:* 二路線"
    )


def test_status_counts_each_language_per_file(cli: RunCli, project: Path) -> None:
    city = project / "profiles/cities/aville.yaml"
    city.write_text(
        city.read_text().replace(
            "summary: A city.", "region: Kanto\nsummary: {en: A city., ja: 市。}"
        )
    )
    result = cli("translations", "status", "--json")
    assert result.code == 0, result.stderr
    ja = next(entry for entry in json.loads(result.stdout) if entry["language"] == "ja")
    assert ja == {
        "language": "ja",
        "texts": 3,
        "translated": 1,
        "missing": 2,
        "percent": 33.3,
        "files": [
            {
                "file": "profiles/cities/aville.yaml",
                "texts": 2,
                "translated": 1,
                "missing": 1,
                "percent": 50.0,
            },
            {
                "file": "profiles/cities/bville.yaml",
                "texts": 1,
                "translated": 0,
                "missing": 1,
                "percent": 0.0,
            },
        ],
    }
    table = cli("translations", "status", "--lang", "ja")
    assert table.stdout.splitlines() == [
        "language  file                         texts  translated  missing  done",
        "ja        profiles/cities/aville.yaml      2           1        1   50%",
        "ja        profiles/cities/bville.yaml      1           0        1    0%",
        "ja        all files                        3           1        2   33%",
    ]


def test_new_catalog_starts_a_project_catalog_that_the_build_uses(
    cli: RunCli, project: Path
) -> None:
    result = cli("translations", "new-catalog", "ja")
    assert result.code == 0, result.stderr
    path = project / "locales/ja/LC_MESSAGES/reportgen.po"
    assert result.stdout == "locales/ja/LC_MESSAGES/reportgen.po\n"
    catalog = polib.pofile(str(path))
    assert catalog.metadata["Language"] == "ja"
    entry = catalog.find("City profile")
    assert entry is not None and entry.msgstr == ""
    assert any(c.startswith("shipped: ") for c in entry.comment.splitlines())
    entry.msgstr = "市のプロフィール（当課版）"
    catalog.save()

    again = cli("translations", "new-catalog", "ja")
    assert again.code == 2
    assert "exists already (--force adds the strings it lacks, keeping its translations)" in (
        again.stderr
    )
    built = cli(
        "build", "profiles/cities/aville.yaml", "--lang", "ja", "--format", "html",
        "--allow-untranslated", "-o", "a.html",
    )  # fmt: skip
    assert built.code == 0, built.stderr
    page = (project / "a.html").read_text(encoding="utf-8")
    assert "市のプロフィール（当課版）" in page


def test_export_refuses_profiles_with_errors_and_writes_nothing(cli: RunCli, project: Path) -> None:
    city = project / "profiles/cities/aville.yaml"
    city.write_text(city.read_text().replace("country: JP", "country: XX"))
    result = cli("translations", "export", "--lang", "ja")
    assert result.code == 1
    assert result.lines[0] == (
        "profiles/cities/aville.yaml:4:10: country: 'XX' is not an ISO 3166-1 alpha-2 country code"
    )
    assert not (project / "translations").exists()


def test_import_accepts_no_unit_outside_the_project_and_no_entities(
    cli: RunCli, project: Path, write: WriteFile
) -> None:
    outside = project.parent / "outside.yaml"
    outside.write_text("kind: city\nid: out\nname: Out\ncountry: JP\nsummary: S.\n")
    xlf = write(
        "evil.xlf",
        f"""\
        <?xml version="1.0" encoding="UTF-8"?>
        <!DOCTYPE xliff [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
        <xliff xmlns="{NS["x"]}" version="1.2">
          <file original="x" source-language="en" target-language="ja" datatype="plaintext">
            <body>
              <trans-unit id="../outside.yaml#name" extradata="source:{source_digest("en", "Out")}">
                <source>Out</source><target>外</target>
              </trans-unit>
              <trans-unit id="profiles/cities/aville.yaml#name"
                          extradata="source:{source_digest("en", "Aville")}">
                <source>Aville</source><target>&secret;</target>
              </trans-unit>
            </body>
          </file>
        </xliff>
        """,
    )
    imported = cli("translations", "import", str(xlf))
    assert imported.code == 1
    assert imported.lines[0] == (
        "evil.xlf:6:1: ../outside.yaml#name: not a text of a profile of this project: not imported"
    )
    assert "imported 0 translations into 0 files; 0 already there; 1 not translated yet" in (
        imported.stderr
    )
    assert yamlio.load(project / "profiles/cities/aville.yaml").data["name"] == "Aville"
    assert yamlio.load(outside).data["name"] == "Out"


@pytest.mark.parametrize("lang", ["ja", "zh-Hans", "en"])
def test_units_are_the_texts_a_build_reports_as_falling_back(lang: str) -> None:
    for path in sorted((ROOT / "profiles").rglob("*.yaml")):
        doc = yamlio.load(path)
        profile = parse_profile(doc)
        missing = [u.field for u in units(profile, doc, "", lang) if not u.translated]
        assert sorted(missing) == sorted(format_loc(loc) for loc in untranslated(profile, lang))


def test_import_takes_several_languages_at_once_and_refuses_unprintable_text(
    cli: RunCli, project: Path
) -> None:
    for lang in ("ja", "zh-Hans"):
        assert (
            cli("translations", "export", "--lang", lang, "profiles/cities/aville.yaml").code == 0
        )
    fill_xliff(project / "translations/ja.xlf", lambda ident, words, n: "訳" + words)
    fill_xliff(
        project / "translations/zh-Hans.xlf",
        lambda ident, words, n: "\u202e" + words if ident.endswith("#summary") else "译" + words,
    )

    imported = cli("translations", "import", "translations/ja.xlf", "translations/zh-Hans.xlf")
    assert imported.code == 1
    assert imported.lines[0].startswith("translations/zh-Hans.xlf:") and imported.lines[0].endswith(
        "profiles/cities/aville.yaml#summary: not imported: the translation's text contains "
        "the character U+202E (RIGHT-TO-LEFT OVERRIDE)"
    )
    assert (project / "profiles/cities/aville.yaml").read_text() == (
        "kind: city\n"
        "id: aville\n"
        "name: Aville\n"
        "country: JP\n"
        "summary:\n"
        "  en: A city.\n"
        "  ja: 訳A city.\n"
    )


def test_a_manifest_stands_for_the_texts_its_jobs_print(
    cli: RunCli, project: Path, write: WriteFile
) -> None:
    write(
        "reportgen.yaml",
        """\
        profiles: profiles
        jobs:
          - {name: a, document: city-profile, sources: [profiles/cities/aville.yaml]}
        """,
    )
    result = cli("translations", "export", "--lang", "ja", "reportgen.yaml", "-o", "-")
    assert result.code == 0, result.stderr
    ids = re.findall(r'<trans-unit id="([^"]+)"', result.stdout)
    assert ids == ["profiles/cities/aville.yaml#summary"]  # its name is not a text


def test_a_translation_longer_than_its_place_is_a_warning_and_strict_refuses_it(
    cli: RunCli, project: Path
) -> None:
    city = project / "profiles/cities/aville.yaml"
    city.write_text(city.read_text() + "designations:\n  - title: Green award\n")
    assert cli("translations", "export", "--lang", "ja", "profiles/cities/aville.yaml").code == 0
    xlf = project / "translations/ja.xlf"
    fill_xliff(xlf, lambda ident, words, n: "長" * 90 if ident.endswith("title") else "訳")
    before = city.read_text()

    strict = cli("translations", "import", "--strict", str(xlf))
    assert strict.code == 1
    assert strict.lines[0].endswith(
        "profiles/cities/aville.yaml#designations[0].title: not imported (--strict): the ja "
        "text has 90 characters; 80 fit in a cell of the designations table"
    )
    assert yamlio.load(city).data["designations"][0]["title"] == "Green award"

    city.write_text(before)
    lenient = cli("translations", "import", str(xlf))
    assert lenient.code == 0
    assert lenient.lines[0].endswith(
        "profiles/cities/aville.yaml#designations[0].title: warning: the ja text has 90 "
        "characters; 80 fit in a cell of the designations table"
    )
    title = yamlio.load(city).data["designations"][0]["title"]
    assert title == {"en": "Green award", "ja": "長" * 90}


def test_import_never_translates_a_name(cli: RunCli, project: Path, write: WriteFile) -> None:
    # a unit for a name, as a file from elsewhere (or an older reportgen) may have it
    root = etree.Element(f"{{{NS['x']}}}xliff", nsmap={None: NS["x"]}, version="1.2")
    body = etree.SubElement(
        etree.SubElement(
            root, f"{{{NS['x']}}}file", original="x", datatype="plaintext",
            attrib={"source-language": "en", "target-language": "es"},
        ),
        f"{{{NS['x']}}}body",
    )  # fmt: skip
    unit = etree.SubElement(
        body,
        f"{{{NS['x']}}}trans-unit",
        id="profiles/cities/aville.yaml#name",
        extradata=f"source:{source_digest('en', 'Aville')}",
    )
    etree.SubElement(unit, f"{{{NS['x']}}}source").text = "Aville"
    etree.SubElement(unit, f"{{{NS['x']}}}target").text = "Aville"
    xlf = project / "names.xlf"
    xlf.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    found = etree.parse(str(xlf)).find(".//x:trans-unit", NS)
    assert found is not None
    line = found.sourceline
    imported = cli("translations", "import", str(xlf))
    assert imported.code == 1
    assert imported.lines[0] == (
        f"names.xlf:{line}:1: profiles/cities/aville.yaml#name: not imported: names and addresses "
        "are not translated (a name may be given its es form in the profile itself)"
    )
    assert yamlio.load(project / "profiles/cities/aville.yaml").data["name"] == "Aville"
