"""Charts drawn as SVG from data: SDG chips, partnership timelines, work plans and bar charts.

Each function returns a self-contained SVG document: no scripts, no links, no external files.
The document is sized in millimetres (``width="170mm"``) and its ``viewBox`` counts in
millimetres too, so every length is in mm. Text widths are estimated from Noto Sans
metrics, which keeps the layout independent of the fonts installed where the code runs and
the output identical for identical input.

    text.py      text widths, wrapping and shortening
    svg.py       palette, sizes and the SVG elements charts are drawn with
    sdg.py       the goals' colours and titles; SDG chips
    timeline.py  the partnership timeline
    gantt.py     the work plan
    budget.py    the budget bar chart
"""

from __future__ import annotations

from reportgen.charts.budget import Bar, bar_chart
from reportgen.charts.gantt import GanttRow, gantt
from reportgen.charts.sdg import (
    SDG_COLOURS,
    SDG_TITLES,
    contrast_ratio,
    sdg_chips,
    sdg_text_colour,
)
from reportgen.charts.text import text_width
from reportgen.charts.timeline import TimelinePoint, timeline

__all__ = [
    "SDG_COLOURS",
    "SDG_TITLES",
    "Bar",
    "GanttRow",
    "TimelinePoint",
    "bar_chart",
    "contrast_ratio",
    "gantt",
    "sdg_chips",
    "sdg_text_colour",
    "text_width",
    "timeline",
]
