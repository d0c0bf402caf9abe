"""Look-alike and invisible characters in names and references: text that reads as one
name but is another.

A Cyrillic "о" in a Latin word, or a zero-width space inside a name, looks right on the
page and silently fails to match the city it means. Words that mix scripts (Unicode
TR39's confusables, through ``confusable_homoglyphs``) and invisible characters are
flagged; scripts that are written together (Han with kana or Hangul) are not.
"""

from __future__ import annotations

import re
import unicodedata

WRITTEN_TOGETHER = frozenset({"HAN", "HIRAGANA", "KATAKANA", "HANGUL", "COMMON", "INHERITED"})
"""Scripts that one word mixes by right: Japanese and Korean names."""
INVISIBLE = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u2060\u2061\u2062\u2063\u2064"
    "\u3164\ufeff\uffa0"
)
"""Characters that print as nothing (zero-width space, word joiner, soft hyphen, fillers).
Zero-width joiners and non-joiners are left alone: scripts such as Persian need them."""
_WORD = re.compile(r"\w+")


def _script(char: str) -> str:
    from confusable_homoglyphs import categories

    found: str = categories.alias(char)
    return found


def problem(text: str) -> str | None:
    """What makes ``text`` look like another name, if anything: an invisible character,
    or a word whose letters come from scripts that are not written together."""
    from reportgen.yamlio import describe_char

    if text.isascii():
        return None
    for char in text:
        if char in INVISIBLE:
            return f"'{_shown(text)}' contains the invisible character {describe_char(char)}"
    for word in _WORD.findall(text):
        scripts: dict[str, str] = {}
        for char in word:
            if char.isalpha():
                scripts.setdefault(_script(char), char)
        if len(scripts) < 2 or set(scripts) <= WRITTEN_TOGETHER:
            continue
        from confusable_homoglyphs import confusables

        if not confusables.is_dangerous(word):
            continue
        first, second, *_ = scripts
        odd = scripts[second]
        name = unicodedata.name(odd, "")
        return (
            f"'{word}' mixes {first.title()} and {second.title()} letters (its {odd} is "
            f"U+{ord(odd):04X} {name}): it only looks like the word it seems; type it again"
        )
    return None


def has_invisible(text: str) -> bool:
    return any(char in INVISIBLE for char in text)


def _shown(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if c in INVISIBLE else c for c in text)


def normal(text: str) -> str:
    """``text`` without invisible characters, for comparing names."""
    return unicodedata.normalize("NFKC", "".join(c for c in text if c not in INVISIBLE))
