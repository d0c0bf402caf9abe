"""Fixed strings in the document's language: gettext catalogs, shipped and the project's.

Catalogs are ``locales/<language>/LC_MESSAGES/reportgen.po`` (managed with Babel: see
the README), in the package and, to add a language or change a few strings, in a
project's own ``locales/`` folder beside ``reportgen.yaml``: a project catalog comes
first, and the shipped one of the same language fills in what it leaves out. They are
compiled in memory when first used. Strings are marked in the code with ``w.t("...")``
or, where only named, ``N_("...")``.

A catalog's strings are text, never markup: they are escaped wherever they reach a
page. A translation may use the ``{name}`` fields of its English text and nothing
else (no ``{0.__class__}``, no ``{page!r}``, no ``{page:>99}``): a catalog that does is
refused when it is read, at the line of the translation.
"""

from __future__ import annotations

import copy
import gettext
import io
import string
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from reportgen.errors import InvalidInput, Issue, Report, ReportgenError, display_path
from reportgen.languages import SOURCE_LANGUAGE, catalog_name

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

DOMAIN = "reportgen"


def N_(message: str) -> str:
    """Marks a string for extraction into the catalogs; translated where it is used."""
    return message


def locales_folder() -> Path:
    return Path(str(files("reportgen"))) / "locales"


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

    data = path.read_bytes()
    catalog = read_po(io.BytesIO(data))
    problems = field_problems(catalog, path, data)
    if problems:
        raise InvalidInput(Report(problems))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def fields(text: str) -> list[str] | None:
    """The ``{name}`` fields of a text as written (``"page"``, ``"0.__class__"``,
    ``"page:>9"``); None when its braces are not well formed."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return None
    found = []
    for _, name, spec, conversion in parsed:
        if name is not None:
            found.append(
                name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            )
    return found


def fill(text: str, values: Mapping[str, object]) -> str:
    """``text`` with each ``{name}`` replaced by ``str(values[name])``: a name and nothing
    more (no attribute, index, conversion or format), as ``str.format`` would go further."""
    out: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise ReportgenError(f"the text {text!r} has braces that are not a field") from None
    for literal, name, spec, conversion in parsed:
        out.append(literal)
        if name is None:
            continue
        if name not in values or spec or conversion:
            shown = ", ".join(f"{{{key}}}" for key in values)
            raise ReportgenError(f"the text {text!r} may only use the fields {shown}")
        out.append(str(values[name]))
    return "".join(out)


def field_problems(catalog: Catalog, path: Path, data: bytes) -> list[Issue]:
    """A translation that uses a field its English text does not have, or reaches into
    one (``{0.__class__}``): one problem at the line of each such translation."""
    lines = data.decode("utf-8", "replace").splitlines()
    shown = display_path(path)
    problems: list[Issue] = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        allowed = fields(message.id)
        if not allowed:
            continue  # not a text with fields: braces in its translation print as written
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for text in strings:
            if not text:
                continue
            used = fields(text)
            if used is None:
                bad = "its braces"
                what = "has braces that are not a field"
            else:
                wrong = [name for name in used if name not in allowed]
                if not wrong:
                    continue
                bad = "{" + wrong[0] + "}"
                what = f"uses {bad}, which is not a field of this text"
            line, col = _msgstr_place(lines, message.lineno, bad)
            names = ", ".join(f"{{{name}}}" for name in dict.fromkeys(allowed))
            problems.append(
                Issue(
                    shown,
                    line,
                    col,
                    "msgstr",
                    f"the translation of {message.id!r} {what}: it may use only {names}",
                )
            )
    return problems


def _msgstr_place(
    lines: list[str], msgid_line: int | None, found: str
) -> tuple[int | None, int | None]:
    """The line (and column of ``found``) of the translation that follows a msgid."""
    if not msgid_line:
        return None, None
    start = next(
        (i for i in range(msgid_line - 1, len(lines)) if lines[i].startswith("msgstr")), None
    )
    if start is None:
        return msgid_line, 1
    index = start
    while index < len(lines) and (index == start or lines[index].startswith('"')):
        col = lines[index].find(found)
        if col >= 0:
            return index + 1, col + 1
        index += 1
    return start + 1, 1


def _compiled_in(folder: Path | None, lang: str) -> gettext.GNUTranslations | None:
    if folder is None:
        return None
    path = catalog_path(folder, lang)
    try:
        stat = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    if folder != locales_folder():
        problem = outside_problem(path, folder)
        if problem is not None:
            raise InvalidInput(Report([problem]))
    return _compiled_file(path, (stat.st_mtime_ns, stat.st_size))


def outside_problem(path: Path, folder: Path) -> Issue | None:
    """A project catalog that is a symbolic link (or in a linked folder) leading outside
    the project's ``locales/`` folder: refused, as such templates are."""
    from reportgen.errors import display_link

    try:
        real = path.resolve(strict=True)
        home = folder.resolve(strict=True)
    except (OSError, RuntimeError):
        return None  # missing or a loop: not read
    if real.is_relative_to(home):
        return None
    message = (
        f"leads outside {display_link(folder)} (a symbolic link); catalogs must be files "
        "inside the project's locales folder"
    )
    return Issue(display_link(path), None, None, "", message)


def catalog_issues(folder: Path | None) -> list[Issue]:
    """The problems of every project catalog in ``folder`` (a project's ``locales/``):
    links out of it, and translations whose fields their texts do not have."""
    if folder is None or not folder.is_dir():
        return []
    issues: list[Issue] = []
    for path in sorted(folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        try:
            _compiled_in(folder, path.parent.parent.name)
        except InvalidInput as exc:
            issues.extend(exc.report.issues)
    return issues


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


def has_message(catalog: gettext.NullTranslations | None, message: str) -> bool:
    """Whether ``catalog`` (or a catalog it falls back on) translates ``message``."""
    while catalog is not None:
        if message in getattr(catalog, "_catalog", {}):
            return True
        catalog = getattr(catalog, "_fallback", None)
    return False
