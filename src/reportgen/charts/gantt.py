"""The work plan (Gantt chart): one bar per activity across the months of the programme."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportgen.charts import svg
from reportgen.charts.svg import ACCENT, GRID, MUTED, RULE, SMALL_SIZE, TEXT, TEXT_SIZE, ZEBRA
from reportgen.charts.text import LINE_HEIGHT, clean, fits_width, text_width, wrap

# Muted colours for Gantt groups, in order of first appearance; more groups repeat them.
GROUP_COLOURS = (
    "#1F3A5F",
    "#4E79A7",
    "#5B8E55",
    "#C7893B",
    "#8C5A84",
    "#3E8A8A",
    "#B5564E",
    "#7A7F87",
)
UNGROUPED_COLOUR = "#8C96A3"


@dataclass(frozen=True)
class GanttRow:
    """One activity of a work plan."""

    label: str
    """Printed at the left, e.g. "A1 Joint monitoring survey"."""
    start: dt.date
    """First day."""
    end: dt.date
    """Last day."""
    group: str | None = None
    """Output id; the rows of one group share a colour."""


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _default_month_label(day: dt.date) -> str:
    return day.strftime("%b")


SWATCH_WIDTH, SWATCH_HEIGHT = 3.2, 2.2
LABEL_LINES = 3
"""The most lines a row label wraps to."""
LEGEND_GAP, LEGEND_SPACING, LEGEND_ROW = 1.0, 3.0, 4.0
"""Swatch to its name, one item to the next, one row of items to the next (mm)."""


def _legend(
    groups: Sequence[str], colours: dict[str, str], *, top: float, width_mm: float
) -> tuple[list[str], float]:
    """The legend's swatches and names from ``top`` down, and the chart's height under it.

    Items stand side by side, from the left edge, while they fit the chart's width; a
    name longer than the whole width wraps to a second line (and is cut with … after it),
    so that output titles are read in full.
    """
    small = SMALL_SIZE
    line = small * LINE_HEIGHT
    fits = fits_width(width_mm - SWATCH_WIDTH - LEGEND_GAP, small)
    body: list[str] = []
    x, y, extra = 0.0, top, 0.0
    for group in groups:
        lines = wrap(group, fits, 2) or [""]
        item = SWATCH_WIDTH + LEGEND_GAP + max(text_width(text, small) for text in lines)
        if x > 0 and x + item > width_mm:
            x, y, extra = 0.0, y + LEGEND_ROW + extra, 0.0
        body.append(svg.rect(x, y, SWATCH_WIDTH, SWATCH_HEIGHT, colours[group], radius=0.4))
        for index, text in enumerate(lines):
            baseline = y + SWATCH_HEIGHT / 2 + 0.36 * small + index * line
            body.append(
                svg.text(x + SWATCH_WIDTH + LEGEND_GAP, baseline, text, size=small, fill=TEXT)
            )
        extra = max(extra, (len(lines) - 1) * line)
        x += item + LEGEND_SPACING
    return body, y + SWATCH_HEIGHT + extra + 0.6


def gantt(
    rows: Sequence[GanttRow],
    *,
    start: dt.date,
    end: dt.date,
    title: str,
    month_label: Callable[[dt.date], str] = _default_month_label,
    width_mm: float = 170,
) -> str:
    """A work-plan chart: one bar per row across the months from ``start`` to ``end``.

    The time scale covers whole months, from the month of ``start`` to the month of ``end``;
    bars are placed to the day and clipped to it. The header shows years, and under them the
    months when their labels fit, else quarters (labelled by the first month of each, through
    ``month_label``), else nothing. A long row label wraps, up to three lines (then it is
    cut with …), and its row grows. Groups get colours
    in order of first appearance and, when there are two or more, a legend under the chart
    across its whole width (see ``_legend``).
    """
    if end < start:
        raise ValueError(f"the chart ends ({end}) before it starts ({start})")
    for row in rows:
        if row.end < row.start:
            raise ValueError(f"{row.label!r} ends ({row.end}) before it starts ({row.start})")

    scale_start = start.replace(day=1)
    scale_end = _add_months(end, 1)
    month_count = (scale_end.year - scale_start.year) * 12 + scale_end.month - scale_start.month
    total_days = (scale_end - scale_start).days

    size, small = TEXT_SIZE, SMALL_SIZE
    labels = [clean(row.label) for row in rows]
    longest = max((text_width(label, size) for label in labels), default=0.0)
    label_column = min(max(longest + 2.0, width_mm * 0.18), width_mm * 0.38)
    chart_x0, chart_x1 = label_column, width_mm - 0.3
    mm_per_day = (chart_x1 - chart_x0) / total_days

    def x_of(day: dt.date) -> float:
        return chart_x0 + (day - scale_start).days * mm_per_day

    months = [_add_months(scale_start, i) for i in range(month_count)]
    month_texts = [clean(month_label(m)) for m in months]
    periods: list[tuple[dt.date, dt.date, str]] = []
    if month_count <= 24 and all(
        text_width(text, small) + 0.8 <= x_of(_add_months(m, 1)) - x_of(m)
        for m, text in zip(months, month_texts, strict=True)
    ):
        periods = [
            (m, _add_months(m, 1), text) for m, text in zip(months, month_texts, strict=True)
        ]
    else:
        quarter = _add_months(scale_start, -((scale_start.month - 1) % 3))
        quarters = []
        while quarter < scale_end:
            following = _add_months(quarter, 3)
            quarters.append(
                (max(quarter, scale_start), min(following, scale_end), clean(month_label(quarter)))
            )
            quarter = following
        whole = [q for q in quarters if (q[1] - q[0]).days > 85]
        if all(text_width(q[2], small) + 0.8 <= x_of(q[1]) - x_of(q[0]) for q in whole):
            periods = quarters

    year_row, period_row, row_height = 4.4, 4.2 if periods else 0.0, 5.4
    header = year_row + period_row
    # a long label wraps (up to three lines) and its row grows, rather than being cut
    fits = fits_width(label_column - 1.6, size)
    line = size * LINE_HEIGHT
    label_lines = [wrap(label, fits, LABEL_LINES) or [""] for label in labels]
    heights = [max(row_height, len(lines) * line + 1.8) for lines in label_lines]
    tops = [header + sum(heights[:index]) for index in range(len(rows))]
    rows_bottom = header + sum(heights)

    groups: list[str] = []
    for row in rows:
        if row.group is not None and row.group not in groups:
            groups.append(row.group)
    colours = {g: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, g in enumerate(groups)}
    legend = len(groups) >= 2
    height = rows_bottom + (0.3 if rows else 0)

    body: list[str] = []
    for index in range(len(rows)):
        if index % 2:
            body.append(svg.rect(0, tops[index], width_mm, heights[index], ZEBRA))

    # Grid: periods lightly, years stronger; from under the year row to the last row.
    for day, _, _ in periods[1:]:
        if day.month != 1:
            body.append(svg.line(x_of(day), year_row, x_of(day), rows_bottom, GRID, 0.2))
    years = list(range(scale_start.year, end.year + 1))
    for year in years[1:]:
        x = x_of(dt.date(year, 1, 1))
        body.append(svg.line(x, 0, x, rows_bottom, RULE, 0.25))
    body.append(svg.line(chart_x0, 0, chart_x0, rows_bottom, RULE, 0.25))
    body.append(svg.line(0, header, width_mm, header, RULE, 0.3))

    for year in years:
        left = x_of(max(dt.date(year, 1, 1), scale_start))
        right = x_of(min(dt.date(year + 1, 1, 1), scale_end))
        if text_width(str(year), size, bold=True) + 0.8 <= right - left:
            centre = (left + right) / 2
            body.append(
                svg.text(centre, year_row - 1.2, str(year), fill=ACCENT, anchor="middle", bold=True)
            )
    for first_day, next_day, text in periods:
        left, right = x_of(first_day), x_of(next_day)
        if text and text_width(text, small) + 0.8 <= right - left:
            centre = (left + right) / 2
            body.append(
                svg.text(centre, header - 1.1, text, size=small, fill=MUTED, anchor="middle")
            )

    bar_height = 3.0
    for index, (row, lines) in enumerate(zip(rows, label_lines, strict=True)):
        top, height_of_row = tops[index], heights[index]
        first = top + (height_of_row - (len(lines) - 1) * line) / 2 + 0.36 * size
        for number, text in enumerate(lines):
            body.append(svg.text(0.6, first + number * line, text))
        first_day = max(row.start, scale_start)
        after_last = min(row.end + dt.timedelta(days=1), scale_end)
        if after_last <= first_day:
            continue  # entirely outside the chart
        left, right = x_of(first_day), x_of(after_last)
        if right - left < 0.8:
            left, right = (left + right) / 2 - 0.4, (left + right) / 2 + 0.4
        if not groups:
            colour = ACCENT
        elif row.group is None:
            colour = UNGROUPED_COLOUR
        else:
            colour = colours[row.group]
        bar_top = top + (height_of_row - bar_height) / 2
        body.append(
            svg.rect(left, bar_top, right - left, bar_height, colour, radius=0.6, kind="bar")
        )

    if legend:
        items, height = _legend(groups, colours, top=rows_bottom + 2.2, width_mm=width_mm)
        body.extend(items)

    desc = "; ".join(
        f"{label}: {row.start.isoformat()} to {row.end.isoformat()}"
        for row, label in zip(rows, labels, strict=True)
    )
    return svg.document(width_mm, height, title, desc, body)
