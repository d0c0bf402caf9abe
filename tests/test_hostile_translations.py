"""Hostile translation files: the import never changes a source text, needs the digests
that export writes, and replaces a translation only when asked.

Files are made and filled with translate-toolkit and polib, as a CAT tool (or someone
with one) would make them; the profiles are read back after each import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from translate.storage import xliff as tt_xliff

from reportgen import yamlio
from reportgen.translations.units import source_digest
from tests.helpers import RunCli, WriteFile

CITY = """\
kind: city
id: aville
name: {en: Aville, ja: エーヴィル}
country: JP
region: {en: Kanto, ja: 関東}
officials:
  - {role: head, title: Mayor, name: {en: Ann Example}, as_of: 2026, source: s}
summary: A city.
sources:
  - {id: s, title: Town hall, accessed: 2026-01-01}
"""
TITLE = "profiles/cities/aville.yaml#officials[0].title"


def fill(path: Path, words: dict[str, str], *, lang: str | None = None) -> None:
    """Fill an exported XLIFF's units with translate-toolkit (optionally saying that its
    target language is ``lang``)."""
    kind: Any = tt_xliff.xlifffile
    store = kind.parsefile(str(path))
    if lang is not None:
        store.settargetlanguage(lang)
    for unit in store.units:
        if not unit.isheader() and unit.source in words:
            unit.target = words[unit.source]
    store.savefile(str(path))


def profile(workdir: Path) -> dict[str, object]:
    data = yamlio.load(workdir / "profiles/cities/aville.yaml").data
    assert isinstance(data, dict)
    return data


def test_an_xliff_into_english_changes_no_source_text(
    cli: RunCli, write: WriteFile, workdir: Path
) -> None:
    write("reportgen.yaml", "profiles: profiles\n")
    city = write("profiles/cities/aville.yaml", CITY)
    assert cli("translations", "export", "--lang", "ja", "--all").code == 0
    xlf = workdir / "translations/ja.xlf"
    fill(xlf, {"Mayor": "Dictator", "A city.": "A nasty city."}, lang="en")

    imported = cli("translations", "import", str(xlf), "--overwrite")

    assert imported.code == 1
    assert imported.lines[0] == (
        "translations/ja.xlf: 3 translations not imported: the file's target language is "
        "en, the language the profiles are written in; their texts are sources, which an "
        "import never changes"
    )
    assert city.read_text("utf-8") == CITY


def test_a_file_without_digests_is_refused_in_one_line(
    cli: RunCli, write: WriteFile, workdir: Path
) -> None:
    write("reportgen.yaml", "profiles: profiles\n")
    city = write("profiles/cities/aville.yaml", CITY)
    store: Any = tt_xliff.xlifffile(sourcelanguage="en", targetlanguage="ja")
    for ident, source, target in (
        (TITLE, "Mayor", "独裁者"),
        ("profiles/cities/aville.yaml#summary", "A city.", "町。"),
    ):
        unit = store.addsourceunit(source)
        unit.setid(ident)
        unit.target = target
    store.savefile(str(workdir / "handmade.xlf"))
    catalog = polib.POFile()
    catalog.metadata = {"Language": "ja", "Content-Type": "text/plain; charset=utf-8"}
    catalog.append(polib.POEntry(msgctxt=TITLE, msgid="Mayor", msgstr="独裁者"))
    catalog.save(str(workdir / "handmade.po"))

    imported = cli("translations", "import", "handmade.xlf", "handmade.po")

    assert imported.code == 1
    assert sorted(imported.lines[:2]) == [
        "handmade.po: 1 translation not imported: the file does not say which source text "
        "each was translated from (no digest); translate a file made by 'reportgen "
        "translations export'",
        "handmade.xlf: 2 translations not imported: the file does not say which source "
        "text each was translated from (no digest); translate a file made by 'reportgen "
        "translations export'",
    ]
    assert len(imported.lines) == 3  # and the summary
    assert city.read_text("utf-8") == CITY


def test_an_existing_translation_changes_only_with_overwrite(
    cli: RunCli, write: WriteFile, workdir: Path
) -> None:
    write("reportgen.yaml", "profiles: profiles\n")
    write("profiles/cities/aville.yaml", CITY)
    assert cli("translations", "export", "--lang", "ja", "--all", "--format", "po").code == 0
    path = workdir / "translations/ja.po"
    catalog = polib.pofile(str(path))
    for entry in catalog:
        entry.msgstr = {"Kanto": "関東地方", "Mayor": "市長"}.get(entry.msgid, "")
    catalog.save()
    line = path.read_text("utf-8").splitlines().index('msgid "Kanto"') + 1

    kept = cli("translations", "import", str(path))

    assert kept.code == 1
    assert kept.lines[0].startswith(f"translations/ja.po:{line}:1: ")
    assert kept.lines[0].endswith(
        "profiles/cities/aville.yaml#region: not imported: the profile has a ja translation "
        "already ('関東'); --overwrite replaces it"
    )
    assert profile(workdir)["region"] == {"en": "Kanto", "ja": "関東"}

    replaced = cli("translations", "import", str(path), "--overwrite")

    assert replaced.code == 0, replaced.stderr
    assert profile(workdir)["region"] == {"en": "Kanto", "ja": "関東地方"}
    assert profile(workdir)["officials"][0]["title"] == {"en": "Mayor", "ja": "市長"}  # type: ignore[index]


def test_a_text_written_only_in_the_target_language_is_its_source(
    cli: RunCli, write: WriteFile, workdir: Path
) -> None:
    write("reportgen.yaml", "profiles: profiles\n")
    only_ja = CITY.replace("{en: Kanto, ja: 関東}", "{ja: 関東}")
    city = write("profiles/cities/aville.yaml", only_ja)
    store: Any = tt_xliff.xlifffile(sourcelanguage="en", targetlanguage="ja")
    unit = store.addsourceunit("関東")
    unit.setid("profiles/cities/aville.yaml#region")
    unit.xmlelement.set("extradata", "source:" + source_digest("ja", "関東"))
    unit.target = "悪の町"
    store.savefile(str(workdir / "crafted.xlf"))

    imported = cli("translations", "import", "crafted.xlf", "--overwrite")

    assert imported.code == 1
    assert imported.lines[0].endswith(
        "profiles/cities/aville.yaml#region: not imported: the profile writes this text in ja "
        "only: it is the source, which an import never changes"
    )
    assert city.read_text("utf-8") == only_ja


def test_an_exported_po_carries_its_digests_through_a_translators_tool(
    cli: RunCli, write: WriteFile, workdir: Path
) -> None:
    write("reportgen.yaml", "profiles: profiles\n")
    write("profiles/cities/aville.yaml", CITY)
    assert cli("translations", "export", "--lang", "ja", "--format", "po").code == 0
    path = workdir / "translations/ja.po"
    catalog = polib.pofile(str(path))
    for entry in catalog:
        entry.msgstr = {"Mayor": "市長", "A city.": "町。"}.get(entry.msgid, "")
    catalog.save()

    imported = cli("translations", "import", str(path))

    assert imported.code == 0, imported.stderr
    assert profile(workdir)["summary"] == {"en": "A city.", "ja": "町。"}
