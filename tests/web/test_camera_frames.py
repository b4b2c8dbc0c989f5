"""The camera's frames (``POST /scan/camera``): the page sends a picture, the kiosk answers the
text of the QR codes in it and records nothing; the page then sends each code as a scan."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from tests import factories
from tests.browser.camera_video import picture
from tests.web.helpers import distribution_count, page


def _jpeg(*texts: str | None, quality: int = 80) -> bytes:
    """A camera frame: the codes side by side on paper, as a JPEG."""
    frames = [picture(text) for text in texts]
    out = picture(None, width=640 * len(frames))
    for n, frame in enumerate(frames):
        out.paste(frame, (640 * n, 0))
    buffer = io.BytesIO()
    out.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _frame(client, data: bytes, csrf: bool = True):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "image/jpeg"}
    if csrf:
        headers["X-CSRFToken"] = client.csrf_token()
    return client.post("/scan/camera", data=data, headers=headers, csrf=False)


def test_the_scan_page_offers_the_camera_only_to_its_script(designee):
    camera = page(designee.get("/scan")).one("div", id="camera")
    assert "hidden" in camera.attrs  # camera.js shows it; without JavaScript it is no use
    assert camera.get("data-frames") == "/scan/camera"
    assert camera.one("button", id="camera-toggle").text.strip() == "Use the camera"


def test_a_frame_answers_the_codes_in_it_and_records_nothing(designee, app):
    response = _frame(designee, _jpeg(factories.ALICE_TRAUMA, factories.BADGR_URL))
    assert response.status_code == 200
    assert response.get_json() == {"codes": [factories.ALICE_TRAUMA, factories.BADGR_URL]}
    assert distribution_count(app) == 0


def test_a_frame_without_a_code_answers_none(designee):
    response = _frame(designee, _jpeg(None))
    assert response.get_json() == {"codes": []}


def test_a_frame_that_is_no_picture_gets_a_clear_message(designee):
    response = _frame(designee, b"\xff\xd8not a jpeg at all")
    assert response.status_code == 400
    message = " ".join(page(response).text.split())
    assert "picture could not be read" in message and "(JPEG, PNG, WebP or HEIC)" in message
    empty = _frame(designee, b"")
    assert empty.status_code == 400
    assert "No picture came from the camera" in empty.get_data(as_text=True)


def test_a_frame_larger_than_its_cap_is_refused_unread(designee, app):
    cap = app.config["BODY_CAPS"]["scan.camera_frame"]
    response = _frame(designee, b"\xff" * (cap + 1))
    assert response.status_code == 413


def test_a_frame_with_too_many_pixels_is_refused(designee):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (3000, 2000), 255).save(buffer, "PNG")  # small file, 6 megapixels
    response = _frame(designee, buffer.getvalue())
    assert response.status_code == 400
    assert "megapixels" in response.get_data(as_text=True)


def test_a_frame_needs_the_csrf_token_and_a_login(designee, client):
    assert _frame(designee, _jpeg(None), csrf=False).status_code == 400
    response = _frame(client, _jpeg(factories.ALICE_TRAUMA))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_frames_do_not_keep_an_idle_login_alive(designee, app):
    """The page sends frames by itself while the camera is on: that is not the person at the
    desk doing anything, so the idle logout still comes (a code read is sent as a scan, and
    that is activity)."""
    designee.csrf_token()  # read from the login page (which is activity) before the clock starts
    with designee.session_transaction() as session:
        seen = session["seen"]
    assert _frame(designee, _jpeg(None)).status_code == 200
    with designee.session_transaction() as session:
        assert session["seen"] == seen
    idle = timedelta(minutes=app.config["IDLE_MINUTES"] + 1)
    with designee.session_transaction() as session:
        session["seen"] = (datetime.fromisoformat(seen) - idle).isoformat()
    response = _frame(designee, _jpeg(None))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
