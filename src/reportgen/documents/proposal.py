"""The cooperation proposal: logframe, work plan, budget with computed totals, risks."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from reportgen.checks import months_between
from reportgen.documents import Content, Profiles
from reportgen.documents.content import (
    Align,
    Block,
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
from reportgen.documents.writer import Writer, join
from reportgen.i18n import N_
from reportgen.models import Proposal
from reportgen.models.proposal import Budget


def key_facts(w: Writer, proposal: Proposal) -> FactList:
    months = months_between(proposal.period.start, proposal.period.end)
    items: list[tuple[str, Inline]] = [
        (w.t("Lead city"), w.partner(proposal.lead)),
        (w.t("Partners"), w.join_items([w.partner(p) for p in proposal.partners])),
        (
            w.t("Period"),
            plain(
                w.period(proposal.period.start, proposal.period.end)
                + w.gloss(w.t("{months} months", months=months))
            ),
        ),
        (w.t("Status"), plain(w.term(proposal.status))),
    ]
    if proposal.programme:
        items.insert(2, (w.t("Programme"), plain(w.text(proposal.programme.name))))
    if proposal.budget and proposal.budget.lines:
        budget = proposal.budget
        items.append((w.t("Total budget"), plain(w.money(budget.total, budget.currency))))
    return FactList(tuple(items))


def logframe(w: Writer, proposal: Proposal) -> list[Section]:
    frame = proposal.logframe
    if frame is None:
        return []
    top: list[Block] = [
        Paragraph((Run(w.t("Goal"), "strong"),), "label"),
        *w.blocks(frame.goal),
        Paragraph((Run(w.t("Purpose"), "strong"),), "label"),
        *w.blocks(frame.purpose),
    ]
    sections = [Section("logframe", w.t("Logical framework"), 1, tuple(top))]
    header = w.header(
        N_("Indicator"), N_("Unit"), N_("Baseline"), N_("Target"), N_("Means of verification")
    )
    for index, output in enumerate(frame.outputs):
        rows = []
        for indicator in output.indicators:
            baseline: Inline = ()
            if indicator.baseline:
                value = w.number(indicator.baseline.value)
                if indicator.baseline.as_of:
                    baseline = w.fact(value, indicator.baseline, proposal, current=False)
                else:
                    baseline = plain(value)
            target: Inline = ()
            if indicator.target:
                by = indicator.target.by
                target = (
                    Run(w.number(indicator.target.value)),
                    *((Run(" " + w.t("by {date}", date=w.date(by)), "asof"),) if by else ()),
                )
            rows.append(
                (
                    Cell(w.inline(indicator.indicator)),
                    Cell(plain(w.term(indicator.unit))),
                    Cell(baseline),
                    Cell(target),
                    Cell(w.inline(indicator.verification)),
                )
            )
        blocks: tuple[Block, ...] = (
            (Table(header, tuple(rows), widths=(5, 2, 3, 3, 4)),) if rows else ()
        )
        title = w.t("Output {number}: {title}", number=index + 1, title=w.text(output.title))
        sections.append(Section(f"output-{output.id}", title, 2, blocks))
    return sections


def work_plan(w: Writer, proposal: Proposal) -> list[Block]:
    from reportgen import charts

    if not proposal.activities:
        return []
    outputs = proposal.logframe.outputs if proposal.logframe else []
    number = {output.id: index + 1 for index, output in enumerate(outputs)}
    # the chart's legend names each output as its heading does ("Output 1: ...")
    group = {
        output.id: w.t("Output {number}: {title}", number=index + 1, title=w.text(output.title))
        for index, output in enumerate(outputs)
    }
    rows = []
    bars = []
    for activity in proposal.activities:
        lead = w.partner(activity.lead) if activity.lead else ()
        what: list[Run] = [Run(w.text(activity.title), "strong")]
        description = w.inline(activity.description)
        if description:
            what.extend((Run(" "), *description))
        if activity.outputs:
            deliverables = w.parts([w.text(o) for o in activity.outputs])
            what.append(Run(" " + w.t("Deliverables: {items}", items=deliverables), "muted"))
        rows.append(
            (
                Cell(plain(activity.id.upper())),
                Cell(tuple(what)),
                Cell(plain(f"{number.get(activity.output, '')}")),
                Cell(plain(w.period(activity.start, activity.end))),
                Cell(lead),
            )
        )
        label = f"{activity.id.upper()} {w.text(activity.title)}"
        bars.append(
            charts.GanttRow(
                label,
                activity.start.first,
                activity.end.last,
                group.get(activity.output, activity.output),
            )
        )
    header = w.header(N_("ID"), N_("Activity"), N_("Output"), N_("When"), N_("Lead"))
    table = Table(header, tuple(rows), widths=(2, 14, 3, 7, 6))
    start, end = proposal.period.start.first, proposal.period.end.last
    alt = w.t(
        "Gantt chart of the work plan, {period}: {activities}",
        period=w.period(proposal.period.start, proposal.period.end),
        activities="; ".join(
            f"{bar.label}, {w.period(a.start, a.end)}"
            for bar, a in zip(bars, proposal.activities, strict=True)
        ),
    )
    figure = Figure(
        charts.gantt(bars, start=start, end=end, title=alt, month_label=lambda d: _month(w, d)),
        alt,
        w.t("Work plan, {period}", period=w.period(proposal.period.start, proposal.period.end)),
    )
    return [table, figure]


def _month(w: Writer, day: object) -> str:
    from babel.dates import format_date

    return str(format_date(day, "MMM", locale=w.locale))  # type: ignore[arg-type]


def budget_blocks(w: Writer, proposal: Proposal) -> list[Block]:
    from reportgen import charts

    budget = proposal.budget
    if budget is None or not budget.lines:
        return []
    currency = budget.currency
    total = budget.total  # a sum over the lines: once, not once a category
    right: Align = "right"
    funded = any(line.funded_by for line in budget.lines)
    rows = []
    for line in budget.lines:
        item: list[Run] = [Run(w.text(line.item))]
        if line.activity:
            item.append(Run(w.gloss(line.activity.upper()), "muted"))
        if line.note:
            item.extend((Run(" "), *w.inline(line.note)))
        quantity = w.quantity(line.quantity, line.unit)
        rows.append(
            (
                Cell(tuple(item)),
                Cell(plain(w.term(line.category))),
                Cell(plain(quantity), right),
                Cell(plain(w.amount(line.unit_cost, currency)), right),
                Cell(plain(w.amount(line.total, currency)), right),
                Cell(w.partner(line.funded_by) if line.funded_by else ()),
            )[: None if funded else -1]
        )
    header = (
        Cell(plain(w.t("Item"))),
        Cell(plain(w.t("Category"))),
        Cell(plain(w.t("Quantity")), right),
        Cell(plain(w.t("Unit cost ({currency})", currency=currency)), right),
        Cell(plain(w.t("Total ({currency})", currency=currency)), right),
        Cell(plain(w.t("Funded by"))),
    )[: None if funded else -1]
    total_row = (
        Cell(plain(w.t("Grand total")), strong=True),
        Cell(()),
        Cell(()),
        Cell(()),
        Cell(plain(w.amount(total, currency)), right, strong=True),
        Cell(()),
    )[: None if funded else -1]
    widths = (6, 3, 3, 3, 3, 3)[: None if funded else -1]
    lines = Table(header, tuple(rows), footer=(total_row,), widths=widths)
    blocks: list[Block] = [lines]
    by_category = _subtotals(budget, lambda line: w.term(line.category))
    by_funder = _subtotals(
        budget, lambda line: w.partner_text(line.funded_by) if line.funded_by else w.t("Unassigned")
    )
    breakdowns = [(w.t("By category"), by_category)]
    if funded:
        breakdowns.append((w.t("By funder"), by_funder))
    for title, subtotals in breakdowns:
        sub_rows = tuple(
            (
                Cell(plain(label)),
                Cell(plain(w.amount(amount, currency)), right),
                Cell(plain(_share(w, amount, total)), right),
            )
            for label, amount in subtotals
        )
        sub_header = (
            Cell(plain(title)),
            Cell(plain(w.t("Subtotal ({currency})", currency=currency)), right),
            Cell(plain(w.t("Share")), right),
        )
        blocks.append(Table(sub_header, sub_rows, widths=(6, 3, 2)))
    # the amounts are in the table by category; the picture's text says how they compare
    alt = w.t(
        "Bar chart of the budget by category, as shares of the total: {shares}",
        shares=_shares(w, by_category, total),
    )
    chart = charts.bar_chart(
        [charts.Bar(label, amount) for label, amount in by_category],
        title=alt,
        format_value=lambda value: w.money(value, currency),
        format_share=lambda fraction: w.percent(fraction, digits=0),
    )
    blocks.append(Figure(chart, alt, w.t("Budget by category and share of the total")))
    return blocks


def _subtotals(budget: Budget, key: object) -> list[tuple[str, Decimal]]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for line in budget.lines:
        sums[key(line)] += line.total  # type: ignore[operator]
    return sorted(sums.items(), key=lambda pair: (-pair[1], pair[0]))


def _share(w: Writer, amount: Decimal, total: Decimal) -> str:
    return w.percent(amount / total) if total else ""


def _shares(w: Writer, subtotals: list[tuple[str, Decimal]], total: Decimal) -> str:
    """``Experts 33%, Training 28% and Travel 15%``, as the language writes a list."""
    from babel.lists import format_list

    items = [
        f"{label}{'' if w.cjk else ' '}{w.percent(amount / total, digits=0) if total else ''}"
        for label, amount in subtotals
    ]
    return str(format_list(items, locale=w.locale))


def risks(w: Writer, proposal: Proposal) -> Table | None:
    if not proposal.risks:
        return None
    rows = tuple(
        (
            Cell(w.inline(risk.risk)),
            Cell(plain(w.term(risk.likelihood))),
            Cell(plain(w.term(risk.impact))),
            Cell(w.inline(risk.mitigation)),
            Cell(w.partner(risk.owner) if risk.owner else ()),
        )
        for risk in proposal.risks
    )
    header = w.header(N_("Risk"), N_("Likelihood"), N_("Impact"), N_("Mitigation"), N_("Owner"))
    return Table(header, rows, widths=(5, 2, 2, 6, 3))


def sign_off(w: Writer, proposal: Proposal) -> Table | None:
    if not proposal.sign_off:
        return None
    rows = tuple(
        (
            Cell(
                (
                    Run(w.name_text(person.name), "strong"),
                    Run(
                        "\n"
                        + w.items(
                            [w.text(person.title), w.text(person.organisation)], conjunction=False
                        )
                    ),
                )
            ),
            Cell(()),
            Cell(plain(w.date(person.date))),
        )
        for person in proposal.sign_off
    )
    header = w.header(N_("Name and title"), N_("Signature"), N_("Date"))
    return Table(header, rows, widths=(6, 5, 3), style="signature")


def build(w: Writer, proposal: Proposal, profiles: Profiles) -> Content:
    """The cover and sections of a proposal."""
    from reportgen.documents.city import contacts_blocks, sdg_figure

    w.register_sources(proposal)
    partners = join([w.partner(p) for p in [proposal.lead, *proposal.partners]], " · ")
    lines: list[Inline] = [plain(w.period(proposal.period.start, proposal.period.end))]
    if proposal.programme:
        lines.append(plain(w.text(proposal.programme.name)))
    lines.append(plain(w.t("Status: {status}", status=w.term(proposal.status))))
    cover = Cover(
        kicker=w.t("Cooperation proposal"),
        title=w.text(proposal.title),
        subtitle=partners,
        lines=tuple(lines),
    )
    sections: list[Section] = []
    summary: list[Block] = [key_facts(w, proposal), *w.blocks(proposal.summary, style="lead")]
    sections.append(Section("summary", w.t("Summary"), 1, tuple(summary)))
    for key, title, value in (
        ("background", N_("Background"), proposal.background),
        ("problem", N_("Problem"), proposal.problem),
    ):
        blocks = w.blocks(value, key)
        if blocks:
            sections.append(Section(key, w.t(title), 1, blocks))
    sections.extend(logframe(w, proposal))
    plan = work_plan(w, proposal)
    if plan:
        sections.append(Section("work-plan", w.t("Activities and work plan"), 1, tuple(plan)))
    money = budget_blocks(w, proposal)
    if money:
        sections.append(Section("budget", w.t("Budget"), 1, tuple(money)))
    if proposal.sdgs:
        sections.append(Section("sdgs", w.t("SDG alignment"), 1, (sdg_figure(w, proposal.sdgs),)))
    table = risks(w, proposal)
    if table:
        sections.append(Section("risks", w.t("Risks"), 1, (table,)))
    governance = w.blocks(proposal.governance)
    if governance:
        sections.append(Section("governance", w.t("Governance"), 1, governance))
    signatures = sign_off(w, proposal)
    if signatures:
        sections.append(Section("sign-off", w.t("Sign-off"), 1, (signatures,)))
    contacts = contacts_blocks(w, list(proposal.contacts))
    if contacts:
        sections.append(Section("contacts", w.t("Contacts"), 1, contacts))
    cities = [proposal.lead, *proposal.partners]
    return Content(
        cover,
        sections,
        author=w.partner_text(proposal.lead),
        subject=w.t("Cooperation proposal"),
        keywords=[*(w.partner_text(c) for c in cities), *(f"SDG {g}" for g in proposal.sdgs)],
        logos=[city for city in map(w.find_city, cities) if city is not None],
    )
