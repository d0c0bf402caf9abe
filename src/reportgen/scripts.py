"""Which font draws which script: the one table of scripts, their fonts and language tags.

Everything that picks a font reads it: ``reportgen doctor`` (fonts.py), the Word renderer
(run fonts and languages, pictures), the charts' font list and the generator of the bundled
reference document. ``print.css`` names the same families in its ``:lang()`` rules, so that
a project can still restyle them; a test holds the stylesheet to this table.

Japanese, Simplified and Traditional Chinese and Korean draw many of the same (Han) code
points differently, so each has a font of its own and Han text takes the font of its
language; kana are always Japanese and Hangul always Korean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Slot = Literal["latin", "east-asian", "complex"]


@dataclass(frozen=True)
class Script:
    """One script that reportgen prints, and the font that draws it."""

    name: str
    """As ``reportgen doctor`` names it."""
    family: str
    """The font family that draws it: in the stylesheet, in Word files and in pictures."""
    langs: tuple[str, ...]
    """BCP 47 tags that select it; a tag also selects its extensions (``zh-Hant-HK``)."""
    slot: Slot
    """Which of Word's font and language slots its letters use: ``w:ascii``/``w:val``
    (latin), ``w:eastAsia`` (east-asian), ``w:cs``/``w:bidi`` (complex)."""
    word_lang: str
    """Word's language tag for text in it; empty for Latin, where it is the language's."""
    word_charset: str
    """The charset of its family in Word's font table (hex)."""
    letters: tuple[tuple[int, int], ...]
    """Code point ranges that are its own (Han, shared by East Asian scripts, is not)."""
    sample: str
    """Text its family must draw for ``reportgen doctor`` to call it covered."""


# name, family, language tags, slot, Word's language tag and charset, own letters, sample
LATIN = Script(
    "Latin with diacritics", "Noto Sans", (), "latin", "", "00", (), "ếăđ"
)  # fmt: skip
JAPANESE = Script(
    "Japanese", "Noto Sans CJK JP", ("ja",), "east-asian", "ja-JP", "80",
    ((0x3040, 0x30FF),), "北九州市ひらがなカタカナ",
)  # fmt: skip
SIMPLIFIED_CHINESE = Script(
    "Chinese (Simplified)", "Noto Sans CJK SC", ("zh", "zh-Hans"), "east-asian", "zh-CN", "86",
    (), "大连市陈绍旺",
)  # fmt: skip
TRADITIONAL_CHINESE = Script(
    "Chinese (Traditional)", "Noto Sans CJK TC", ("zh-Hant", "zh-TW", "zh-HK", "zh-MO"),
    "east-asian", "zh-TW", "88", (), "臺灣",
)  # fmt: skip
KOREAN = Script(
    "Korean", "Noto Sans CJK KR", ("ko",), "east-asian", "ko-KR", "81",
    ((0x1100, 0x11FF), (0xAC00, 0xD7AF)), "한국어",
)  # fmt: skip
THAI = Script(
    "Thai", "Noto Sans Thai", ("th",), "complex", "th-TH", "DE", ((0x0E00, 0x0E7F),), "ภาษาไทย"
)  # fmt: skip
KHMER = Script(
    "Khmer", "Noto Sans Khmer", ("km",), "complex", "km-KH", "00", ((0x1780, 0x17FF),), "ភ្នំពេញ"
)  # fmt: skip

SCRIPTS = (LATIN, JAPANESE, SIMPLIFIED_CHINESE, TRADITIONAL_CHINESE, KOREAN, THAI, KHMER)
"""Every script, Latin (the default) first; the order of a font fallback list."""
DEFAULT_EAST_ASIAN = JAPANESE
"""The font of Han text whose language is not East Asian."""
HAN = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF))
"""Code points the East Asian scripts share: Han, CJK symbols and punctuation, full width."""


def _normal(tag: str) -> str:
    return tag.replace("_", "-").lower()


def for_lang(lang: str) -> Script:
    """The script a language tag selects (its longest matching tag wins); Latin otherwise."""
    wanted = _normal(lang)
    best, length = LATIN, 0
    for script in SCRIPTS:
        for tag in map(_normal, script.langs):
            if (wanted == tag or wanted.startswith(tag + "-")) and len(tag) > length:
                best, length = script, len(tag)
    return best


def _within(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= code <= high for low, high in ranges)


def _letters(ranges: tuple[tuple[int, int], ...]) -> re.Pattern[str]:
    """A letter in one of ``ranges``."""
    spans = "".join(f"{re.escape(chr(low))}-{re.escape(chr(high))}" for low, high in ranges)
    return re.compile(f"[{spans}]")


def _own_letters(slot: Slot) -> tuple[tuple[int, int], ...]:
    return tuple(span for script in SCRIPTS if script.slot == slot for span in script.letters)


_OWN = {script.name: _letters(script.letters) for script in SCRIPTS if script.letters}
_OF_SLOT: dict[Slot, re.Pattern[str]] = {
    "east-asian": _letters(HAN + _own_letters("east-asian")),
    "complex": _letters(_own_letters("complex")),
}
"""What ``slot_of`` tells letter by letter, found in a whole text at once: a text of a
million letters is a single word in a hostile profile, and a Python loop over its letters
took seconds where a regular expression takes milliseconds."""


def script_of(char: str) -> Script | None:
    """The script whose own letter ``char`` is (kana, Hangul, Thai, Khmer), else None."""
    code = ord(char)
    return next((s for s in SCRIPTS if _within(code, s.letters)), None)


def slot_of(char: str) -> Slot | None:
    """Which font slot draws ``char``: east-asian (Han too), complex, or None for the rest."""
    if _within(ord(char), HAN):
        return "east-asian"
    script = script_of(char)
    return script.slot if script is not None else None


def has_slot(text: str, slot: Literal["east-asian", "complex"]) -> bool:
    """Whether a letter of ``text`` is drawn in ``slot`` (as ``slot_of`` tells)."""
    return _OF_SLOT[slot].search(text) is not None


def letters_by_slot(text: str) -> dict[Slot | None, set[str]]:
    """The letters of ``text`` (each once), by their slot (``slot_of``)."""
    distinct = "".join(set(text))
    found: dict[Slot | None, set[str]] = {}
    rest = set(distinct)
    for slot, letters in _OF_SLOT.items():
        if drawn := set(letters.findall(distinct)):
            found[slot] = drawn
            rest -= drawn
    if rest:
        found[None] = rest
    return found


def first_complex(text: str) -> Script | None:
    """The complex script (Thai, Khmer) of the first letter of ``text`` in one, if any."""
    match = _OF_SLOT["complex"].search(text)
    return script_of(match.group()) if match else None


def east_asian_for(text: str, lang: str) -> Script:
    """The East Asian script of ``text``: Korean if it has Hangul, else Japanese if it has
    kana, else that of ``lang``, else the default (Japanese)."""
    for script in (KOREAN, JAPANESE):
        if _OWN[script.name].search(text):
            return script
    script = for_lang(lang)
    return script if script.slot == "east-asian" else DEFAULT_EAST_ASIAN


def font_families() -> list[str]:
    """Every script's family, Latin first: a fallback list for text in any of them."""
    return [script.family for script in SCRIPTS]
