"""QR codes in pictures: a phone photo of a printed proof reads as the scanner would have typed
it, turned, tilted, dim or small; a picture larger than the kiosk decodes is refused from its
header, before a pixel is decoded. Every picture here is made by tests/proof_pictures.py."""

from __future__ import annotations

import pytest
from PIL import Image

from kiosk.services.proof_images import (
    MAX_PICTURE_PIXELS,
    PictureTooLarge,
    UnreadablePicture,
    codes_in_picture,
    read_picture,
)
from tests import proof_pictures as pp

LINK = "https://api.badgr.io/public/assertions/AbCdEf123456?identity__email=alice@example.org"
TOKEN = "eyJhbGciOiJSUzI1NiJ9." + "eyJ" + "x" * 1500 + "." + "s" * 342  # a 1.9 KB VC-JWT's size
SMALL = (2000, 1500)  # most cases need no 12 MP canvas to make their point


@pytest.fixture(scope="module")
def phone_photo() -> bytes:
    """A 12 MP JPEG: the proof held at 5 degrees, tilted, at 55% light."""
    return pp.encode(pp.photo(LINK), "JPEG", quality=85)


def test_a_12_megapixel_phone_photo_reads_the_code(phone_photo):
    picture = read_picture(phone_photo)
    assert picture.size == pp.PHONE
    assert codes_in_picture(picture) == [LINK]


@pytest.mark.parametrize("knobs", [
    {"angle": 12}, {"angle": 90}, {"angle": 183}, {"skew": 0.22}, {"dim": 0.2},
    {"code_px": 220}, {"angle": -7, "skew": 0.15, "dim": 0.3},
], ids=["turned", "sideways", "upside-down", "tilted", "dim", "small", "all-at-once"])
def test_turned_tilted_dim_or_small_codes_read(knobs):
    picture = pp.photo(LINK, size=SMALL, **{"code_px": 400, **knobs})
    assert codes_in_picture(picture) == [LINK]


def test_a_long_code_needs_the_full_picture_and_gets_it():
    # 1.9 KB is a version-30ish code: its modules are too fine for the downscaled copy
    picture = pp.photo(TOKEN, code_px=900, angle=2, dim=0.8)
    assert codes_in_picture(picture) == [TOKEN]


def test_several_codes_read_left_to_right_each_once():
    picture = pp.photo([LINK, "PKS1:ABCD", LINK, "urn:uuid:1"], size=SMALL, code_px=250,
                       angle=2)
    assert codes_in_picture(picture) == [LINK, "PKS1:ABCD", "urn:uuid:1"]


def test_no_code_is_an_empty_list():
    assert codes_in_picture(pp.photo([], size=SMALL)) == []


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "LA"])
def test_any_usual_picture_mode_reads(mode):
    code = pp.qr_image(LINK, box=6)
    picture = Image.new(mode, (code.width + 200, code.height + 200), "white")
    picture.paste(code.convert(mode), (100, 100))
    assert codes_in_picture(picture) == [LINK]


def test_a_transparent_screenshot_reads_as_if_on_white():
    code = pp.qr_image(LINK, box=6)
    picture = Image.new("RGBA", code.size, (0, 0, 0, 0))  # transparent black
    picture.paste((0, 0, 0, 255), mask=code.point(lambda v: 255 - v))
    assert codes_in_picture(picture) == [LINK]


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_open(kind):
    data = pp.encode(pp.qr_image(LINK, box=4).convert("RGB"), kind)
    assert codes_in_picture(read_picture(data)) == [LINK]


@pytest.mark.parametrize("size", [(8000, 6000), (12_000, 12_000), (60_000, 60_000)],
                         ids=["48MP", "144MP-pillow-warns", "3600MP-pillow-refuses"])
def test_a_picture_past_the_pixel_cap_is_refused_from_its_header(size):
    with pytest.raises(PictureTooLarge, match="megapixels"):
        read_picture(pp.png_header_only(*size))


def test_the_cap_can_be_set_lower_for_a_camera_frame():
    data = pp.encode(Image.new("L", (2000, 2000), "white"), "PNG")
    with pytest.raises(PictureTooLarge):
        read_picture(data, max_pixels=1_000_000)


def test_codes_in_picture_refuses_a_picture_past_the_cap_too():
    wide = Image.new("L", (MAX_PICTURE_PIXELS // 1000 + 1, 1000))
    with pytest.raises(PictureTooLarge):
        codes_in_picture(wide)


@pytest.mark.parametrize("data", [b"", b"GIF89a" + b"\0" * 40, b"\x89PNG\r\n\x1a\n" + b"\0" * 40,
                                  b"\xff\xd8\xff\xe0" + b"\0" * 20, b"<svg/>"],
                         ids=["empty", "gif", "damaged-png", "cut-jpeg", "svg"])
def test_anything_else_is_unreadable_in_plain_words(data):
    with pytest.raises(UnreadablePicture, match="image"):
        read_picture(data)


def test_a_cut_short_photo_is_unreadable(phone_photo):
    with pytest.raises(UnreadablePicture, match="damaged or cut short"):
        read_picture(phone_photo[: len(phone_photo) // 2])
