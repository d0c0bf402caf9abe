"""The partnership timeline: a dot per event on an axis of years, labels on poles or listed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from reportgen.charts import svg
from reportgen.charts.svg import ACCENT, MUTED, POLE, SMALL_SIZE, TEXT, TEXT_SIZE, WHITE, WORD_GAP
from reportgen.charts.text import (
    BASELINE,
    LINE_HEIGHT,
    clean,
    ellipsize,
    fits_width,
    text_width,
    wrap,
    wrap_even,
)


@dataclass(frozen=True)
class TimelinePoint:
    """One event on a timeline."""

    year: int
    """Position on the axis."""
    label: str
    """Short text, may be Japanese or Chinese."""
    date_label: str
    """How the date is printed ("May 1979", "2014")."""


@dataclass
class _Flag:
    """A label beside a pole that rises from a dot on the axis, on one side and in one lane."""

    pole: float
    lines: list[tuple[str, bool]]  # text, bold
    width: float
    leftward: bool  # text to the left of the pole (near the right edge)
    spacing: float = 1.2  # kept free beside the label within its lane
    side: int = 0  # 0 above the axis, 1 below
    lane: int = 0

    @property
    def left(self) -> float:
        return self.pole - self.width - 1.0 if self.leftward else self.pole - 0.4

    @property
    def right(self) -> float:
        return self.pole + 0.4 if self.leftward else self.pole + self.width + 1.0


def _conflicts(flag: _Flag, side: int, lane: int, placed: Sequence[_Flag]) -> int:
    """How many placed flags ``flag`` would collide with at ``side`` and ``lane``."""
    count = 0
    for other in placed:
        if other.side != side:
            continue
        if other.lane == lane:
            room = max(flag.spacing, other.spacing)
            clash = flag.left < other.right + room and other.left < flag.right + room
        elif other.lane < lane:  # our pole passes the other label
            clash = other.left - 0.3 <= flag.pole <= other.right + 0.3
        else:  # the other pole passes our label
            clash = flag.left - 0.3 <= other.pole <= flag.right + 0.3
        count += clash
    return count


def _place_flags(flags: Sequence[_Flag], sides: Sequence[int] = (0, 1)) -> int:
    """Give each flag a side and lane so that no label overlaps a label or a pole.

    Labels reaching right are placed from right to left and those reaching left from left to
    right: each then mostly only has to climb above its neighbours. The side is the one with
    the lower free lane, alternating on ties, so a sparse timeline zigzags. Returns the number
    of collisions left (poles almost on top of each other, or labels facing each other).
    """
    order = sorted((f for f in flags if f.leftward), key=lambda f: f.pole) + sorted(
        (f for f in flags if not f.leftward), key=lambda f: -f.pole
    )
    placed: list[_Flag] = []
    last_side = sides[-1]
    collisions = 0
    for flag in order:
        best: tuple[int, int, int, int] | None = None  # conflicts, lane, same side, side
        for side in sides:
            lanes = 1 + max((p.lane for p in placed if p.side == side), default=-1)
            for lane in range(lanes + 1):
                conflicts = _conflicts(flag, side, lane, placed)
                key = (conflicts, lane, int(side == last_side), side)
                if best is None or key < best:
                    best = key
        assert best is not None
        flag.side, flag.lane = best[3], best[1]
        last_side = flag.side
        collisions += best[0]
        placed.append(flag)
    return collisions


def _lane_heights(flags: Sequence[_Flag], side: int, line_height: float) -> list[float]:
    heights: list[float] = []
    for flag in flags:
        if flag.side == side:
            while len(heights) <= flag.lane:
                heights.append(0.0)
            heights[flag.lane] = max(heights[flag.lane], len(flag.lines) * line_height)
    return heights


def _stacked(heights: Sequence[float], gap: float) -> float:
    """Height of lanes stacked with ``gap`` between them."""
    return sum(heights) + gap * max(0, len(heights) - 1)


def _flag_body(
    flags: Sequence[_Flag], axis_y: float, tops: Sequence[float]
) -> tuple[list[str], list[str]]:
    """Poles and text of placed flags; ``tops`` gives the top of each flag's text block.

    A pole under the axis leaves a gap where the years are labelled, so that it never
    hides a year (the dot on the axis and the pole under the row still line up)."""
    poles: list[str] = []
    texts: list[str] = []
    line_height = TEXT_SIZE * LINE_HEIGHT
    for flag, top in zip(flags, tops, strict=True):
        if flag.side == 0:
            poles.append(svg.line(flag.pole, axis_y, flag.pole, top, POLE, 0.25))
        else:
            end = top + len(flag.lines) * line_height - 0.4
            poles.append(svg.line(flag.pole, axis_y, flag.pole, axis_y + _TICK, POLE, 0.25))
            poles.append(svg.line(flag.pole, axis_y + _YEAR_ROW, flag.pole, end, POLE, 0.25))
        x = flag.pole - 1.0 if flag.leftward else flag.pole + 1.0
        anchor = "end" if flag.leftward else "start"
        for row, (text, bold) in enumerate(flag.lines):
            if text:
                baseline = top + row * line_height + BASELINE * TEXT_SIZE
                colour = ACCENT if bold else TEXT
                texts.append(svg.text(x, baseline, text, fill=colour, anchor=anchor, bold=bold))
    return poles, texts


@dataclass(frozen=True)
class _YearAxis:
    """The horizontal scale of a timeline: years from ``first`` to ``last`` (exclusive)."""

    first: int
    last: int
    x0: float
    x1: float

    @property
    def mm_per_year(self) -> float:
        return (self.x1 - self.x0) / (self.last - self.first)

    def x(self, year: float) -> float:
        return self.x0 + (year - self.first) * self.mm_per_year

    def draw(self, y: float, dots: Sequence[float]) -> list[str]:
        """The axis line at ``y``, year ticks and their labels, and a dot per event."""
        size = SMALL_SIZE
        body = [svg.line(self.x0, y, self.x1, y, ACCENT, 0.45)]
        label_width = text_width("0000", size)
        step = 1000
        for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
            if candidate * self.mm_per_year >= label_width + 3:
                step = candidate
                break
        for year in range(self.first + (-self.first) % step, self.last + 1, step):
            body.append(svg.line(self.x(year), y, self.x(year), y + _TICK, ACCENT, 0.3))
            # Single years are labelled in their middle, where their events sit.
            x = self.x(year + 0.5) if step == 1 else self.x(year)
            half = text_width(str(year), size) / 2
            if year == self.last and step == 1:
                continue
            if x - half < 0 or x + half > self.x1 + 1.5:
                continue
            baseline = y + 1.2 + size * BASELINE
            body.append(svg.text(x, baseline, str(year), size=size, fill=MUTED, anchor="middle"))
        body.extend(
            f'<circle class="event" cx="{svg.number(dot)}" cy="{svg.number(y)}" r="0.9" '
            f'fill="{ACCENT}" stroke="{WHITE}" stroke-width="0.3"/>'
            for dot in dots
        )
        return body


_TICK = 0.9  # the length of a year's tick under the axis
_YEAR_ROW = 1.2 + SMALL_SIZE * LINE_HEIGHT + 0.2  # from the axis to under the years' labels
_AXIS_GAP = 1.2  # between the nearest label above and the axis
_TICK_ROW = 1.2 + SMALL_SIZE * LINE_HEIGHT + 0.8  # from the axis to the first label below
_LANE_GAP = 1.4
_MAX_FLAG_HEIGHT = 90.0  # taller than this, a timeline lists its labels under the axis
_MAX_FLAGS = 60  # placing flags takes cubic time; more events are listed under the axis


def _timeline_flags(
    points: Sequence[TimelinePoint], poles: Sequence[float], axis: _YearAxis, width_mm: float
) -> tuple[float, list[str]] | None:
    """Labels on poles above and below the axis; returns the height and the drawing, or None
    when some labels could not be kept apart."""
    size = TEXT_SIZE
    max_width = min(44.0, width_mm * 0.5 - 2)
    bold_fits = fits_width(max_width, size, bold=True)
    flags: list[_Flag] = []
    for point, pole in zip(points, poles, strict=True):
        lines: list[tuple[str, bool]] = []
        date = clean(point.date_label)
        if date:
            lines.append((ellipsize(date, bold_fits), True))
        wrapped = wrap_even(point.label, max_width, 28, size, 3)
        lines.extend((line, False) for line in wrapped)
        lines = lines or [("", False)]
        width = max(text_width(text, size, bold=bold) for text, bold in lines)
        leftward = pole + 1.0 + width > width_mm - 0.3 and pole - 1.0 - width >= 0
        flags.append(_Flag(pole, lines, width, leftward))
    if _place_flags(flags):
        return None

    line_height = size * LINE_HEIGHT
    above = _lane_heights(flags, 0, line_height)
    below = _lane_heights(flags, 1, line_height)
    top = 0.5
    axis_y = top + _stacked(above, _LANE_GAP) + _AXIS_GAP
    below_start = axis_y + _TICK_ROW
    tops = [
        axis_y - _AXIS_GAP - _stacked(above[: f.lane + 1], _LANE_GAP)
        if f.side == 0
        else below_start + _stacked(below[: f.lane], _LANE_GAP) + (_LANE_GAP if f.lane else 0)
        for f in flags
    ]
    height = below_start + _stacked(below, _LANE_GAP) + top if below else below_start - 0.8
    pole_lines, texts = _flag_body(flags, axis_y, tops)
    # The axis goes over the poles and under the labels.
    return height, pole_lines + axis.draw(axis_y, poles) + texts


def _timeline_list(
    points: Sequence[TimelinePoint], poles: Sequence[float], axis: _YearAxis, width_mm: float
) -> tuple[float, list[str]]:
    """Numbered markers on the axis and the labels in columns below; returns height, drawing."""
    size = TEXT_SIZE
    line_height = size * LINE_HEIGHT
    # Numbers centred over their dots, lifted a row where they would touch.
    lanes: list[float] = []  # right end of the last number in each row
    markers: list[tuple[float, int, str]] = []
    for count, pole in enumerate(poles, start=1):
        half = text_width(str(count), size, bold=True) / 2
        x = min(max(pole, half), width_mm - half)
        lane = next((i for i, right in enumerate(lanes) if right + 0.6 <= x - half), len(lanes))
        if lane == len(lanes):
            lanes.append(0.0)
        lanes[lane] = x + half
        markers.append((x, lane, str(count)))
    axis_y = 0.5 + len(lanes) * line_height + 0.6
    body = axis.draw(axis_y, poles)
    for x, lane, mark in markers:
        baseline = axis_y - 1.4 - lane * line_height
        body.append(svg.text(x, baseline, mark, fill=ACCENT, anchor="middle", bold=True))

    column_gap, gutter = 4.0, 5.5
    columns = max(1, int((width_mm + column_gap) / (50 + column_gap)))
    column_width = (width_mm - column_gap * (columns - 1)) / columns
    per_column = -(-len(points) // columns)
    list_top = axis_y + _TICK_ROW + 1.0
    column_heights = [0.0] * columns
    for index, point in enumerate(points):
        column = index // per_column
        x = column * (column_width + column_gap)
        y = list_top + column_heights[column]
        date = clean(point.date_label).replace(" ", "\u00a0")
        # Room on the first line for the date in bold and the gap after it.
        extra = text_width(date, size, bold=True) - text_width(date, size) + WORD_GAP
        fits = fits_width(column_width - gutter - extra, size)
        text = f"{date} {clean(point.label)}" if date else clean(point.label)
        lines = wrap(text, fits, 3) or [""]
        number = str(index + 1)
        baseline = y + BASELINE * size
        body.append(
            svg.text(x + gutter - 1.5, baseline, number, fill=ACCENT, anchor="end", bold=True)
        )
        for row, line in enumerate(lines):
            baseline = y + row * line_height + BASELINE * size
            if row == 0 and date and line.startswith(date):
                body.append(svg.text(x + gutter, baseline, date, fill=ACCENT, bold=True))
                rest = line[len(date) :].strip()
                if rest:
                    rest_x = x + gutter + text_width(date, size, bold=True) + WORD_GAP
                    body.append(svg.text(rest_x, baseline, rest))
            else:
                body.append(svg.text(x + gutter, baseline, line))
        column_heights[column] += len(lines) * line_height + 1.2
    height = list_top + max(column_heights) - 1.2 + 0.5
    return height, body


def timeline(points: Sequence[TimelinePoint], *, title: str, width_mm: float = 170) -> str:
    """A horizontal partnership timeline with a dot per event on an axis of years.

    The axis runs from the first to the last year, padded. An event sits in the middle of its
    year; several events of one year share it in the given order. Labels show the date in bold
    over the label wrapped into at most 3 lines of 28 columns (CJK characters count double),
    on poles above and below the axis, stacked so that neither labels nor poles overlap. When
    that fails or would grow taller than 90 mm (many close events), or there are more than 60
    events, the dots are numbered instead and the labels listed in columns under the axis.
    """
    margin = 1.5
    if not points:
        body = [svg.line(margin, 4, width_mm - margin, 4, ACCENT, 0.45)]
        return svg.document(width_mm, 8, title, "", body)

    ordered = sorted(points, key=lambda p: p.year)  # stable: one year keeps the given order
    years = [p.year for p in ordered]
    pad = max(1, round((years[-1] - years[0]) * 0.03))
    axis = _YearAxis(years[0] - pad, years[-1] + 1 + pad, margin, width_mm - margin)
    per_year = Counter(years)
    poles: list[float] = []
    seen: dict[int, int] = {}
    for year in years:
        k = seen.get(year, 0)
        seen[year] = k + 1
        poles.append(axis.x(year + (k + 0.5) / per_year[year]))

    flags = _timeline_flags(ordered, poles, axis, width_mm) if len(ordered) <= _MAX_FLAGS else None
    listed = _timeline_list(ordered, poles, axis, width_mm)
    if flags is None or (flags[0] > _MAX_FLAG_HEIGHT and listed[0] < flags[0]):
        height, body = listed
    else:
        height, body = flags
    desc = "; ".join(f"{clean(p.date_label)}: {clean(p.label)}" for p in ordered)
    return svg.document(width_mm, height, title, desc, body)
