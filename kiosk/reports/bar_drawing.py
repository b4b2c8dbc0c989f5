"""A bar chart (kiosk/domain/charts.py) as a reportlab drawing for a printed report: the same
data, series and colours as the page's inline SVG. Texts are drawn as plain strings."""

from __future__ import annotations

import math

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor

from ..domain.charts import PALETTE, BarChart, nice_top
from .pdf_kit import clean_line, ellipsize, pick_fonts


def drawing(chart: BarChart, width: float = 720.0) -> Drawing:
    regular, _ = pick_fonts()
    categories = [clean_line(c) for c in chart.categories] or [""]
    data = [list(s.values) or [0] for s in chart.series] or [[0] * len(categories)]
    if chart.horizontal:
        height = 40 + (4 + 9 * len(data)) * len(categories)
        bars: HorizontalBarChart | VerticalBarChart = HorizontalBarChart()
        bars.x, bars.y, bars.width, bars.height = 170, 20, width - 190, height - 40
        largest = max((v for row in data for v in row), default=0)
        categories = [ellipsize(c, regular, 7, 160) for c in categories]
    else:
        height = 200
        bars = VerticalBarChart()
        bars.x, bars.y, bars.width, bars.height = 40, 30, width - 50, height - 60
        bars.categoryAxis.style = "stacked"
        largest = max((sum(row[i] for row in data) for i in range(len(categories))), default=0)
        every = max(1, math.ceil(len(categories) / 12))  # a label every so many bars
        last = len(categories) - 1  # the latest always named
        categories = [c if (last - i) % every == 0 else "" for i, c in enumerate(categories)]
    top, step = nice_top(largest)
    bars.data = data
    bars.categoryAxis.categoryNames = categories
    bars.valueAxis.valueMin, bars.valueAxis.valueMax, bars.valueAxis.valueStep = 0, top, step
    for axis in (bars.categoryAxis, bars.valueAxis):
        axis.labels.fontName, axis.labels.fontSize = regular, 7
    for i in range(len(data)):
        bars.bars[i].fillColor = HexColor(PALETTE[i % len(PALETTE)])
        bars.bars[i].strokeColor = None
    out = Drawing(width, height + (12 if len(chart.series) > 2 else 0))
    out.add(bars)
    legend = Legend()
    legend.x, legend.y = bars.x, height + (10 if len(chart.series) > 2 else 0)
    legend.fontName, legend.fontSize, legend.alignment = regular, 8, "right"
    legend.columnMaximum, legend.dx, legend.dy = 1 if len(chart.series) <= 2 else 2, 8, 8
    legend.deltax = 24 + 4.6 * max((len(s.name) for s in chart.series), default=10)
    legend.colorNamePairs = [(HexColor(PALETTE[i % len(PALETTE)]), clean_line(s.name))
                             for i, s in enumerate(chart.series)]
    out.add(legend)
    return out
