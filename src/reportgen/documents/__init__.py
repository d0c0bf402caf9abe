"""Documents: each module turns profiles into a format-neutral ``Document``.

``build_document`` picks the module for a document name, gathers the profiles that the
document pulls in, and fills in what every document shares: metadata, sources, labels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from reportgen.documents.content import (
    Cover,
    Document,
    Meta,
    Paragraph,
    Picture,
    Section,
    SourceList,
    plain,
)
from reportgen.documents.writer import Writer
from reportgen.errors import InvalidInput, Report, UsageError
from reportgen.i18n import N_
from reportgen.models import CityProfile, Profile, Proposal, Visit
from reportgen.project import Project

DOCUMENTS = {"city-profile": "city", "briefing": "visit", "proposal": "proposal"}
"""Each document and the kind of profile it is made from."""
DEFAULT_DOCUMENT = {kind: name for name, kind in DOCUMENTS.items()}


@dataclass(frozen=True)
class Options:
    """How a document is written: language, audience, and the day that facts age against."""

    lang: str = "en"
    audience: str = "internal"
    today: dt.date = dt.date(2000, 1, 1)
    stale_after: int = 24
    created: dt.datetime = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def document_for(profile: Profile, name: str | None) -> str:
    """The document to build: ``name`` if it fits the profile's kind, else its default."""
    if name is None:
        return DEFAULT_DOCUMENT[profile.kind]
    if DOCUMENTS.get(name) != profile.kind:
        wanted = DOCUMENTS.get(name, "?")
        raise UsageError(f"a {name} is made from a {wanted} profile, not from a {profile.kind}")
    return name


def build_document(
    name: str, profile: Profile, project: Project, options: Options
) -> tuple[Document, str | None]:
    """The contents of document ``name`` made from ``profile`` and what it pulls in.

    Also returns the language of the catalog that gave the fixed strings (None when
    there is none for the language asked and English stood in).
    """
    from reportgen.documents import briefing, city, proposal

    cities = {
        e.id: e.profile
        for e in project.entries.values()
        if isinstance(e.profile, CityProfile) and e.id
    }
    w = Writer(
        lang=options.lang,
        audience=options.audience,
        today=options.today,
        stale_after=options.stale_after,
        cities=cities,
    )
    if isinstance(profile, CityProfile):
        cover, sections = city.build(w, profile)
        logo_cities = [profile]
        author, subject = w.text(profile.name), w.t("City profile")
        keywords = [w.text(profile.name), profile.country]
        sdgs = profile.sdg_focus
    elif isinstance(profile, Visit):
        host = _city(project, profile.host)
        guest = _city(project, profile.guest)
        proposals = [_proposal(project, ident) for ident in profile.proposals]
        cover, sections = briefing.build(w, profile, host, guest, proposals)
        logo_cities = [guest, host]
        author = w.text((host if profile.direction == "inbound" else guest).name)
        subject = w.t("Briefing pack")
        keywords = [w.text(host.name), w.text(guest.name), w.t("delegation visit")]
        sdgs = []
    else:
        assert isinstance(profile, Proposal)
        cover, sections = proposal.build(w, profile)
        logo_cities = [
            c for c in (cities.get(profile.lead), *map(cities.get, profile.partners)) if c
        ]
        author = w.partner_text(profile.lead)
        subject = w.t("Cooperation proposal")
        keywords = [w.partner_text(c) for c in (profile.lead, *profile.partners)]
        sdgs = profile.sdgs
    keywords.extend(f"SDG {goal}" for goal in sdgs)
    mark = w.t("Public") if w.public else w.t("Internal")
    logos = tuple(p for p in (_logo(w, project, c) for c in logo_cities) if p)
    cover = replace(cover, mark=mark, note=_audience_note(w), logos=logos)
    if w.sources:
        note = Paragraph(plain(w.t("Numbers in brackets refer to these sources.")), "note")
        sections.append(Section("sources", w.t("Sources"), 1, (note, SourceList(w.sources))))
    created = options.created
    document = Document(
        name=name,
        meta=Meta(
            title=cover.title,
            author=author,
            subject=subject,
            keywords=tuple(keywords),
            lang=options.lang,
            created=created,
            modified=created,
        ),
        cover=cover,
        sections=tuple(sections),
        sources=w.sources,
        labels={
            "contents": w.t("Contents"),
            "page_of": w.t("Page {page} of {pages}"),
            "sources": w.t("Sources"),
            "verify": w.t("verify"),
        },
        audience=options.audience,
        dependencies=_dependencies(profile, w),
        unresolved=tuple(sorted(w.unresolved)),
    )
    return document, w.catalog_lang


def _dependencies(profile: Profile, w: Writer) -> tuple[tuple[str, str], ...]:
    from reportgen.project import dependencies

    found = set(dependencies(profile)) | {("city", ident) for ident in w.used}
    found.discard((profile.kind, profile.id))
    return tuple(sorted(found))


PUBLIC_NOTE = N_(
    "For public distribution: internal notes, sensitivities and contact details are left out."
)


def _audience_note(w: Writer) -> str:
    if w.public:
        return w.t(PUBLIC_NOTE)
    return w.t("Internal: not for distribution outside the office.")


def _logo(w: Writer, project: Project, city: CityProfile) -> Picture | None:
    """The city's logo, read from beside its profile; a bad one fails the build."""
    from reportgen.assets import ImageError, load_image

    if city.logo is None:
        return None
    entry = project.find("city", city.id)[0]
    try:
        image = load_image(entry.path.parent, city.logo)
    except ImageError as exc:
        assert entry.doc is not None
        issue = entry.doc.issue(("logo",), f"the image '{city.logo}' {exc}")
        raise InvalidInput(Report([issue])) from None
    return Picture(image.data, image.mime, w.t("Logo of {city}", city=w.text(city.name)))


def _city(project: Project, ident: str) -> CityProfile:
    profile = project.get("city", ident)
    assert isinstance(profile, CityProfile)
    return profile


def _proposal(project: Project, ident: str) -> Proposal:
    profile = project.get("proposal", ident)
    assert isinstance(profile, Proposal)
    return profile


__all__ = ["DOCUMENTS", "Cover", "Document", "Options", "build_document", "document_for"]
