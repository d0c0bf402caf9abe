"""Documents: each module turns profiles into a format-neutral ``Document``.

Every builder has the same call, ``build(w, profile, profiles) -> Content``, and is
found through ``reportgen.registry.DOCUMENTS``. ``build_document`` fills in what every
document shares: metadata, the handling mark, logos, sources and labels.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from reportgen.audience import Audience, is_public
from reportgen.documents.content import (
    Block,
    BulletList,
    Cover,
    Document,
    Meta,
    Paragraph,
    Picture,
    Run,
    Section,
    SourceList,
    plain,
)
from reportgen.documents.writer import Writer
from reportgen.errors import InvalidInput, Report
from reportgen.i18n import N_

if TYPE_CHECKING:
    from pathlib import Path

    from pydantic import BaseModel

    from reportgen.checks import Staleness
    from reportgen.models import CityProfile, Profile, Proposal
    from reportgen.project import Entry, Project
    from reportgen.registry import DocumentType


@dataclass
class Content:
    """What a builder makes: the cover, the sections, and the document's properties."""

    cover: Cover
    sections: list[Section]
    author: str
    subject: str
    keywords: list[str] = field(default_factory=list)
    logos: list[CityProfile] = field(default_factory=list)
    """Cities whose logos go on the cover, in order."""


DocumentBuilder = Callable[[Writer, Any, "Profiles"], Content]


def builder(kind: DocumentType) -> DocumentBuilder:
    """The ``build`` function of a document's module, imported when first asked for."""
    found: DocumentBuilder = importlib.import_module(kind.module).build
    return found


P = TypeVar("P", bound="BaseModel")


class _Cities(Mapping[str, "CityProfile"]):
    """The project's cities as the document shows them (``show``: redacted for a public
    edition, as known on the document's day), each made so when first read.

    A city that only a file with errors has is not taken for a free name: reading it
    fails the document with that file's problems, so a broken profile never prints as
    its raw id.
    """

    def __init__(
        self,
        cities: Mapping[str, CityProfile],
        broken: Mapping[str, Entry],
        show: Callable[[CityProfile], CityProfile] | None,
    ) -> None:
        self._cities = cities
        self._broken = broken
        self._show = show
        self._done: dict[str, CityProfile] = {}

    def __getitem__(self, key: str) -> CityProfile:
        if key in self._broken and key not in self._cities:
            raise InvalidInput(Report(list(self._broken[key].issues)))
        if self._show is None:
            return self._cities[key]
        if key not in self._done:
            self._done[key] = self._show(self._cities[key])
        return self._done[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cities)

    def __len__(self) -> int:
        return len(self._cities)


class Profiles:
    """The profiles a document may draw from, as its audience may see them and as they
    were known on its day (``day``: None for today, with everything they hold)."""

    def __init__(self, project: Project, audience: Audience, day: dt.date | None = None) -> None:
        from reportgen.models import CityProfile

        self.project = project
        self.audience: Audience = audience
        self.public = is_public(audience)
        self.day = day
        cities: dict[str, CityProfile] = {}
        broken: dict[str, Entry] = {}
        for e in project.entries.values():
            if isinstance(e.profile, CityProfile) and e.id:
                cities[e.id] = e.profile
            elif e.kind == "city" and e.id and e.profile is None:
                broken.setdefault(e.id, e)
        shown = self.public or day is not None
        self.cities: Mapping[str, CityProfile] = _Cities(
            cities, broken, self.show if shown else None
        )

    def on(self, day: dt.date | None) -> Profiles:
        """The same profiles as known on ``day``."""
        return self if day == self.day else Profiles(self.project, self.audience, day)

    def show(self, profile: P) -> P:
        """``profile`` as the document may show it."""
        if self.public:
            from reportgen.documents.redact import redact

            profile = redact(profile)
        if self.day is not None:
            from reportgen.documents.known import known_on

            profile = known_on(profile, self.day)
        return profile

    def city(self, ident: str) -> CityProfile:
        from reportgen.models import CityProfile

        found = self.get("city", ident)
        assert isinstance(found, CityProfile)
        return found

    def proposal(self, ident: str) -> Proposal:
        from reportgen.models import Proposal

        found = self.get("proposal", ident)
        assert isinstance(found, Proposal)
        return found

    def get(self, kind: str, ident: str) -> Profile:
        return self.show(self.project.get(kind, ident))

    def path(self, kind: str, ident: str) -> Path | None:
        entries = self.project.find(kind, ident)
        return entries[0].path if entries else None


@dataclass(frozen=True)
class Written:
    """A document, and what writing it found out."""

    document: Document
    catalog_lang: str | None
    """The language of the catalog that gave the fixed strings (None: English stood in)."""
    unresolved: tuple[str, ...]
    """Names looked up as city ids that no profile has (printed as free names)."""
    pictures: tuple[Path, ...]
    """Image files the document embeds (logos)."""
    searched: bool = False
    """Whether it looked among all the project's profiles (then a new file can change it)."""
    missing_messages: tuple[str, ...] = ()
    """Fixed strings that the catalogs of its language do not translate (printed in English)."""


def build_document(
    kind: DocumentType,
    profile: Profile,
    profiles: Profiles,
    *,
    lang: str,
    created: dt.datetime,
    staleness: Staleness,
    as_of: dt.date | None = None,
    locales: Path | None = None,
    mark_fallbacks: bool = False,
) -> Written:
    """The contents of document ``kind`` made from ``profile`` and what it pulls in.

    ``profile`` is already as its audience may see it (see ``documents.redact``). The
    document is written as of ``as_of`` (a briefing no later than its visit's end:
    ``documents.known``), and facts are judged on that day when it is before the day of
    ``staleness``.
    """
    from reportgen.documents.known import document_day, known_on

    day = document_day(profile, as_of)
    if day is not None and day < staleness.today:
        staleness = replace(staleness, today=day)
    if day is not None:
        profiles = profiles.on(day)
        profile = known_on(profile, day)
    w = Writer(
        lang=lang,
        audience=profiles.audience,
        staleness=staleness,
        cities=profiles.cities,
        locales=locales,
        mark_fallbacks=mark_fallbacks,
    )
    content = builder(kind)(w, profile, profiles)
    cited = w.cite(content.cover, content.sections, profile)
    keywords = list(content.keywords)
    mark = w.t("Public") if w.public else w.t("Internal")
    pictures = [p for p in (_logo(w, profiles, c) for c in content.logos) if p]
    control = issue_control(w, profile, profiles, created)
    draft = w.t("Draft").upper() if is_draft(profile) else ""
    lines = cited.cover.lines
    if w.fell_back and w.mark_fallbacks:
        lines = (*lines, (Run(w.t(PARTIAL_NOTE), "verify"),))
    cover = replace(
        cited.cover,
        lines=lines,
        mark=mark,
        note=_audience_note(w),
        logos=tuple(picture for picture, _ in pictures),
        control=control,
    )
    sections = list(cited.sections)
    listed: list[Block] = []
    if cited.sources:
        note = Paragraph(plain(w.t("Numbers in brackets refer to these sources.")), "note")
        listed.extend((note, SourceList(cited.sources)))
    if cited.consulted:
        if cited.sources:
            listed.append(Paragraph((Run(w.t("Also consulted"), "strong"),), "label"))
        listed.append(BulletList(cited.consulted))
    if listed:
        sections.append(Section("sources", w.t("Sources"), 1, tuple(listed)))
    document = Document(
        name=kind.name,
        meta=Meta(
            title=cover.title,
            author=content.author,
            subject=content.subject,
            keywords=tuple(keywords),
            lang=lang,
            created=created,
            modified=created,
        ),
        cover=cover,
        sections=tuple(sections),
        sources=cited.sources,
        labels={
            "contents": w.t("Contents"),
            "page_of": w.t("Page {page} of {pages}"),
            "sources": w.t("Sources"),
            "verify": w.t("verify"),
        },
        audience=profiles.audience,
        names=tuple(sorted(w.names)),
        foot=_foot(w, control, created),
        draft=draft,
    )
    return Written(
        document,
        w.catalog_lang,
        tuple(sorted(w.unresolved)),
        tuple(path for _, path in pictures),
        w.searched,
        tuple(sorted(w.missing_messages)),
    )


def is_draft(profile: Profile) -> bool:
    """Whether ``profile`` (a visit or a proposal) says it is still a draft."""
    return getattr(profile, "status", None) == "draft"


def issue_control(
    w: Writer, profile: Profile, profiles: Profiles, created: dt.datetime
) -> tuple[tuple[str, str], ...]:
    """Who issues the document, when, with information as of which day, and its version.

    The issuing office is the manifest's ``office:`` and the name of its ``home:`` city;
    the date of issue is the document's date (``SOURCE_DATE_EPOCH``, else its newest
    input); information is as of the day facts are judged on.
    """
    project = profiles.project
    home = profiles.cities.get(project.home) if project.home else None
    office = w.items([w.text(project.office), w.text(home.name) if home else ""], conjunction=False)
    lines: list[tuple[str, str]] = []
    if office:
        lines.append((w.t("Issued by"), office))
    lines.append((w.t("Date of issue"), w.date(created.date())))
    lines.append((w.t("Information as of"), w.date(w.today)))
    version = getattr(profile, "version", None)
    if version:
        lines.append((w.t("Version"), version))
    return tuple(lines)


def _foot(w: Writer, control: tuple[tuple[str, str], ...], created: dt.datetime) -> str:
    """The issue control as one line for the foot of the pages, its dates written short."""
    from babel.dates import format_date

    short = {
        w.date(created.date()): str(format_date(created.date(), "medium", locale=w.locale)),
        w.date(w.today): str(format_date(w.today, "medium", locale=w.locale)),
    }
    return " · ".join(f"{label} {short.get(value, value)}" for label, value in control)


PUBLIC_NOTE = N_("For public distribution.")
"""What the cover of a public edition says; never what it leaves out."""


PARTIAL_NOTE = N_(
    "Partial translation: texts marked [EN] are not yet translated and are printed in English."
)


def _audience_note(w: Writer) -> str:
    if w.public:
        return w.t(PUBLIC_NOTE)
    return w.t("Internal: not for distribution outside the office.")


def _logo(w: Writer, profiles: Profiles, city: CityProfile) -> tuple[Picture, Path] | None:
    """The city's logo, read from beside its profile; a bad one fails the build."""
    from reportgen.assets import ImageError, load_image

    if city.logo is None:
        return None
    entry = profiles.project.find("city", city.id)[0]
    try:
        image = load_image(entry.path.parent, city.logo)
    except ImageError as exc:
        assert entry.doc is not None
        issue = entry.doc.issue(("logo",), f"the image '{city.logo}' {exc}")
        raise InvalidInput(Report([issue])) from None
    alt = w.t("Logo of {city}", city=w.name_text(city.name))
    return Picture(image.data, image.mime, alt), entry.path.parent / city.logo


__all__ = ["Content", "Profiles", "Written", "build_document", "is_draft", "issue_control"]
