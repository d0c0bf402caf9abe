"""Printed text with typographic quotes and apostrophes, in the marks of its language (CLDR)."""

from __future__ import annotations

import re

from reportgen import scripts

_OPENS_AFTER = r"(?:^|(?<=[\s(\[{\u2014\u2013/]))"
_SINGLE_OPEN = re.compile(_OPENS_AFTER + r"'(?=\w)")
ADDRESS = (
    r"(?:https?://|mailto:|www\.)[^\s<>\"]*[^\s<>\".,;:!?)\]}'’”]"
    r"|(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
"""A web or e-mail address in running text (an e-mail address only from a word's start, so
that a long word is scanned once)."""
_VERBATIM = re.compile(
    ADDRESS + r"|<[^<>]*>|\{[{%#].*?[}%#]\}|`[^`]*`"  # markup and code, shown as written
)


QUOTE_MARKS = {
    "en": "“”‘’",
    "ja": "「」『』",
    "zh": "“”‘’",
    "zh-Hant": "「」『』",
    "ko": "“”‘’",
    "de": "„“‚‘",
    "fr": "«»“”",
    "es": "«»“”",
    "it": "«»“”",
    "pt": "“”‘’",
    "nl": "‘’“”",
    "sv": "””’’",
    "th": "“”‘’",
    "vi": "“”‘’",
}
"""Each language's quotation marks (CLDR's delimiters): opening and closing, then those of
a quote inside a quote. Languages not listed take the English ones."""


def quote_marks(lang: str) -> str:
    """The four quotation marks of ``lang`` (a tag such as ``zh-Hant-TW`` or ``fr-CA``)."""
    parts = lang.replace("_", "-").split("-")
    for tag in ("-".join(parts[:2]), parts[0]):
        if tag in QUOTE_MARKS:
            return QUOTE_MARKS[tag]
    return QUOTE_MARKS["en"]


def typographic(text: str, lang: str) -> str:
    """``text`` with straight quotes made the language's own, apostrophes made ’.

    Web and e-mail addresses, and what reads as markup or code (``<a href="x">``,
    ``{{ name }}``, text in backticks), keep theirs. Text in Latin letters inside a Chinese or
    Japanese document (a name, or English standing in for a translation) takes the
    English marks, not 「」.
    """
    if "'" not in text and '"' not in text:
        return text
    if scripts.for_lang(lang).slot == "east-asian" and not scripts.has_slot(text, "east-asian"):
        lang = "en"
    marks = quote_marks(lang)
    kept = [found.group() for found in _VERBATIM.finditer(text)]
    if not kept:
        return _quotes(text, marks)
    if _HELD in text:
        return _quotes_around(text, marks)
    # the verbatim parts are held out while quotes are paired over the whole text, so that
    # a pair of quotes around an address still opens and closes: “mail@example.org”
    quoted = _quotes(_VERBATIM.sub(_HELD, text), marks).split(_HELD)
    return "".join(part + held for part, held in zip(quoted, [*kept, ""], strict=True))


_HELD = "\x00"
"""Stands for a verbatim part while the quotes around it are paired (never in a profile's
text: YAML and the models refuse control characters)."""


def _quotes_around(text: str, marks: str) -> str:
    """Quotes made typographic piece by piece between the verbatim parts (the rare text that
    holds ``_HELD`` itself)."""
    pieces: list[str] = []
    end = 0
    for found in _VERBATIM.finditer(text):
        pieces.append(_quotes(text[end : found.start()], marks))
        pieces.append(found.group())
        end = found.end()
    pieces.append(_quotes(text[end:], marks))
    return "".join(pieces)


def _quotes(text: str, marks: str) -> str:
    """Double quotes in pairs, opening then closing; a single quote opening a word after
    a space or a bracket; every other single quote an apostrophe (’), which is also the
    closing single quote of English."""
    opening, closing, inner_opening = marks[0], marks[1], marks[2]
    pieces = text.split('"')
    text = "".join(
        piece + ((opening if index % 2 == 0 else closing) if index < len(pieces) - 1 else "")
        for index, piece in enumerate(pieces)
    )  # double quotes come in pairs: opening, closing, opening ...
    return _SINGLE_OPEN.sub(inner_opening, text).replace("'", "’")
