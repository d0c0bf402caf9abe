"""Tests for the SVG charts: structure, escaping, layout, colour contrast and a real render."""

from __future__ import annotations

import base64
import datetime as dt
import io
import itertools
import logging
import random
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from decimal import Decimal

import pytest

from reportgen.charts import (
    SDG_COLOURS,
    SDG_TITLES,
    Bar,
    GanttRow,
    TimelinePoint,
    bar_chart,
    contrast_ratio,
    gantt,
    sdg_chips,
    sdg_text_colour,
    text_width,
    timeline,
)

SVG = "{http://www.w3.org/2000/svg}"
D = dt.date
EVIL = "<script>alert('x')</script> & Co"

EVENTS = [
    TimelinePoint(1979, "Friendship city agreement with Dalian (大連市)", "May 1979"),
    TimelinePoint(1980, "KITA founded: technology transfer and training", "1980"),
    TimelinePoint(1993, "Kitakyushu proposes the Dalian Environmental Model Zone", "Dec 1993"),
    TimelinePoint(
        1996,
        "JICA development study adopted, the first local-government cooperation "
        "to become environmental ODA",
        "Feb 1996",
    ),
    TimelinePoint(2001, "Dalian receives the UNEP Global 500 award", "2001"),
    TimelinePoint(2009, "30th anniversary", "2009"),
    TimelinePoint(2009, "LivCom Award for Dalian", "2009"),
    TimelinePoint(2024, "45th anniversary: Mayor Chen Shaowang visits 北九州市", "2024"),
]

ROWS = [
    GanttRow("A1 Joint monitoring survey", D(2025, 4, 1), D(2025, 9, 30), "O1"),
    GanttRow("A2 Baseline report", D(2025, 8, 1), D(2025, 11, 30), "O1"),
    GanttRow("A3 Training of trainers", D(2025, 10, 1), D(2026, 3, 31), "O2"),
    GanttRow("M Monitoring and evaluation", D(2025, 4, 1), D(2026, 3, 31)),
]

BARS = [
    Bar("Personnel", Decimal("30000000")),
    Bar("Travel", Decimal("15000000")),
    Bar("Equipment", Decimal("20000000")),
    Bar("Other", Decimal("10000000")),
]


def yen(value: Decimal) -> str:
    return f"JPY {value:,.0f}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def count(root: ET.Element, tag: str, kind: str) -> int:
    return sum(1 for element in root.iter(f"{SVG}{tag}") if element.get("class") == kind)


def text_boxes(root: ET.Element) -> list[tuple[float, float, float, float, str]]:
    """Estimated boxes (left, top, right, bottom, text) of every text element."""
    boxes = []
    for element in root.iter(f"{SVG}text"):
        content = "".join(element.itertext())
        size = float(element.get("font-size", "0"))
        width = text_width(content, size, bold=element.get("font-weight") == "bold")
        x, y = float(element.get("x", "0")), float(element.get("y", "0"))
        anchor = element.get("text-anchor", "start")
        left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
        boxes.append((left, y - 0.75 * size, left + width, y + 0.2 * size, content))
    return boxes


def assert_no_text_overlaps(svg: str) -> None:
    root = parse(svg)
    width = float(root.get("viewBox", "").split()[2])
    boxes = text_boxes(root)
    for left, _, right, _, content in boxes:
        assert left >= -0.01 and right <= width + 0.01, f"{content!r} runs off the chart"
    for first, second in itertools.combinations(boxes, 2):
        apart = (
            first[2] <= second[0]
            or second[2] <= first[0]
            or first[3] <= second[1]
            or second[3] <= first[1]
        )
        assert apart, f"{first[4]!r} overlaps {second[4]!r}"


def all_charts() -> dict[str, str]:
    return {
        "chips": sdg_chips([6, 11, 13, 17]),
        "timeline": timeline(EVENTS, title="Kitakyushu and Dalian"),
        "gantt": gantt(ROWS, start=D(2025, 4, 1), end=D(2026, 3, 31), title="Work plan"),
        "bars": bar_chart(BARS, title="Budget", format_value=yen),
    }


# --- every chart --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["chips", "timeline", "gantt", "bars"])
def test_chart_is_a_titled_svg_document_in_millimetres(name: str) -> None:
    svg = all_charts()[name]

    root = parse(svg)

    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" ')
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("width") == "170mm"
    height = root.get("height", "")
    assert re.fullmatch(r"\d+(\.\d{1,2})?mm", height)
    assert root.get("viewBox") == f"0 0 170 {height.removesuffix('mm')}"
    assert root[0].tag == f"{SVG}title"
    assert root[0].text


@pytest.mark.parametrize("name", ["chips", "timeline", "gantt", "bars"])
def test_chart_has_no_scripts_links_or_external_references(name: str) -> None:
    svg = all_charts()[name]

    lowered = svg.lower()

    for forbidden in ("<script", "href", "foreignobject", "url(", "<image", "@import"):
        assert forbidden not in lowered


@pytest.mark.parametrize("name", ["chips", "timeline", "gantt", "bars"])
def test_chart_numbers_have_at_most_two_decimals(name: str) -> None:
    svg = all_charts()[name]

    numbers = re.findall(r'="(-?\d+\.\d+)(?:mm)?"', svg)

    assert numbers
    assert all(len(number.split(".")[1]) <= 2 for number in numbers)


def test_charts_are_deterministic() -> None:
    first, second = all_charts(), all_charts()

    assert first == second


def test_width_follows_width_mm() -> None:
    svg = bar_chart(BARS, title="Budget", format_value=yen, width_mm=80)

    root = parse(svg)

    assert root.get("width") == "80mm"
    assert root.get("viewBox", "").startswith("0 0 80 ")
    assert_no_text_overlaps(svg)


@pytest.mark.parametrize(
    "make",
    [
        lambda label: sdg_chips([13], {13: label}, title=label),
        lambda label: timeline([TimelinePoint(2000, label, label)], title=label),
        lambda label: gantt(
            [GanttRow(label, D(2025, 1, 1), D(2025, 2, 1), label)],
            start=D(2025, 1, 1),
            end=D(2025, 12, 31),
            title=label,
            month_label=lambda d: label,
        ),
        lambda label: bar_chart(
            [Bar(label, Decimal(1))], title=label, format_value=lambda v: label
        ),
    ],
    ids=["chips", "timeline", "gantt", "bars"],
)
def test_labels_are_escaped(make: Callable[[str], str]) -> None:
    svg = make(EVIL)

    root = parse(svg)

    assert "<script" not in svg
    assert "&lt;script&gt;" in svg
    assert not list(root.iter(f"{SVG}script"))
    assert root[0].text == EVIL


def test_control_characters_in_labels_are_dropped() -> None:
    svg = bar_chart([Bar("Tra\x00vel\x1b", Decimal(1))], title="t\x07", format_value=str)

    root = parse(svg)

    assert "Travel" in texts(root)


# --- SDG chips ----------------------------------------------------------------------------


def test_sdg_tables_cover_the_17_goals() -> None:
    assert sorted(SDG_TITLES) == list(range(1, 18))
    assert sorted(SDG_COLOURS) == list(range(1, 18))
    assert SDG_TITLES[13] == "Climate Action"
    assert SDG_COLOURS[1] == "#E5243B"
    assert SDG_COLOURS[14] == "#0A97D9"


@pytest.mark.parametrize("goal", range(1, 18))
def test_sdg_text_colour_contrasts_enough_with_the_chip(goal: int) -> None:
    colour = sdg_text_colour(goal)

    # 3:1 is the WCAG minimum for large bold text (the number); the better of white and dark
    # reaches 4.5:1, the minimum for the small title, on every goal.
    assert contrast_ratio(colour, SDG_COLOURS[goal]) >= 4.5


@pytest.mark.parametrize("goal", [2, 7, 11])
def test_sdg_text_colour_is_dark_where_white_fails(goal: int) -> None:
    assert sdg_text_colour(goal) != "#FFFFFF"
    assert contrast_ratio("#FFFFFF", SDG_COLOURS[goal]) < 3.0


def test_sdg_text_colour_is_white_on_dark_goals() -> None:
    assert sdg_text_colour(17) == "#FFFFFF"
    assert sdg_text_colour(4) == "#FFFFFF"


def test_sdg_chips_draw_one_chip_per_goal_with_number_and_title() -> None:
    svg = sdg_chips(range(1, 18))

    root = parse(svg)

    assert count(root, "rect", "chip") == 17
    assert root[0].text == "Sustainable Development Goals"
    assert {str(goal) for goal in range(1, 18)} <= set(texts(root))
    assert "Climate Action" in texts(root)
    assert_no_text_overlaps(svg)


def test_sdg_chips_text_uses_the_chosen_colour() -> None:
    root = parse(sdg_chips([7, 17]))

    number_fills = {
        element.text: element.get("fill")
        for element in root.iter(f"{SVG}text")
        if element.text in ("7", "17")
    }

    assert number_fills == {"7": sdg_text_colour(7), "17": "#FFFFFF"}


def test_sdg_chips_take_translated_titles_and_fall_back_to_english() -> None:
    root = parse(sdg_chips([13, 14], {13: "気候変動に具体的な対策を"}, title="SDGs"))

    joined = "".join(texts(root))

    assert "気候変動に具体的な対策を" in joined
    assert "Life Below Water" in joined
    assert root[0].text == "SDGs"


def test_sdg_chips_wrap_rows() -> None:
    root = parse(sdg_chips(range(1, 18)))

    rows = {element.get("y") for element in root.iter(f"{SVG}rect")}

    assert len(rows) == 3  # six chips a row at 170 mm


@pytest.mark.parametrize(
    ("title", "width"),
    [
        ("質の高い教育をみんなに", 170),
        ("エネルギーをみんなに そしてクリーンに", 170),
        ("Partnerships for the Goals", 120),
    ],
)
def test_sdg_chip_title_leaves_no_word_alone_on_its_last_line(title: str, width: int) -> None:
    svg = sdg_chips([7], {7: title}, width_mm=width)
    lines = [text for text in texts(parse(svg)) if text != "7"]

    assert len(lines) >= 2
    assert " ".join(lines).replace(" ", "") == title.replace(" ", "")
    assert min(len(line) for line in lines) >= len(title) // 3
    assert_no_text_overlaps(svg)


def test_sdg_chips_reject_an_unknown_goal() -> None:
    with pytest.raises(ValueError, match="18"):
        sdg_chips([1, 18])


def test_sdg_chips_accept_no_goals() -> None:
    root = parse(sdg_chips([]))

    assert count(root, "rect", "chip") == 0


# --- timeline -----------------------------------------------------------------------------


def test_timeline_draws_a_dot_and_a_label_per_event() -> None:
    svg = timeline(EVENTS, title="Kitakyushu and Dalian")

    root = parse(svg)
    joined = "\n".join(texts(root))

    assert root[0].text == "Kitakyushu and Dalian"
    assert count(root, "circle", "event") == len(EVENTS)
    assert "May 1979" in joined
    assert "30th anniversary" in joined


def assert_no_pole_crosses_text(svg: str) -> None:
    root = parse(svg)
    poles = [
        element for element in root.iter(f"{SVG}line") if element.get("x1") == element.get("x2")
    ]
    boxes = text_boxes(root)
    for pole in poles:
        x = float(pole.get("x1", "0"))
        low, high = sorted((float(pole.get("y1", "0")), float(pole.get("y2", "0"))))
        for left, top, right, bottom, content in boxes:
            crosses = left < x < right and top < high and low < bottom
            assert not crosses, f"a pole crosses {content!r}"


def test_timeline_labels_and_poles_do_not_overlap() -> None:
    svg = timeline(EVENTS, title="t")

    assert_no_text_overlaps(svg)
    assert_no_pole_crosses_text(svg)


def test_timeline_labels_every_year_of_its_scale_even_under_a_pole() -> None:
    zone = "the Dalian Environmental Model Zone"
    points = [
        TimelinePoint(1979, "Friendship city agreement with Dalian", "1 May 1979"),
        TimelinePoint(1993, f"Kitakyushu proposes {zone}", "December 1993"),
        TimelinePoint(1996, f"JICA development study adopted for {zone}", "February 1996"),
        TimelinePoint(2009, "30th anniversary of the friendship with Dalian", "2009"),
        TimelinePoint(2024, "45th anniversary of the friendship with Dalian", "2024"),
    ]

    svg = timeline(points, title="t")
    shown = texts(parse(svg))

    # the pole of 2009 runs down past the label of 2010: the label is there all the same
    assert [year for year in range(1980, 2026, 5) if str(year) not in shown] == []
    assert_no_pole_crosses_text(svg)
    assert_no_text_overlaps(svg)


WORDS = ["Friendship", "city", "agreement", "北九州市", "大连市环境示范区", "joint", "on"]
WORDS += ["環境モデル都市の提案", "seminar", "Hai", "Phong", "Supercalifragilisticexpialidocious"]


@pytest.mark.parametrize("seed", range(40))
def test_timeline_layout_keeps_labels_apart_on_random_events(seed: int) -> None:
    pick = random.Random(seed)
    first, span = pick.randint(1950, 2000), pick.choice([1, 5, 20, 60])
    points = [
        TimelinePoint(
            first + pick.randint(0, span),
            " ".join(pick.choice(WORDS) for _ in range(pick.randint(1, 9))),
            pick.choice(["May 1979", "2014", "29 March 2016", ""]),
        )
        for _ in range(pick.choice([1, 2, 4, 7, 12, 20, 30]))
    ]

    svg = timeline(points, title="t", width_mm=pick.choice([170, 120, 80]))

    assert count(parse(svg), "circle", "event") == len(points)
    assert_no_text_overlaps(svg)
    assert_no_pole_crosses_text(svg)


def test_timeline_wraps_long_labels_into_three_lines_of_28_columns() -> None:
    long = "環境協力" * 20
    root = parse(timeline([TimelinePoint(2000, long, "2000")], title="t"))

    lines = [text for text in texts(root) if "環境" in text]

    assert 1 < len(lines) <= 3
    assert all(len(line) * 2 <= 28 for line in lines)
    assert lines[-1].endswith("…")


def test_timeline_handles_one_event() -> None:
    svg = timeline([TimelinePoint(2016, "Sister city with Phnom Penh", "29 March 2016")], title="t")

    root = parse(svg)

    assert count(root, "circle", "event") == 1
    assert "2016" in texts(root)
    assert_no_text_overlaps(svg)


def test_timeline_handles_thirty_events_in_bounded_height() -> None:
    points = [
        TimelinePoint(1990 + i, f"Event number {i} with a rather long description", str(1990 + i))
        for i in range(30)
    ]

    svg = timeline(points, title="t")
    root = parse(svg)

    assert count(root, "circle", "event") == 30
    assert float(root.get("height", "").removesuffix("mm")) < 170
    assert_no_text_overlaps(svg)


def test_timeline_handles_events_in_one_year() -> None:
    points = [TimelinePoint(2009, f"Event {i}", "2009") for i in range(4)]

    svg = timeline(points, title="t")
    root = parse(svg)

    dots = {element.get("cx") for element in root.iter(f"{SVG}circle")}
    assert len(dots) == 4
    assert_no_text_overlaps(svg)


def test_timeline_accepts_no_events() -> None:
    root = parse(timeline([], title="t"))

    assert count(root, "circle", "event") == 0


# --- Gantt chart --------------------------------------------------------------------------


def test_gantt_draws_one_bar_and_label_per_row() -> None:
    svg = gantt(ROWS, start=D(2025, 4, 1), end=D(2026, 3, 31), title="Work plan")

    root = parse(svg)
    shown = texts(root)

    assert root[0].text == "Work plan"
    assert count(root, "rect", "bar") == len(ROWS)
    assert "A1 Joint monitoring survey" in shown
    assert {"2025", "2026", "Apr", "Mar"} <= set(shown)
    assert_no_text_overlaps(svg)


def test_gantt_colours_bars_by_group() -> None:
    root = parse(gantt(ROWS, start=D(2025, 4, 1), end=D(2026, 3, 31), title="t"))

    fills = [rect.get("fill") for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]

    assert fills[0] == fills[1]
    assert len(set(fills[:3])) == 2
    assert {"O1", "O2"} <= set(texts(root))  # legend


def test_gantt_shows_quarters_for_more_than_24_months() -> None:
    svg = gantt(ROWS, start=D(2025, 4, 1), end=D(2028, 3, 31), title="t")

    shown = texts(parse(svg))

    assert "Apr" in shown and "Jul" in shown
    assert "May" not in shown
    assert_no_text_overlaps(svg)


def test_gantt_uses_the_month_label_function() -> None:
    svg = gantt(
        ROWS,
        start=D(2025, 4, 1),
        end=D(2026, 3, 31),
        title="t",
        month_label=lambda d: f"{d.month}月",
    )

    shown = texts(parse(svg))

    assert "4月" in shown and "12月" in shown


def test_gantt_cuts_a_row_label_longer_than_three_lines() -> None:
    rows = [GanttRow("A9 " + "very long activity name " * 10, D(2025, 4, 1), D(2025, 5, 1))]

    svg = gantt(rows, start=D(2025, 4, 1), end=D(2026, 3, 31), title="t")
    shown = texts(parse(svg))
    first = shown.index(next(text for text in shown if text.startswith("A9")))
    label = shown[first : first + 3]  # wrapped to three lines, the last cut

    assert label[-1].endswith("…")
    assert not label[0].endswith("…")
    assert_no_text_overlaps(svg)


def test_gantt_wraps_a_long_row_label_and_prints_it_in_full() -> None:
    label = "A2.3 Joint training of monitoring staff on PM2.5 source apportionment in Dalian"
    rows = [
        GanttRow(label, D(2025, 4, 1), D(2025, 9, 1)),
        GanttRow("A3", D(2025, 6, 1), D(2025, 8, 1)),
    ]

    svg = gantt(rows, start=D(2025, 4, 1), end=D(2026, 3, 31), title="t")
    shown = texts(parse(svg))
    first = shown.index(next(text for text in shown if text.startswith("A2.3")))
    lines = shown[first : shown.index("A3")]

    assert len(lines) >= 2
    assert " ".join(lines) == label  # nothing cut
    assert_no_text_overlaps(svg)


def test_gantt_clips_bars_to_the_chart() -> None:
    rows = [GanttRow("A1", D(2024, 1, 1), D(2030, 1, 1))]

    root = parse(gantt(rows, start=D(2025, 4, 1), end=D(2026, 3, 31), title="t"))
    bar = next(rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar")

    right = float(bar.get("x", "0")) + float(bar.get("width", "0"))
    assert right <= 170


LONG_OUTPUT = "Output 1: Monitoring network upgraded and calibrated across the twelve city stations"
LONGER_OUTPUT = (
    "Output 2: A city action plan for PM2.5, drafted with the environment bureaus of both "
    "cities, adopted by the city council and published with its monitoring data"
)


def legend_rows(long: str, longer: str) -> list[GanttRow]:
    return [
        GanttRow("A1 Survey", D(2025, 4, 1), D(2025, 9, 30), long),
        GanttRow("A2 Plan", D(2025, 10, 1), D(2026, 3, 31), longer),
    ]


def test_gantt_legend_prints_long_output_titles_in_full() -> None:
    rows = legend_rows(LONG_OUTPUT, "Output 2: Plan")

    svg = gantt(rows, start=D(2025, 4, 1), end=D(2026, 3, 31), title="t")
    shown = texts(parse(svg))

    assert LONG_OUTPUT in shown
    assert not any(text.endswith("…") for text in shown)
    assert_no_text_overlaps(svg)


def test_gantt_legend_wraps_a_title_wider_than_the_chart() -> None:
    rows = legend_rows(LONG_OUTPUT, LONGER_OUTPUT)

    svg = gantt(rows, start=D(2025, 4, 1), end=D(2026, 3, 31), title="t")
    root = parse(svg)
    elements = list(root.iter(f"{SVG}text"))
    first = next(i for i, e in enumerate(elements) if "".join(e.itertext()).startswith("Output 2"))
    lines = elements[first:]

    assert len(lines) == 2  # the last item: two lines, nothing cut
    assert " ".join("".join(line.itertext()) for line in lines) == LONGER_OUTPUT
    height = float(root.get("viewBox", "").split()[3])
    assert float(lines[1].get("y", "0")) > float(lines[0].get("y", "0"))
    assert float(lines[1].get("y", "0")) < height
    assert_no_text_overlaps(svg)


def test_gantt_legend_is_deterministic() -> None:
    rows = legend_rows(LONG_OUTPUT, LONGER_OUTPUT)

    def draw() -> str:
        return gantt(rows, start=D(2025, 4, 1), end=D(2026, 3, 31), title="t")

    assert draw() == draw()


def test_gantt_rejects_an_end_before_the_start() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        gantt([], start=D(2026, 1, 1), end=D(2025, 1, 1), title="t")
    with pytest.raises(ValueError, match="A1"):
        gantt(
            [GanttRow("A1", D(2025, 5, 1), D(2025, 4, 1))],
            start=D(2025, 1, 1),
            end=D(2025, 12, 31),
            title="t",
        )


# --- bar chart ----------------------------------------------------------------------------


def test_bar_chart_draws_bars_in_order_with_values_and_shares() -> None:
    svg = bar_chart(BARS, title="Budget", format_value=yen)

    root = parse(svg)
    shown = texts(root)
    widths = [
        float(rect.get("width", "0"))
        for rect in root.iter(f"{SVG}rect")
        if rect.get("class") == "bar"
    ]

    assert root[0].text == "Budget"
    assert count(root, "rect", "bar") == 4
    assert shown[:3] == ["Personnel", "JPY 30,000,000", "40%"]
    assert shown[-2:] == ["JPY 10,000,000", "13%"]
    assert widths[0] > widths[2] > widths[1] > widths[3]
    assert_no_text_overlaps(svg)


def test_bar_chart_marks_tiny_shares() -> None:
    bars = [Bar("Big", Decimal(100000)), Bar("Tiny", Decimal(1))]

    shown = texts(parse(bar_chart(bars, title="t", format_value=str)))

    assert shown[-2:] == ["1", "<1%"]


def test_bar_chart_handles_a_zero_total() -> None:
    root = parse(bar_chart([Bar("A", Decimal(0))], title="t", format_value=str))

    assert "0" in texts(root)


def test_bar_chart_rejects_negative_values() -> None:
    with pytest.raises(ValueError, match="negative"):
        bar_chart([Bar("Refund", Decimal(-1))], title="t", format_value=str)


# --- rendering ----------------------------------------------------------------------------


def cjk_fonts_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    listing = subprocess.run([fc_list], capture_output=True, text=True, check=False).stdout
    return "noto sans cjk" in listing.lower()


def test_charts_render_through_weasyprint_with_extractable_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    weasyprint = pytest.importorskip("weasyprint")
    pypdf = pytest.importorskip("pypdf")
    images = "".join(
        '<img style="display: block" src="data:image/svg+xml;base64,'
        + base64.b64encode(svg.encode()).decode()
        + '">'
        for svg in (
            sdg_chips([13]),
            timeline(EVENTS[-2:], title="t"),
            bar_chart(BARS, title="Budget", format_value=yen),
        )
    )

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=f"<body>{images}</body>").write_pdf()
    page_text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

    assert not [record for record in caplog.records if record.name.startswith("weasyprint")]
    assert "Climate Action" in page_text
    assert "LivCom Award for Dalian" in page_text
    assert re.search(r"JPY 30,000,000\s+40%", page_text)
    if not cjk_fonts_installed():
        pytest.skip("no Noto Sans CJK font (fc-list), so CJK text cannot be checked")
    assert "北九州市" in page_text
