"""Text in charts: widths estimated from Noto Sans metrics, wrapping and shortening.

Estimating instead of asking the installed fonts keeps every layout independent of the
machine it is drawn on, so identical input gives identical SVG. Chinese and Japanese break
between any two characters, except before closing and after opening punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Noto Sans metrics, as fractions of the font size.
LINE_HEIGHT = 1.25  # times the font size
BASELINE = 0.93  # baseline below the top of a line box, times the font size
CAP_HEIGHT = 0.714  # Noto Sans cap height, times the font size
BOLD_FACTOR = 1.06  # Noto Sans Bold is at most about 6 % wider than Regular

# Advance widths of Noto Sans Regular for ASCII 32..126, in thousandths of an em.
_ASCII_WIDTHS = (
    260, 269, 408, 646, 572, 831, 732, 225, 300, 300, 551, 572, 268, 322, 268, 372,
    572, 572, 572, 572, 572, 572, 572, 572, 572, 572, 268, 268, 572, 572, 572, 434,
    899, 639, 650, 632, 730, 556, 519, 728, 741, 339, 273, 619, 524, 907, 760, 781,
    605, 781, 622, 549, 556, 731, 600, 930, 586, 566, 572, 329, 372, 329, 572, 444,
    281, 561, 615, 480, 615, 564, 344, 615, 618, 258, 258, 534, 258, 935, 618, 605,
    615, 615, 413, 479, 361, 618, 508, 786, 529, 510, 470, 380, 551, 380, 572,
)  # fmt: skip
_OTHER_WIDTHS = {
    "…": 791, "–": 500, "—": 1000, "·": 268, "‘": 225, "’": 225, "“": 408, "”": 408,
    "€": 572, "£": 572, "¥": 572, "×": 572, "°": 428, "\u00a0": 260,
}  # fmt: skip
_DEFAULT_WIDTH = 620  # letters of other scripts (Thai, Cyrillic, ...), erring wide

# Line breaking for Chinese and Japanese: these never start or end a line.
_NO_LINE_START = frozenset(
    "、。，．,.)]}）」』】〕〉》！？!?：；:;ー・…々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)
_NO_LINE_END = frozenset("（「『【〔〈《([{")

ELLIPSIS = "…"
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _char_width(char: str) -> int:
    code = ord(char)
    if 32 <= code <= 126:
        return _ASCII_WIDTHS[code - 32]
    if char in _OTHER_WIDTHS:
        return _OTHER_WIDTHS[char]
    if _is_wide(char):
        return 1000
    if unicodedata.combining(char):
        return 0
    base = unicodedata.normalize("NFD", char)[0]
    if base != char and 32 <= ord(base) <= 126:
        return _ASCII_WIDTHS[ord(base) - 32]
    return _DEFAULT_WIDTH


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width in mm of ``text`` set in Noto Sans at ``size`` mm."""
    width = sum(_char_width(char) for char in text) * size / 1000
    return width * BOLD_FACTOR if bold else width


def _columns(text: str) -> int:
    """Length in columns: Chinese and Japanese characters count double."""
    return sum(0 if unicodedata.combining(c) else 2 if _is_wide(c) else 1 for c in text)


def clean(text: str) -> str:
    """Collapse white space (but keep no-break spaces) and drop what XML 1.0 cannot carry."""
    text = _SPACES.sub(" ", text).strip(" ")
    return "".join(
        char
        for char in text
        if unicodedata.category(char) not in ("Cc", "Cs") and char not in "\ufffe\uffff"
    )


def _break_units(text: str) -> list[str]:
    """Split ``text`` into pieces that may not be broken: words, or single CJK characters."""
    units: list[str] = []
    current = ""
    for char in text:
        if current:
            previous = current[-1]
            after_space = previous == " " and char != " "
            between_wide = (
                (_is_wide(previous) or _is_wide(char))
                and char != " "
                and char not in _NO_LINE_START
                and previous not in _NO_LINE_END
            )
            if after_space or between_wide:
                units.append(current)
                current = ""
        current += char
    if current:
        units.append(current)
    return units


def ellipsize(text: str, fits: Callable[[str], bool]) -> str:
    """``text`` if it fits, else its longest start that fits with an ellipsis after it."""
    if fits(text):
        return text
    while text and not fits(text.rstrip() + ELLIPSIS):
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def wrap(text: str, fits: Callable[[str], bool], max_lines: int) -> list[str]:
    """Break ``text`` into lines that fit; the last kept line ends in … if text is left over."""
    lines: list[str] = []
    current = ""
    for unit in _break_units(clean(text)):
        if fits((current + unit).rstrip()):
            current += unit
            continue
        if current:
            lines.append(current.rstrip())
        # A word longer than a line is cut where it must be.
        while not fits(unit.rstrip()) and len(unit) > 1:
            cut = 1
            while cut < len(unit) and fits(unit[: cut + 1]):
                cut += 1
            lines.append(unit[:cut])
            unit = unit[cut:]
        current = unit
    if current.strip():
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = ellipsize(lines[-1] + ELLIPSIS, fits)
    return lines


def wrap_balanced(text: str, max_width: float, size: float, max_lines: int) -> list[str]:
    """``wrap`` into lines of at most ``max_width`` mm, then narrow the measure while the
    number of lines stays and no word is cut, so that no last line is left with one letter
    or one short word ("質の高い教育をみんな / に")."""
    lines = wrap(text, fits_width(max_width, size), max_lines)
    if len(lines) < 2 or lines[-1].endswith(ELLIPSIS):
        return lines
    widest = max(text_width(unit.rstrip(), size) for unit in _break_units(clean(text)))
    width = max_width - 0.25
    while width >= max(widest, max_width / 2):
        trial = wrap(text, fits_width(width, size), max_lines)
        if len(trial) != len(lines) or trial[-1].endswith(ELLIPSIS):
            break
        lines, width = trial, width - 0.25
    return lines


def wrap_even(
    text: str, max_width: float, max_columns: int, size: float, max_lines: int
) -> list[str]:
    """Wrap into lines of at most ``max_width`` mm and ``max_columns`` columns, then narrow
    the measure while the number of lines stays, so that no last line is left nearly empty."""

    def measure(width: float, columns: int) -> Callable[[str], bool]:
        return lambda line: _columns(line) <= columns and text_width(line, size) <= width

    lines = wrap(text, measure(max_width, max_columns), max_lines)
    if len(lines) < 2 or lines[-1].endswith(ELLIPSIS):
        return lines
    units = [unit.rstrip() for unit in _break_units(clean(text))]
    widest = max(text_width(unit, size) for unit in units)
    most_columns = max(_columns(unit) for unit in units)
    for columns in range(max_columns - 1, max_columns // 2, -1):
        width = max_width * columns / max_columns
        if widest > width or most_columns > columns:
            break  # narrower would cut a word
        trial = wrap(text, measure(width, columns), max_lines)
        if len(trial) != len(lines) or trial[-1].endswith(ELLIPSIS):
            break
        lines = trial
    return lines


def fits_width(max_width: float, size: float, *, bold: bool = False) -> Callable[[str], bool]:
    return lambda line: text_width(line, size, bold=bold) <= max_width
