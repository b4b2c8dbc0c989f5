"""Bar charts as inline SVG, made on the server: no script, no library fetched, readable with
the network cable pulled. A chart is data (:class:`BarChart`); :func:`svg` draws it. Every
text in it (names of buildings and pins) is escaped here, so the result may be put in a page
as it is.

Vertical charts stack their series (hand-outs per week, by pin); horizontal charts set them
side by side (stock against owed, per building). Colours are the Okabe-Ito palette, told
apart by people with colour blindness too, and every bar carries its figures as a tooltip
(``<title>``); the chart's own title and description are its accessible name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
           "#000000")
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str  # what it shows, in a sentence: the accessible description
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    horizontal: bool = False  # bars side by side per category, categories down the page

    @property
    def empty(self) -> bool:
        return not self.categories or not any(any(s.values) for s in self.series)


def nice_top(largest: int) -> tuple[int, int]:
    """The axis' top and its step: a round number at or above ``largest``, in 4 to 5 steps."""
    if largest <= 0:
        return 1, 1
    raw = largest / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    return step * math.ceil(largest / step), step


def _t(text: object) -> str:
    return escape(str(text), quote=True)


def svg(chart: BarChart, width: int = 900, chart_id: str = "chart") -> str:
    return _horizontal(chart, width, chart_id) if chart.horizontal else \
        _vertical(chart, width, chart_id)


def _legend(chart: BarChart, x0: float, y0: float, right: float) -> tuple[list[str], float]:
    """The legend's items, wrapped at ``right``; and how far down it reaches."""
    out, x, y = [], x0, y0
    for i, s in enumerate(chart.series):
        wide = 24 + 6.5 * len(s.name)
        if x > x0 and x + wide > right:
            x, y = x0, y + 16
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x:.0f}" y="{y - 9:.0f}" width="10" height="10" '
                   f'fill="{colour}"/><text x="{x + 14:.0f}" y="{y:.0f}" font-size="12" '
                   f'{FONT}>{_t(s.name)}</text>')
        x += wide
    return out, y


def _frame(chart: BarChart, width: int, height: float, chart_id: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {width} {height:.0f}" width="100%" '
            f'aria-labelledby="{_t(chart_id)}-title {_t(chart_id)}-desc">'
            f'<title id="{_t(chart_id)}-title">{_t(chart.title)}</title>'
            f'<desc id="{_t(chart_id)}-desc">{_t(chart.description)}</desc>'
            + "".join(body) + "</svg>")


def _vertical(chart: BarChart, width: int, chart_id: str) -> str:
    left, right, bottom, plot_h = 44, 10, 42, 190
    body, legend_y = _legend(chart, left, 16, width - right)
    top = legend_y + 12
    height = top + plot_h + bottom
    plot_w = width - left - right
    totals = [sum(s.values[i] for s in chart.series) for i in range(len(chart.categories))]
    axis_top, step = nice_top(max(totals, default=0))
    for tick in range(0, axis_top + 1, step):
        y = top + plot_h - plot_h * tick / axis_top
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="#d0d4da" stroke-width="1"/><text x="{left - 6}" y="{y + 4:.1f}" '
                    f'font-size="11" text-anchor="end" {FONT}>{tick}</text>')
    n = max(len(chart.categories), 1)
    slot = plot_w / n
    bar = max(slot * 0.7, 1.0)
    every = max(1, math.ceil(n / max(plot_w // 70, 1)))  # a label every so many bars
    for i, category in enumerate(chart.categories):
        x = left + slot * i + (slot - bar) / 2
        base = float(top + plot_h)
        for k, s in enumerate(chart.series):
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / axis_top
            base -= h
            body.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                        f'fill="{PALETTE[k % len(PALETTE)]}"><title>{_t(category)}, '
                        f'{_t(s.name)}: {value}</title></rect>')
        if (n - 1 - i) % every == 0:  # the latest always named
            body.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_h + 16}" font-size="11" '
                        f'text-anchor="middle" {FONT}>{_t(category)}</text>')
    return _frame(chart, width, height, chart_id, body)


def _horizontal(chart: BarChart, width: int, chart_id: str) -> str:
    left, right = 200, 30
    body, legend_y = _legend(chart, left, 16, width - right)
    top = legend_y + 14
    group = 8 + 12 * len(chart.series)
    height = top + group * len(chart.categories) + 30
    plot_w = width - left - right
    largest = max((v for s in chart.series for v in s.values), default=0)
    axis_top, step = nice_top(largest)
    for tick in range(0, axis_top + 1, step):
        x = left + plot_w * tick / axis_top
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{height - 26}" '
                    f'stroke="#d0d4da" stroke-width="1"/><text x="{x:.1f}" y="{height - 10}" '
                    f'font-size="11" text-anchor="middle" {FONT}>{tick}</text>')
    for i, category in enumerate(chart.categories):
        y = top + group * i
        name = category if len(category) <= 30 else category[:29] + "…"
        body.append(f'<text x="{left - 6}" y="{y + group / 2 + 2:.1f}" font-size="11" '
                    f'text-anchor="end" {FONT}><title>{_t(category)}</title>{_t(name)}</text>')
        for k, s in enumerate(chart.series):
            w = plot_w * s.values[i] / axis_top
            body.append(f'<rect x="{left}" y="{y + 4 + 12 * k:.1f}" width="{w:.1f}" '
                        f'height="10" fill="{PALETTE[k % len(PALETTE)]}"><title>{_t(category)}, '
                        f'{_t(s.name)}: {s.values[i]}</title></rect>')
    return _frame(chart, width, height, chart_id, body)
