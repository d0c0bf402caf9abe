"""The 17 Sustainable Development Goals: their colours and short titles, and chips of them.

Colours and titles are the UN's; the titles are marked for translation (catalogs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reportgen.charts import svg
from reportgen.charts.svg import DARK_TEXT, SMALL_SIZE, WHITE
from reportgen.charts.text import BASELINE, CAP_HEIGHT, LINE_HEIGHT, wrap_balanced
from reportgen.i18n import N_

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
    room = chip_width - 2 * pad
    wrapped = {goal: wrap_balanced(names[goal], room, title_size, 4) for goal in goals}
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
            svg.rect(x, y, chip_width, chip_height, SDG_COLOURS[goal], radius=radius, kind="chip")
        )
        body.append(
            svg.text(
                x + pad, y + pad + number_height, str(goal), size=number_size, fill=ink, bold=True
            )
        )
        top = y + pad + number_height + 1.6
        for row, line in enumerate(wrapped[goal]):
            baseline = top + row * line_height + BASELINE * title_size
            body.append(svg.text(x + pad, baseline, line, size=title_size, fill=ink))
    rows = -(-len(goals) // columns)
    height = rows * chip_height + (rows - 1) * gap if rows else 1
    desc = "; ".join(f"{goal} {names[goal]}" for goal in goals)
    return svg.document(width_mm, height, title, desc, body)
