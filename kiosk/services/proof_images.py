"""Pictures of a proof of badge: read a photo, a page of a PDF or a camera frame, and find the
text of every QR code in it (zxing-cpp), as a scanner would have typed it.

Two functions, used by the file upload (``kiosk/services/proof_files.py``), ``kiosk verify
--file`` and the camera:

- :func:`read_picture` opens JPEG, PNG, WebP and HEIC bytes with Pillow (HEIC through
  pillow-heif), refusing a picture larger
  than :data:`MAX_PICTURE_PIXELS` from its header, before a pixel is decoded (a small file can
  claim a huge picture: a decompression bomb).
- :func:`codes_in_picture` reads a downscaled copy first (longest side about
  :data:`SMALL_SIDE` pixels: a phone photo's QR code is many pixels per module, and a smaller
  picture reads several times faster), and the full picture only when the small one shows no
  code. zxing-cpp itself looks for codes turned any way, inverted and at smaller scales; a
  slightly rotated, skewed or dim photo reads at either size.

Nothing here touches Flask or the database.
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image
from pillow_heif import register_heif_opener

register_heif_opener()  # HEIC/HEIF photos (an iPhone's own format) open in Pillow as "HEIF"

MAX_PICTURE_PIXELS = 40_000_000  # a 12 MP phone photo is 12 million; 40 leaves room, not more
SMALL_SIDE = 1600  # the downscaled copy's longest side is at least this (up to twice it)
PICTURE_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")  # what read_picture opens
_CODES = zxingcpp.BarcodeFormat.QRCode  # with zxing-cpp 3, Micro QR and rMQR too
ZXING_MAX_SIDE = 65_535  # zxing-cpp refuses a wider or taller picture (ValueError)


class UnreadablePicture(ValueError):
    """The bytes are no picture the kiosk reads; the message says why in plain words."""


class PictureTooLarge(UnreadablePicture):
    """The picture has more pixels than the kiosk decodes (a possible decompression bomb)."""


def read_picture(data: bytes, max_pixels: int = MAX_PICTURE_PIXELS) -> Image.Image:
    """The picture in ``data`` (JPEG, PNG, WebP or HEIC), decoded. Raises :class:`PictureTooLarge`
    when its header claims more than ``max_pixels`` pixels, before any pixel is decoded, and
    :class:`UnreadablePicture` for anything else that does not decode."""
    try:
        image = Image.open(io.BytesIO(data), formats=PICTURE_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own, far larger cap (about 89 million pixels warns, twice that refuses)
        raise PictureTooLarge(_too_large_words(None, max_pixels)) from None
    except Exception:  # Pillow raises many kinds for a damaged or foreign file
        raise UnreadablePicture("This image is damaged or not one the kiosk can read "
                                "(JPEG, PNG, WebP or HEIC).") from None
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise PictureTooLarge(_too_large_words(width * height, max_pixels))
        if width < 1 or height < 1:
            raise UnreadablePicture("The picture is empty.")
        try:
            image.load()  # the first frame of an animated picture
            return image.copy()
        except Exception:
            raise UnreadablePicture("The picture is damaged or cut short, so it cannot be "
                                    "read.") from None


def _too_large_words(pixels: int | None, max_pixels: int) -> str:
    size = f"{pixels / 1e6:.0f} megapixels" if pixels else "far too many pixels"
    return (f"The picture has {size}; the kiosk reads pictures of at most "
            f"{max_pixels // 1_000_000} megapixels. Take the photo again at a normal size.")


def codes_in_picture(image: Image.Image) -> list[str]:
    """The text of every QR code in ``image``, top to bottom and left to right, each text
    once. An empty list when there is none. Pillow's usual modes (RGB, L, RGBA, P...) work.

    A picture larger than :data:`MAX_PICTURE_PIXELS` is refused (:class:`PictureTooLarge`):
    a caller that made it itself (a camera frame, a rendered page) never gets near that."""
    width, height = image.size
    if width * height > MAX_PICTURE_PIXELS:
        raise PictureTooLarge(_too_large_words(width * height, MAX_PICTURE_PIXELS))
    gray = _gray(image)
    factor = max(gray.size) // SMALL_SIDE
    if factor >= 2:
        found = _read(gray.reduce(factor))
        if found:
            return found
    return _read(gray)


def _gray(image: Image.Image) -> Image.Image:
    """One byte a pixel: zxing-cpp reads luminance, and reducing one channel is a third of
    the work of three."""
    if image.mode == "L":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency"
                                               in image.info):
        # a transparent background reads as black: put the picture on white paper
        backdrop = Image.new("RGBA", image.size, (255, 255, 255, 255))
        backdrop.alpha_composite(image.convert("RGBA"))
        return backdrop.convert("L")
    return image.convert("L")


def _read(gray: Image.Image) -> list[str]:
    longest = max(gray.size)
    if longest > ZXING_MAX_SIDE:  # a long thin picture, or a PDF page: few pixels, one long side
        gray = gray.reduce(-(-longest // ZXING_MAX_SIDE))
    codes = zxingcpp.read_barcodes(gray, formats=_CODES, text_mode=zxingcpp.TextMode.Plain)
    codes.sort(key=_reading_order)
    texts: list[str] = []
    for code in codes:
        if code.valid and code.text and code.text not in texts:
            texts.append(code.text)
    return texts


def _reading_order(code: zxingcpp.Barcode) -> tuple[int, int]:
    """By the code's middle: top to bottom in bands of 100 pixels, then left to right."""
    at = code.position
    corners = (at.top_left, at.top_right, at.bottom_right, at.bottom_left)
    return (sum(c.y for c in corners) // 400, sum(c.x for c in corners) // 4)
