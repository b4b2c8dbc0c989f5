"""The front-desk loop in Debian's Chromium: a scanner types a proof, the verdict shows, Enter
hands the pin out, and the stock counter drops."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.helpers import log_in, screenshot, stock_count, verdict
from tests.web.helpers import distribution_count

pytestmark = pytest.mark.browser

SCANNER_DELAY_MS = 5  # a USB keyboard-wedge scanner types this fast
HUMAN_DELAY_MS = 150  # a person typing a badge id by hand


def _scan_posts(page):  # type: ignore[no-untyped-def]
    """The list of scan requests the page makes from now on."""
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.post_data or "")
            if r.method == "POST" and r.url.endswith("/scan") else None)
    return posts


def test_a_scanner_without_a_terminator_then_enter_hands_out_the_pin(new_page, app):
    page = new_page()
    log_in(page)
    field = page.locator("#payload")
    assert field.evaluate("el => el === document.activeElement")
    before = stock_count(page)
    screenshot(page, "01-scan-page")

    page.keyboard.type(factories.ALICE_TRAUMA, delay=SCANNER_DELAY_MS)  # no Enter, no Tab
    panel = verdict(page, "ok")
    screenshot(page, "02-verdict-ok")
    assert "Hand out the pin" in panel.inner_text()
    assert "Alice Able" in panel.locator(".person").inner_text()
    assert field.evaluate("el => el === document.activeElement")
    assert field.input_value() == ""
    assert stock_count(page) == before

    page.keyboard.press("Enter")  # in the now-empty scan field: hand out
    done = verdict(page, "handed_out")
    screenshot(page, "03-handed-out")
    assert "Pin handed out" in done.inner_text()
    receipt = done.locator(".receipt-no").inner_text()
    assert receipt.startswith("PJE-")
    page.wait_for_function(
        "([sel, n]) => document.querySelector(sel).textContent.trim() === String(n)",
        arg=[f'#stock-counter [data-credential="{factories.TRAUMA}"] .stock-count',
             before - 1])
    assert stock_count(page) == before - 1
    assert "1 receipt waiting" in page.locator("#printer-badge").inner_text()
    assert field.evaluate("el => el === document.activeElement")
    assert distribution_count(app) == 1

    # the same proof again says so, with the receipt
    page.keyboard.type(factories.ALICE_TRAUMA, delay=SCANNER_DELAY_MS)
    again = verdict(page, "already_issued")
    screenshot(page, "04-already-issued")
    assert receipt in again.inner_text()


@pytest.mark.parametrize("terminator", ["Enter", "Tab"])
def test_a_scanner_ending_with_enter_or_tab_checks_the_proof_once(new_page, terminator):
    page = new_page()
    log_in(page)
    posts = _scan_posts(page)
    page.keyboard.type(factories.ALICE_TRAUMA, delay=SCANNER_DELAY_MS)
    page.keyboard.press(terminator)
    verdict(page, "ok")
    page.wait_for_load_state("networkidle")
    assert len(posts) == 1, posts
    field = page.locator("#payload")
    assert field.evaluate("el => el === document.activeElement")  # Tab did not move focus
    assert field.input_value() == ""


def test_a_scanner_that_stutters_once_is_still_a_scanner(new_page):
    """A busy PC delays one key of the scan; the scan is still sent, whole, with no Enter."""
    page = new_page()
    log_in(page)
    posts = _scan_posts(page)
    payload = factories.ALICE_TRAUMA
    page.keyboard.type(payload[:-3], delay=SCANNER_DELAY_MS)
    page.wait_for_timeout(50)  # longer than a scanner's key gap, shorter than its silence
    page.keyboard.type(payload[-3:], delay=SCANNER_DELAY_MS)
    verdict(page, "ok")
    assert len(posts) == 1
    assert "11111111-1111-4111-8111-111111111111" in posts[0]


def test_a_person_typing_slowly_is_not_interrupted(new_page):
    page = new_page()
    log_in(page)
    posts = _scan_posts(page)
    page.keyboard.type(factories.ALICE_TRAUMA, delay=HUMAN_DELAY_MS)
    page.wait_for_timeout(500)  # five times the scanner's silence: still nothing sent
    assert posts == []
    assert page.locator("#verdict").inner_text().strip() == "Waiting for a scan."
    assert page.locator("#payload").input_value() == factories.ALICE_TRAUMA
    page.keyboard.press("Enter")
    verdict(page, "ok")
    assert len(posts) == 1


def test_a_person_pressing_tab_moves_on_without_checking(new_page):
    """Tab is a scanner's terminator only after a scanner's burst of keys."""
    page = new_page()
    log_in(page)
    posts = _scan_posts(page)
    page.keyboard.type("urn:uuid:1", delay=HUMAN_DELAY_MS)
    page.keyboard.press("Tab")
    page.wait_for_timeout(300)
    assert posts == []


def test_double_enter_hands_out_one_pin(new_page, app):
    page = new_page()
    log_in(page)
    before = stock_count(page)
    page.keyboard.type(factories.ALICE_TRAUMA, delay=SCANNER_DELAY_MS)
    verdict(page, "ok")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    verdict(page, "handed_out")
    page.wait_for_load_state("networkidle")
    assert distribution_count(app) == 1
    assert page.locator("#verdict section.verdict").count() == 1
    page.reload()
    assert stock_count(page) == before - 1


def test_two_tabs_hand_out_one_pin(new_page, app):
    first = new_page()
    log_in(first)
    second = first.context.new_page()
    second.goto("/scan")
    for tab in (first, second):
        tab.bring_to_front()
        tab.locator("#payload").focus()
        tab.keyboard.type(factories.ALICE_TRAUMA, delay=SCANNER_DELAY_MS)
        verdict(tab, "ok")
    first.bring_to_front()
    first.keyboard.press("Enter")
    receipt = verdict(first, "handed_out").locator(".receipt-no").inner_text()
    second.bring_to_front()
    second.keyboard.press("Enter")
    refused = verdict(second, "already_issued")
    screenshot(second, "05-second-tab-already-issued")
    assert receipt in refused.inner_text()
    assert distribution_count(app) == 1


def test_a_double_click_on_the_button_hands_out_one_pin(new_page, app):
    page = new_page()
    log_in(page)
    page.keyboard.type(factories.ALICE_BALANCE, delay=SCANNER_DELAY_MS)
    verdict(page, "ok")
    page.locator("#hand-out-form button").dblclick()
    verdict(page, "handed_out")
    page.wait_for_load_state("networkidle")
    assert distribution_count(app) == 1


def test_out_of_stock_and_the_waitlist(new_page):
    page = new_page()
    log_in(page)
    page.keyboard.type(factories.CARA_CHALLENGES, delay=SCANNER_DELAY_MS)
    panel = verdict(page, "out_of_stock")
    screenshot(page, "05-out-of-stock")
    panel.get_by_role("button", name="Put Cara Cole on the waitlist").click()
    waitlisted = verdict(page, "waitlisted")
    assert "On the waitlist" in waitlisted.inner_text()
    assert page.locator("#payload").evaluate("el => el === document.activeElement")


@pytest.mark.parametrize(("payload", "reason"), [
    (factories.BOB_REVOKED, "revoked"),
    ("urn:uuid:00000000-0000-4000-8000-000000000000", "unknown_badge"),
    (factories.CARA_COMMUNICATION, "no_pin_for_credential"),
])
def test_verdicts_look_right(new_page, payload, reason):
    page = new_page()
    log_in(page)
    page.keyboard.type(payload, delay=SCANNER_DELAY_MS)
    panel = verdict(page, reason)
    screenshot(page, f"06-verdict-{reason}")
    colour = panel.evaluate("el => getComputedStyle(el).borderTopColor")
    tone = {"revoked": "rgb(164, 0, 29)", "unknown_badge": "rgb(164, 0, 29)",
            "no_pin_for_credential": "rgb(138, 75, 0)"}[reason]
    assert colour == tone
    # nothing to hand out: Enter in the empty field does nothing
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert panel.is_visible()


def test_the_page_works_without_javascript(new_page, app):
    page = new_page(java_script_enabled=False)
    log_in(page)
    before = stock_count(page)
    page.fill("#payload", factories.ALICE_TRAUMA)
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_load_state()
    panel = verdict(page, "ok")
    screenshot(page, "07-nojs-verdict")
    assert "Alice Able" in panel.inner_text()

    page.get_by_role("button", name="Hand out pin").click()
    page.wait_for_load_state()
    done = verdict(page, "handed_out")
    screenshot(page, "08-nojs-handed-out")
    receipt = done.locator(".receipt-no").inner_text()
    assert stock_count(page) == before - 1
    assert distribution_count(app) == 1

    # void it again, still without JavaScript
    done.locator("summary").click()
    page.fill("#verdict input[name=reason]", "Scanned the wrong proof")
    page.get_by_role("button", name="Void hand-out").click()
    page.wait_for_load_state()
    voided = verdict(page, "voided")
    assert receipt in voided.inner_text()
    assert stock_count(page) == before


def test_pages_look_right(new_page):
    """Screenshots of the other pages for a person to look at (and no console errors)."""
    page = new_page()
    page.goto("/login")
    page.fill("#name", "Dee Designee")
    page.fill("#pin", "0000")
    page.press("#pin", "Enter")
    page.wait_for_load_state()
    screenshot(page, "09-login-refused")
    log_in(page, "admin")
    for path in ("/stock", "/log", "/users", "/settings", "/no/such/page"):
        page.goto(path)
        screenshot(page, "10-page" + path.replace("/", "-"))
