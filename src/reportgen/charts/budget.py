"""The budget bar chart: one horizontal bar per category, with its amount and share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from reportgen.charts import svg
from reportgen.charts.svg import ACCENT, MUTED, RULE, TEXT_SIZE, WORD_GAP
from reportgen.charts.text import clean, ellipsize, fits_width, text_width


@dataclass(frozen=True)
class Bar:
    """One bar of a bar chart."""

    label: str
    value: Decimal


def _share(value: Decimal, total: Decimal, percent: Callable[[Decimal], str] | None = None) -> str:
    """The whole per cent of ``total`` that ``value`` is ("<1%" for a tiny one), written
    by ``percent`` (a fraction in the language's format) when given."""
    if total <= 0:
        return ""
    whole = (value * 100 / total).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    written = percent or (lambda fraction: f"{fraction * 100:.0f}%")
    if whole == 0 and value > 0:
        return "<" + written(Decimal("0.01"))
    return written(whole / 100)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    format_value: Callable[[Decimal], str],
    format_share: Callable[[Decimal], str] | None = None,
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
    labels = [clean(bar.label) for bar in bars]
    values = [clean(format_value(bar.value)) for bar in bars]
    shares = [_share(bar.value, total, format_share) for bar in bars]
    ends = [
        text_width(value, size) + (WORD_GAP + text_width(share, size) if share else 0)
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
    fits = fits_width(label_column - 1.5, size)
    for index, bar in enumerate(bars):
        top = 0.5 + index * row_height
        middle = top + row_height / 2
        baseline = middle + 0.36 * size
        body.append(svg.text(0, baseline, ellipsize(labels[index], fits)))
        length = float(bar.value) * mm_per_unit
        # A tiny share still shows; a zero keeps its (empty) bar, one per row.
        drawn = max(length, 0.3) if bar.value > 0 else 0.0
        body.append(
            svg.rect(bars_x0, middle - bar_height / 2, drawn, bar_height, ACCENT, kind="bar")
        )
        value_x = bars_x0 + length + gap
        body.append(svg.text(value_x, baseline, values[index]))
        if shares[index]:
            share_x = value_x + text_width(values[index], size) + WORD_GAP
            body.append(svg.text(share_x, baseline, shares[index], fill=MUTED))
    height = 1.0 + len(bars) * row_height
    if bars:
        body.append(svg.line(bars_x0, 0.5, bars_x0, height - 0.5, RULE, 0.3))

    desc = "; ".join(
        f"{label}: {value}" + (f" ({share})" if share else "")
        for label, value, share in zip(labels, values, shares, strict=True)
    )
    return svg.document(width_mm, height, title, desc, body)
