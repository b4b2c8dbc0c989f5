"""A badge image dropped or chosen on the scan page gets the same verdict as a scan, and the
pin is handed out from it; the verdict says how the proof was checked."""

from __future__ import annotations

import io
import json

import pytest

from tests import corpus as c
from tests import factories
from tests.web.helpers import HX, distribution_count, html, page, reason, verdict


def _upload(client, data: bytes, name: str = "badge.png", hx: bool = True):  # type: ignore[no-untyped-def]
    return client.post("/scan/image", data={"image": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=HX if hx else {})


def test_the_scan_page_offers_an_image_form_that_works_without_javascript(designee):
    form = page(designee.get("/scan")).one("form", id="image-form")
    assert form.get("method") == "post"
    assert form.get("action") == "/scan/image"
    assert form.get("enctype") == "multipart/form-data"
    assert form.one("input", type="file").get("name") == "image"


@pytest.mark.parametrize("hx", [True, False])
def test_a_baked_png_gets_a_verdict_and_hands_out(designee, app, corpus, hx):
    png = corpus.baked_png(corpus.ob2_jws("alice@example.org", award_id=factories.ALICE_TRAUMA))
    response = _upload(designee, png, hx=hx)
    assert response.status_code == 200
    assert reason(response) == "ok"
    text = " ".join(verdict(response).text.split())
    assert "a badge image (PNG) holding an Open Badges 2.0 signed assertion" in text
    assert c.OB2_ISSUER_NAME in text and c.OB2_KEY_ID in text
    form = page(response).one("form", id="hand-out-form")
    fields = {i.get("name"): i.get("value") for i in form.find_all("input")}
    assert fields["carrier"] == "baked-png"
    done = designee.hx_post("/hand-out", data={k: v for k, v in fields.items()
                                               if k != "csrf_token"})
    assert reason(done) == "handed_out", html(done)
    assert distribution_count(app) == 1


def test_an_svg_badge_with_a_vc_jwt_is_checked(designee, corpus):
    token = corpus.ob3_vc_jwt("p256", "alice@example.org", award_id=factories.ALICE_BALANCE)
    response = _upload(designee, corpus.baked_svg(token, version="ob3"), name="badge.svg")
    assert reason(response) == "ok"


def test_a_picture_with_no_badge_in_it_is_malformed_with_a_plain_message(designee):
    response = _upload(designee, b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    assert reason(response) == "malformed"
    assert "image" in verdict(response).text


def test_no_file_at_all_is_malformed_not_a_crash(designee):
    response = designee.post("/scan/image", data={}, headers=HX)
    assert response.status_code == 200
    assert reason(response) == "malformed"


def test_an_image_upload_needs_the_csrf_token(designee):
    response = designee.post("/scan/image", csrf=False, headers=HX,
                             data={"image": (io.BytesIO(b"x"), "a.png")},
                             content_type="multipart/form-data")
    assert response.status_code == 400


def test_an_upload_larger_than_a_badge_image_is_refused_clearly(designee):
    # a raw body: the test client would spool a multipart one into a temporary file
    body = b"--x\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n"
    body += b"\x89PNG\r\n\x1a\n" + b"\x00" * (21 * 1024 * 1024) + b"\r\n--x--\r\n"
    response = designee.post("/scan/image", csrf=False, data=body, headers=HX,
                             content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "Traceback" not in html(response)


def test_a_data_integrity_badge_says_which_cryptosuite_signed_it(designee, corpus):
    """eddsa-2022 is eddsa-rdfc-2022's name before 2023; the verdict names it as given."""
    doc = corpus.ob3_data_integrity(award_id=factories.ALICE_BALANCE, cryptosuite="eddsa-2022")
    response = _upload(designee, corpus.baked_png(json.dumps(doc), "openbadgecredential"))
    assert reason(response) == "ok"
    text = " ".join(verdict(response).text.split())
    assert f"key {corpus.did_key_id}, cryptosuite eddsa-2022." in text
