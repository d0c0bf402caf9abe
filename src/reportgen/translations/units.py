"""Translation units: every translatable text of a profile, where it is and what it is.

A unit is one ``Text`` field of a validated profile (the same texts that a build
reports as falling back to another language: sources and ``extra`` are not
translated). Its id is the file's path from the project folder and the field path,
``profiles/visits/x.yaml#agenda[3].title``: stable while the file keeps that field.
The digest of its source text travels with it, so that an import can tell a source
that changed since the export.

Maximum lengths are given where the layout needs one: the cover's title line, the
cells of narrow table columns and the labels of charts (``MAX_CHARS``). Paragraph texts
(summaries, notes, talking points) wrap freely and have none.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from reportgen.errors import Loc, format_loc
from reportgen.languages import SOURCE_LANGUAGE
from reportgen.texts import Known, is_translated, texts
from reportgen.translations.yamledit import yaml_loc

if TYPE_CHECKING:
    from reportgen.models import Profile
    from reportgen.models.types import Text
    from reportgen.translations.markup import Part
    from reportgen.yamlio import YamlDocument

MAX_CHARS: dict[tuple[str, str], tuple[int, str]] = {
    ("Visit", "title"): (120, "the title line of the cover"),
    ("Proposal", "title"): (120, "the title line of the cover"),
    ("CityProfile", "name"): (80, "the title line of the cover and table cells"),
    ("AgendaItem", "title"): (100, "a cell of the programme table"),
    ("AgendaItem", "location"): (80, "a cell of the programme table"),
    ("AgendaItem", "participants"): (60, "a cell of the programme table"),
    ("Person", "title"): (80, "a cell of the delegation and hosts tables"),
    ("Person", "organisation"): (80, "a cell of the delegation and hosts tables"),
    ("Person", "role"): (60, "a cell of the delegation and hosts tables"),
    ("Person", "address_as"): (40, "a cell of the delegation and hosts tables"),
    ("FollowUp", "owner"): (80, "a cell of the follow-up table"),
    ("Official", "title"): (60, "a cell of the officials table"),
    ("Designation", "title"): (80, "a cell of the designations table"),
    ("Designation", "by"): (80, "a cell of the designations table"),
    ("Initiative", "title"): (80, "a cell of the initiatives table"),
    ("Goal", "title"): (100, "a cell of the goals table"),
    ("Partnership", "themes"): (60, "a cell of the partnerships table"),
    ("TimelineEvent", "title"): (100, "a label of the timeline chart"),
    ("Activity", "title"): (80, "a bar label of the work plan chart"),
    ("BudgetLine", "item"): (80, "a cell of the budget table"),
    ("Output", "title"): (100, "a heading and a cell of the logframe table"),
}
"""Characters a text may take where the layout has a fixed width: (model, field) -> (limit,
where it is printed). Counted in characters, as XLIFF's ``size-unit="char"``."""


@dataclass(frozen=True)
class Unit:
    """One text of one profile, for translation into one language."""

    file: str
    """The profile's path from the project folder, with forward slashes."""
    loc: Loc
    """Where the text is in the profile (its field path)."""
    source_lang: str
    source: str
    """The text in ``source_lang``, as the profile has it (``source_lang`` is the target
    language itself for a text written in no other)."""
    target: str | None
    """The profile's text in the target language itself, if it has one."""
    translated: bool
    """Whether the build finds a text in the target language (itself or a parent)."""
    description: str
    """What the field is, from the schema."""
    max_chars: int | None = None
    max_reason: str = ""
    line: int | None = None
    """The line of the text's key (of the text itself in a list)."""
    col: int | None = None

    @property
    def field(self) -> str:
        return format_loc(self.loc)

    @property
    def id(self) -> str:
        return unit_id(self.file, self.field)

    @property
    def top(self) -> str:
        """The top-level field the text is in (what a build records as read)."""
        return str(self.loc[0])

    @property
    def digest(self) -> str:
        return source_digest(self.source_lang, self.source)

    @property
    def where(self) -> str:
        """``file:line``, as translators' tools show a location."""
        return f"{self.file}:{self.line}" if self.line else self.file


def unit_id(file: str, field: str) -> str:
    """``profiles/visits/x.yaml#agenda[3].title``."""
    return f"{file}#{field}"


def split_id(ident: str) -> tuple[str, str] | None:
    """A unit id's file and field path; None for an id that names no file of a project.

    A file must be a relative path inside the project (no ``..``, no absolute path) to a
    YAML file: a translation file from elsewhere cannot point the import at other files.
    """
    file, sep, field = ident.partition("#")
    if not sep or not file or not field:
        return None
    path = PurePosixPath(file)
    if path.is_absolute() or ".." in path.parts or "\\" in file or ":" in file:
        return None
    if path.suffix not in (".yaml", ".yml"):
        return None
    return file, field


def source_digest(lang: str, text: str) -> str:
    """A short digest of a source text: enough to tell that it changed."""
    return hashlib.sha256(f"{lang}\n{text}".encode()).hexdigest()[:16]


def project_file(path: Path, root: Path) -> str | None:
    """``path`` from the project folder with forward slashes; None when it is outside."""
    try:
        relative = path.resolve().relative_to(root.resolve())
    except ValueError:
        return None
    return relative.as_posix()


def units(
    profile: Profile, doc: YamlDocument, file: str, lang: str, known: Known | None = None
) -> list[Unit]:
    """Every translatable text of ``profile`` for ``lang``, in the order of the file.

    ``known`` says which words the language's catalog translates (see ``is_translated``).
    """
    from reportgen.models.descriptions import describe

    describe(type(profile))  # the field docstrings, which translators' notes quote
    found: list[Unit] = []
    for loc, text, owner, name in texts(profile):
        table = dict(text.translations)
        translated = is_translated(text, lang, owner.__name__, name, known)
        source_lang, source = _source_of(text, lang)
        if source is None:  # only the target language has it: nothing to translate from
            source_lang, source = lang, text.get(lang)
        info = owner.model_fields[name]
        limit = MAX_CHARS.get((owner.__name__, name))
        at = yaml_loc(doc.data, loc)
        pos = doc.locate(at, key=True) or doc.locate(at)
        found.append(
            Unit(
                file=file,
                loc=loc,
                source_lang=source_lang,
                source=source,
                target=table.get(lang),
                translated=translated,
                description=_describe(owner, info.description or ""),
                max_chars=limit[0] if limit else None,
                max_reason=limit[1] if limit else "",
                line=pos.line if pos else None,
                col=pos.col if pos else None,
            )
        )
    return sorted(found, key=lambda u: (u.line or 0, u.col or 0))


def _source_of(text: Text, lang: str) -> tuple[str, str | None]:
    """The language a text is translated from, and its text there.

    English when the text has it (a plain string is English), else the first language
    it is written in other than ``lang``.
    """
    if text.default is not None:
        return SOURCE_LANGUAGE, None if lang == SOURCE_LANGUAGE else text.default
    table = dict(text.translations)
    if SOURCE_LANGUAGE in table and lang != SOURCE_LANGUAGE:
        return SOURCE_LANGUAGE, table[SOURCE_LANGUAGE]
    for tag, value in text.translations:
        if tag != lang:
            return tag, value
    return lang, None


def _describe(owner: type[object], description: str) -> str:
    """The field's description and, for context, what its model is."""
    doc = (owner.__doc__ or "").strip().splitlines()
    context = doc[0].strip() if doc else ""
    if context and context != description:
        return f"{description} ({context})" if description else context
    return description


@dataclass(frozen=True)
class Returned:
    """A unit as a translation file brings it back."""

    id: str
    lang: str
    target: str | None
    """The translation, as Markdown; None when the unit is not translated."""
    parts: tuple[Part, ...] = ()
    """The translation as pieces, when marks in it are named by id only (XLIFF)."""
    digest: str | None = None
    """The digest of the source it was translated from, when the file keeps it."""
    source: str | None = None
    """The source text as the file carries it (Markdown)."""
    origin: str = ""
    """The translation file, as the user names it."""
    line: int | None = None
    skipped: str = ""
    """Why the translation is not to be imported (a tool marked it for review)."""
    problem: str = ""
    """Why the translation cannot be read back (an inline tag the source does not have)."""
