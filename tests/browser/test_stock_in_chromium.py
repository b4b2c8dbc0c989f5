"""The Stock page as the office meets it in Debian's Chromium, at the front office's screen
sizes (issue 13): an adjustment and a count recorded in place, each answered at its own form,
the movements and the stock chips updated, and nothing cut off or wider than the screen."""

from __future__ import annotations

from typing import Any

import pytest

from tests import factories
from tests.browser.helpers import log_in, screenshot, stock_count

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1024, 768)]


def _inside(inner: dict[str, float], outer: dict[str, float], what: str) -> None:
    assert inner["x"] >= outer["x"] - 0.5 and inner["y"] >= outer["y"] - 0.5, (what, inner, outer)
    assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5, (what, inner, outer)
    assert inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5, (what, inner,
                                                                                outer)


def _nothing_clipped(page: Any) -> None:
    """No sideways scrolling, every stock form on the screen's width, and every field, button
    and answer whole inside its form."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    width = page.viewport_size["width"]
    for form_id in ("receive-form", "count-form", "adjust-form"):
        form = page.locator(f"#{form_id}")
        box = form.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, form_id
        for part in form.locator("select, input:not([type=hidden]), button, p.answer").all():
            part_box = part.bounding_box()
            assert part_box is not None, form_id
            _inside(part_box, box, f"a field of {form_id}")


def _first_movement(page: Any) -> str:
    return str(page.locator("#movements tbody tr").first.inner_text())


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_an_adjustment_answers_at_its_form(new_page, width, height):
    page = new_page(viewport={"width": width, "height": height})
    log_in(page, "office")
    page.get_by_role("link", name="Stock", exact=True).click()
    page.wait_for_url("**/stock")
    _nothing_clipped(page)

    form = page.locator("#adjust-form")
    form.locator("select[name=credential]").select_option(factories.TRAUMA)
    form.locator("select[name=reason]").select_option("damaged")
    form.locator("input[name=qty]").fill("2")
    form.locator("input[name=note]").fill("dropped in the hall")
    form.get_by_role("button", name="Record the adjustment").click()
    answer = page.locator("#adjust-form p[role=status]")
    answer.wait_for()
    assert answer.inner_text() == ("Adjusted. Trauma pin: 8 on hand now; the district gets the "
                                   "adjustment.")
    page.wait_for_function("() => document.querySelector('#movements tbody tr')"
                           ".innerText.includes('Adjustment: Damaged')")
    assert "dropped in the hall" in _first_movement(page)
    assert stock_count(page) == 8  # the chip in the status bar, swapped out of band
    assert page.evaluate("window.location.pathname") == "/stock"  # swapped in place
    _inside(answer.bounding_box(), page.locator("#adjust-form").bounding_box(), "the answer")
    screenshot(page, f"40-stock-adjusted-{width}")
    _nothing_clipped(page)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_count_answers_at_its_form(new_page, width, height):
    page = new_page(viewport={"width": width, "height": height})
    log_in(page, "office")
    page.goto("/stock")
    form = page.locator("#count-form")
    form.locator("select[name=credential]").select_option(factories.TRAUMA)
    form.locator("input[name=counted]").fill("7")
    form.get_by_role("button", name="Record the count").click()
    counted = page.locator("#count-form p[role=status]")
    counted.wait_for()
    assert counted.inner_text().startswith("Counted. Trauma pin: 7 on hand now")
    page.wait_for_function("() => document.querySelector('#movements tbody tr')"
                           ".innerText.includes('Count correction')")
    assert "-3" in _first_movement(page)
    assert stock_count(page) == 7
    closing = page.locator('#reconciliation tr[data-heading="closing"] td').first
    assert closing.inner_text() == "7"
    assert page.locator("p.identity").get_attribute("data-holds") == "yes"
    screenshot(page, f"41-stock-counted-{width}")
    _nothing_clipped(page)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_pins_ledger_and_its_threshold(new_page, width, height):
    page = new_page(viewport={"width": width, "height": height})
    log_in(page, "office")
    page.goto("/stock")
    page.get_by_role("link", name="Trauma pin", exact=True).click()
    page.wait_for_url("**/stock/*")
    assert page.locator("h1").inner_text() == "Trauma pin: ledger"
    assert "Shipment received" in _first_movement(page)
    page.locator("#low-at").fill("12")
    page.get_by_role("button", name="Save the threshold").click()
    page.locator("#low-at-form p[role=status]").wait_for()
    banner = page.locator("#low-stock")
    page.wait_for_function("() => document.querySelector('#low-stock').innerText"
                           ".includes('Trauma pin, 10 left (low at 12)')")
    assert banner.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"42-stock-ledger-{width}")
