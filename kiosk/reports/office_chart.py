"""The chart of hand-outs per day in the office's reports: a bar a day, readable for one day and
for a year. Bars stay at most a finger wide when there are few days; day labels are thinned to
what fits (every day, every few days, or the first of each month), so they never pile up."""

from __future__ import annotations

import math
from datetime import date

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String

from .pdf_kit import pick_fonts
from .pdf_pages import BAR, GREY, INK, RULE

HEIGHT = 165.0
MOST_LABELS = 14  # day labels that fit side by side under the chart
WIDEST_BAR = 36.0  # points


def nice_step(most: int) -> int:
    """A step for the count axis: 1, 2, 5, 10, 20, 50... giving about five lines."""
    raw = max(most / 5, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return int(factor * power)
    return int(10 * power)


def day_labels(days: list[date]) -> list[str]:
    """A label for some days ("" for the rest), so that at most about MOST_LABELS show."""
    n = len(days)
    if n == 1:
        return [f"{days[0]:%a %b} {days[0].day}"]
    if n <= 62:
        every = math.ceil(n / MOST_LABELS)
        return [f"{d:%b} {d.day}" if i % every == 0 else "" for i, d in enumerate(days)]
    months = [i for i, d in enumerate(days) if d.day == 1]
    every = math.ceil(len(months) / MOST_LABELS)
    shown = set(months[::every])
    labels = []
    for i, d in enumerate(days):
        first = i == min(shown)
        labels.append("" if i not in shown else
                      f"{d:%b %Y}" if first or d.month == 1 else f"{d:%b}")
    return labels


def hand_outs_chart(per_day: list[tuple[date, int]], width: float) -> Drawing:
    """The bar chart of ``per_day`` (every day of the period, in order), ``width`` wide."""
    regular, _ = pick_fonts()
    days = [d for d, _ in per_day]
    counts = [n for _, n in per_day]
    most = max(counts, default=0)
    step = nice_step(most)
    drawing = Drawing(width, HEIGHT)
    chart = VerticalBarChart()
    chart.x, chart.y = 38, 34
    chart.width, chart.height = width - 48, HEIGHT - 52
    chart.data = [counts or [0]]
    chart.strokeColor = None
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.bars[0].strokeWidth = 0
    slot = chart.width / max(len(counts), 1)
    share = min(0.8, WIDEST_BAR / slot)
    chart.barWidth, chart.groupSpacing, chart.barSpacing = share, 1 - share, 0
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = max(step, math.ceil(most / step) * step)
    chart.valueAxis.valueStep = step
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labels.fillColor = GREY
    chart.valueAxis.labelTextFormat = "{:,.0f}".format
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = RULE
    chart.valueAxis.gridStrokeWidth = 0.3
    chart.categoryAxis.categoryNames = day_labels(days) if days else [""]
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.fillColor = INK
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.categoryAxis.labels.dy = -3
    chart.categoryAxis.strokeColor = GREY
    chart.categoryAxis.tickDown = 3 if len(counts) <= 31 else 0
    if len(counts) <= 31:  # a number on each bar where there is room for it
        chart.barLabelFormat = "%d"
        chart.barLabels.fontName = regular
        chart.barLabels.fontSize = 7
        chart.barLabels.fillColor = INK
        chart.barLabels.nudge = 6
    drawing.add(chart)
    drawing.add(String(2, HEIGHT - 10, "Hand-outs", fontName=regular, fontSize=7,
                       fillColor=GREY))
    return drawing
