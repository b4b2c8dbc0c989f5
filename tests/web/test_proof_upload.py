"""One file field (and the page-wide drop) on the scan page takes every kind of proof file: a
PDF, a photo, a JSON credential, a baked image. The verdict panel is a scan's, it says what
was read, and the pin is handed out from it. Caps answer 413 or 400 with a plain message,
never a 500, and record nothing."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests import proof_pictures as pp
from tests.web.helpers import HX, distribution_count, hand_out_form, html, page, reason, verdict


def _upload(client, data: bytes, name: str, hx: bool = True):  # type: ignore[no-untyped-def]
    """The form as a browser sends it, as one raw body: the test client would spool a large
    multipart body into a temporary file that it never closes."""
    body = (b'--x\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            + client.csrf_token().encode() + b'\r\n--x\r\nContent-Disposition: form-data; '
            + f'name="image"; filename="{name}"\r\n\r\n'.encode() + data + b"\r\n--x--\r\n")
    return client.post("/scan/image", csrf=False, data=body, headers=HX if hx else {},
                       content_type="multipart/form-data; boundary=x")


def _words(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(verdict(response).text.split())


def test_the_one_file_field_offers_every_kind(designee):
    form = page(designee.get("/scan")).one("form", id="image-form")
    field = form.one("input", type="file")
    for kind in (".pdf", ".json", ".jpg", ".webp", ".png", ".svg"):
        assert kind in (field.get("accept") or "")
    assert "PDF, photo, JSON" in form.one("label").text
    assert form.get("hx-encoding") == "multipart/form-data"


@pytest.mark.parametrize("hx", [True, False])
def test_a_pdf_proof_is_checked_and_handed_out_like_a_scan(designee, app, hx):
    data = pp.pdf([["https://example.org/about", "hello", factories.BADGR_URL]])
    response = _upload(designee, data, "certificate.pdf", hx=hx)
    assert response.status_code == 200
    assert reason(response) == "ok", html(response)
    assert "Read from QR code 3 of 3 on page 1 of the PDF (3 proofs in the file)." \
        in _words(response)
    form = hand_out_form(response)
    assert form["payload"] == factories.BADGR_URL and "carrier" not in form  # as a scan
    done = designee.hx_post("/hand-out", data={k: v for k, v in form.items()
                                               if k != "csrf_token"})
    assert reason(done) == "handed_out", html(done)
    assert distribution_count(app) == 1


def test_a_json_credential_file_larger_than_a_scan_hands_out(designee, app, corpus):
    doc = corpus.ob3_data_integrity(award_id=factories.ALICE_BALANCE,
                                    extra={"description": "Completed. " * 600})
    response = _upload(designee, json.dumps(doc, indent=2).encode(), "alice.json")
    assert reason(response) == "ok", html(response)
    assert "a credential file (JSON) holding an Open Badges 3.0 credential" in _words(response)
    form = hand_out_form(response)
    assert form["carrier"] == "json-file" and len(form["payload"]) > 4096
    done = designee.hx_post("/hand-out", data={k: v for k, v in form.items()
                                               if k != "csrf_token"})
    assert reason(done) == "handed_out", html(done)
    assert distribution_count(app) == 1


def test_a_phone_photo_is_checked(designee):
    data = pp.encode(pp.photo(factories.BADGR_URL, angle=4), "JPEG", quality=85)
    response = _upload(designee, data, "IMG_2041.JPG")
    assert reason(response) == "ok"
    assert "Read from the QR code in the photo." in _words(response)


def test_an_iphone_heic_photo_is_checked(designee):
    """HEIC was refused with "save it as JPEG": pillow-heif reads it."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    data = pp.encode(pp.photo(factories.BADGR_URL, size=(2000, 1500), angle=3), "HEIF",
                     quality=80)
    assert data[4:12] == b"ftypheic"
    response = _upload(designee, data, "IMG_2042.HEIC")
    assert reason(response) == "ok", html(response)
    assert "Read from the QR code in the photo." in _words(response)


def test_a_pasted_json_credential_is_offered_the_file_way(designee, app, corpus):
    doc = corpus.ob3_data_integrity(award_id=factories.ALICE_BALANCE,
                                    extra={"description": "Completed. " * 600})
    response = designee.hx_post("/scan", data={"payload": json.dumps(doc)})
    assert response.status_code == 400
    text = " ".join(page(response).text.split())
    assert "That is a credential file" in text
    assert "drop the file on the scan page or choose it there" in text
    assert "Could not read that code" not in text  # not "malformed"
    assert distribution_count(app) == 0


@pytest.mark.parametrize(("data", "name", "words"), [
    (pp.png_header_only(20_000, 20_000), "bomb.png", "megapixels"),
    (pp.pdf([[]] * 12), "long.pdf", "12 pages"),
], ids=["pixel-bomb", "too-many-pages"])
def test_a_file_past_a_cap_is_400_with_a_plain_message(designee, app, data, name, words):
    response = _upload(designee, data, name)
    assert response.status_code == 400
    assert words in html(response) and "Traceback" not in html(response)
    assert distribution_count(app) == 0


def test_a_body_past_the_routes_cap_is_413_before_it_is_read(designee):
    body = (b'--x\r\nContent-Disposition: form-data; name="image"; filename="a.pdf"\r\n\r\n'
            + b"%PDF-1.7\n" + b"\0" * (21 * 1024 * 1024) + b"\r\n--x--\r\n")
    response = designee.post("/scan/image", csrf=False, data=body, headers=HX,
                             content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "Traceback" not in html(response)


@pytest.mark.parametrize(("data", "name", "words"), [
    (b"%PDF-1.4\n" + b"\x00garbage" * 50, "broken.pdf", "damaged"),
    (b"\0\0\0\x18ftypheic" + b"\0" * 64, "IMG_0001.HEIC", "damaged"),
    (b'{"name": "my notes"}', "notes.json", "not an Open Badges credential"),
    (pp.encode(pp.photo([], size=(1600, 1200)), "JPEG"), "blank.jpg", "No QR code"),
], ids=["damaged-pdf", "heic", "json-no-badge", "photo-no-code"])
def test_an_unreadable_file_is_a_verdict_that_says_why(designee, app, data, name, words):
    response = _upload(designee, data, name)
    assert response.status_code == 200
    assert reason(response) == "malformed"
    assert words in _words(response)
    assert distribution_count(app) == 0
