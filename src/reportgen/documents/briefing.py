"""The briefing pack: a visit, both of its cities, their history and related proposals."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from itertools import groupby

from reportgen.documents import Content, Profiles, is_draft, since
from reportgen.documents import city as city_doc
from reportgen.documents import proposal as proposal_doc
from reportgen.documents.content import (
    Block,
    BulletList,
    Cell,
    Cover,
    FactList,
    Inline,
    Paragraph,
    Run,
    Section,
    Table,
    plain,
)
from reportgen.documents.writer import Writer, join
from reportgen.i18n import N_
from reportgen.models import CityProfile, Proposal, Visit
from reportgen.models.city import Initiative, Official
from reportgen.models.types import Text
from reportgen.models.visit import Person

PRIORITIES = (
    ("raise", N_("To raise")),
    ("if-raised", N_("If raised")),
    ("defensive", N_("Defensive")),
)


def at_a_glance(w: Writer, visit: Visit, host: CityProfile, guest: CityProfile) -> FactList:
    """The key facts of the visit: when, who, where, and who leads on each side."""
    start, end = visit.dates.start, visit.dates.end
    if visit.direction == "inbound":
        direction = N_("Inbound: {host} receives a delegation from {guest}")
    else:
        direction = N_("Outbound: a delegation from {guest} travels to {host}")
    # the cities' names in both scripts are the cover's, the local time the programme's
    items: list[tuple[str, Inline]] = [
        (w.t("Dates"), plain(w.period(start, end))),
        (
            w.t("Direction"),
            plain(w.t(direction, host=w.name_text(host.name), guest=w.name_text(guest.name))),
        ),
    ]
    if visit.delegation:
        head = resolve(w, visit.delegation[0], guest, visit)
        items.append((w.t("Head of delegation"), _person_line(w, head)))
    if visit.hosts:
        first = resolve(w, visit.hosts[0], host, visit)
        items.append((w.t("First host"), _person_line(w, first)))
    return FactList(tuple(items))


def summary(w: Writer, visit: Visit, host: CityProfile, guest: CityProfile) -> Section:
    """The summary up front, on one page: the key facts, the purpose, the asks, the key
    messages (the points to raise) and the risks (the sensitivities), each stated here
    only."""
    blocks: list[Block] = [at_a_glance(w, visit, host, guest)]
    blocks.extend(w.blocks(visit.purpose))
    parts = (
        (N_("Asks"), [w.inline(o) for o in visit.objectives]),
        (
            N_("Key messages"),
            [w.inline(p.point) for p in visit.talking_points if p.priority == "raise"],
        ),
        (N_("Risks"), [w.inline(s) for s in visit.sensitivities]),
    )
    for title, items in parts:
        if items:
            blocks.append(Paragraph((Run(w.t(title), "strong"),), "label"))
            blocks.append(BulletList(tuple(items)))
    return Section("summary", w.t("Summary"), 1, tuple(blocks))


@dataclass(frozen=True)
class Named:
    """A person as the briefing names them: from the visit, or from the office holder of
    their city's profile that the visit points to (``official``)."""

    person: Person
    name: Text | None
    title: Text | None
    local_lang: str | None
    refs: Inline


def resolve(w: Writer, person: Person, city: CityProfile, visit: Visit) -> Named:
    """``person`` named: an ``official`` is the holder of that office in ``city`` on the
    first day of the visit (else its latest holder), cited, and marked when stale."""
    name, title = person.name, person.title
    refs: Inline = ()
    holder = office_holder(city, person.official, visit) if person.official else None
    if holder is not None:
        name = holder.name if person.name is None else person.name
        title = title or holder.title
        refs = w.ref(city, holder.source)
        if not w.public and w.stale(holder.as_of):
            refs = (*refs, Run(f" {w.t('verify')}", "verify"))
    local = city.local_lang if holder is not None else None
    return Named(person, name, title, local, refs)


def office_holder(city: CityProfile, role: str | None, visit: Visit) -> Official | None:
    """Who holds office ``role`` in ``city`` on the visit's first day, as its profile says."""
    day = visit.dates.start.first
    holders = [
        o
        for o in city.officials
        if o.role == role
        and (o.since is None or o.since.first <= day)
        and (o.until is None or o.until.last >= day)
    ]
    return max(holders, key=lambda o: o.as_of.last, default=None)


def person_name(w: Writer, named: Named) -> Inline:
    """The name, with its form in the person's own language beside it when it has one."""
    if named.name is None:
        return ()
    own = named.local_lang or next(
        (
            tag
            for spoken in named.person.languages
            for tag in named.name.languages
            if tag.split("-")[0] == spoken.split("-")[0]
        ),
        None,
    )
    return (*w.name(named.name, own), *named.refs)


def position(w: Writer, named: Named) -> str:
    """Title and organisation, leaving out what the name already says ("Director, Dalian
    Ecology and Environment Bureau" beside a name that is that very description)."""
    said = w.text(named.name).casefold()
    parts = [w.text(v) for v in (named.title, named.person.organisation) if v is not None]
    return w.items([p for p in parts if p.casefold() not in said], conjunction=False)


def _person_line(w: Writer, named: Named) -> Inline:
    return w.join_items([person_name(w, named), plain(position(w, named))], conjunction=False)


def programme(w: Writer, visit: Visit) -> list[Section]:
    items = sorted(visit.agenda, key=lambda item: (item.date.first, item.start))
    if not items:
        return []
    zone = w.items(w.zone_parts(visit.timezone, visit.dates.start.first), conjunction=False)
    intro = Paragraph(plain(w.t("All times are local ({zone}).", zone=zone)), "note")
    sections = [Section("programme", w.t("Programme"), 1, (intro,))]
    header = w.header(N_("Time"), N_("Appointment"), N_("Location"), N_("Participants"))
    for day, group in groupby(items, key=lambda item: item.date.first):
        rows = []
        for item in group:
            time = w.times(item.start, item.end)
            what: list[Run] = [Run(w.text(item.title), "strong")]
            kind = w.term(item.type)
            if kind and not _says(w.text(item.title), str(item.type), kind):
                what.append(Run(w.gloss(kind), "muted"))
            notes = w.inline(item.notes)
            if notes:
                what.extend((Run(" "), *notes))
            participants = w.items([w.text(p) for p in item.participants])
            rows.append(
                (
                    Cell(plain(time)),
                    Cell(tuple(what)),
                    Cell(plain(w.text(item.location))),
                    Cell(plain(participants)),
                )
            )
        title = _weekday_date(w, day)
        table = Table(header, tuple(rows), widths=(2, 5, 3, 3))
        sections.append(Section(f"programme-{day.isoformat()}", title, 2, (table,)))
    return sections


def _says(title: str, *words: str) -> bool:
    """Whether ``title`` already names one of ``words`` ("Courtesy call on the Mayor")."""
    for word in words:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", title, re.IGNORECASE):
            return True
        if word and not word.isascii() and word in title:  # no spaces between CJK words
            return True
    return False


def _weekday_date(w: Writer, day: dt.date) -> str:
    from babel.dates import format_date

    return str(format_date(day, "full", locale=w.locale))


def people_table(w: Writer, people: list[Named]) -> Table:
    """Who is who, in protocol order: the name with its position and form of address,
    the role in the visit, and languages and needs; no column repeats another."""
    rows = []
    for index, named in enumerate(people, start=1):
        person = named.person
        # the name in bold; its form in another script stays regular (a bold CJK face
        # would add its own font to the file for a few characters)
        who: list[Run] = [
            Run(r.text, "strong", r.href, r.lang) if r.style is None and not r.lang else r
            for r in person_name(w, named)
        ]
        held = position(w, named)
        if held:
            who.append(Run(("\n" if who else "") + held))
        if person.address_as:
            address = w.t("address as {form}", form=w.text(person.address_as))
            who.append(Run(f"\n{address}", "muted"))
        notes: list[str] = []
        if person.languages:
            spoken = w.items([_language_name(w, x) for x in person.languages])
            notes.append(w.t("Languages: {languages}", languages=spoken))
        if person.dietary:
            notes.append(w.t("Dietary: {needs}", needs=w.text(person.dietary)))
        rows.append(
            (
                Cell(plain(str(index))),
                Cell(tuple(who)),
                Cell(plain(w.text(person.role))),
                Cell(plain(w.parts(notes))),
            )
        )
    header = w.header(N_("No."), N_("Name and position"), N_("Role"), N_("Notes"))
    return Table(header, tuple(rows), widths=(1, 8, 4, 4))


def _language_name(w: Writer, tag: str) -> str:
    from babel import Locale

    try:
        return str(Locale.parse(tag.replace("-", "_")).get_display_name(w.locale))
    except (ValueError, LookupError):
        return tag


def people(w: Writer, visit: Visit, host: CityProfile, guest: CityProfile) -> list[Section]:
    delegation = [resolve(w, p, guest, visit) for p in visit.delegation]
    hosts = [resolve(w, p, host, visit) for p in visit.hosts]
    if not delegation and not hosts:
        return []
    sections = [Section("people", w.t("Delegation and hosts"), 1, ())]
    if delegation:
        note = Paragraph(
            plain(w.t("In protocol order; the first is the head of delegation.")), "note"
        )
        table = people_table(w, delegation)
        sections.append(Section("delegation", w.t("Delegation"), 2, (note, table)))
    if hosts:
        sections.append(Section("hosts", w.t("Hosts"), 2, (people_table(w, hosts),)))
    return sections


def talking_points(w: Writer, visit: Visit) -> list[Section]:
    """The points to answer with; the points to raise are the summary's key messages."""
    points = [p for p in visit.talking_points if p.priority != "raise"]
    if not points:
        return []
    sections = [Section("talking-points", w.t("Talking points"), 1, ())]
    for key, title in PRIORITIES[1:]:
        items = tuple(w.inline(p.point) for p in points if p.priority == key)
        if items:
            sections.append(Section(f"points-{key}", w.t(title), 2, (BulletList(items),)))
    return sections


def shared_initiatives(
    host: CityProfile, guest: CityProfile
) -> list[tuple[CityProfile, Initiative]]:
    """The initiatives of either city that name the other as a partner, each once: one
    both cities record (the same id, or the same title) keeps the host's wording."""
    found: list[tuple[CityProfile, Initiative]] = []
    seen: set[str] = set()
    for city, other in ((host, guest), (guest, host)):
        for item in city.initiatives:
            if other.id not in item.partners:
                continue
            keys = {item.id or "", str(item.title).casefold()} - {""}
            if keys & seen:
                continue
            seen |= keys
            found.append((city, item))
    return found


def relationship(w: Writer, host: CityProfile, guest: CityProfile) -> list[Block]:
    """Partnerships between the two cities, their joint initiatives and their timeline."""
    blocks: list[Block] = []
    for city, other in ((host, guest), (guest, host)):
        table = city_doc.partnerships_table(w, city, only=other.id)
        if table:
            blocks.append(table)
            break
    joint = shared_initiatives(host, guest)
    if joint:
        blocks.append(Paragraph((Run(w.t("Joint initiatives"), "strong"),), "label"))
        blocks.append(city_doc.initiatives(w, host, joint))
    # Both cities often record the same event; an event on a date the host already
    # records is taken to be the same one, and the host's wording is kept.
    events = [(host, e) for e in host.timeline if guest.id in e.partners]
    dates = {event.date for _, event in events}
    events += [(guest, e) for e in guest.timeline if host.id in e.partners and e.date not in dates]
    blocks.extend(city_doc.timeline_blocks(w, events, w.t("Relationship timeline")))
    return blocks


def city_in_brief(w: Writer, city: CityProfile, other: CityProfile, prefix: str) -> list[Section]:
    """What the briefing says of one city: its key figures and summary (the long overview
    belongs to its city profile), designations, SDG focus, and the initiatives that are not
    joint with the other city (those are in the history of the relationship)."""
    sections: list[Section] = []
    overview: list[Block] = [city_doc.key_figures(w, city)]
    overview.extend(w.blocks(city.summary, style="lead"))
    sections.append(Section(f"{prefix}-overview", w.t("Overview"), 3, tuple(overview)))
    if city.designations:
        table = city_doc.designations(w, city)
        sections.append(
            Section(f"{prefix}-designations", w.t("Designations and awards"), 3, (table,))
        )
    if city.sdg_focus:
        figure = city_doc.sdg_figure(w, city.sdg_focus)
        sections.append(Section(f"{prefix}-sdgs", w.t("SDG focus"), 3, (figure,)))
    own = [(city, i) for i in city.initiatives if other.id not in i.partners]
    if own:
        table = city_doc.initiatives(w, city, own)
        sections.append(Section(f"{prefix}-initiatives", w.t("Initiatives"), 3, (table,)))
    return sections


def proposals_in_brief(w: Writer, proposals: list[Proposal]) -> list[Block]:
    blocks: list[Block] = []
    for proposal in proposals:
        w.register_sources(proposal)
        blocks.append(Paragraph((Run(w.text(proposal.title), "strong"),), "label"))
        blocks.append(proposal_doc.key_facts(w, proposal))
        blocks.extend(w.blocks(proposal.summary))
    return blocks


def follow_up(w: Writer, visit: Visit) -> Table | None:
    if not visit.follow_up:
        return None
    rows = tuple(
        (
            Cell(w.inline(item.action)),
            Cell(plain(w.text(item.owner))),
            Cell(plain(w.date(item.due))),
        )
        for item in visit.follow_up
    )
    header = w.header(N_("Action"), N_("Owner"), N_("Due"))
    return Table(header, rows, widths=(6, 3, 2))


def build(w: Writer, visit: Visit, profiles: Profiles) -> Content:
    """The cover and sections of a briefing pack."""
    host, guest = profiles.city(visit.host), profiles.city(visit.guest)
    proposals = [profiles.proposal(ident) for ident in visit.proposals]
    if profiles.public:  # a draft proposal is not published, not even in brief
        proposals = [p for p in proposals if not is_draft(p)]
    for profile in (visit, host, guest):
        w.register_sources(profile)
    cover = Cover(
        kicker=w.t("Briefing pack"),
        title=w.text(visit.title),
        # the arrow runs from the travelling delegation to the host, whoever "we" are
        subtitle=join([w.city_name(guest), plain("→"), w.city_name(host)], " "),
        lines=(plain(w.period(visit.dates.start, visit.dates.end)),),
    )
    sections: list[Section] = [summary(w, visit, host, guest)]
    since_last = since.section(w, visit, [guest, host], profiles)
    if since_last is not None:
        sections.append(since_last)
    sections.extend(programme(w, visit))
    sections.extend(people(w, visit, host, guest))
    sections.extend(talking_points(w, visit))
    sections.append(Section("cities", w.t("The two cities"), 1, ()))
    for city, other, prefix in ((guest, host, "guest"), (host, guest, "host")):
        sections.append(Section(f"{prefix}-city", w.name_text(city.name), 2, (), toc=True))
        sections.extend(city_in_brief(w, city, other, prefix))
    history = relationship(w, host, guest)
    if history:
        sections.append(
            Section("relationship", w.t("History of the relationship"), 1, tuple(history))
        )
    if proposals:
        blocks = proposals_in_brief(w, proposals)
        sections.append(Section("proposals", w.t("Related proposals"), 1, tuple(blocks)))
    logistics = w.blocks(visit.logistics.text if visit.logistics else None)
    if logistics:
        sections.append(Section("logistics", w.t("Logistics"), 1, logistics))
    actions = follow_up(w, visit)
    if actions:
        sections.append(Section("follow-up", w.t("Follow-up actions"), 1, (actions,)))
    contacts = city_doc.contacts_blocks(w, list(visit.contacts))
    if contacts:
        sections.append(Section("contacts", w.t("Contacts"), 1, contacts))
    return Content(
        cover,
        sections,
        author=w.name_text((host if visit.direction == "inbound" else guest).name),
        subject=w.t("Briefing pack"),
        keywords=[w.name_text(host.name), w.name_text(guest.name), w.t("delegation visit")],
        logos=[guest, host],
    )
