"""A badge image chosen, or dropped on the page, in Debian's Chromium: the verdict shows at once
and Enter hands the pin out, exactly as for a scan."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.helpers import log_in, screenshot, stock_count, verdict
from tests.web.helpers import distribution_count

pytestmark = pytest.mark.browser




def test_choosing_a_badge_image_checks_it_and_enter_hands_out(new_page, app, corpus):
    png = corpus.baked_png(corpus.ob2_jws("alice@example.org", award_id=factories.ALICE_TRAUMA))
    page = new_page()
    log_in(page)
    before = stock_count(page)
    page.set_input_files("#badge-image", files=[
        {"name": "badge.png", "mimeType": "image/png", "buffer": png}])
    panel = verdict(page, "ok")  # no button pressed: choosing the file is enough
    screenshot(page, "30-image-verdict")
    assert "an Open Badges 2.0 signed assertion" in panel.inner_text()
    assert page.locator("#badge-image").input_value() == ""  # ready for the next person
    page.keyboard.press("Enter")
    verdict(page, "handed_out")
    assert stock_count(page) == before - 1
    assert distribution_count(app) == 1


def test_dropping_a_badge_image_anywhere_on_the_page_checks_it(new_page, corpus):
    token = corpus.ob3_vc_jwt("did", "bob@example.org", award_id=factories.ALICE_BALANCE)
    svg = corpus.baked_svg(token, version="ob3")
    page = new_page()
    log_in(page)
    drop = page.evaluate_handle(
        """(text) => {
            const dt = new DataTransfer();
            dt.items.add(new File([text], "badge.svg", {type: "image/svg+xml"}));
            return dt;
        }""", svg.decode("utf-8"))
    page.dispatch_event("main", "dragover", {"dataTransfer": drop})
    page.dispatch_event("main", "drop", {"dataTransfer": drop})
    panel = verdict(page, "recipient_mismatch")  # Bob's badge for Alice's award
    assert "Alice Able" in panel.inner_text()


def test_a_badge_image_works_without_javascript(new_page, corpus):
    png = corpus.baked_png(corpus.ob2_jws("alice@example.org", award_id=factories.ALICE_TRAUMA))
    page = new_page(java_script_enabled=False)
    log_in(page)
    page.set_input_files("#badge-image", files=[
        {"name": "badge.png", "mimeType": "image/png", "buffer": png}])
    page.get_by_role("button", name="Check file").click()
    page.wait_for_load_state()
    verdict(page, "ok")
    page.get_by_role("button", name="Hand out pin").click()
    page.wait_for_load_state()
    verdict(page, "handed_out")
