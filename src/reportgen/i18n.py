"""Fixed strings in the document's language: gettext catalogs shipped in the package.

Catalogs are ``locales/<language>/LC_MESSAGES/reportgen.po`` (managed with Babel: see
the README); they are compiled in memory when first used. Strings are marked in the
code with ``w.t("...")`` or, where only named, ``N_("...")``.
"""

from __future__ import annotations

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


@cache
def _compiled(name: str) -> gettext.GNUTranslations | None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = locales_folder() / name / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def translations(chain: tuple[str, ...]) -> tuple[gettext.NullTranslations, str | None]:
    """The catalog of the first language in ``chain`` that has one, and that language.

    English, the language of the code, needs none: ``(NullTranslations(), "en")``. A
    language with no catalog of its own gets English strings and ``None``.
    """
    for lang in chain:
        if lang == SOURCE_LANGUAGE:
            english = chain[0].split("-")[0] == SOURCE_LANGUAGE
            return gettext.NullTranslations(), SOURCE_LANGUAGE if english else None
        found = _compiled(catalog_name(lang))
        if found is not None:
            return found, lang
    return gettext.NullTranslations(), None


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
