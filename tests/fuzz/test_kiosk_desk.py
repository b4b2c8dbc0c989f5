"""Whatever reaches the kiosk's desk pages as a logged-in designee (a scanner that typed
anything, a form with any fields, a search of any text, any file dropped on the page, any
camera frame), the answer is one a person can read: a verdict, a message, never a 500."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from PIL import Image

from kiosk.services.proof_images import codes_in_picture, read_picture
from tests.factories import ALICE_TRAUMA
from tests.fuzz.strategies import CAMERA_FRAMES, CORPUS, SUITE
from tests.fuzz.targets import (
    HAND_OUT_CASES,
    KIOSK_PAGES,
    LOOKUP_AWARD_CASES,
    LOOKUP_CASES,
    SCAN_CASES,
    SCAN_IMAGE_CASES,
    SCAN_RAW_CASES,
    VOID_CASES,
    WAITLIST_CASES,
    KioskDesk,
    check_camera,
    check_hand_out,
    check_lookup,
    check_lookup_award,
    check_scan,
    check_scan_image,
    check_scan_raw,
    check_void,
    check_waitlist,
)
from tests.proof_pictures import encode, pdf, png_header_only, qr_image

# A signed credential whose issuer is JSON's "\ud800" (half a UTF-16 pair, no text) was a 500:
# the issuer's lookup in the kiosk's cache failed in SQLite (bench/fuzz.py found it)
LONE_SURROGATE_ISSUER = json.dumps({**CORPUS.ob3_data_integrity(), "issuer": "\ud800"})


# A picture more than 65,535 pixels wide or tall (few pixels all the same: a header can claim
# 65,536 x 1) was a 500 on the file drop and the camera: zxing-cpp refuses such a side
WIDE_PICTURE = png_header_only(65_536, 1)


def _wide_picture_with_a_code() -> bytes:
    canvas = Image.new("L", (66_000, 140), 255)
    canvas.paste(qr_image(ALICE_TRAUMA, box=3), (40_000, 5))
    return encode(canvas, "PNG")


@SUITE
@given(case=SCAN_CASES)
@example(case=({"payload": LONE_SURROGATE_ISSUER}, {}))
@example(case=({"payload": LONE_SURROGATE_ISSUER.replace('"id": "', '"id": "\\udfff', 1)},
               {"HX-Request": "true"}))
def test_a_scan_of_anything_gets_a_verdict(desk: KioskDesk, case: Any) -> None:
    check_scan(desk, case)


@SUITE
@given(case=SCAN_RAW_CASES)
def test_a_scan_form_of_any_bytes_gets_a_verdict(desk: KioskDesk, case: Any) -> None:
    check_scan_raw(desk, case)


@SUITE
@given(case=SCAN_IMAGE_CASES)
@example(case=(WIDE_PICTURE, "wide.png", {}))
@example(case=(pdf([[ALICE_TRAUMA]], page_size=(100_000, 10)), "long-page.pdf", {}))
def test_any_file_dropped_in_as_a_badge_image_gets_a_verdict(desk: KioskDesk,
                                                             case: Any) -> None:
    check_scan_image(desk, case)


@SUITE
@given(frame=CAMERA_FRAMES)
@example(frame=WIDE_PICTURE)
def test_any_camera_frame_gets_its_codes_or_a_message(desk: KioskDesk, frame: bytes) -> None:
    check_camera(desk, frame)


def test_a_picture_wider_than_zxing_reads_still_gives_its_code() -> None:
    """(Read at half size: a code's modules of 3 pixels are still 1.5.)"""
    assert codes_in_picture(read_picture(_wide_picture_with_a_code())) == [ALICE_TRAUMA]


@SUITE
@given(case=LOOKUP_CASES)
def test_a_lookup_of_any_text_answers(desk: KioskDesk, case: Any) -> None:
    check_lookup(desk, case)


@SUITE
@given(case=LOOKUP_AWARD_CASES)
def test_any_award_picked_from_a_lookup_gets_a_verdict(desk: KioskDesk, case: Any) -> None:
    check_lookup_award(desk, case)


@SUITE
@given(case=HAND_OUT_CASES)
def test_a_hand_out_form_with_any_fields_is_done_or_refused(desk: KioskDesk,
                                                            case: Any) -> None:
    check_hand_out(desk, case)


@SUITE
@given(case=WAITLIST_CASES)
def test_a_waitlist_form_with_any_fields_is_done_or_refused(desk: KioskDesk,
                                                            case: Any) -> None:
    check_waitlist(desk, case)


@SUITE
@given(case=VOID_CASES)
def test_a_void_of_anything_is_done_or_refused(desk: KioskDesk, case: Any) -> None:
    check_void(desk, case)


def test_the_pages_show_what_the_fuzzing_left(desk: KioskDesk) -> None:
    """Last in this module: the hand-out log, stock and the admin's pages read the records the
    fuzzing made (any notes, any void reasons)."""
    assert desk.pages_after() == {path: 200 for path in KIOSK_PAGES}
