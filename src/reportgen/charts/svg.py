"""Writing SVG: the palette, text sizes, and the few elements every chart is drawn with.

Every length is in millimetres: a document is ``width="170mm"`` with a ``viewBox`` in mm.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.sax.saxutils import escape

from reportgen.charts.text import clean
from reportgen.scripts import font_families

FONT_FAMILY = ", ".join([*font_families(), "sans-serif"])
"""Every script's font, Latin first (its metrics are the ones estimated)."""

WHITE = "#FFFFFF"
DARK_TEXT = "#1A1A1A"
ACCENT = "#1F3A5F"
TEXT = "#2B2B2B"
MUTED = "#5F6B7A"
RULE = "#B9C3CF"
GRID = "#E3E8EE"
ZEBRA = "#F4F6F9"
POLE = "#9AA7B8"

# Font sizes (mm in the viewBox): 2.65 mm is 7.5 pt, 2.5 mm is 7.1 pt.
TEXT_SIZE = 2.65
SMALL_SIZE = 2.5

# Between two texts set side by side in different styles. Two spaces wide: PDF text
# extraction (pypdf) then sees a space there, which a tspan boundary would lose.
WORD_GAP = 1.5


def number(value: float) -> str:
    """A number for SVG: at most 2 decimals, no trailing zeros."""
    shown = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if shown in ("-0", "") else shown


def text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = TEXT_SIZE,
    fill: str = TEXT,
    anchor: str = "start",
    bold: bool = False,
) -> str:
    """One line of text at ``x``, ``y`` (its baseline), escaped."""
    attributes = f'x="{number(x)}" y="{number(y)}" font-size="{number(size)}" fill="{fill}"'
    if anchor != "start":
        attributes += f' text-anchor="{anchor}"'
    if bold:
        attributes += ' font-weight="bold"'
    return f"<text {attributes}>{escape(content)}</text>"


def rect(
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
    extra = f' rx="{number(radius)}"' if radius else ""
    if kind:
        extra += f' class="{kind}"'
    return (
        f'<rect x="{number(x)}" y="{number(y)}" width="{number(width)}" height="{number(height)}"'
        f'{extra} fill="{fill}"/>'
    )


def line(x1: float, y1: float, x2: float, y2: float, stroke: str, width: float) -> str:
    """A straight line from (``x1``, ``y1``) to (``x2``, ``y2``)."""
    return (
        f'<line x1="{number(x1)}" y1="{number(y1)}" x2="{number(x2)}" y2="{number(y2)}" '
        f'stroke="{stroke}" stroke-width="{number(width)}"/>'
    )


def document(width: float, height: float, title: str, desc: str, body: Iterable[str]) -> str:
    """The SVG document around ``body``: sized in mm, with its title and description."""
    w, h = number(width), number(height)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" '
        f'viewBox="0 0 {w} {h}" role="img">'
    )
    parts = [head, f"<title>{escape(clean(title))}</title>"]
    if desc:
        parts.append(f"<desc>{escape(clean(desc))}</desc>")
    parts.append(f'<g font-family="{FONT_FAMILY}">')
    parts.extend(body)
    parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
