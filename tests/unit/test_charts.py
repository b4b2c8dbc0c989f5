"""Inline SVG bar charts (kiosk/domain/charts.py): escaped, accessible, scaled to round steps."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from kiosk.domain.charts import BarChart, Series, nice_top, svg

NS = "{http://www.w3.org/2000/svg}"


def weekly(*series: Series, n: int = 4) -> BarChart:
    return BarChart("Hand-outs per week", "Pins handed out each week.",
                    tuple(f"Nov {i + 1}" for i in range(n)), series)


@pytest.mark.parametrize("largest, top, step", [
    (0, 1, 1), (1, 1, 1), (3, 3, 1), (7, 8, 2), (10, 10, 5), (37, 40, 10), (120, 150, 50),
    (999, 1000, 500),
])
def test_the_axis_ends_on_a_round_number_at_or_above_the_largest(largest: int, top: int,
                                                                 step: int) -> None:
    assert nice_top(largest) == (top, step)
    assert top >= largest and top % step == 0


def test_a_stacked_chart_is_well_formed_and_names_itself() -> None:
    chart = weekly(Series("Trauma pin", (1, 0, 4, 2)), Series("Balance pin", (0, 3, 1, 0)))
    root = ET.fromstring(svg(chart, chart_id="weekly"))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "weekly-title weekly-desc"
    assert root.find(f"{NS}title").text == "Hand-outs per week"
    bars = [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]
    assert len(bars) == 5  # one a non-zero figure
    tips = {r.find(f"{NS}title").text for r in bars}
    assert "Nov 3, Trauma pin: 4" in tips and "Nov 2, Balance pin: 3" in tips
    # the tallest stack (5) is under the axis' top (5 at steps of 2: 6)
    heights = [float(r.get("height")) for r in bars]
    assert max(heights) < 260


def test_every_text_is_escaped() -> None:
    hostile = '<script>alert(1)</script> & "quotes"'
    chart = BarChart(hostile, hostile, (hostile,), (Series(hostile, (3,)),), horizontal=True)
    out = svg(chart)
    assert "<script>" not in out
    ET.fromstring(out)  # still well-formed XML
    assert out.count("&lt;script&gt;") >= 4


def test_labels_are_thinned_when_there_are_many_bars() -> None:
    chart = weekly(Series("Trauma pin", tuple(range(52))), n=52)
    labels = [t for t in re.findall(r">(Nov \d+)</text>", svg(chart))]
    assert 5 <= len(labels) < 52


def test_an_empty_chart_says_so() -> None:
    assert weekly(Series("Trauma pin", (0, 0, 0, 0))).empty
    assert BarChart("t", "d", (), ()).empty
    assert not weekly(Series("Trauma pin", (0, 1, 0, 0))).empty
