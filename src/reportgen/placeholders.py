"""Placeholders: what the starters of ``reportgen new`` and ``reportgen init`` leave to fill in.

The starters mark everything that a person must write with one convention, which
``validate`` and ``build`` look for and report as a warning (an error with
``--strict``) until it is gone:

- text that begins with ``TODO`` (``"TODO: name of the mayor"``);
- the number ``123456`` (a population, a unit cost);
- the country ``ZZ`` (unknown region) and the currency ``XXX`` (no currency), where the
  starter could not know the real code.

Any file may use the same marks for what is not known yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from reportgen.errors import Loc
from reportgen.models.types import UNKNOWN_COUNTRY

TODO = "TODO"
NUMBER = 123456
COUNTRY = UNKNOWN_COUNTRY
CURRENCY = "XXX"

_TODO_RE = re.compile(r"\s*TODO\b")

Finding = tuple[Loc, str]


def is_placeholder_text(value: str) -> bool:
    """True for text that begins with ``TODO``."""
    return bool(_TODO_RE.match(value))


UNSETTLED = re.compile(
    r"(?<!\w)(to be (?:confirmed|determined|decided|announced|completed|added)|TBC|TBD|TBA)"
    r"(?!\w)|未定|調整中|確認中|待定|待确认",
    re.IGNORECASE,
)
"""Words that say a text is not final yet ("to be confirmed", "TBC", 未定, 待定): fine in
an internal edition, never in a public one."""


def findings(data: Any, loc: Loc = (), *, unsettled: bool = False) -> Iterator[Finding]:
    """Every placeholder in a loaded file, with its location, in file order; with
    ``unsettled``, every text that says it is not final ("to be confirmed") too.

    One walk over the whole mapping: every text, at any depth, in mappings and in plain
    lists of strings alike (``objectives``, an agenda item's ``participants``).
    """
    found: list[Finding] = []
    key = next((part for part in reversed(loc) if isinstance(part, str)), None)
    _walk(data, loc, key, found, unsettled)
    return iter(found)


def _walk(data: Any, loc: Loc, key: str | None, found: list[Finding], unsettled: bool) -> None:
    """``key`` is the nearest mapping key above ``data`` (a list item's is its list's)."""
    if isinstance(data, dict):
        for name, value in data.items():
            _walk(value, (*loc, name), name, found, unsettled)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            _walk(item, (*loc, index), key, found, unsettled)
    elif isinstance(data, str):
        found.extend(_text(key, data, loc))
        if unsettled and not is_placeholder_text(data) and (word := UNSETTLED.search(data)):
            shown = " ".join(data.split())
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            found.append((loc, f'"{shown}" is not final ("{word.group()}"): write the final text'))
    elif isinstance(data, int) and not isinstance(data, bool) and data == NUMBER:
        found.append((loc, f"{NUMBER} is the starter's placeholder number: write the real figure"))


def _text(key: str | None, value: str, loc: Loc) -> Iterator[Finding]:
    if is_placeholder_text(value):
        shown = value.strip()
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        yield loc, f'"{shown}" is a placeholder: write the real text'
    elif key == "country" and value == COUNTRY:
        yield (
            loc,
            (
                f"{COUNTRY} (unknown country) is a placeholder: write the ISO 3166-1 code "
                "of the city's country, such as SE"
            ),
        )
    elif key == "currency" and value == CURRENCY:
        yield (
            loc,
            (
                f"{CURRENCY} (no currency) is a placeholder: write the ISO 4217 code of the "
                "currency, such as EUR"
            ),
        )
