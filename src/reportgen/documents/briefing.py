"""The briefing pack: a visit, both of its cities, their history and related proposals."""

from __future__ import annotations

import datetime as dt
import re
from itertools import groupby
from zoneinfo import ZoneInfo

from reportgen.documents import Content, Profiles, since
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
from reportgen.models.visit import Person

PRIORITIES = (
    ("raise", N_("To raise")),
    ("if-raised", N_("If raised")),
    ("defensive", N_("Defensive")),
)


def _utc_offset(zone: str, day: dt.date) -> str:
    offset = dt.datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def at_a_glance(w: Writer, visit: Visit, host: CityProfile, guest: CityProfile) -> list[Block]:
    start, end = visit.dates.start, visit.dates.end
    if visit.direction == "inbound":
        direction = N_("Inbound: {host} receives a delegation from {guest}")
    else:
        direction = N_("Outbound: a delegation from {guest} travels to {host}")
    items: list[tuple[str, Inline]] = [
        (w.t("Dates"), plain(w.period(start, end))),
        (w.t("Host"), w.city_name(host)),
        (w.t("Guest"), w.city_name(guest)),
        (
            w.t("Direction"),
            plain(w.t(direction, host=w.text(host.name), guest=w.text(guest.name))),
        ),
        (
            w.t("Local time"),
            plain(f"{visit.timezone} ({_utc_offset(visit.timezone, start.first)})"),
        ),
    ]
    people = list(visit.delegation)
    if people:
        items.append((w.t("Head of delegation"), _person_line(w, people[0])))
    blocks: list[Block] = [FactList(tuple(items))]
    blocks.extend(w.blocks(visit.purpose, style="lead"))
    return blocks


def person_name(w: Writer, person: Person) -> Inline:
    """The name, with its form in the person's own language beside it when it has one."""
    own = next(
        (
            tag
            for spoken in person.languages
            for tag in person.name.languages
            if tag.split("-")[0] == spoken.split("-")[0]
        ),
        None,
    )
    return w.name(person.name, own)


def _person_line(w: Writer, person: Person) -> Inline:
    parts: list[Inline] = [person_name(w, person)]
    for value in (person.title, person.organisation):
        if value is not None:
            parts.append(plain(w.text(value)))
    return w.join_items(parts, conjunction=False)


def programme(w: Writer, visit: Visit) -> list[Section]:
    items = sorted(visit.agenda, key=lambda item: (item.date.first, item.start))
    if not items:
        return []
    zone = w.items(
        [visit.timezone, _utc_offset(visit.timezone, visit.dates.start.first)], conjunction=False
    )
    intro = Paragraph(plain(w.t("All times are local ({zone}).", zone=zone)), "note")
    sections = [Section("programme", w.t("Programme"), 1, (intro,))]
    header = w.header(N_("Time"), N_("Appointment"), N_("Location"), N_("Participants"))
    for day, group in groupby(items, key=lambda item: item.date.first):
        rows = []
        for item in group:
            time = f"{item.start:%H:%M}" + (f"–{item.end:%H:%M}" if item.end else "")
            what: list[Run] = [Run(w.text(item.title), "strong")]
            if item.type and not _says(w.text(item.title), item.type, w.term(item.type)):
                what.append(Run(f" ({w.term(item.type)})", "muted"))
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


def people_table(w: Writer, people: list[Person], *, numbered: bool) -> Table:
    rows = []
    for index, person in enumerate(people, start=1):
        name: list[Run] = [*person_name(w, person)]
        if person.address_as:
            address = w.t("address as {form}", form=w.text(person.address_as))
            name.append(Run(f" ({address})", "muted"))
        position = w.items([w.text(person.title), w.text(person.organisation)], conjunction=False)
        notes: list[str] = []
        if person.languages:
            spoken = w.items([_language_name(w, x) for x in person.languages])
            notes.append(w.t("Languages: {languages}", languages=spoken))
        if person.dietary:
            notes.append(w.t("Dietary: {needs}", needs=w.text(person.dietary)))
        role = w.text(person.role)
        rows.append(
            (
                Cell(plain(str(index))),
                Cell(tuple(name)),
                Cell(plain(position)),
                Cell(plain(role)),
                Cell(plain(w.parts(notes))),
            )
        )
    header = w.header(N_("No."), N_("Name"), N_("Position"), N_("Role"), N_("Notes"))
    return Table(header, tuple(rows), widths=(1, 4, 5, 3, 4))


def _language_name(w: Writer, tag: str) -> str:
    from babel import Locale

    try:
        return str(Locale.parse(tag.replace("-", "_")).get_display_name(w.locale))
    except (ValueError, LookupError):
        return tag


def people(w: Writer, visit: Visit) -> list[Section]:
    delegation, hosts = list(visit.delegation), list(visit.hosts)
    if not delegation and not hosts:
        return []
    sections = [Section("people", w.t("Delegation and hosts"), 1, ())]
    if delegation:
        note = Paragraph(
            plain(w.t("In protocol order; the first is the head of delegation.")), "note"
        )
        table = people_table(w, delegation, numbered=True)
        sections.append(Section("delegation", w.t("Delegation"), 2, (note, table)))
    if hosts:
        sections.append(Section("hosts", w.t("Hosts"), 2, (people_table(w, hosts, numbered=True),)))
    return sections


def talking_points(w: Writer, visit: Visit) -> list[Section]:
    points = list(visit.talking_points)
    if not points:
        return []
    sections = [Section("talking-points", w.t("Talking points"), 1, ())]
    for key, title in PRIORITIES:
        items = tuple(w.inline(p.point) for p in points if p.priority == key)
        if items:
            sections.append(Section(f"points-{key}", w.t(title), 2, (BulletList(items),)))
    return sections


def relationship(w: Writer, host: CityProfile, guest: CityProfile) -> list[Block]:
    """Partnerships between the two cities, and their shared timeline."""
    blocks: list[Block] = []
    for city, other in ((host, guest), (guest, host)):
        table = city_doc.partnerships_table(w, city, only=other.id)
        if table:
            blocks.append(table)
            break
    # Both cities often record the same event; an event on a date the host already
    # records is taken to be the same one, and the host's wording is kept.
    events = [(host, e) for e in host.timeline if guest.id in e.partners]
    dates = {event.date for _, event in events}
    events += [(guest, e) for e in guest.timeline if host.id in e.partners and e.date not in dates]
    blocks.extend(city_doc.timeline_blocks(w, events, w.t("Relationship timeline")))
    return blocks


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
    for profile in (visit, host, guest):
        w.register_sources(profile)
    cover = Cover(
        kicker=w.t("Briefing pack"),
        title=w.text(visit.title),
        # the arrow runs from the travelling delegation to the host, whoever "we" are
        subtitle=join([w.city_name(guest), plain("→"), w.city_name(host)], " "),
        lines=(plain(w.period(visit.dates.start, visit.dates.end)),),
    )
    sections: list[Section] = []
    glance: list[Block] = at_a_glance(w, visit, host, guest)
    sections.append(Section("glance", w.t("The visit at a glance"), 1, tuple(glance)))
    if visit.objectives:
        items = tuple(w.inline(o) for o in visit.objectives)
        sections.append(Section("objectives", w.t("Objectives"), 2, (BulletList(items),)))
    since_last = since.section(w, visit, [guest, host], profiles)
    if since_last is not None:
        sections.append(since_last)
    sections.extend(programme(w, visit))
    sections.extend(people(w, visit))
    sections.extend(talking_points(w, visit))
    if visit.sensitivities:
        items = tuple(w.inline(s) for s in visit.sensitivities)
        sections.append(Section("sensitivities", w.t("Sensitivities"), 1, (BulletList(items),)))
    sections.append(Section("cities", w.t("The two cities"), 1, ()))
    for city, prefix in ((guest, "guest"), (host, "host")):
        sections.append(Section(f"{prefix}-city", w.text(city.name), 2, (), toc=True))
        for section in city_doc.city_sections(w, city, prefix=prefix, level=3):
            if section.id.endswith(("-overview", "-sdgs", "-initiatives", "-designations")):
                sections.append(section)
    history = relationship(w, host, guest)
    if history:
        sections.append(
            Section("relationship", w.t("History of the relationship"), 1, tuple(history))
        )
    if proposals:
        blocks = proposals_in_brief(w, proposals)
        sections.append(Section("proposals", w.t("Related proposals"), 1, tuple(blocks)))
    logistics = w.blocks(visit.logistics)
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
        author=w.text((host if visit.direction == "inbound" else guest).name),
        subject=w.t("Briefing pack"),
        keywords=[w.text(host.name), w.text(guest.name), w.t("delegation visit")],
        logos=[guest, host],
    )
