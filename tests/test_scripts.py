"""The one table of scripts and fonts, and everything that must agree with it: the stylesheet's
``:lang()`` rules, the charts' font list, the bundled Word reference and ``reportgen doctor``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile
from importlib.resources import files
from io import BytesIO

import pytest

from reportgen import scripts
from reportgen.charts import sdg_chips
from reportgen.renderers.docx import bundled_reference
from tests.helpers import RunCli

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
LANG = re.compile(r"^:lang\(([^)]+)\)$")


def stylesheet_fonts() -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The shipped stylesheet's font lists: the document's, then (tag, families) per
    ``:lang()`` selector, in source order."""
    css = files("reportgen").joinpath("templates/print.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    default: list[str] = []
    by_lang: list[tuple[str, list[str]]] = []
    for selectors, body in RULE.findall(css):
        found = re.search(r"font-family:\s*([^;]+)", body)
        if not found:
            continue
        families = [name.strip().strip("\"'") for name in found.group(1).split(",")]
        for selector in (s.strip() for s in selectors.split(",")):
            lang = LANG.match(selector)
            if lang:
                by_lang.append((lang.group(1), families))
            elif selector == "html":
                default = families
    return default, by_lang


def stylesheet_families(tag: str) -> list[str]:
    """The families the stylesheet gives text in ``tag``, by the cascade: the last
    ``:lang()`` rule that matches (``:lang(zh)`` matches ``zh-Hans``), else the document's."""
    default, by_lang = stylesheet_fonts()
    found = default
    for lang, families in by_lang:
        if tag.lower() == lang.lower() or tag.lower().startswith(lang.lower() + "-"):
            found = families
    return found


def own_family(families: list[str]) -> str:
    """The family that draws a language's own letters: the first, or, where Latin letters
    come first (Chinese, Japanese and Korean text sets them in the Latin font), the next."""
    return families[1] if families[0] == scripts.LATIN.family and len(families) > 2 else families[0]


LANGUAGES = [
    *(tag for script in scripts.SCRIPTS for tag in script.langs),
    "zh-Hant-HK",
    "zh-Hans-CN",
    "ja-JP",
    "en",
    "fr",
    "vi",
]


@pytest.mark.parametrize("tag", LANGUAGES)
def test_stylesheet_gives_each_language_the_font_of_the_table(tag: str) -> None:
    script = scripts.for_lang(tag)
    families = stylesheet_families(tag)

    if script.slot == "east-asian":  # Latin letters first in the Latin font, as in Word
        assert families[:2] == [scripts.LATIN.family, script.family]
    else:
        assert families[0] == script.family


def test_stylesheet_names_no_font_rule_the_table_does_not_know() -> None:
    default, by_lang = stylesheet_fonts()
    tags = {tag for script in scripts.SCRIPTS for tag in script.langs}

    assert default[:2] == [scripts.LATIN.family, scripts.DEFAULT_EAST_ASIAN.family]
    assert {lang for lang, _ in by_lang} <= tags
    assert {own_family(families) for _, families in by_lang} | {default[0]} == set(
        scripts.font_families()
    )


def test_scripts_of_language_tags() -> None:
    found = {tag: scripts.for_lang(tag).name for tag in ("ja", "zh", "zh_TW", "ZH-hant", "ko-KR")}

    assert found == {
        "ja": "Japanese",
        "zh": "Chinese (Simplified)",
        "zh_TW": "Chinese (Traditional)",
        "ZH-hant": "Chinese (Traditional)",
        "ko-KR": "Korean",
    }
    assert scripts.for_lang("sv") is scripts.LATIN
    assert scripts.for_lang("km") is scripts.KHMER


def test_east_asian_text_takes_its_letters_then_its_language() -> None:
    assert scripts.east_asian_for("北九州市ひらがな", "zh-Hans") is scripts.JAPANESE
    assert scripts.east_asian_for("서울 特別市", "ja") is scripts.KOREAN
    assert scripts.east_asian_for("大连市", "zh-Hans") is scripts.SIMPLIFIED_CHINESE
    assert scripts.east_asian_for("大连市", "en") is scripts.DEFAULT_EAST_ASIAN


def test_whole_texts_are_read_as_their_letters_one_by_one() -> None:
    edges = {
        code + step
        for low, high in scripts.HAN + tuple(r for s in scripts.SCRIPTS for r in s.letters)
        for code in (low, high)
        for step in (-1, 0, 1)
    }
    letters = [chr(code) for code in sorted(edges)]

    for letter in letters:
        for slot in ("east-asian", "complex"):
            assert scripts.has_slot(f"ab{letter}c", slot) == (scripts.slot_of(letter) == slot)
        assert scripts.first_complex(f"x{letter}") is (
            scripts.script_of(letter) if scripts.slot_of(letter) == "complex" else None
        )
    by_slot = scripts.letters_by_slot("".join(letters) * 2)
    assert by_slot == {slot: {c for c in letters if scripts.slot_of(c) == slot} for slot in by_slot}
    assert sum(map(len, by_slot.values())) == len(letters)
    assert scripts.first_complex("ab ភ្នំ ภาษา") is scripts.KHMER


def test_charts_fall_back_through_every_font_of_the_table() -> None:
    group = ET.fromstring(sdg_chips([11])).find("{http://www.w3.org/2000/svg}g")
    assert group is not None

    families = [name.strip() for name in group.get("font-family", "").split(",")]

    assert families == [*scripts.font_families(), "sans-serif"]


def test_bundled_reference_declares_every_font_of_the_table() -> None:
    with zipfile.ZipFile(BytesIO(bundled_reference())) as package:
        table = ET.fromstring(package.read("word/fontTable.xml"))

    fonts = {font.get(f"{W}name"): font.find(f"{W}charset") for font in table}

    assert list(fonts) == scripts.font_families()
    assert fonts["Noto Sans Khmer"] is not None


def test_doctor_checks_every_script_of_the_table(cli: RunCli) -> None:
    result = cli("doctor")

    for script in scripts.SCRIPTS:
        assert f"Fonts: {script.name}" in result.stdout
