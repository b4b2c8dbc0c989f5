"""The scan page says, in words, when a signed badge's revocation was not checked (its list is
not on this kiosk), and administrators choose on the Settings page whether such a badge is
handed out with that warning or refused (issue 12, defect 4)."""

from __future__ import annotations

from tests import factories as f
from tests.integration.test_revocation_lists import PUBLISHED, token
from tests.web.helpers import page, scan, verdict


def test_the_verdict_says_revocation_was_not_checked(designee, corpus):
    response = scan(designee, token(corpus))
    panel = verdict(response)
    assert panel.get("data-reason") == "ok"  # the default: handed out, with the warning
    warning = panel.one("p", class_="revocation-unchecked")
    assert warning.text.startswith(f"Revocation not checked: the list {PUBLISHED} is not in "
                                   "the badge data on this kiosk")
    assert page(response).one(id="hand-out-form")


def test_a_checked_list_is_named_with_its_date(designee, corpus):
    badge = corpus.ob3_vc_jwt("rsa", "alice@example.org", award_id=f.ALICE_BALANCE,
                              status="bitstring")  # the corpus's list, in the cache
    panel = verdict(scan(designee, badge))
    assert panel.get("data-reason") == "ok"
    assert not panel.find_all("p", class_="revocation-unchecked")
    assert "Checked against the issuer's revocation list https://ob3.example.org/status/1 " \
           "(as of " in panel.one("p", class_="checked").text


def test_the_settings_page_sets_whether_such_a_badge_is_refused(admin, designee, corpus):
    form = page(admin.get("/settings")).one("form", action="/settings")
    choice = form.one("select", name="UNCHECKED_REVOCATION")
    assert [o.get("value") for o in choice.find_all("option", selected=True)] == ["warn"]

    saved = admin.hx_post("/settings", data={"UNCHECKED_REVOCATION": "refuse"})
    assert page(saved).one("p", class_="flash").text == "Settings saved."
    panel = verdict(scan(designee, token(corpus)))
    assert panel.get("data-reason") == "unknown_badge"
    assert panel.one("h2").text == "Revocation not checked"
    assert PUBLISHED in panel.one("p", class_="detail").text
    assert not panel.find_all("form", id="hand-out-form")

    refused = admin.hx_post("/settings", data={"UNCHECKED_REVOCATION": "never"})
    assert refused.status_code == 400
    admin.hx_post("/settings", data={"UNCHECKED_REVOCATION": "warn"})
    assert verdict(scan(designee, token(corpus))).get("data-reason") == "ok"
