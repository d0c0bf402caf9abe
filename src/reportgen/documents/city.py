"""The city profile document, and the city sections a briefing reuses."""

from __future__ import annotations

from collections.abc import Iterator

from reportgen.charts import SDG_TITLES
from reportgen.documents import Content, Profiles
from reportgen.documents.content import (
    Block,
    BulletList,
    Cell,
    Cover,
    FactList,
    Figure,
    Inline,
    Paragraph,
    Run,
    Section,
    Table,
    plain,
)
from reportgen.documents.writer import Writer
from reportgen.i18n import N_
from reportgen.models import CityProfile
from reportgen.models.city import Initiative, TimelineEvent
from reportgen.models.common import Contact


def head_of_government(w: Writer, city: CityProfile) -> Inline:
    head = city.head()
    if head is None:
        return ()
    holder = (Run(f"{w.text(head.title)} "), *w.name(head.name, city.local_lang))
    return (*holder, *w.fact("", head, city)[1:])


def population(w: Writer, city: CityProfile) -> Inline:
    """Every population figure, newest first; the current one per scope can go stale."""
    current = {id(fact) for _, _, fact in _current(city)}
    figures = sorted(city.population, key=lambda f: f.as_of.last, reverse=True)
    parts: list[Inline] = []
    for fact in figures:
        details = [w.items([w.term(x) for x in (fact.kind, fact.scope) if x], conjunction=False)]
        current_fact = id(fact) in current
        parts.append(
            w.fact(w.number(fact.value), fact, city, current=current_fact, details=details)
        )
    return w.join_parts(parts)


def _current(city: CityProfile) -> Iterator[tuple[object, str, object]]:
    from reportgen.checks import current_facts

    yield from current_facts(city)


def key_figures(w: Writer, city: CityProfile) -> FactList:
    items: list[tuple[str, Inline]] = []
    head = head_of_government(w, city)
    if head:
        items.append((w.t("Head of government"), head))
    if city.population:
        items.append((w.t("Population"), population(w, city)))
    if city.area_km2:
        area = city.area_km2
        items.append((w.t("Area"), w.fact(f"{w.number(area.value)} km²", area, city)))
    if city.region:
        items.append((w.t("Region"), plain(w.text(city.region))))
    items.append((w.t("Country"), plain(_country_name(w, city.country))))
    if city.municipality_type:
        items.append((w.t("Type of municipality"), plain(w.text(city.municipality_type))))
    if city.industries:
        industries = w.items([w.text(i) for i in city.industries])
        items.append((w.t("Industries"), plain(industries)))
    if city.networks:
        names = []
        for network in city.networks:
            since = ""
            if network.since:
                since = w.gloss(w.t("since {date}", date=w.date(network.since)))
            names.append(f"{w.name_text(network.name)}{since}")
        items.append((w.t("Networks"), plain(w.items(names))))
    return FactList(tuple(items))


def _country_name(w: Writer, code: str) -> str:
    from babel import Locale

    try:
        return str(Locale.parse(w.locale).territories.get(code, code))
    except (ValueError, LookupError):
        return code


def sdg_figure(w: Writer, goals: list[int]) -> Figure:
    from reportgen import charts

    titles = {goal: w.t(SDG_TITLES[goal]) for goal in goals}
    alt = (
        w.t("Sustainable Development Goals")
        + ": "
        + "; ".join(f"{goal} {titles[goal]}" for goal in goals)
    )
    return Figure(charts.sdg_chips(goals, titles, title=alt), alt)


def designations(w: Writer, city: CityProfile) -> Table:
    rows = []
    for item in city.designations:
        title: list[Run] = [Run(w.text(item.title))]
        if item.note:
            title.append(Run(w.gloss(w.text(item.note)), "muted"))
        title.extend(w.ref(city, item.source))
        rows.append(
            (
                Cell(tuple(title)),
                Cell(plain(w.text(item.by))),
                Cell(plain(w.date(item.year))),
            )
        )
    header = w.header(N_("Designation"), N_("Awarded by"), N_("Year"))
    return Table(header, tuple(rows), widths=(5, 3, 2))


def initiatives(
    w: Writer, city: CityProfile, items: list[tuple[CityProfile, Initiative]] | None = None
) -> Table:
    """The initiatives of ``city``, or ``items`` (each with the city that records it)."""
    rows = []
    listed = items if items is not None else [(city, i) for i in city.initiatives]
    for owner, item in listed:
        runs: list[Run] = [Run(w.text(item.title), "strong")]
        runs.extend(w.ref(owner, item.source))
        summary = w.inline(item.summary)
        if summary:
            runs.append(Run(" "))
            runs.extend(summary)
        if item.partners:
            partners = w.join_items([w.partner(p) for p in item.partners])
            label = w.t("Partners:")
            space = "" if label.endswith("：") else " "  # a full-width colon has its space
            runs.extend((Run(f" {label}{space}", "muted"), *partners))
        if item.since and item.until:
            since = w.period(item.since, item.until)
        else:
            since = w.date(item.since) + (f" – {w.date(item.until)}" if item.until else "")
        sdgs = w.items([str(goal) for goal in item.sdgs], conjunction=False)
        rows.append((Cell(tuple(runs)), Cell(plain(since)), Cell(plain(sdgs))))
    header = w.header(N_("Initiative"), N_("Since"), N_("SDGs"))
    return Table(header, tuple(rows), widths=(7, 2, 1))


def goals(w: Writer, city: CityProfile) -> Table:
    rows = []
    for item in city.goals:
        runs: list[Run] = [Run(w.text(item.title), "strong")]
        runs.extend(w.ref(city, item.source))
        if item.note:
            runs.extend((Run(" "), *w.inline(item.note)))
        target = str(item.target_year) if item.target_year else ""
        sdgs = w.items([str(goal) for goal in item.sdgs], conjunction=False)
        rows.append((Cell(tuple(runs)), Cell(plain(target)), Cell(plain(sdgs))))
    header = w.header(N_("Goal"), N_("Target year"), N_("SDGs"))
    return Table(header, tuple(rows), widths=(7, 2, 1))


def partnerships_table(w: Writer, city: CityProfile, only: str | None = None) -> Table | None:
    rows = []
    for item in city.partnerships:
        if only is not None and item.partner != only:
            continue
        partner: list[Run] = [*w.partner(item.partner)]
        partner.extend(w.ref(city, item.source))
        details: list[Run] = []
        themes = w.items([w.text(t) for t in item.themes])
        if themes:
            details.append(Run(themes))
        if item.note:
            if details:
                details.append(Run(". "))
            details.extend(w.inline(item.note))
        rows.append(
            (
                Cell(tuple(partner)),
                Cell(plain(w.term(item.type))),
                Cell(plain(w.date(item.established))),
                Cell(plain(w.term(item.status))),
                Cell(tuple(details)),
            )
        )
    if not rows:
        return None
    header = w.header(N_("Partner"), N_("Tie"), N_("Since"), N_("Status"), N_("Themes and notes"))
    return Table(header, tuple(rows), widths=(3, 2, 2, 2, 5))


def timeline_blocks(
    w: Writer, events: list[tuple[CityProfile, TimelineEvent]], title: str
) -> tuple[Block, ...]:
    """A timeline picture of the events, oldest first, and the sources it draws on.

    The picture's text alternative lists every event with its date and description: it is
    the accessible form of the data (tagged in PDF/UA, the picture's description in Word),
    so the document does not print the same events a second time as a table.
    """
    from reportgen import charts

    if not events:
        return ()
    ordered = sorted(events, key=lambda pair: pair[1].date.first)
    points = []
    described = []
    refs: list[Run] = []
    for city, event in ordered:
        date, label = event.date, w.text(event.title)
        points.append(charts.TimelinePoint(date.year, label, w.date(date)))
        words = " ".join(run.text for run in w.inline(event.description))
        described.append(f"{w.date(date)} {label}" + (f" ({words})" if words else ""))
        for run in w.ref(city, event.source):
            if run.href not in {r.href for r in refs}:
                refs.append(run)
    alt = f"{title}: " + "; ".join(described)
    years = f"{points[0].year}–{points[-1].year}" if points[0].year != points[-1].year else ""
    caption = w.t("Timeline, {years}", years=years) if years else None
    blocks: list[Block] = [Figure(charts.timeline(points, title=alt), alt, caption)]
    if refs:
        label = w.t("Sources:")
        space = "" if label.endswith("：") else " "
        runs: list[Run] = [Run(label + space)]
        for index, run in enumerate(refs):
            runs.extend(((Run(", "),) if index else ()) + (run,))
        blocks.append(Paragraph(tuple(runs), "note"))
    return tuple(blocks)


def contacts_blocks(w: Writer, contacts: list[Contact]) -> tuple[Block, ...]:
    items = [w.contact(c) for c in contacts]
    items = [item for item in items if item]
    return (BulletList(tuple(items)),) if items else ()


def city_sections(w: Writer, city: CityProfile, *, prefix: str, level: int) -> list[Section]:
    """The sections that describe one city, starting at heading ``level``."""
    sections: list[Section] = []

    def add(key: str, title: str, blocks: tuple[Block, ...] | list[Block], depth: int = 0) -> None:
        if blocks:
            sections.append(Section(f"{prefix}-{key}", title, level + depth, tuple(blocks)))

    overview: list[Block] = [key_figures(w, city)]
    overview.extend(w.blocks(city.summary, style="lead"))
    overview.extend(w.blocks(city.overview))
    add("overview", w.t("Overview"), overview)
    if city.designations:
        add("designations", w.t("Designations and awards"), [designations(w, city)])
    if city.sdg_focus:
        add("sdgs", w.t("SDG focus"), [sdg_figure(w, city.sdg_focus)])
    if city.initiatives:
        add("initiatives", w.t("Initiatives"), [initiatives(w, city)])
    if city.goals:
        add("goals", w.t("Goals"), [goals(w, city)])
    partnership_blocks: list[Block] = []
    table = partnerships_table(w, city)
    if table:
        partnership_blocks.append(table)
    partnership_blocks.extend(
        timeline_blocks(w, [(city, e) for e in city.timeline], w.t("Timeline"))
    )
    add("partnerships", w.t("Partnerships and timeline"), partnership_blocks)
    add("contacts", w.t("Contacts"), contacts_blocks(w, list(city.contacts)))
    return sections


def build(w: Writer, city: CityProfile, profiles: Profiles) -> Content:
    """The cover and sections of a city profile."""
    w.register_sources(city)
    name = w.city_name(city)
    subtitle = tuple(r for r in name[1:]) or ()
    country = _country_name(w, city.country)
    region = w.text(city.region)
    cover = Cover(
        kicker=w.t("City profile"),
        title=w.name_text(city.name),
        subtitle=tuple(Run(r.text.strip(), r.style, r.href, r.lang) for r in subtitle),
        lines=(plain(w.items([region, country], conjunction=False)),),
    )
    return Content(
        cover,
        city_sections(w, city, prefix="city", level=1),
        author=w.name_text(city.name),
        subject=w.t("City profile"),
        keywords=[w.name_text(city.name), city.country, *(f"SDG {g}" for g in city.sdg_focus)],
        logos=[city],
    )
