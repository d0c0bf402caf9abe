"""The texts of a profile: which are translatable, which are names, and whether an
edition in a language prints each in that language.

A text is one ``Text`` field of a validated profile. Sources are references in their
own language and ``extra`` is free-form: neither is a text here. Builds count the texts
that fall back to another language (``untranslated``); the translators' files are made
of the same texts (``reportgen.translations.units``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from reportgen.errors import Loc
from reportgen.languages import SOURCE_LANGUAGE, fallback_chain

if TYPE_CHECKING:
    from pydantic import BaseModel

    from reportgen.models import Profile
    from reportgen.models.types import Text

NAMES: frozenset[tuple[str, str]] = frozenset(
    {
        ("CityProfile", "name"),
        ("Official", "name"),
        ("Person", "name"),
        ("Contact", "name"),
        ("Contact", "address"),
        ("Network", "name"),
        ("Signatory", "name"),
    }
)
"""Proper names and addresses, (model, field): not texts to translate. A name may carry
its own form in a language (北九州市 for ``zh-Hans``), written in the profile by hand;
``pipeline.name_issues`` flags one that an edition would print in another script."""

TERMS: frozenset[tuple[str, str]] = frozenset(
    {("AgendaItem", "type"), ("BudgetLine", "unit"), ("Indicator", "unit")}
)
"""Short words that the catalogs may already translate ("meeting", "persons"): such a
text counts as translated when the language's catalog has its English form."""

_WORD = re.compile(r"[^\W\d_]{3,}")


def texts(
    profile: Profile, *, names: bool = False
) -> Iterator[tuple[Loc, Text, type[BaseModel], str]]:
    """Every translatable text: its field path, value, and the model and field holding it.

    Sources are references in their own language, ``extra`` is free-form, and names and
    addresses (``NAMES``) are not translated: none of them is a text here (as
    ``untranslated`` counts them). ``names`` gives the names and
    addresses instead.
    """
    from pydantic import BaseModel

    from reportgen.models.common import Source
    from reportgen.models.types import Text

    todo: list[tuple[object, Loc, type[BaseModel] | None, str]] = [(profile, (), None, "")]
    while todo:
        node, loc, owner, name = todo.pop()
        if isinstance(node, Text):
            assert owner is not None
            if ((owner.__name__, name) in NAMES) == names:
                yield loc, node, owner, name
        elif isinstance(node, Source):
            continue
        elif isinstance(node, BaseModel):
            children = [
                (getattr(node, field), (*loc, field), type(node), field)
                for field in type(node).model_fields
                if field != "extra"
            ]
            todo.extend(reversed(children))
        elif isinstance(node, list | tuple):
            todo.extend(reversed([(item, (*loc, i), owner, name) for i, item in enumerate(node)]))


def languages_of(profile: Profile) -> set[str]:
    """The languages the profile's texts are written in (a plain string is English)."""
    found: set[str] = set()
    for _, text, _, _ in texts(profile):
        found.update(text.languages or (SOURCE_LANGUAGE,))
    return found


Known = Callable[[str], bool]
"""Whether the catalog of the target language translates a word (for ``TERMS``)."""


def is_translated(
    text: Text, lang: str, owner: str = "", name: str = "", known: Known | None = None
) -> bool:
    """Whether a build in ``lang`` prints ``text`` in that language (or a parent).

    A word of ``TERMS`` also counts when the catalog translates its English form
    (``known``), or when it is a symbol that no language translates (µg/m³, MW, %).
    """
    chain = fallback_chain(lang)
    own = chain if lang == SOURCE_LANGUAGE else chain[:-1]
    if (text.default is not None and SOURCE_LANGUAGE in own) or any(text.has(t) for t in own):
        return True
    if (owner, name) in TERMS:
        english = text.get(SOURCE_LANGUAGE)
        return not _WORD.search(english) or (known is not None and known(english))
    return False


def untranslated(model: object, lang: str, known: Callable[[str], bool] | None = None) -> list[Loc]:
    """Where the texts of ``model`` are that a build in ``lang`` prints in another language.

    A plain string is in the default language (English). Sources are references in
    their own language, ``extra`` is free-form and names are not translated: none is
    counted. ``known`` says which words the language's catalog translates (agenda types,
    units: see ``TERMS``).
    """
    return [
        loc
        for loc, text, owner, name in texts(model)  # type: ignore[arg-type]
        if not is_translated(text, lang, owner.__name__, name, known)
    ]
