"""Proof files in Debian's Chromium: a PDF dropped anywhere on the scan page and a JSON
credential chosen with the one file field get a scan's verdict at once, which says what was
read, and Enter hands the pin out."""

from __future__ import annotations

import base64
import json

import pytest

from tests import factories
from tests import proof_pictures as pp
from tests.browser.helpers import log_in, verdict
from tests.web.helpers import distribution_count

pytestmark = pytest.mark.browser


def test_dropping_a_pdf_checks_every_code_and_says_which_one_spoke(new_page, app):
    data = pp.pdf([["https://example.org/about"], [factories.BADGR_URL]])
    page = new_page()
    log_in(page)
    drop = page.evaluate_handle(
        """(b64) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], "certificate.pdf", {type: "application/pdf"}));
            return dt;
        }""", base64.b64encode(data).decode())
    page.dispatch_event("main", "dragover", {"dataTransfer": drop})
    page.dispatch_event("main", "drop", {"dataTransfer": drop})
    panel = verdict(page, "ok")
    assert "Read from QR code 1 of 1 on page 2 of the PDF" in panel.inner_text()
    page.keyboard.press("Enter")
    verdict(page, "handed_out")
    assert distribution_count(app) == 1


def test_choosing_a_json_credential_checks_it_and_enter_hands_out(new_page, app, corpus):
    doc = corpus.ob3_data_integrity(award_id=factories.ALICE_BALANCE,
                                    extra={"description": "Completed. " * 600})
    page = new_page()
    log_in(page)
    page.set_input_files("#badge-image", files=[
        {"name": "alice.json", "mimeType": "application/json",
         "buffer": json.dumps(doc).encode()}])
    panel = verdict(page, "ok")
    assert "a credential file (JSON)" in panel.inner_text()
    page.keyboard.press("Enter")
    verdict(page, "handed_out")
    assert distribution_count(app) == 1
