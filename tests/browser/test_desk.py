"""The desk as a person meets it in Debian's Chromium: the verdict in view without scrolling at
the front office's screen sizes, the manual lookup by keyboard alone, the waitlist from the
verdict, sounds, and a printer badge that follows the receipt."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.helpers import log_in, screenshot, verdict

pytestmark = pytest.mark.browser

SCANNER_DELAY_MS = 3
SIZES = [(1366, 768), (1024, 768)]


def _scan(page, payload: str) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.type(payload, delay=SCANNER_DELAY_MS)
    page.keyboard.press("Enter")


def _in_view(page, locator, what: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """The element's box, asserting that it shows whole without scrolling."""
    box = locator.bounding_box()
    assert box is not None, f"{what} is not shown"
    height = page.viewport_size["height"]
    width = page.viewport_size["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, (
        f"{what} spans y {box['y']:.0f} to {box['y'] + box['height']:.0f}: below the "
        f"{height} px screen")
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{what} is cut off: {box}"
    assert page.evaluate("window.scrollY") == 0
    return box


def _readable(locator, least_px: float = 16) -> None:  # type: ignore[no-untyped-def]
    size = float(locator.evaluate("el => getComputedStyle(el).fontSize").removesuffix("px"))
    assert size >= least_px, f"text of {size} px is too small to read from a step away"


@pytest.mark.parametrize("role", ["designee", "admin"])  # the admin's header is the longest
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_green_verdict_shows_whole_without_scrolling(new_page, width, height, role):
    page = new_page(viewport={"width": width, "height": height})
    log_in(page, role)
    _scan(page, factories.ALICE_TRAUMA)
    panel = verdict(page, "ok")
    screenshot(page, f"20-verdict-ok-{width}-{role}")
    for what, locator in [("the headline", panel.locator("h2")),
                          ("the person", panel.locator(".person")),
                          ("the credential", panel.get_by_text(factories.TRAUMA, exact=True)),
                          ("the pin", panel.get_by_text("Trauma pin", exact=False).first),
                          ("the hand-out button", panel.locator("#hand-out-form button"))]:
        _in_view(page, locator, what)
        _readable(locator)
    # the header and the status bar take a line or two, not a third of the screen
    assert page.locator("#payload").bounding_box()["y"] < 180


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_already_handed_out_shows_the_whole_line_without_scrolling(new_page, width, height):
    page = new_page(viewport={"width": width, "height": height})
    log_in(page)
    _scan(page, factories.ALICE_TRAUMA)
    verdict(page, "ok")
    page.keyboard.press("Enter")
    receipt = verdict(page, "handed_out").locator(".receipt-no").inner_text()
    _scan(page, factories.ALICE_TRAUMA)
    panel = verdict(page, "already_issued")
    screenshot(page, f"21-verdict-already-{width}")
    prior = panel.locator(".prior")
    _in_view(page, prior, "the already-handed-out line")
    _readable(prior)
    text = prior.inner_text()
    assert f"at {factories.BUILDING} by Dee Designee" in text and receipt in text
    for what, locator in [("the headline", panel.locator("h2")),
                          ("the person", panel.locator(".person"))]:
        _in_view(page, locator, what)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_manual_verdict_and_its_reasons_show_without_scrolling(new_page, width, height):
    page = new_page(viewport={"width": width, "height": height})
    log_in(page)
    page.goto(f"/lookup/award?award={factories.ALICE_TRAUMA}")
    panel = verdict(page, "ok")
    screenshot(page, f"22-verdict-manual-{width}")
    _in_view(page, panel.locator("h2"), "the headline")
    _in_view(page, panel.locator(".manual-reason"), "the reasons")
    _in_view(page, panel.locator("#hand-out-form button"), "the hand-out button")


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_out_of_stock_shows_the_waitlist_button_without_scrolling(new_page, width, height):
    page = new_page(viewport={"width": width, "height": height})
    log_in(page)
    _scan(page, factories.CARA_CHALLENGES)
    panel = verdict(page, "out_of_stock")
    _in_view(page, panel.locator("#waitlist-form button"), "the waitlist button")
    _in_view(page, panel.locator(".advice"), "what Enter does")


def test_the_manual_lookup_by_keyboard_alone(new_page, app, printer_spy):
    page = new_page(viewport={"width": 1024, "height": 768})
    log_in(page)
    field = page.locator("#payload")
    assert field.evaluate("el => el === document.activeElement")
    page.keyboard.press("F2")  # one key from the scan field
    assert page.evaluate("document.activeElement.id") == "lookup-q"
    page.keyboard.type("ali", delay=120)  # a person typing
    results = page.locator("#verdict section.lookup")
    results.get_by_text("Alice Able").wait_for()
    screenshot(page, "23-lookup-results")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Trauma pin"
    page.keyboard.press("Enter")
    panel = verdict(page, "ok")
    assert panel.get_attribute("data-manual") is not None
    page.wait_for_function("() => document.activeElement.name === 'manual_reason'")
    page.keyboard.press("ArrowDown")  # the second reason: no QR code on the proof
    page.keyboard.press("Enter")
    done = verdict(page, "handed_out")
    screenshot(page, "24-manual-handed-out")
    assert done.locator(".receipt-no").inner_text().startswith("PJE-")
    page.wait_for_function("() => document.activeElement.id === 'payload'")  # back to scanning
    assert page.locator("#lookup-q").input_value() == ""
    receipts = printer_spy.print_all()
    assert b"Why: No QR code on the proof" in receipts[0]


def test_enter_without_a_reason_asks_for_one(new_page, app):
    from tests.web.helpers import distribution_count

    page = new_page()
    log_in(page)
    page.goto(f"/lookup/award?award={factories.ALICE_TRAUMA}")
    verdict(page, "ok")
    page.locator("#payload").focus()
    page.keyboard.press("Enter")  # in the empty scan field: the verdict's action
    page.wait_for_timeout(300)
    assert distribution_count(app) == 0
    assert page.evaluate("document.activeElement.name") == "manual_reason"


def test_a_scan_typed_into_the_lookup_box_is_checked_as_a_scan(new_page):
    page = new_page()
    log_in(page)
    page.keyboard.press("F2")
    page.keyboard.type("bob", delay=120)
    page.locator("#verdict section.lookup").get_by_text("Bob Baker").wait_for()
    page.keyboard.type(factories.ALICE_TRAUMA, delay=SCANNER_DELAY_MS)  # the scanner fires
    page.keyboard.press("Enter")
    panel = verdict(page, "ok")
    assert "Alice Able" in panel.inner_text()
    assert page.locator("#lookup-q").input_value() == "bob"
    page.wait_for_timeout(400)  # the search typed before is not sent again over the verdict
    assert page.locator('#verdict section.verdict[data-reason="ok"]').count() == 1


def test_enter_on_out_of_stock_puts_the_person_on_the_waitlist(new_page):
    page = new_page()
    log_in(page)
    _scan(page, factories.CARA_CHALLENGES)
    panel = verdict(page, "out_of_stock")
    assert "Press Enter to put Cara Cole on the waitlist" in panel.inner_text()
    page.keyboard.press("Enter")
    done = verdict(page, "waitlisted")
    assert "Number 1 of 1 waiting" in done.inner_text()
    _scan(page, factories.CARA_CHALLENGES)
    again = verdict(page, "out_of_stock")
    assert "number 1 of 1" in again.locator(".waiting").inner_text()
    assert again.locator("#waitlist-form").count() == 0


SOUNDS = """
window.__sounds = []; window.__audio = 0;
document.addEventListener("kiosk:sound", e => window.__sounds.push(e.detail));
const Real = window.AudioContext;
window.AudioContext = function () { window.__audio += 1; return new Real(); };
"""


def test_each_verdict_has_its_sound(new_page, app):
    page = new_page()
    page.add_init_script(SOUNDS)
    log_in(page)
    _scan(page, factories.ALICE_TRAUMA)
    verdict(page, "ok")
    page.keyboard.press("Enter")
    verdict(page, "handed_out")
    _scan(page, factories.ALICE_TRAUMA)
    verdict(page, "already_issued")
    _scan(page, factories.BOB_REVOKED)
    verdict(page, "revoked")
    page.wait_for_function("() => window.__sounds.length >= 4")
    assert page.evaluate("window.__sounds") == ["go", "go", "already", "refused"]
    assert page.evaluate("window.__audio") == 1  # one AudioContext, tones generated in it


def test_sounds_can_be_switched_off(new_page, app):
    app.config["SOUNDS"] = "off"
    page = new_page()
    page.add_init_script(SOUNDS)
    log_in(page)
    _scan(page, factories.BOB_REVOKED)
    verdict(page, "revoked")
    page.wait_for_function("() => window.__sounds.length >= 1")
    assert page.evaluate("window.__audio") == 0


def test_the_printer_badge_follows_a_receipt_that_printed(new_page, app, printer_spy):
    page = new_page()
    log_in(page)
    _scan(page, factories.ALICE_TRAUMA)
    verdict(page, "ok")
    page.keyboard.press("Enter")
    verdict(page, "handed_out")
    badge = page.locator("#printer-badge")
    assert "1 receipt waiting" in badge.inner_text()
    printer_spy.print_all()  # the receipt prints a moment later
    page.wait_for_function(
        "() => !document.getElementById('printer-badge').textContent.includes('waiting')",
        timeout=3_000)  # within a second or two, not a whole 10 s poll
