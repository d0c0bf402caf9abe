"""Language tags: which a document may be written in, and the languages tried in turn.

Tags are BCP 47 (``en``, ``ja``, ``zh-Hant``), checked against CLDR (Babel), so that a
country code written for a language (``jp``, ``kr``) is caught and named.
"""

from __future__ import annotations

SOURCE_LANGUAGE = "en"
"""The language of every fixed string, and of a text given as a plain string."""


def catalog_name(lang: str) -> str:
    """The catalog folder of a BCP 47 tag: ``zh-Hans`` -> ``zh_Hans``."""
    return lang.replace("-", "_")


def language_problem(tag: str) -> str | None:
    """Why ``tag`` cannot be the language of a document, and what to write; None if it can.

    A country code is the common mistake (``kr`` for Korea, ``jp`` for Japan): the
    message names the country and its main language, from CLDR.
    """
    from babel import Locale, UnknownLocaleError
    from babel.core import get_global

    try:
        Locale.parse(catalog_name(tag))
    except (UnknownLocaleError, ValueError):
        pass
    else:
        return None
    english = Locale("en")
    base = tag.split("-")[0]
    alias = get_global("language_aliases").get(base)
    if alias and _known(alias):
        return f"'{tag}' is not a language tag here: write {alias} ({english.languages[alias]})"
    territory = base.upper()
    if territory in english.territories:
        spoken = get_global("territory_languages").get(territory, {})
        main = sorted(
            (lang for lang, facts in spoken.items() if facts.get("official_status")),
            key=lambda lang: -float(spoken[lang].get("population_percent") or 0),
        )
        country = english.territories[territory]
        if main and _known(main[0]):
            name = english.languages.get(main[0], main[0])
            return (
                f"'{tag}' is not a language: {territory} is the country code of {country}; "
                f"for {name} write {main[0]}"
            )
        return f"'{tag}' is not a language: {territory} is the country code of {country}"
    return f"'{tag}' is not a language that reportgen knows: use a tag such as en, ko or pt-BR"


def _known(lang: str) -> bool:
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def fallback_chain(lang: str, default: str = SOURCE_LANGUAGE) -> tuple[str, ...]:
    """``zh-Hant`` -> (``zh-Hant``, ``zh``, ``en``): the languages tried, in order."""
    parts = lang.split("-")
    chain = ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]
    if default not in chain:
        chain.append(default)
    return tuple(chain)
