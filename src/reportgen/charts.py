"""Charts drawn as SVG from data: SDG chips, partnership timelines, work plans and bar charts.

Each function returns a self-contained SVG document: no scripts, no links, no external files.
The document is sized in millimetres (``width="170mm"``) and its ``viewBox`` counts in
millimetres too, so every length below is in mm. Text widths are estimated from Noto Sans
metrics, which keeps the layout independent of the fonts installed where the code runs and
the output identical for identical input.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from xml.sax.saxutils import escape

from reportgen.i18n import N_

__all__ = [
    "SDG_COLOURS",
    "SDG_TITLES",
    "Bar",
    "GanttRow",
    "TimelinePoint",
    "bar_chart",
    "gantt",
    "sdg_chips",
    "sdg_text_colour",
    "timeline",
]

SDG_TITLES: dict[int, str] = {
    1: N_("No Poverty"),
    2: N_("Zero Hunger"),
    3: N_("Good Health and Well-being"),
    4: N_("Quality Education"),
    5: N_("Gender Equality"),
    6: N_("Clean Water and Sanitation"),
    7: N_("Affordable and Clean Energy"),
    8: N_("Decent Work and Economic Growth"),
    9: N_("Industry, Innovation and Infrastructure"),
    10: N_("Reduced Inequalities"),
    11: N_("Sustainable Cities and Communities"),
    12: N_("Responsible Consumption and Production"),
    13: N_("Climate Action"),
    14: N_("Life Below Water"),
    15: N_("Life on Land"),
    16: N_("Peace, Justice and Strong Institutions"),
    17: N_("Partnerships for the Goals"),
}

SDG_COLOURS: dict[int, str] = {
    1: "#E5243B",
    2: "#DDA63A",
    3: "#4C9F38",
    4: "#C5192D",
    5: "#FF3A21",
    6: "#26BDE2",
    7: "#FCC30B",
    8: "#A21942",
    9: "#FD6925",
    10: "#DD1367",
    11: "#FD9D24",
    12: "#BF8B2E",
    13: "#3F7E44",
    14: "#0A97D9",
    15: "#56C02B",
    16: "#00689D",
    17: "#19486A",
}

FONT_FAMILY = "Noto Sans, Noto Sans CJK JP, Noto Sans CJK SC, Noto Sans Thai, sans-serif"

WHITE = "#FFFFFF"
DARK_TEXT = "#1A1A1A"
ACCENT = "#1F3A5F"
TEXT = "#2B2B2B"
MUTED = "#5F6B7A"
RULE = "#B9C3CF"
GRID = "#E3E8EE"
ZEBRA = "#F4F6F9"
POLE = "#9AA7B8"

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

# Font sizes (mm in the viewBox): 2.65 mm is 7.5 pt, 2.5 mm is 7.1 pt.
TEXT_SIZE = 2.65
SMALL_SIZE = 2.5
LINE_HEIGHT = 1.25  # times the font size
BASELINE = 0.93  # baseline below the top of a line box, times the font size
CAP_HEIGHT = 0.714  # Noto Sans cap height, times the font size
BOLD_FACTOR = 1.06  # Noto Sans Bold is at most about 6 % wider than Regular

# Advance widths of Noto Sans Regular for ASCII 32..126, in thousandths of an em.
_ASCII_WIDTHS = (
    260, 269, 408, 646, 572, 831, 732, 225, 300, 300, 551, 572, 268, 322, 268, 372,
    572, 572, 572, 572, 572, 572, 572, 572, 572, 572, 268, 268, 572, 572, 572, 434,
    899, 639, 650, 632, 730, 556, 519, 728, 741, 339, 273, 619, 524, 907, 760, 781,
    605, 781, 622, 549, 556, 731, 600, 930, 586, 566, 572, 329, 372, 329, 572, 444,
    281, 561, 615, 480, 615, 564, 344, 615, 618, 258, 258, 534, 258, 935, 618, 605,
    615, 615, 413, 479, 361, 618, 508, 786, 529, 510, 470, 380, 551, 380, 572,
)  # fmt: skip
_OTHER_WIDTHS = {
    "…": 791, "–": 500, "—": 1000, "·": 268, "‘": 225, "’": 225, "“": 408, "”": 408,
    "€": 572, "£": 572, "¥": 572, "×": 572, "°": 428, "\u00a0": 260,
}  # fmt: skip
_DEFAULT_WIDTH = 620  # letters of other scripts (Thai, Cyrillic, ...), erring wide

# Line breaking for Chinese and Japanese: these never start or end a line.
_NO_LINE_START = frozenset(
    "、。，．,.)]}）」』】〕〉》！？!?：；:;ー・…々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ"
)
_NO_LINE_END = frozenset("（「『【〔〈《([{")

ELLIPSIS = "…"
# Between two texts set side by side in different styles. Two spaces wide: PDF text
# extraction (pypdf) then sees a space there, which a tspan boundary would lose.
_WORD_GAP = 1.5
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")


# --- data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelinePoint:
    """One event on a timeline."""

    year: int
    """Position on the axis."""
    label: str
    """Short text, may be Japanese or Chinese."""
    date_label: str
    """How the date is printed ("May 1979", "2014")."""


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


@dataclass(frozen=True)
class Bar:
    """One bar of a bar chart."""

    label: str
    value: Decimal


# --- text measurement and wrapping --------------------------------------------------------


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _char_width(char: str) -> int:
    code = ord(char)
    if 32 <= code <= 126:
        return _ASCII_WIDTHS[code - 32]
    if char in _OTHER_WIDTHS:
        return _OTHER_WIDTHS[char]
    if _is_wide(char):
        return 1000
    if unicodedata.combining(char):
        return 0
    base = unicodedata.normalize("NFD", char)[0]
    if base != char and 32 <= ord(base) <= 126:
        return _ASCII_WIDTHS[ord(base) - 32]
    return _DEFAULT_WIDTH


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Estimated width in mm of ``text`` set in Noto Sans at ``size`` mm."""
    width = sum(_char_width(char) for char in text) * size / 1000
    return width * BOLD_FACTOR if bold else width


def _columns(text: str) -> int:
    """Length in columns: Chinese and Japanese characters count double."""
    return sum(0 if unicodedata.combining(c) else 2 if _is_wide(c) else 1 for c in text)


def _clean(text: str) -> str:
    """Collapse white space (but keep no-break spaces) and drop what XML 1.0 cannot carry."""
    text = _SPACES.sub(" ", text).strip(" ")
    return "".join(
        char
        for char in text
        if unicodedata.category(char) not in ("Cc", "Cs") and char not in "\ufffe\uffff"
    )


def _break_units(text: str) -> list[str]:
    """Split ``text`` into pieces that may not be broken: words, or single CJK characters."""
    units: list[str] = []
    current = ""
    for char in text:
        if current:
            previous = current[-1]
            after_space = previous == " " and char != " "
            between_wide = (
                (_is_wide(previous) or _is_wide(char))
                and char != " "
                and char not in _NO_LINE_START
                and previous not in _NO_LINE_END
            )
            if after_space or between_wide:
                units.append(current)
                current = ""
        current += char
    if current:
        units.append(current)
    return units


def _ellipsize(text: str, fits: Callable[[str], bool]) -> str:
    """``text`` if it fits, else its longest start that fits with an ellipsis after it."""
    if fits(text):
        return text
    while text and not fits(text.rstrip() + ELLIPSIS):
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _wrap(text: str, fits: Callable[[str], bool], max_lines: int) -> list[str]:
    """Break ``text`` into lines that fit; the last kept line ends in … if text is left over."""
    lines: list[str] = []
    current = ""
    for unit in _break_units(_clean(text)):
        if fits((current + unit).rstrip()):
            current += unit
            continue
        if current:
            lines.append(current.rstrip())
        # A word longer than a line is cut where it must be.
        while not fits(unit.rstrip()) and len(unit) > 1:
            cut = 1
            while cut < len(unit) and fits(unit[: cut + 1]):
                cut += 1
            lines.append(unit[:cut])
            unit = unit[cut:]
        current = unit
    if current.strip():
        lines.append(current.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _ellipsize(lines[-1] + ELLIPSIS, fits)
    return lines


def _wrap_even(
    text: str, max_width: float, max_columns: int, size: float, max_lines: int
) -> list[str]:
    """Wrap into lines of at most ``max_width`` mm and ``max_columns`` columns, then narrow
    the measure while the number of lines stays, so that no last line is left nearly empty."""

    def measure(width: float, columns: int) -> Callable[[str], bool]:
        return lambda line: _columns(line) <= columns and text_width(line, size) <= width

    lines = _wrap(text, measure(max_width, max_columns), max_lines)
    if len(lines) < 2 or lines[-1].endswith(ELLIPSIS):
        return lines
    units = [unit.rstrip() for unit in _break_units(_clean(text))]
    widest = max(text_width(unit, size) for unit in units)
    most_columns = max(_columns(unit) for unit in units)
    for columns in range(max_columns - 1, max_columns // 2, -1):
        width = max_width * columns / max_columns
        if widest > width or most_columns > columns:
            break  # narrower would cut a word
        trial = _wrap(text, measure(width, columns), max_lines)
        if len(trial) != len(lines) or trial[-1].endswith(ELLIPSIS):
            break
        lines = trial
    return lines


def _fits_width(max_width: float, size: float, *, bold: bool = False) -> Callable[[str], bool]:
    return lambda line: text_width(line, size, bold=bold) <= max_width


# --- SVG writing ----------------------------------------------------------------------------


def _n(value: float) -> str:
    """A number for SVG: at most 2 decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = TEXT_SIZE,
    fill: str = TEXT,
    anchor: str = "start",
    bold: bool = False,
) -> str:
    attributes = f'x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}" fill="{fill}"'
    if anchor != "start":
        attributes += f' text-anchor="{anchor}"'
    if bold:
        attributes += ' font-weight="bold"'
    return f"<text {attributes}>{escape(content)}</text>"


def _rect(
    x: float,
    y: float,
    width: float,
    height: float,
    fill: str,
    *,
    radius: float = 0,
    kind: str = "",
) -> str:
    """A rectangle; ``kind`` becomes its class (chip, bar), which tests and styles can find."""
    extra = f' rx="{_n(radius)}"' if radius else ""
    if kind:
        extra += f' class="{kind}"'
    return (
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(width)}" height="{_n(height)}"'
        f'{extra} fill="{fill}"/>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float) -> str:
    return (
        f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" '
        f'stroke="{stroke}" stroke-width="{_n(width)}"/>'
    )


def _document(width: float, height: float, title: str, desc: str, body: Iterable[str]) -> str:
    w, h = _n(width), _n(height)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}" role="img">'
    )
    parts = [head, f"<title>{escape(_clean(title))}</title>"]
    if desc:
        parts.append(f"<desc>{escape(_clean(desc))}</desc>")
    parts.append(f'<g font-family="{FONT_FAMILY}">')
    parts.extend(body)
    parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# --- SDG chips ----------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#RRGGBB`` colour."""
    channels = []
    for start in (1, 3, 5):
        value = int(colour[start : start + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two ``#RRGGBB`` colours, from 1 to 21."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def sdg_text_colour(goal: int) -> str:
    """White or a dark grey for text on the goal's colour, whichever contrasts more.

    Taking the better of the two keeps even the small titles at 4.5:1 or more; white loses
    on goals 2, 3, 5, 6, 7, 9, 11, 12, 14 and 15.
    """
    background = SDG_COLOURS[goal]
    if contrast_ratio(WHITE, background) >= contrast_ratio(DARK_TEXT, background):
        return WHITE
    return DARK_TEXT


def sdg_chips(
    goals: Sequence[int],
    titles: Mapping[int, str] | None = None,
    *,
    title: str = "Sustainable Development Goals",
    width_mm: float = 170,
) -> str:
    """Rounded chips in rows, one per goal: the number large and bold, the title small below.

    ``titles`` defaults to the English short titles; a goal missing from it falls back to
    English. Chips keep one width whatever their number, so a short list stays at the left.
    """
    for goal in goals:
        if goal not in SDG_COLOURS:
            raise ValueError(f"no Sustainable Development Goal {goal!r}; goals are 1 to 17")
    names = {goal: (titles or {}).get(goal) or SDG_TITLES[goal] for goal in goals}

    gap, pad, radius = 2.4, 1.8, 1.6
    number_size, title_size = 6.4, SMALL_SIZE
    columns = max(1, int((width_mm + gap) / (26 + gap)))
    chip_width = (width_mm - gap * (columns - 1)) / columns
    fits = _fits_width(chip_width - 2 * pad, title_size)
    wrapped = {goal: _wrap(names[goal], fits, 4) for goal in goals}
    most_lines = max((len(lines) for lines in wrapped.values()), default=1)
    line_height = title_size * LINE_HEIGHT
    number_height = number_size * CAP_HEIGHT
    chip_height = pad + number_height + 1.6 + most_lines * line_height + pad - 0.4

    body: list[str] = []
    for index, goal in enumerate(goals):
        x = (index % columns) * (chip_width + gap)
        y = (index // columns) * (chip_height + gap)
        ink = sdg_text_colour(goal)
        body.append(
            _rect(x, y, chip_width, chip_height, SDG_COLOURS[goal], radius=radius, kind="chip")
        )
        body.append(
            _text(
                x + pad, y + pad + number_height, str(goal), size=number_size, fill=ink, bold=True
            )
        )
        top = y + pad + number_height + 1.6
        for row, line in enumerate(wrapped[goal]):
            baseline = top + row * line_height + BASELINE * title_size
            body.append(_text(x + pad, baseline, line, size=title_size, fill=ink))
    rows = -(-len(goals) // columns)
    height = rows * chip_height + (rows - 1) * gap if rows else 1
    desc = "; ".join(f"{goal} {names[goal]}" for goal in goals)
    return _document(width_mm, height, title, desc, body)


# --- timeline -----------------------------------------------------------------------------


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


def _flag_body(flags: Sequence[_Flag], axis_y: float, tops: Sequence[float]) -> list[str]:
    """Poles and text of placed flags; ``tops`` gives the top of each flag's text block."""
    poles: list[str] = []
    texts: list[str] = []
    line_height = TEXT_SIZE * LINE_HEIGHT
    for flag, top in zip(flags, tops, strict=True):
        end = top if flag.side == 0 else top + len(flag.lines) * line_height - 0.4
        poles.append(_line(flag.pole, axis_y, flag.pole, end, POLE, 0.25))
        x = flag.pole - 1.0 if flag.leftward else flag.pole + 1.0
        anchor = "end" if flag.leftward else "start"
        for row, (text, bold) in enumerate(flag.lines):
            if text:
                baseline = top + row * line_height + BASELINE * TEXT_SIZE
                colour = ACCENT if bold else TEXT
                texts.append(_text(x, baseline, text, fill=colour, anchor=anchor, bold=bold))
    return poles + texts


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

    def draw(self, y: float, dots: Sequence[float], avoid: Sequence[float]) -> list[str]:
        """The axis line at ``y``, year ticks and their labels (away from the poles in
        ``avoid``, which run down through the label row), and a dot per event."""
        size = SMALL_SIZE
        body = [_line(self.x0, y, self.x1, y, ACCENT, 0.45)]
        label_width = text_width("0000", size)
        step = 1000
        for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
            if candidate * self.mm_per_year >= label_width + 3:
                step = candidate
                break
        for year in range(self.first + (-self.first) % step, self.last + 1, step):
            body.append(_line(self.x(year), y, self.x(year), y + 0.9, ACCENT, 0.3))
            # Single years are labelled in their middle, where their events sit.
            x = self.x(year + 0.5) if step == 1 else self.x(year)
            half = text_width(str(year), size) / 2
            if year == self.last and step == 1:
                continue
            if x - half < 0 or x + half > self.x1 + 1.5:
                continue
            if any(abs(pole - x) < half + 0.4 for pole in avoid):
                continue  # a pole runs through here; the labels carry their dates anyway
            baseline = y + 1.2 + size * BASELINE
            body.append(_text(x, baseline, str(year), size=size, fill=MUTED, anchor="middle"))
        body.extend(
            f'<circle class="event" cx="{_n(dot)}" cy="{_n(y)}" r="0.9" fill="{ACCENT}" '
            f'stroke="{WHITE}" stroke-width="0.3"/>'
            for dot in dots
        )
        return body


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
    bold_fits = _fits_width(max_width, size, bold=True)
    flags: list[_Flag] = []
    for point, pole in zip(points, poles, strict=True):
        lines: list[tuple[str, bool]] = []
        date = _clean(point.date_label)
        if date:
            lines.append((_ellipsize(date, bold_fits), True))
        wrapped = _wrap_even(point.label, max_width, 28, size, 3)
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
    body = _flag_body(flags, axis_y, tops)
    poles_below = [f.pole for f in flags if f.side == 1]
    # The axis goes over the poles and under the labels.
    split = len(flags)
    return height, body[:split] + axis.draw(axis_y, poles, poles_below) + body[split:]


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
    body = axis.draw(axis_y, poles, [])
    for x, lane, mark in markers:
        baseline = axis_y - 1.4 - lane * line_height
        body.append(_text(x, baseline, mark, fill=ACCENT, anchor="middle", bold=True))

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
        date = _clean(point.date_label).replace(" ", "\u00a0")
        # Room on the first line for the date in bold and the gap after it.
        extra = text_width(date, size, bold=True) - text_width(date, size) + _WORD_GAP
        fits = _fits_width(column_width - gutter - extra, size)
        text = f"{date} {_clean(point.label)}" if date else _clean(point.label)
        lines = _wrap(text, fits, 3) or [""]
        number = str(index + 1)
        baseline = y + BASELINE * size
        body.append(_text(x + gutter - 1.5, baseline, number, fill=ACCENT, anchor="end", bold=True))
        for row, line in enumerate(lines):
            baseline = y + row * line_height + BASELINE * size
            if row == 0 and date and line.startswith(date):
                body.append(_text(x + gutter, baseline, date, fill=ACCENT, bold=True))
                rest = line[len(date) :].strip()
                if rest:
                    rest_x = x + gutter + text_width(date, size, bold=True) + _WORD_GAP
                    body.append(_text(rest_x, baseline, rest))
            else:
                body.append(_text(x + gutter, baseline, line))
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
        body = [_line(margin, 4, width_mm - margin, 4, ACCENT, 0.45)]
        return _document(width_mm, 8, title, "", body)

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
    desc = "; ".join(f"{_clean(p.date_label)}: {_clean(p.label)}" for p in ordered)
    return _document(width_mm, height, title, desc, body)


# --- Gantt chart --------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _default_month_label(day: dt.date) -> str:
    return day.strftime("%b")


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
    ``month_label``), else nothing. Row labels are cut with … when too long. Groups get colours
    in order of first appearance and a legend when there are two or more.
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
    labels = [_clean(row.label) for row in rows]
    longest = max((text_width(label, size) for label in labels), default=0.0)
    label_column = min(max(longest + 2.0, width_mm * 0.18), width_mm * 0.38)
    chart_x0, chart_x1 = label_column, width_mm - 0.3
    mm_per_day = (chart_x1 - chart_x0) / total_days

    def x_of(day: dt.date) -> float:
        return chart_x0 + (day - scale_start).days * mm_per_day

    months = [_add_months(scale_start, i) for i in range(month_count)]
    month_texts = [_clean(month_label(m)) for m in months]
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
                (max(quarter, scale_start), min(following, scale_end), _clean(month_label(quarter)))
            )
            quarter = following
        whole = [q for q in quarters if (q[1] - q[0]).days > 85]
        if all(text_width(q[2], small) + 0.8 <= x_of(q[1]) - x_of(q[0]) for q in whole):
            periods = quarters

    year_row, period_row, row_height = 4.4, 4.2 if periods else 0.0, 5.4
    header = year_row + period_row
    rows_bottom = header + len(rows) * row_height

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
            body.append(_rect(0, header + index * row_height, width_mm, row_height, ZEBRA))

    # Grid: periods lightly, years stronger; from under the year row to the last row.
    for day, _, _ in periods[1:]:
        if day.month != 1:
            body.append(_line(x_of(day), year_row, x_of(day), rows_bottom, GRID, 0.2))
    years = list(range(scale_start.year, end.year + 1))
    for year in years[1:]:
        x = x_of(dt.date(year, 1, 1))
        body.append(_line(x, 0, x, rows_bottom, RULE, 0.25))
    body.append(_line(chart_x0, 0, chart_x0, rows_bottom, RULE, 0.25))
    body.append(_line(0, header, width_mm, header, RULE, 0.3))

    for year in years:
        left = x_of(max(dt.date(year, 1, 1), scale_start))
        right = x_of(min(dt.date(year + 1, 1, 1), scale_end))
        if text_width(str(year), size, bold=True) + 0.8 <= right - left:
            centre = (left + right) / 2
            body.append(
                _text(centre, year_row - 1.2, str(year), fill=ACCENT, anchor="middle", bold=True)
            )
    for first_day, next_day, text in periods:
        left, right = x_of(first_day), x_of(next_day)
        if text and text_width(text, small) + 0.8 <= right - left:
            centre = (left + right) / 2
            body.append(_text(centre, header - 1.1, text, size=small, fill=MUTED, anchor="middle"))

    bar_height = 3.0
    fits = _fits_width(label_column - 1.6, size)
    for index, (row, label) in enumerate(zip(rows, labels, strict=True)):
        top = header + index * row_height
        body.append(_text(0.6, top + row_height / 2 + 0.36 * size, _ellipsize(label, fits)))
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
        bar_top = top + (row_height - bar_height) / 2
        body.append(_rect(left, bar_top, right - left, bar_height, colour, radius=0.6, kind="bar"))

    if legend:
        x, y = chart_x0, rows_bottom + 2.2
        fits_legend = _fits_width(width_mm * 0.4, small)
        for group in groups:
            text = _ellipsize(_clean(group), fits_legend)
            item = 3.2 + 1.0 + text_width(text, small) + 3.0
            if x + item > width_mm and x > chart_x0:
                x, y = chart_x0, y + 4.0
            body.append(_rect(x, y, 3.2, 2.2, colours[group], radius=0.4))
            body.append(_text(x + 4.2, y + 1.1 + 0.36 * small, text, size=small, fill=TEXT))
            x += item
        height = y + 2.2 + 0.6

    desc = "; ".join(
        f"{label}: {row.start.isoformat()} to {row.end.isoformat()}"
        for row, label in zip(rows, labels, strict=True)
    )
    return _document(width_mm, height, title, desc, body)


# --- bar chart ----------------------------------------------------------------------------


def _share(value: Decimal, total: Decimal) -> str:
    if total <= 0:
        return ""
    percent = (value * 100 / total).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if percent == 0 and value > 0:
        return "<1%"
    return f"{percent}%"


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    format_value: Callable[[Decimal], str],
    width_mm: float = 170,
) -> str:
    """Horizontal bars in the given order: label at the left, value and share at the bar's end.

    The share is each value's part of the sum, in whole per cent. Values must not be negative.
    """
    for bar in bars:
        if bar.value < 0:
            raise ValueError(f"{bar.label!r} has a negative value ({bar.value})")
    size, row_height, bar_height = TEXT_SIZE, 6.0, 3.8
    total = sum((bar.value for bar in bars), Decimal(0))
    labels = [_clean(bar.label) for bar in bars]
    values = [_clean(format_value(bar.value)) for bar in bars]
    shares = [_share(bar.value, total) for bar in bars]
    ends = [
        text_width(value, size) + (_WORD_GAP + text_width(share, size) if share else 0)
        for value, share in zip(values, shares, strict=True)
    ]

    longest = max((text_width(label, size) for label in labels), default=0.0)
    label_column = min(longest + 2.5, width_mm * 0.4)
    bars_x0 = label_column
    gap = 1.2
    room = [
        (width_mm - 0.3 - bars_x0 - gap - end) / float(bar.value)
        for bar, end in zip(bars, ends, strict=True)
        if bar.value > 0
    ]
    mm_per_unit = max(0.0, min(room)) if room else 0.0

    body: list[str] = []
    fits = _fits_width(label_column - 1.5, size)
    for index, bar in enumerate(bars):
        top = 0.5 + index * row_height
        middle = top + row_height / 2
        baseline = middle + 0.36 * size
        body.append(_text(0, baseline, _ellipsize(labels[index], fits)))
        length = float(bar.value) * mm_per_unit
        # A tiny share still shows; a zero keeps its (empty) bar, one per row.
        drawn = max(length, 0.3) if bar.value > 0 else 0.0
        body.append(_rect(bars_x0, middle - bar_height / 2, drawn, bar_height, ACCENT, kind="bar"))
        value_x = bars_x0 + length + gap
        body.append(_text(value_x, baseline, values[index]))
        if shares[index]:
            share_x = value_x + text_width(values[index], size) + _WORD_GAP
            body.append(_text(share_x, baseline, shares[index], fill=MUTED))
    height = 1.0 + len(bars) * row_height
    if bars:
        body.append(_line(bars_x0, 0.5, bars_x0, height - 0.5, RULE, 0.3))

    desc = "; ".join(
        f"{label}: {value}" + (f" ({share})" if share else "")
        for label, value, share in zip(labels, values, shares, strict=True)
    )
    return _document(width_mm, height, title, desc, body)
