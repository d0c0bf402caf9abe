"""A project: where profiles are found by id, and the checks that span files.

``reportgen.validation`` runs them over the files a user names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from reportgen import lookalikes, yamlio
from reportgen.errors import (
    InvalidInput,
    Issue,
    Loc,
    Report,
    Severity,
    display_link,
    display_path,
)
from reportgen.models import parse_profile
from reportgen.models.manifest import MANIFEST_NAME

if TYPE_CHECKING:
    from reportgen.checks import Staleness
    from reportgen.models import Profile
    from reportgen.models.types import Text

YAML_SUFFIXES = (".yaml", ".yml")


def leads_outside(path: Path, root: Path) -> bool:
    """Whether ``path``, written inside ``root``, is really a file outside it: a symbolic
    link, or a file in a linked folder, that leads elsewhere."""
    try:
        if not path.absolute().is_relative_to(root.absolute()):
            return False  # named outside the project by the user: their own choice
        return not path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links: reading it fails, and says so
        return False


def outside_issue(path: Path, severity: Severity = Severity.ERROR) -> Issue:
    what = "skipped" if severity is Severity.WARNING else "refused"
    message = f"leads outside the project (a symbolic link); {what}"
    return Issue(display_link(path), None, None, "", message, severity)


def yaml_files(
    paths: Iterable[Path], root: Path | None = None, skipped: list[Issue] | None = None
) -> Iterator[Path]:
    """The YAML files named, and those in the folders named (recursively, sorted).

    In a folder, files that lead outside the project (``root``, else the folder) are
    left out, each with a warning in ``skipped``; so are pipes, devices and sockets.
    """
    for path in paths:
        if path.is_dir():
            home = root if root is not None and not leads_outside(path, root) else path
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.suffix not in YAML_SUFFIXES or hidden:
                    continue
                if leads_outside(child, home):
                    if skipped is not None:
                        skipped.append(outside_issue(child, Severity.WARNING))
                elif child.is_file():
                    yield child
        else:
            yield path


LISTING_PREFIX = "listing:"
"""Inputs named so stand for the list of profile files in a folder, not a file."""


def listing_digest(folder: Path) -> str:
    """A digest of which profile files a folder holds (names only, not contents)."""
    import hashlib

    names = (
        sorted(str(p.relative_to(folder)) for p in yaml_files([folder])) if folder.is_dir() else []
    )
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


@dataclass
class Entry:
    """One profile file: its document, and its model when it validated."""

    path: Path
    kind: str | None
    id: str | None
    doc: yamlio.YamlDocument | None = None
    profile: Profile | None = None
    issues: list[Issue] = field(default_factory=list)


class Project:
    """Every profile in a folder, indexed by kind and id, loaded once each.

    ``home`` is the office's own city (the manifest's ``home:``): the "we" of a visit's
    direction; ``office`` the manifest's issuing office (``office:``).
    """

    def __init__(
        self,
        folder: Path | None,
        home: str | None = None,
        root: Path | None = None,
        office: Text | None = None,
    ) -> None:
        self.folder = folder
        self.home = home
        self.office = office
        self.root = root or folder
        """The project folder: no file that leads outside it is read."""
        self.skipped: list[Issue] = []
        """A warning for each file left out because it leads outside the project."""
        self.entries: dict[Path, Entry] = {}
        self._checked: dict[tuple[Path, Staleness], tuple[Issue, ...]] = {}
        if folder is not None and folder.is_dir():
            for path in yaml_files([folder], self.root, self.skipped):
                if path.name != MANIFEST_NAME:
                    self.add(path)

    def add(self, path: Path) -> Entry:
        key = path.resolve()
        if key in self.entries:
            return self.entries[key]
        if self.root is not None and leads_outside(path, self.root):
            refused = Entry(path, None, None, issues=[outside_issue(path)])
            self.entries[key] = refused
            return refused
        entry = _cached(path, key)
        if entry is None:
            entry = _read(path)
            _remember(key, entry)
        self.entries[key] = entry
        return entry

    def find(self, kind: str, ident: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.kind == kind and e.id == ident]

    def exists(self, kind: str, ident: str) -> bool:
        return bool(self.find(kind, ident))

    def get(self, kind: str, ident: str) -> Profile:
        """The valid profile of that kind and id; raises ``InvalidInput`` otherwise."""
        found = self.find(kind, ident)
        if not found:
            where = display_path(self.folder) if self.folder else "the project"
            issue = Issue("", None, None, "", f"no {kind} profile with id '{ident}' in {where}")
            raise InvalidInput(Report([issue]))
        entry = found[0]
        if entry.profile is None:
            raise InvalidInput(Report(list(entry.issues)))
        return entry.profile

    def issues_of(self, entry: Entry, staleness: Staleness) -> tuple[Issue, ...]:
        """Every problem of one file, as ``validate`` reports it (worked out once)."""
        key = (entry.path.resolve(), staleness)
        if key not in self._checked:
            self._checked[key] = (*entry.issues, *entry_issues(self, entry, staleness))
        return self._checked[key]

    def cross_file_issues(self, entry: Entry) -> Iterator[Issue]:
        """Ids unique per kind, and references to other profiles that resolve."""
        assert entry.doc is not None and entry.profile is not None
        doc, profile = entry.doc, entry.profile
        others = [e for e in self.find(profile.kind, profile.id) if e is not entry]
        if others:
            where = ", ".join(display_path(e.path) for e in others)
            yield doc.issue(("id",), f"{profile.kind} id '{profile.id}' is also used in {where}")
        for loc, kind, ident in references(profile):
            found = self.find(kind, ident)
            if not found:
                yield doc.issue(loc, f"unknown {kind} '{ident}': no profile has it")
            else:
                broken = _broken(kind, ident, found)
                if broken is not None:
                    yield doc.issue(loc, broken)
        for loc, name in partner_names(profile):
            # a free name is printed as written; an id whose file is broken is not
            broken = _broken("city", name, self.find("city", name))
            if broken is not None:
                yield doc.issue(loc, broken)
                continue
            lookalike = lookalikes.problem(name)
            if lookalike is not None:
                # an invisible character is never meant; a word of mixed scripts may be
                hidden = lookalikes.has_invisible(name)
                severity = Severity.ERROR if hidden else Severity.WARNING
                yield doc.issue(loc, lookalike, severity=severity)
                continue
            # a free name that only Unicode normalisation tells from an id is a disguised id
            normal = unicodedata.normalize("NFKC", name)
            if normal != name and not self.exists("city", name) and self.exists("city", normal):
                message = f"'{name}' is not the city id '{normal}', only looks like it"
                yield doc.issue(loc, f"{message}: write {normal}")


def _broken(kind: str, ident: str, found: list[Entry]) -> str | None:
    """What is wrong with a reference whose every profile is broken (None: one is valid)."""
    if not found or any(e.profile is not None for e in found):
        return None
    where = display_path(found[0].path)
    if all(e.doc is None for e in found):
        return f"{kind} '{ident}' is in a file that could not be read: {where} (see its error)"
    return f"{kind} '{ident}' is in a file with errors: {where} (see them)"


_CACHE: dict[Path, tuple[tuple[int, int, int], Entry]] = {}
"""Files already read in this process, by path, with the stat that says they are unchanged.

A batch worker builds many documents from the same profiles; each is read once.
"""


def _stat_key(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def _cached(path: Path, key: Path) -> Entry | None:
    found = _CACHE.get(key)
    stat = _stat_key(path)
    if found is None or stat is None or found[0] != stat:
        return None
    entry = found[1]
    return Entry(path, entry.kind, entry.id, entry.doc, entry.profile, list(entry.issues))


def _remember(key: Path, entry: Entry) -> None:
    stat = _stat_key(entry.path)
    if stat is not None:
        _CACHE[key] = (stat, entry)


def forget(paths: Iterable[Path]) -> None:
    """Read these files again next time, whatever their timestamps say (a long-running
    process that is told they changed: two saves within one clock tick look alike)."""
    for path in paths:
        _CACHE.pop(path.resolve(), None)


def _read(path: Path) -> Entry:
    """Load and validate one profile file, keeping every problem."""
    entry = Entry(path, None, None)
    try:
        entry.doc = yamlio.load(path)
    except InvalidInput as exc:
        entry.issues.extend(exc.report.issues)
        entry.kind, entry.id = recover_identity(path)
    else:
        data = entry.doc.data
        if isinstance(data, dict):
            kind, ident = data.get("kind"), data.get("id")
            entry.kind = kind if isinstance(kind, str) else None
            entry.id = ident if isinstance(ident, str) else None
        try:
            entry.profile = parse_profile(entry.doc)
        except InvalidInput as exc:
            entry.issues.extend(exc.report.issues)
    return entry


_TOP_LEVEL_RE = re.compile(
    r"^(kind|id)[ \t]*:[ \t]*([\"']?)([a-z0-9][a-z0-9-]*)\2[ \t]*(?:#.*)?$", re.MULTILINE
)


def recover_identity(path: Path) -> tuple[str | None, str | None]:
    """The kind and id of a file that could not be read as YAML, as far as they show.

    A tolerant scan for top-level ``kind:`` and ``id:`` lines, else the folder
    (``cities/``) and the file name: so that files naming it are told it is unreadable,
    not that it does not exist.
    """
    from reportgen.models.types import ID_PATTERN
    from reportgen.registry import KINDS

    text = ""
    try:
        if path.is_file():  # a pipe would wait forever
            with path.open("rb") as handle:
                text = handle.read(yamlio.MAX_FILE_BYTES).decode("utf-8", "replace")
    except OSError:
        pass
    found = {name: value for name, _, value in _TOP_LEVEL_RE.findall(text)}
    folders = {k.folder: k.name for k in KINDS.values()}
    kind = found.get("kind") or folders.get(path.parent.name)
    ident = found.get("id") or path.stem
    return (
        kind if kind in KINDS else None,
        ident if re.fullmatch(ID_PATTERN, ident) else None,
    )


def references(profile: Profile) -> Iterator[tuple[Loc, str, str]]:
    """Every id that must resolve to another profile: ``(loc, kind, id)`` (each kind
    says which of its fields name one: ``ProfileKind.references``)."""
    from reportgen.registry import KINDS, load

    found = KINDS[profile.kind].references
    if found is not None:
        yield from load(found)(profile)


def partner_names(profile: Profile) -> Iterator[tuple[Loc, str]]:
    """Every partner reference: a city id when a profile has it, else printed as a name."""
    from reportgen.models import CityProfile, Proposal

    if isinstance(profile, CityProfile):
        for index, partnership in enumerate(profile.partnerships):
            yield ("partnerships", index, "partner"), partnership.partner
        for index, initiative in enumerate(profile.initiatives):
            for position, name in enumerate(initiative.partners):
                yield ("initiatives", index, "partners", position), name
        for index, event in enumerate(profile.timeline):
            for position, name in enumerate(event.partners):
                yield ("timeline", index, "partners", position), name
    elif isinstance(profile, Proposal):
        for index, line in enumerate(profile.budget.lines if profile.budget else []):
            if line.funded_by is not None:
                yield ("budget", "lines", index, "funded_by"), line.funded_by
        for index, risk in enumerate(profile.risks):
            if risk.owner is not None:
                yield ("risks", index, "owner"), risk.owner


def name_lookalikes(profile: Profile) -> Iterator[tuple[Loc, str]]:
    """Look-alike or invisible characters in a profile's own name (or title)."""
    for field_name in ("name", "title"):
        text = getattr(profile, field_name, None)
        if text is None or not hasattr(text, "translations"):
            continue
        values: list[tuple[Loc, str]] = [((field_name, lang), v) for lang, v in text.translations]
        if text.default is not None:
            values.insert(0, ((field_name,), text.default))
        for loc, value in values:
            found = lookalikes.problem(value)
            if found is not None:
                yield loc, found


def dependencies(profile: Profile) -> list[tuple[str, str]]:
    """The ``(kind, id)`` of every profile that a document of ``profile`` pulls in."""
    return [(kind, ident) for _, kind, ident in references(profile)]


def entry_issues(project: Project, entry: Entry, staleness: Staleness) -> Iterator[Issue]:
    """The rules of one valid file, its references, placeholders, and its stale facts."""
    from reportgen import checks, placeholders

    if entry.profile is None or entry.doc is None:
        return
    doc, profile = entry.doc, entry.profile
    for loc, message in checks.profile_rules(profile):
        yield doc.issue(loc, message)
    for loc, message in checks.unsourced_figures(profile):
        yield doc.issue(loc, message, severity=Severity.WARNING)
    for loc, message in checks.home_rules(profile, project.home):
        yield doc.issue(loc, message)
    for loc, message in checks.file_rules(profile, entry.path.parent):
        yield doc.issue(loc, message)
    for loc, message in placeholders.findings(doc.data):
        yield doc.issue(loc, message, severity=Severity.WARNING)
    for loc, message in name_lookalikes(profile):
        yield doc.issue(loc, message, severity=Severity.WARNING)
    yield from project.cross_file_issues(entry)
    for loc, message in checks.stale_facts(profile, staleness):
        yield doc.issue(loc, message, severity=Severity.WARNING)


def checked(project: Project, path: Path, staleness: Staleness) -> tuple[Profile, Report]:
    """One profile for a build, and its warnings.

    A visit that leaves out its direction gets the one that follows from the project's
    home city. Raises ``InvalidInput`` when it or any profile it pulls in has errors.
    """
    from reportgen import checks

    entry = project.add(path)
    report = Report(list(project.issues_of(entry, staleness)))
    if entry.profile is not None:
        # a profile it names that cannot be read fails it before anything is built, with
        # that profile's own errors; the warnings of the profiles it draws on are added
        # as the document reads them (``pipeline.build_target``)
        named = dependencies(entry.profile)
        named += [("city", name) for _, name in partner_names(entry.profile)]
        for kind, ident in named:
            for dependency in project.find(kind, ident)[:1]:
                report.extend(i for i in dependency.issues if i.severity is Severity.ERROR)
    if report.errors or entry.profile is None:
        raise InvalidInput(report)
    return checks.with_direction(entry.profile, project.home), report
