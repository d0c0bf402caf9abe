"""PO out and back, for Weblate, Poedit and other gettext tools (written and read by Babel).

Each unit is one entry: ``msgctxt`` is its id (so two texts alike stay two entries),
``msgid`` the source text exactly as the profile has it (Markdown and line breaks
included), ``msgstr`` the translation. Extracted comments (``#.``) say what the field
is, how long the text may be and that it is Markdown, and carry the digest of the
source text (``reportgen digest: ...``, which the import requires); the reference
(``#:``) is the profile's file and line. Entries marked fuzzy are not imported.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from pathlib import Path

from reportgen._version import __version__
from reportgen.errors import Issue, Report, display_path
from reportgen.languages import catalog_name
from reportgen.translations import markup
from reportgen.translations.units import Returned, Unit

MAX_FILE_BYTES = 64 * 1024 * 1024
_FORMAT_FLAGS = ("python-format", "python-brace-format")
DIGEST_NOTE = "reportgen digest: "
"""The extracted comment that carries a unit's source digest."""
"""Flags Babel guesses from a ``%`` or ``{`` in the text: profile texts are not formats."""


def write(units: Iterable[Unit], lang: str, created: dt.datetime) -> bytes:
    """The PO file of ``units``, for translation into ``lang``."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(
        locale=catalog_name(lang),
        project="reportgen profiles",
        version=__version__,
        creation_date=created,
        revision_date=created,
        fuzzy=False,
        header_comment=(
            f"# Texts of reportgen profiles to translate into {lang}.\n"
            "# Translate each msgstr; keep Markdown marks (*emphasis*, [links](...), list\n"
            "# items) as they are. Import with: reportgen translations import FILE"
        ),
    )
    for unit in units:
        comments = [f"{unit.field}: {unit.description}" if unit.description else unit.field]
        if unit.max_chars:
            comments.append(f"At most {unit.max_chars} characters: {unit.max_reason}.")
        if markup.has_markup(unit.source):
            comments.append(
                "Markdown: keep its marks (*emphasis*, [links](...), list items) as they are."
            )
        if unit.source_lang != "en":
            comments.append(f"Source language: {unit.source_lang}.")
        comments.append(DIGEST_NOTE + unit.digest)
        message = catalog.add(
            unit.source,
            unit.target or "",
            locations=[(unit.file, unit.line or 0)],
            auto_comments=comments,
            context=unit.id,
        )
        if message is not None:
            for flag in _FORMAT_FLAGS:
                message.flags.discard(flag)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76, include_lineno=True)
    return buffer.getvalue()


def read(path: Path) -> tuple[list[Returned], Report]:
    """The entries of a PO file; problems located at their line in it."""
    from babel.core import UnknownLocaleError
    from babel.messages.pofile import PoFileError, read_po

    name = display_path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            message = f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
            return [], Report([Issue(name, None, None, "", message)])
        data = path.read_bytes()
    except OSError as exc:
        return [], Report([Issue(name, None, None, "", f"cannot read: {exc.strerror or exc}")])
    try:
        catalog = read_po(io.BytesIO(data), ignore_obsolete=True, abort_invalid=True)
    except PoFileError as exc:
        line = getattr(exc, "lineno", None)
        return [], Report(
            [Issue(name, line, 1 if line else None, "", f"not a readable PO file: {exc}")]
        )
    except (UnknownLocaleError, ValueError) as exc:
        return [], Report([Issue(name, None, None, "", f"not a readable PO file: {exc}")])
    if catalog.locale is None:
        message = 'the PO file names no language: add a "Language: ja" header line'
        return [], Report([Issue(name, None, None, "", message)])
    lang = str(catalog.locale).replace("_", "-")
    found: list[Returned] = []
    for entry in catalog:
        if not entry.id or not entry.context:
            continue
        text = entry.string
        if isinstance(text, tuple | list):  # plural forms: profile texts have none
            text = text[0] if text else ""
        digests = [
            c.removeprefix(DIGEST_NOTE) for c in entry.auto_comments if c.startswith(DIGEST_NOTE)
        ]
        found.append(
            Returned(
                id=str(entry.context),
                lang=lang,
                target=str(text or "") or None,
                digest=digests[0].strip() if digests else None,
                source=str(entry.id) if isinstance(entry.id, str) else None,
                origin=name,
                line=entry.lineno,
                skipped="it is marked fuzzy (needs review)" if entry.fuzzy else "",
            )
        )
    return found, Report()
