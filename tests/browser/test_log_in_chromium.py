"""The hand-out log as the office meets it in Debian's Chromium, at the front office's screen
sizes: results as a name is typed, the search in the address bar (bookmark, back button),
pages of 50, a table that fits the screen with each date on one line, and a void or a reprint
that changes the row where it was clicked."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kiosk.extensions import db
from kiosk.models import Distribution
from kiosk.services.void import void_hand_out
from tests import factories
from tests.browser.helpers import SCREENSHOTS, log_in, stock_count
from tests.log_data import fill_log

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1024, 768)]
ROWS = "#log-results tbody tr[id^='hand-out-']"


@pytest.fixture
def log(app, tmp_path):  # type: ignore[no-untyped-def]
    """60 hand-outs: more than a page."""
    return fill_log(app, tmp_path, 60)


def _open_log(new_page, width: int, height: int, role: str = "office"):  # type: ignore[no-untyped-def]
    page = new_page(viewport={"width": width, "height": height})
    log_in(page, role)
    page.get_by_role("link", name="Hand-outs").click()
    page.wait_for_url("**/log")
    return page


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """As helpers.screenshot, but the caret left as it is: Playwright hides it with a style
    attribute on each field, which it leaves behind empty, and htmx carries the attributes of
    an element over to the one with its id that replaces it (the back button's page): against
    the Content-Security-Policy (no inline style), the browser says so in the console."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


def _shown(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The receipts the table shows, top to bottom."""
    return page.locator(f"{ROWS} td.receipt strong").all_inner_texts()


def _wait_for_receipts(page, receipts: list[str]) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        """(want) => JSON.stringify([...document.querySelectorAll(
             "#log-results tbody tr[id^='hand-out-'] td.receipt strong")].map(e => e.textContent))
           === JSON.stringify(want)""", arg=receipts)


def _fits(page, width: int) -> None:  # type: ignore[no-untyped-def]
    """The table fits the screen: no side scrolling, every Reprint button whole."""
    table = page.locator("table.log")
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"the table spans {box}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    buttons = page.locator(f"{ROWS} button[id^='reprint-']")
    assert buttons.count() > 0
    for n in range(buttons.count()):
        b = buttons.nth(n).bounding_box()
        assert b["x"] + b["width"] <= box["x"] + box["width"] + 0.5, f"Reprint cut off: {b}"
    # a date takes one line: its cell is no taller than its line
    heights = page.locator(f"{ROWS} td.when time").evaluate_all(
        "els => els.map(e => [e.getBoundingClientRect().height, "
        "parseFloat(getComputedStyle(e.parentElement).lineHeight) || 0])")
    for height, line in heights:
        assert height <= (line or 24) * 1.2, f"a date wraps: {height} px high"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_searching_the_log_as_a_name_is_typed(new_page, log, width, height):
    page = _open_log(new_page, width, height)
    newest = [g.receipt for g in reversed(log)]
    assert _shown(page) == newest[:50]
    _fits(page, width)
    screenshot(page, f"60-log-{width}")

    # results as the name is typed, and the search in the address bar
    zoe = [g for g in reversed(log) if g.person.startswith("Zoë Keller")]
    page.locator("#log-q").press_sequentially("zoe kel", delay=60)
    _wait_for_receipts(page, [g.receipt for g in zoe])
    page.wait_for_url(re.compile(r"/log\?q=zoe\+kel$"))
    assert "match this search" in page.locator("#log-count").inner_text()
    assert page.locator("#log-csv").get_attribute("href") == "/log.csv?q=zoe+kel"
    screenshot(page, f"61-log-search-{width}")

    # a pin and "manual only" narrow it further; each is a step back
    long_pin = [g for g in reversed(log) if g.credential != factories.TRAUMA]
    page.locator("#log-q").fill("")
    _wait_for_receipts(page, newest[:50])
    page.wait_for_url(re.compile(r"/log$"))
    page.locator("#log-pin").select_option(label=f"{factories.CHALLENGES} pin")
    _wait_for_receipts(page, [g.receipt for g in long_pin])
    assert re.search(r"/log\?pin=\d+$", page.url), page.url
    page.locator("#log-show").select_option("manual")
    manual = [g.receipt for g in long_pin if g.manual]
    _wait_for_receipts(page, manual)
    assert "show=manual" in page.url
    page.go_back()
    _wait_for_receipts(page, [g.receipt for g in long_pin])
    assert page.locator("#log-show").input_value() == ""
    page.go_back()  # the search box emptied: the whole log
    _wait_for_receipts(page, newest[:50])
    page.go_back()
    _wait_for_receipts(page, [g.receipt for g in zoe])
    assert page.locator("#log-q").input_value() == "zoe kel"

    # a bookmarked search opens as it was left
    page.goto("/log?q=L1012")
    assert _shown(page) == [log[12].receipt]


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_paging_through_the_log(new_page, log, width, height):
    page = _open_log(new_page, width, height)
    newest = [g.receipt for g in reversed(log)]
    page.get_by_role("link", name="Older hand-outs").click()
    _wait_for_receipts(page, newest[50:])
    assert re.search(r"/log\?after=\d+$", page.url), page.url
    # the new page starts at its top, where focus is
    assert page.evaluate("document.activeElement.matches('table.log')")
    assert page.locator("table.log").bounding_box()["y"] > -2
    _fits(page, width)
    page.get_by_role("link", name="Newer hand-outs").click()
    _wait_for_receipts(page, newest[:50])
    page.go_back()
    _wait_for_receipts(page, newest[50:])


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_voiding_from_the_log_changes_that_row_in_place(new_page, log, width, height):
    page = _open_log(new_page, width, height, "office")
    today = log[-1]  # office staff void any hand-out made today
    counter = f'#stock-counter [data-credential="{today.credential}"] .stock-count'
    before = stock_count(page, counter)
    row = page.locator(f"{ROWS}", has_text=today.receipt)
    row.get_by_text("Void…").click()
    row.get_by_label(f"Why void {today.receipt}?").fill("handed to the wrong person")
    _fits(page, width)  # the open form too
    screenshot(page, f"62-log-void-form-{width}")
    row.get_by_label(f"Why void {today.receipt}?").press("Enter")
    row.filter(has_text="Voided: handed to the wrong person").wait_for()
    assert "by Olive Office" in row.inner_text()
    assert "voided" in (row.get_attribute("class") or "")
    said = row.get_by_role("status")
    assert said.inner_text() == "Voided. The pin is back in stock."
    assert _shown(page) == [g.receipt for g in reversed(log)][:50]  # the table stays
    assert page.locator(ROWS).count() == 50
    assert page.locator("#log-results section.verdict").count() == 0
    page.wait_for_function("([sel, n]) => document.querySelector(sel).textContent.trim() "
                           "=== String(n)", arg=[counter, before + 1])
    assert page.evaluate("document.activeElement.id") == f"void-{int(today.receipt[-5:])}"
    _fits(page, width)
    screenshot(page, f"62-log-voided-{width}")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_reprinting_from_the_log_confirms_at_the_row(new_page, log, width, height):
    page = _open_log(new_page, width, height)
    target = list(reversed(log))[40]  # far down the page
    row = page.locator(ROWS, has_text=target.receipt)
    button = row.get_by_role("button", name=f"Reprint receipt {target.receipt} (marked COPY)")
    button.scroll_into_view_if_needed()
    clicked = button.bounding_box()
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 500
    button.click()
    note = row.get_by_role("status")
    note.wait_for()
    assert re.fullmatch(r"Copy queued \(job \d+\); it says COPY\.", note.inner_text())
    box = note.bounding_box()
    # in view, where the person looked, and the page did not jump
    assert 0 <= box["y"] and box["y"] + box["height"] <= height, box
    assert abs(box["y"] - clicked["y"]) < 120, (box, clicked)
    assert page.evaluate("window.scrollY") == scrolled  # the page did not move
    again = row.get_by_role("button", name=f"Reprint receipt {target.receipt} (marked COPY)")
    assert 0 <= again.bounding_box()["y"] <= box["y"]
    assert page.evaluate("document.activeElement.id") == button.get_attribute("id")
    _fits(page, width)
    screenshot(page, f"63-log-reprinted-{width}")


def test_the_log_works_without_javascript(new_page, log):
    """Every search and action is a real form or link: a GET form, links to the pages, posts
    that come back to the same search."""
    page = new_page(viewport={"width": 1024, "height": 768}, java_script_enabled=False)
    log_in(page, "office")
    page.goto("/log")
    page.locator("#log-q").fill("zoe kel")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/log\?q=zoe\+kel"))
    zoe = [g.receipt for g in reversed(log) if g.person.startswith("Zoë Keller")]
    assert _shown(page) == zoe
    row = page.locator(ROWS, has_text=zoe[0])
    row.get_by_role("button", name=f"Reprint receipt {zoe[0]} (marked COPY)").click()
    page.wait_for_load_state()
    assert "Copy queued" in row.get_by_role("status").inner_text()
    assert _shown(page) == zoe


def test_a_void_someone_else_made_first_is_said_at_the_row(new_page, app, log):
    """Two desks: the row shows what is stored now, voided, and why this void was not made,
    where the clerk is looking."""
    page = _open_log(new_page, 1024, 768, "admin")
    target = list(reversed(log))[30]
    row = page.locator(ROWS, has_text=target.receipt)
    row.get_by_text("Void…").click()
    with app.app_context():  # the other desk
        dist_id = db.session.scalar(select(Distribution.id)
                                    .where(Distribution.receipt == target.receipt))
        void_hand_out(dist_id, factories.staff_id("admin"), "given twice")
        db.session.remove()
    field = row.get_by_label(f"Why void {target.receipt}?")
    field.fill("wrong person")
    field.press("Enter")
    alert = row.get_by_role("alert")
    alert.wait_for()
    assert "already voided" in alert.inner_text()
    assert "Voided: given twice" in row.inner_text()
    box = alert.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 768, box
    assert page.locator("#messages").inner_text() == ""  # not at the top of the page
    screenshot(page, "64-log-void-refused-1024")
