"""Each kiosk page takes a body no larger than it needs (a login 4 KB, a scan 256 KB, a badge
image its own cap, other forms 64 KB), checked before the body is read: a larger one gets a
clear 413 page or fragment, and nothing is recorded."""

from __future__ import annotations

import io

import pytest

from tests import factories
from tests.web.helpers import HX, distribution_count, html, is_full_page, page, reason

# A body with no Content-Length, as waitress hands a chunked one on: it ends where it ends.
CHUNKED = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True}


def _too_large(response) -> str:  # type: ignore[no-untyped-def]
    """The words of a 413, once it is a calm error and not a stack trace."""
    assert response.status_code == 413, html(response)[:300]
    alert = page(response).one(role="alert")
    assert alert.get("data-status") == "413"
    assert "Traceback" not in html(response)
    return alert.text


@pytest.mark.parametrize("hx", [True, False], ids=["htmx", "plain"])
def test_a_scan_larger_than_any_proof_is_refused_in_plain_words(designee, app, hx):
    post = designee.hx_post if hx else designee.post
    headers = {"HX-Target": "verdict"} if hx else {}
    response = post("/scan", data={"payload": "x" * 300_000}, headers=headers)
    assert "256 KB" in _too_large(response)
    assert is_full_page(response) is not hx
    if hx:
        assert "HX-Retarget" not in response.headers  # it takes the verdict's place
    assert distribution_count(app) == 0


def test_a_scan_far_too_long_but_within_the_cap_gets_the_malformed_verdict(designee):
    response = designee.hx_post("/scan", data={"payload": "é" * 100_000})  # 600 KB as %XX
    assert "256 KB" in _too_large(response)
    response = designee.hx_post("/scan", data={"payload": "é" * 20_000})  # 120 KB
    assert response.status_code == 200
    assert reason(response) == "malformed"


def test_a_login_larger_than_a_login_is_refused(client):
    response = client.post("/login", data={"name": "x" * 10_000, "pin": "1234"})
    assert "4 KB" in _too_large(response)


def test_a_lying_content_length_is_refused_before_the_body_is_read(designee):
    response = designee.post("/scan", csrf=False, input_stream=io.BytesIO(b"payload=x"),
                             environ_overrides={"CONTENT_LENGTH": "60000000"},
                             content_type="application/x-www-form-urlencoded", headers=HX)
    _too_large(response)


def test_a_chunked_body_is_cut_off_at_the_cap(designee):
    # No Content-Length: the read stops at the cap.
    stream = io.BytesIO(b"payload=" + b"x" * 400_000)
    response = designee.post("/scan", csrf=False, input_stream=stream, headers=HX,
                             content_type="application/x-www-form-urlencoded",
                             environ_overrides=CHUNKED)
    _too_large(response)
    assert stream.tell() < 300_000


def test_other_pages_take_a_small_form_only(office, app):
    response = office.hx_post("/stock/receive", data={"credential": factories.TRAUMA,
                                                      "qty": "5", "note": "n" * 100_000})
    assert "64 KB" in _too_large(response)
    assert response.headers["HX-Retarget"] == "#messages"


def test_a_hand_out_of_a_badge_image_credential_is_not_refused_as_too_large(designee):
    # The hand-out form repeats the text found in a badge image (up to 256 KB).
    response = designee.hx_post("/hand-out", data={"payload": "{" + "x" * 250_000 + "}",
                                                   "nonce": "00000000-0000-4000-8000-000000000000",
                                                   "carrier": "baked-png"})
    assert response.status_code != 413
    assert "Traceback" not in html(response)


def test_a_badge_image_keeps_its_own_larger_cap(designee):
    # a raw body: the test client would spool a multipart one into a temporary file
    token = designee.csrf_token().encode()
    body = (b'--x\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n' + token
            + b'\r\n--x\r\nContent-Disposition: form-data; name="image"; filename="a.png"'
            b"\r\n\r\n\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024) + b"\r\n--x--\r\n")
    response = designee.post("/scan/image", data=body, csrf=False, headers=HX,
                             content_type="multipart/form-data; boundary=x")
    assert response.status_code == 200  # 2 MB is a large badge image, not too large
    assert reason(response) == "malformed"
