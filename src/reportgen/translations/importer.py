"""Translations back into the profiles they came from, safely.

Each translated unit is checked before anything is written: its profile and field
must still exist, its source text must be the one it was translated from (the digest
the export wrote says so: a file without it is refused), its Markdown must keep the
source's structure, a source text is never changed (English, the language of the
profiles, is never a target, nor is a text's only language), and a translation already
in the profile is replaced only when asked (``overwrite``). The edits of one profile are made
together (``yamledit``); the result must read back with reportgen's own loader, hold
exactly the old values plus the new translations, and validate, or that file is not
written at all. Files are written atomically. Importing a file twice changes nothing
the second time.
"""

from __future__ import annotations

import codecs
import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.errors import (
    InvalidInput,
    Issue,
    Report,
    Severity,
    UsageError,
    display_path,
    format_loc,
)
from reportgen.texts import texts
from reportgen.translations import markup, po, xliff, yamledit
from reportgen.translations.units import (
    Returned,
    Unit,
    project_file,
    split_id,
    unit_id,
    units,
)
from reportgen.workspace import Workspace

if TYPE_CHECKING:
    from reportgen.yamlio import YamlDocument

XLIFF_SUFFIXES = (".xlf", ".xliff", ".xml", ".sdlxliff", ".mqxliff")


@dataclass
class ImportResult:
    """What an import wrote and found."""

    report: Report = field(default_factory=Report)
    written: list[Path] = field(default_factory=list)
    imported: int = 0
    """Translations written into the profiles."""
    unchanged: int = 0
    """Translations the profiles had already."""
    untranslated: int = 0
    """Units without a translation (or marked for review) in the files."""
    refused: int = 0
    """Translations not imported (see the report)."""

    def refuse(self, issue: Issue) -> None:
        """A translation not imported, and why (at its place in the file)."""
        self.report.add(issue)
        self.refused += 1

    def summary(self) -> str:
        files = len(self.written)
        line = (
            f"imported {self.imported} translation{'s' * (self.imported != 1)} into "
            f"{files} file{'s' * (files != 1)}; {self.unchanged} already there"
        )
        if self.untranslated:
            line += f"; {self.untranslated} not translated yet"
        if self.refused:
            line += f"; {self.refused} not imported (see above)"
        return line


def read(path: Path) -> tuple[list[Returned], Report]:
    """The units of one translation file, XLIFF or PO (by its name, else its contents)."""
    suffix = path.suffix.lower()
    if suffix in (".po", ".pot"):
        return po.read(path)
    if suffix in XLIFF_SUFFIXES:
        return xliff.read(path)
    try:
        with path.open("rb") as handle:
            start = handle.read(64).lstrip(codecs.BOM_UTF8).lstrip()
    except OSError as exc:
        issue = Issue(display_path(path), None, None, "", f"cannot read: {exc.strerror or exc}")
        return [], Report([issue])
    return xliff.read(path) if start.startswith(b"<") else po.read(path)


def import_files(
    workspace: Workspace,
    files: Sequence[Path],
    *,
    dry_run: bool = False,
    strict: bool = False,
    overwrite: bool = False,
) -> ImportResult:
    """Import every translation of ``files`` into the profiles of the workspace's project.

    With ``strict``, a translation with a warning (longer than its place) is not imported;
    with ``overwrite``, a translation the profile has already is replaced.
    """
    from reportgen.targets import check_language

    result = ImportResult()
    returned: list[Returned] = []
    for path in files:
        found, report = read(path)
        result.report.extend(report.issues)
        returned.extend(_accepted(found, result))
    languages: dict[str, bool] = {}
    by_file: dict[str, list[Returned]] = {}
    seen: dict[tuple[str, str], Returned] = {}
    for item in returned:
        if item.lang not in languages:
            try:
                check_language(item.lang)
            except UsageError as exc:
                message = str(exc).replace("--lang: ", "target language: ")
                result.report.add(_at(item, message, path=""))
                languages[item.lang] = False
            else:
                languages[item.lang] = True
        if not languages[item.lang]:
            result.refused += 1
            continue
        parts = split_id(item.id)
        if parts is None:
            message = "not a text of a profile of this project: not imported"
            result.refuse(_at(item, message))
            continue
        earlier = seen.get((item.id, item.lang))
        if earlier is not None and not _has_text(earlier):
            by_file[parts[0]].remove(earlier)  # an empty copy gives way to a translation
            earlier = None
        if earlier is not None and _has_text(item) and _text_of(earlier) != _text_of(item):
            message = (
                f"given twice with different {item.lang} translations "
                f"(first at {earlier.origin}:{earlier.line}): this one is not imported"
            )
            result.refuse(_at(item, message))
            continue
        seen[(item.id, item.lang)] = item
        if earlier is None:
            by_file.setdefault(parts[0], []).append(item)
    for file, items in by_file.items():
        _import_file(
            workspace, file, items, result, dry_run=dry_run, strict=strict, overwrite=overwrite
        )
    return result


def _accepted(found: list[Returned], result: ImportResult) -> list[Returned]:
    """The units of one file that may be imported at all: none into the language the
    profiles are written in, none without the digest of its source; one line says why."""
    from reportgen.languages import SOURCE_LANGUAGE

    kept: list[Returned] = []
    refused: dict[str, list[Returned]] = {}
    for item in found:
        if item.lang.casefold() == SOURCE_LANGUAGE:
            refused.setdefault("source", []).append(item)
        elif not item.digest:
            refused.setdefault("digest", []).append(item)
        else:
            kept.append(item)
    for why, items in refused.items():
        given = [item for item in items if _has_text(item)]
        result.refused += len(given)
        result.untranslated += len(items) - len(given)
        count = f"{len(given)} translation{'s' * (len(given) != 1)}"
        if why == "source":
            message = (
                f"{count} not imported: the file's target language is {items[0].lang}, the "
                "language the profiles are written in; their texts are sources, which an "
                "import never changes"
            )
        else:
            message = (
                f"{count} not imported: the file does not say which source text each was "
                "translated from (no digest); translate a file made by 'reportgen "
                "translations export'"
            )
        result.report.add(Issue(items[0].origin, None, None, "", message))
    return kept


def _text_of(item: Returned) -> tuple[object, ...]:
    return (item.target, item.parts)


def _has_text(item: Returned) -> bool:
    """Whether the file gives the unit a translation at all."""
    words = item.target or "".join(p for p in item.parts if isinstance(p, str))
    return bool(words.strip()) or any(not isinstance(p, str) for p in item.parts)


def _at(
    item: Returned, message: str, severity: Severity = Severity.ERROR, *, path: str | None = None
) -> Issue:
    """A problem located at the unit in its translation file (its path: the unit's id)."""
    where = item.id if path is None else path
    return Issue(item.origin, item.line, 1 if item.line else None, where, message, severity)


def _import_file(
    workspace: Workspace,
    file: str,
    items: list[Returned],
    result: ImportResult,
    *,
    dry_run: bool,
    strict: bool,
    overwrite: bool,
) -> None:
    from reportgen import yamlio
    from reportgen.models import parse_profile

    path = workspace.root / file
    inside = project_file(path, workspace.root) if path.exists() else None
    if inside is None or not path.is_file():
        count = len(items)
        message = (
            f"{count} translation{'s' * (count != 1)} not imported: the file no longer "
            f"exists in {display_path(workspace.root)}"
        )
        result.report.add(_at(items[0], message, path=file))
        result.refused += count
        return
    try:
        doc = yamlio.load(path)
        profile = parse_profile(doc)
    except InvalidInput as exc:
        result.report.extend(exc.report.issues)
        message = "no translation was imported into this file: correct its errors first"
        result.report.add(Issue(display_path(path), None, None, "", message))
        result.refused += len(items)
        return
    current: dict[tuple[str, str], Unit] = {}
    for lang in sorted({item.lang for item in items}):
        for known in units(profile, doc, file, lang):
            current[(known.id, lang)] = known
    names = {unit_id(file, format_loc(loc)) for loc, *_ in texts(profile, names=True)}
    wanted: dict[tuple[str | int, ...], list[tuple[Returned, Unit, str]]] = {}
    for item in items:
        unit = current.get((item.id, item.lang))
        if unit is None and item.id in names and _has_text(item):
            message = (
                "not imported: names and addresses are not translated (a name may be given "
                f"its {item.lang} form in the profile itself)"
            )
            result.refuse(_at(item, message))
            continue
        found = _checked(item, unit, doc, result, strict=strict, overwrite=overwrite)
        if found is not None and unit is not None:
            wanted.setdefault(unit.loc, []).append((item, unit, found))
    changes = [
        _Change(
            yamledit.Change(
                yamledit.yaml_loc(doc.data, loc),
                tuple((item.lang, text) for item, _, text in found),
                found[0][1].source_lang,
            ),
            [item for item, _, _ in found],
        )
        for loc, found in wanted.items()
    ]
    if changes:
        _write(path, doc, changes, result, dry_run=dry_run)


@dataclass(frozen=True)
class _Change:
    """The edit of one text (every language imported for it) and the units it comes from."""

    edit: yamledit.Change
    items: list[Returned]


def _checked(
    item: Returned,
    unit: Unit | None,
    doc: YamlDocument,
    result: ImportResult,
    *,
    strict: bool,
    overwrite: bool,
) -> str | None:
    """The translation to write for ``item``; None when there is none (reported if refused)."""

    if item.skipped:
        if _has_text(item):
            result.report.add(_at(item, f"not imported: {item.skipped}", Severity.WARNING))
        result.untranslated += 1
        return None
    if unit is None:
        if _has_text(item):
            message = "not imported: the profile has no such text any more"
            result.refuse(_at(item, message))
        else:
            result.untranslated += 1
        return None
    source_segments = markup.segments(unit.source)
    if item.target is not None:
        text, problem = item.target, ""
    else:
        text, problem = markup.resolve(list(item.parts), source_segments)
    text = text.strip()
    if problem:
        result.refuse(_at(item, f"not imported: {problem}"))
        return None
    if not text:
        result.untranslated += 1
        return None
    if _source_changed(item, unit):
        message = (
            f"the source text changed since {item.origin} was exported: the {item.lang} "
            "translation was not imported; it needs a new translation"
        )
        result.refuse(doc.issue(unit.loc, message))
        return None
    unreadable = _unreadable(text)
    if unreadable:
        result.refuse(_at(item, f"not imported: the translation's {unreadable}"))
        return None
    shape = markup.structure_problem(unit.source, text)
    if shape:
        result.refuse(_at(item, f"not imported: {shape}"))
        return None
    if unit.max_chars and len(text) > unit.max_chars:
        message = (
            f"the {item.lang} text has {len(text)} characters; "
            f"{unit.max_chars} fit in {unit.max_reason}"
        )
        if strict:
            result.refuse(_at(item, f"not imported (--strict): {message}"))
            return None
        result.report.add(_at(item, message, Severity.WARNING))
    if unit.target is not None and markup.same_text(unit.target, text):
        result.unchanged += 1
        return None
    if unit.target is not None and unit.source_lang == item.lang:
        message = (
            f"not imported: the profile writes this text in {item.lang} only: it is the "
            "source, which an import never changes"
        )
        result.refuse(_at(item, message))
        return None
    if unit.target is not None and not overwrite:
        message = (
            f"not imported: the profile has a {item.lang} translation already "
            f"({_shortened(unit.target)}); --overwrite replaces it"
        )
        result.refuse(_at(item, message))
        return None
    return text


def _shortened(text: str, limit: int = 40) -> str:
    """A text on one line, cut to about ``limit`` characters, quoted."""
    line = " ".join(text.split())
    return repr(line if len(line) <= limit else line[: limit - 1] + "…")


def _unreadable(text: str) -> str | None:
    """Why a profile could not hold ``text`` (a control or bidi character), if it could not."""
    from reportgen import yamlio

    try:
        yamlio.parse(f"text: {yamledit.quoted(text)}\n", Path("translation.yaml"))
    except InvalidInput as exc:
        return exc.report.errors[0].message if exc.report.errors else "text cannot be read"
    return None


def _source_changed(item: Returned, unit: Unit) -> bool:
    return item.digest != unit.digest


def _write(
    path: Path,
    doc: YamlDocument,
    changes: list[_Change],
    result: ImportResult,
    *,
    dry_run: bool,
) -> None:
    """Edit, check and write one profile: all of its translations, or none."""
    from reportgen import yamlio
    from reportgen.models import parse_profile
    from reportgen.output import write_atomic

    raw = path.read_bytes()
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    text = raw[len(bom) :].decode("utf-8")
    edited, failures = yamledit.apply(text, [change.edit for change in changes])
    failed = {id(edit): message for edit, message in failures}
    for change in changes:
        if id(change.edit) in failed:
            for item in change.items:
                result.refuse(_at(item, f"not imported: {failed[id(change.edit)]}"))
    done = [change for change in changes if id(change.edit) not in failed]
    if not done:
        return
    problem = ""
    try:
        after = yamlio.parse(edited, path)
        parse_profile(after)
    except InvalidInput as exc:
        problem = "; ".join(i.message for i in exc.report.errors[:2])
    else:
        if _stripped(after.data) != _stripped(_expected(doc.data, [c.edit for c in done])):
            problem = "another value would have changed"
    if problem:
        message = (
            "the translations could not be written into this file without changing it "
            f"otherwise ({problem}): nothing was written to it"
        )
        result.report.add(Issue(display_path(path), None, None, "", message))
        result.refused += sum(len(c.items) for c in done)
        return
    if not dry_run:
        write_atomic(path, bom + edited.encode("utf-8"))
    result.written.append(path)
    result.imported += sum(len(c.items) for c in done)


def _expected(data: Any, changes: list[yamledit.Change]) -> Any:
    """The profile's data as the changes should leave it."""
    out = copy.deepcopy(data)
    for change in changes:
        *parents, last = change.loc
        node = out
        for part in parents:
            node = node[part]
        value = node[last]
        if not isinstance(value, dict):
            value = node[last] = {change.source_lang: value}
        for lang, text in change.texts:
            value[lang] = text
    return out


def _stripped(value: Any) -> Any:
    """Data with every string stripped (how a text is read) and the order of keys kept."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return ("mapping", [(key, _stripped(item)) for key, item in value.items()])
    if isinstance(value, list):
        return [_stripped(item) for item in value]
    return value
