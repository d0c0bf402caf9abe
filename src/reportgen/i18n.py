"""Fixed strings in the document's language: gettext catalogs, shipped and the project's.

Catalogs are ``locales/<language>/LC_MESSAGES/reportgen.po`` (managed with Babel: see
the README), in the package and, to add a language or change a few strings, in a
project's own ``locales/`` folder beside ``reportgen.yaml``: a project catalog comes
first, and the shipped one of the same language fills in what it leaves out. They are
compiled in memory when first used. Strings are marked in the code with ``w.t("...")``
or, where only named, ``N_("...")``.
"""

from __future__ import annotations

import copy
import gettext
import io
from functools import cache
from importlib.resources import files
from pathlib import Path

DOMAIN = "reportgen"
SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Marks a string for extraction into the catalogs; translated where it is used."""
    return message


def locales_folder() -> Path:
    return Path(str(files("reportgen"))) / "locales"


def catalog_name(lang: str) -> str:
    """The catalog folder of a BCP 47 tag: ``zh-Hans`` -> ``zh_Hans``."""
    return lang.replace("-", "_")


def catalog_languages() -> list[str]:
    """The languages that have a catalog, as BCP 47 tags."""
    folder = locales_folder()
    if not folder.is_dir():
        return []
    return sorted(
        path.parent.parent.name.replace("_", "-")
        for path in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")
    )


def catalog_path(folder: Path, lang: str) -> Path:
    """``<folder>/<lang>/LC_MESSAGES/reportgen.po``."""
    return folder / catalog_name(lang) / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _compiled_file(path: Path, stamp: tuple[int, int]) -> gettext.GNUTranslations:
    """One catalog file compiled in memory; ``stamp`` (mtime, size) recompiles an edited one."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _compiled_in(folder: Path | None, lang: str) -> gettext.GNUTranslations | None:
    if folder is None:
        return None
    path = catalog_path(folder, lang)
    try:
        stat = path.stat()
    except OSError:
        return None
    return _compiled_file(path, (stat.st_mtime_ns, stat.st_size)) if path.is_file() else None


def _compiled(lang: str, project: Path | None) -> gettext.NullTranslations | None:
    """The project's catalog of ``lang`` over the shipped one, either alone, or None."""
    shipped = _compiled_in(locales_folder(), lang)
    own = _compiled_in(project, lang)
    if own is None:
        return shipped
    if shipped is None:
        return own
    combined = copy.copy(own)  # the cached catalog itself keeps no fallback
    combined.add_fallback(shipped)
    return combined


def translations(
    chain: tuple[str, ...], project_locales: Path | None = None
) -> tuple[gettext.NullTranslations, str | None]:
    """The catalog of the first language in ``chain`` that has one, and that language.

    ``project_locales`` is a project's own ``locales/`` folder: its catalog of a language
    comes first, the shipped one fills in what it leaves out, and a language only the
    project has is found too. English, the language of the code, needs none unless the
    project changes some of its strings: ``(NullTranslations(), "en")``. A language with
    no catalog anywhere gets English strings and ``None``.
    """
    for lang in chain:
        if lang == SOURCE_LANGUAGE:
            english = chain[0].split("-")[0] == SOURCE_LANGUAGE
            own = _compiled_in(project_locales, lang)
            return own or gettext.NullTranslations(), SOURCE_LANGUAGE if english else None
        found = _compiled(lang, project_locales)
        if found is not None:
            return found, lang
    return gettext.NullTranslations(), None


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


def untranslated(model: object, lang: str) -> list[str]:
    """Field paths of the texts in ``model`` that have no form in ``lang`` (or its parents).

    A plain string is in the default language (English). Sources are references in
    their own language, and ``extra`` is free-form: neither is counted.
    """
    from pydantic import BaseModel

    from reportgen.errors import format_loc
    from reportgen.models.common import Source
    from reportgen.models.types import Text

    chain = fallback_chain(lang)
    own = chain if lang == SOURCE_LANGUAGE else chain[:-1]
    found: list[str] = []

    def visit(node: object, loc: tuple[str | int, ...]) -> None:
        if isinstance(node, Text):
            plain_ok = node.default is not None and SOURCE_LANGUAGE in own
            if not plain_ok and not any(node.has(tag) for tag in own):
                found.append(format_loc(loc))
        elif isinstance(node, Source):
            return
        elif isinstance(node, BaseModel):
            for name in type(node).model_fields:
                if name != "extra":
                    visit(getattr(node, name), (*loc, name))
        elif isinstance(node, list | tuple):
            for index, item in enumerate(node):
                visit(item, (*loc, index))

    visit(model, ())
    return found
