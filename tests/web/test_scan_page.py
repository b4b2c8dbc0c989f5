"""The scan page and its verdict panel, as a whole page and as an HTMX fragment."""

from __future__ import annotations

import uuid

import pytest

from tests import factories
from tests.web.helpers import HX, add_award, hand_out, html, is_full_page, page, reason, scan
from tests.web.helpers import verdict as verdict_of

BOTH = pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])


def test_the_scan_page_has_a_real_form_that_htmx_enhances(designee):
    response = designee.get("/scan")
    assert response.status_code == 200
    form = page(response).one("form", id="scan-form")
    assert form.get("method") == "post"
    assert form.get("action") == "/scan"
    assert form.get("hx-post") == "/scan"
    assert form.get("hx-target") == "#verdict"
    field = form.one("input", name="payload")
    assert field.get("id") == "payload"
    assert "autofocus" in field.attrs
    assert form.one("input", name="csrf_token").get("value")
    assert page(response).one(id="verdict").text == "Waiting for a scan."


def test_a_plain_scan_returns_the_whole_page_with_the_verdict(designee):
    response = scan(designee, factories.ALICE_TRAUMA, hx=False)
    assert response.status_code == 200
    assert is_full_page(response)
    doc = page(response)
    assert doc.one("form", id="scan-form")  # ready for the next scan
    panel = doc.one(id="verdict").one("section", class_="verdict")
    assert panel.get("data-reason") == "ok"
    assert "HX-Request" in response.headers["Vary"]


def test_an_htmx_scan_returns_only_the_verdict_fragment(designee):
    response = scan(designee, factories.ALICE_TRAUMA, hx=True)
    assert response.status_code == 200
    assert not is_full_page(response)
    assert page(response).find("form", id="scan-form") is None
    assert reason(response) == "ok"
    assert "HX-Request" in response.headers["Vary"]


def test_a_history_restore_gets_the_whole_page(designee):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    restored = designee.get("/scan", headers=headers)
    assert is_full_page(restored)
    assert page(restored).one("form", id="scan-form")
    assert "HX-Request" in restored.headers["Vary"]
    posted = designee.post("/scan", data={"payload": factories.ALICE_TRAUMA}, headers=headers)
    assert is_full_page(posted)


def test_the_plain_and_htmx_pages_are_not_mixed_up_by_a_cache(designee):
    plain = designee.get("/scan")
    fragment = designee.get("/scan", headers=HX)
    assert is_full_page(plain) and not is_full_page(fragment)
    assert "HX-Request" in plain.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_an_ok_verdict_names_the_person_credential_pin_and_stock(designee):
    panel = verdict_of(scan(designee, factories.ALICE_TRAUMA))
    assert "tone-go" in panel.classes
    assert panel.one("h2").text == "Hand out the pin"
    assert panel.one("dd", class_="person").text == "Alice Able (E1)"
    text = panel.text
    assert factories.TRAUMA in text
    assert "Trauma pin · 10 in stock" in text
    assert "Checked a badge id against badge data from" in text
    button = panel.one("form", id="hand-out-form").one("button")
    assert "Hand out pin" in button.text


REASONS = [
    # (payload, code, headline a person reads, words from the advice, colour)
    (factories.ALICE_TRAUMA, "ok", "Hand out the pin", "Press Enter", "go"),
    (factories.BOB_REVOKED, "revoked", "Badge revoked", "district revoked this badge", "stop"),
    ("urn:uuid:" + str(uuid.UUID(int=42)), "unknown_badge", "Badge not found",
     "not in the district data", "stop"),
    (factories.CARA_COMMUNICATION, "no_pin_for_credential", "No pin for this credential",
     "this one does not", "wait"),
    (factories.CARA_CHALLENGES, "out_of_stock", "Out of stock", "waitlist", "wait"),
    ("this is not a badge", "malformed", "Could not read that code", "Scan the code again",
     "stop"),
    (factories.BADGR_URL + "?identity__email=someone-else@example.org", "recipient_mismatch",
     "Badge belongs to someone else", "issued to someone other", "stop"),
]


@BOTH
@pytest.mark.parametrize(("payload", "code", "headline", "advice", "tone"), REASONS,
                         ids=[r[1] for r in REASONS])
def test_each_verdict_is_shown_in_plain_words(designee, hx, payload, code, headline, advice,
                                               tone):
    response = scan(designee, payload, hx=hx)
    assert response.status_code == 200
    assert is_full_page(response) is not hx
    panel = verdict_of(response)
    assert panel.get("data-reason") == code
    assert f"tone-{tone}" in panel.classes
    assert panel.one("h2").text == headline
    assert advice in panel.one("p", class_="advice").text
    assert "_" not in panel.text  # plain words, never a code such as out_of_stock


@BOTH
def test_already_issued_says_when_where_and_the_receipt(designee, hx):
    done = hand_out(designee, factories.ALICE_TRAUMA)
    receipt = page(done).one(class_="receipt-no").text
    response = scan(designee, factories.ALICE_TRAUMA, hx=hx)
    panel = verdict_of(response)
    assert panel.get("data-reason") == "already_issued"
    assert panel.one("h2").text == "Pin already handed out"
    prior = panel.one("p", class_="prior").text
    assert f"at {factories.BUILDING} by Dee Designee" in prior
    assert f"Receipt {receipt}" in prior
    assert panel.find("form", id="hand-out-form") is None


def test_a_revoked_badge_shows_the_district_reason(designee):
    panel = verdict_of(scan(designee, factories.BOB_REVOKED))
    assert panel.one("p", class_="detail").text == "Reason: Issued in error"
    assert panel.find("form") is None


@pytest.mark.parametrize("payload", [
    factories.BADGR_URL,
    factories.BADGR_URL + "?identity__email=ALICE@example.org",
    f"https://www.credly.com/badges/{factories.CREDLY_UUID}/public_url",
    f"https://api.credly.com/v1/obi/v2/badge_assertions/{factories.CREDLY_UUID}",
    factories.ALICE_TRAUMA.upper().replace("URN:UUID:", "urn:uuid:"),
    "\x02" + factories.ALICE_BALANCE + "\r\n",
    "  \t" + factories.ALICE_BALANCE + "  ",
], ids=["badgr", "badgr-own-email", "credly-page", "credly-api", "upper-case-uuid",
        "scanner-control-characters", "whitespace"])
def test_every_supported_payload_finds_alices_award(designee, payload):
    panel = verdict_of(scan(designee, payload))
    assert panel.get("data-reason") == "ok"
    assert "Alice Able" in panel.one("dd", class_="person").text


# Malformed input never breaks the page --------------------------------------------------------

MALFORMED = {
    "5 KB": "https://api.badgr.io/public/assertions/" + "A" * 5000,
    "200 KB": "x" * 200_000,
    "binary junk": "\x00\x01\x02\xff\xfe\x1b[31m\x07" + bytes(range(32)).decode("latin-1"),
    "control characters inside": "urn:uuid:1111\x00\x1b1111",
    "empty": "",
    "only whitespace": " \t\r\n  \u00a0 ",
    "damaged link": "https://",
    "bad port": "https://api.badgr.io:99999/public/assertions/abc",
    "script": "<script>alert(1)</script>",
}


@BOTH
@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input_gets_the_malformed_verdict(designee, payload, hx):
    response = scan(designee, payload, hx=hx)
    assert response.status_code == 200, html(response)
    panel = verdict_of(response)
    assert panel.get("data-reason") == "malformed"
    assert panel.one("h2").text == "Could not read that code"
    assert "<script>alert" not in html(response)


def test_invalid_utf8_bytes_in_the_form_get_the_malformed_verdict(designee):
    body = b"payload=%FF%FE%00abc&csrf_token=" + designee.csrf_token().encode()
    response = designee.post("/scan", data=body, csrf=False, headers={
        "HX-Request": "true", "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert reason(response) == "malformed"


def test_a_missing_payload_field_gets_the_malformed_verdict(designee):
    response = designee.hx_post("/scan", data={})
    assert response.status_code == 200
    assert reason(response) == "malformed"


def test_a_too_long_payload_is_explained(designee):
    panel = verdict_of(scan(designee, MALFORMED["5 KB"]))
    assert "longer than 4 KB" in panel.one("p", class_="detail").text


# Hostile names from the roster are shown as text ----------------------------------------------

HOSTILE = "<script>alert(1)</script>"
HOSTILE_AWARD = "urn:uuid:99999999-9999-4999-8999-999999999999"


@pytest.fixture
def hostile_award(app, tmp_path):  # type: ignore[no-untyped-def]
    add_award(app, tmp_path, HOSTILE, HOSTILE_AWARD, factories.TRAUMA)
    return HOSTILE_AWARD


@BOTH
def test_a_hostile_name_is_escaped_on_the_verdict(designee, hostile_award, hx):
    response = scan(designee, hostile_award, hx=hx)
    assert HOSTILE not in html(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html(response)
    panel = verdict_of(response)
    assert panel.get("data-reason") == "ok"
    assert HOSTILE in panel.one("dd", class_="person").text  # shown as plain text
    assert all(s.get("src") for s in page(response).find_all("script"))  # no inline script


def test_a_hostile_name_is_escaped_after_hand_out_and_in_the_log(designee, office,
                                                                 hostile_award):
    done = hand_out(designee, hostile_award)
    assert HOSTILE not in html(done)
    assert HOSTILE in page(done).one("dd", class_="person").text
    for response in (scan(designee, hostile_award), designee.get("/log"), office.get("/log")):
        assert HOSTILE not in html(response)
        assert "&lt;script&gt;" in html(response)
