"""The waitlist's journey in Debian's Chromium (issue 13), at the front office's screen sizes:
people wait for a pin that is out of stock, a shipment arrives, the Stock page's notice and the
banner say so, office staff open the call-back list from the banner, mark one person called
back, take another off with a reason, and hand the pin to a third by scan, whose entry closes
by itself. The desk keeps its verdict in view under the banner."""

from __future__ import annotations

import pytest
from flask import Flask

from kiosk.extensions import db
from kiosk.services.waitlist import add_to_waitlist
from tests import factories
from tests.browser.a11y import assert_accessible
from tests.browser.helpers import SCREENSHOTS, log_in, verdict
from tests.web.waitlist_helpers import add_person

pytestmark = pytest.mark.browser

SIZES = [(1366, 768), (1024, 768)]
PIN = "Understanding Students Facing Challenges pin"
DAN, EVE = "urn:uuid:dan-challenges", "urn:uuid:eve-challenges"


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """With the caret as it is: Playwright hides it with a style attribute on each field, which
    htmx then carries over to the row that replaces it, against the Content-Security-Policy
    (tests/browser/test_log_in_chromium.py)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")


def _scan(page, payload: str) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.type(payload, delay=3)
    page.keyboard.press("Enter")


def _to_desk(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("link", name="Scan").click()
    page.wait_for_url("**/scan")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === "
                           "'payload'")


def _in_view(page, locator, what: str) -> None:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    assert box is not None, f"{what} is not shown"
    size = page.viewport_size
    assert 0 <= box["y"] and box["y"] + box["height"] <= size["height"], (what, box)
    assert 0 <= box["x"] and box["x"] + box["width"] <= size["width"], (what, box)


def _focus_in(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.locator(selector).evaluate("el => el.contains(document.activeElement)"))


@pytest.fixture
def three_people(app: Flask, tmp_path) -> None:  # type: ignore[no-untyped-def]
    add_person(app, tmp_path, "E901", "Dan Dunn", DAN, email="dan@example.org")
    add_person(app, tmp_path, "E902", "Eve Evans", EVE, email="eve@example.org",
               building="Shepherdstown Middle School")
    with app.app_context():
        for award in (DAN, EVE):
            add_to_waitlist(award, factories.staff_id("designee"))
        db.session.remove()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_waitlist_journey(new_page, three_people, width, height):
    size = {"width": width, "height": height}
    desk = new_page(viewport=size)
    log_in(desk)  # the designee puts Cara on the waitlist at the desk
    _scan(desk, factories.CARA_CHALLENGES)
    verdict(desk, "out_of_stock").get_by_role(
        "button", name="Put Cara Cole on the waitlist").click()
    verdict(desk, "waitlisted")
    desk.close()

    page = new_page(viewport=size)
    log_in(page, "office")
    assert page.locator(".waiting-banner").count() == 0  # none on hand yet
    page.get_by_role("link", name="Stock").click()
    page.select_option("#credential", factories.CHALLENGES)
    page.fill("#qty", "5")
    page.get_by_role("button", name="Record shipment").click()
    notice = page.locator("#stock-panel .waiting-notice li")
    notice.wait_for()
    assert notice.inner_text() == (f"3 people are waiting for the {PIN}, and 5 are on hand: "
                                   "call them back")
    screenshot(page, f"60-waitlist-stock-notice-{width}")

    _to_desk(page)
    banner = page.locator(".waiting-banner")
    _in_view(page, banner, "the banner")
    _scan(page, factories.ALICE_TRAUMA)  # the desk still shows its verdict whole
    panel = verdict(page, "ok")
    for what, locator in [("the headline", panel.locator("h2")),
                          ("the hand-out button", panel.locator("#hand-out-form button"))]:
        _in_view(page, locator, what)
    screenshot(page, f"61-waitlist-banner-desk-{width}")

    banner.get_by_role("link").click()
    page.wait_for_url("**/waitlist?pin=*")
    rows = page.locator("table.call-backs tbody tr[id^=entry-]")
    assert rows.count() == 3
    assert [rows.nth(i).locator("td.person").inner_text().rsplit(" ", 1)[0]
            for i in range(3)] == ["Dan Dunn", "Eve Evans", "Cara Cole"]
    assert_accessible(page, "the call-back list")
    screenshot(page, f"62-waitlist-list-{width}")

    cara = page.locator("tr:has-text('Cara Cole')")
    cara.get_by_label("What was said to Cara Cole").fill("left a message")
    cara.get_by_role("button", name="Mark contacted").click()
    cara = page.locator("tr:has-text('Cara Cole')")
    cara.get_by_role("status").wait_for()
    assert "by Olive Office: left a message" in cara.locator("td.last-call").inner_text()
    assert _focus_in(page, "tr:has-text('Cara Cole')")

    eve = page.locator("tr:has-text('Eve Evans')")
    eve.locator("summary").click()
    eve.get_by_label("Why take Eve Evans off?").select_option("other")
    eve.get_by_role("button", name="Take off the waitlist").click()
    eve = page.locator("tr:has-text('Eve Evans')")
    eve.get_by_role("alert").wait_for()
    assert "Say in the note" in eve.get_by_role("alert").inner_text()
    assert _focus_in(page, "tr:has-text('Eve Evans') input[name=note][id^=remove-note]")
    page.keyboard.type("found a pin at a conference")
    eve.get_by_role("button", name="Take off the waitlist").click()
    page.locator("tr:has-text('Eve Evans')[data-status=removed]").wait_for()
    eve = page.locator("tr:has-text('Eve Evans')")
    assert "Taken off: Other" in eve.locator(".closed-why").inner_text()
    assert _focus_in(page, "tr:has-text('Eve Evans')")
    assert_accessible(page, "the call-back list after a call-back and a removal")
    screenshot(page, f"63-waitlist-called-and-removed-{width}")

    _to_desk(page)
    _scan(page, DAN)
    verdict(page, "ok")
    page.keyboard.press("Enter")
    verdict(page, "handed_out")
    page.goto("/waitlist")
    rows = page.locator("table.call-backs tbody tr[id^=entry-]")
    assert rows.count() == 1 and "Cara Cole" in rows.first.inner_text()
    assert rows.first.locator("td.place").inner_text() == "1"
    assert page.locator(".waiting-banner").inner_text().strip() == (
        f"☎ 1 person is waiting for the {PIN}, and 4 are on hand: call them back")
    screenshot(page, f"64-waitlist-after-hand-out-{width}")


@pytest.mark.parametrize("role", ["office", "admin"])  # the admin's header is the longest
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_desk_keeps_its_verdict_in_view_under_the_banner(new_page, app, role, width,
                                                             height):
    with app.app_context():
        add_to_waitlist(factories.CARA_CHALLENGES, factories.staff_id("designee"))
        db.session.remove()
    page = new_page(viewport={"width": width, "height": height})
    log_in(page, role)
    page.get_by_role("link", name="Stock").click()
    page.select_option("#credential", factories.CHALLENGES)
    page.fill("#qty", "40")
    page.get_by_role("button", name="Record shipment").click()
    page.locator("#stock-panel .waiting-notice li").wait_for()
    _to_desk(page)
    banner = page.locator(".waiting-banner")
    assert banner.inner_text().strip() == (
        f"☎ 1 person is waiting for the {PIN}, and 40 are on hand: call them back")
    _in_view(page, banner, "the banner")
    assert banner.bounding_box()["height"] < 52  # two lines at most (20 px each)
    _scan(page, factories.ALICE_TRAUMA)
    panel = verdict(page, "ok")
    screenshot(page, f"65-waitlist-desk-{role}-{width}")
    for what, locator in [("the headline", panel.locator("h2")),
                          ("the person", panel.locator(".person")),
                          ("the hand-out button", panel.locator("#hand-out-form button"))]:
        _in_view(page, locator, what)
    assert page.locator("#payload").bounding_box()["y"] < 230  # 180 without the banner
