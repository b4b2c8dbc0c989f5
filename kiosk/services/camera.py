"""A frame from the scan page's camera: the text of every QR code in it.

Nothing is checked or recorded here. The page hands each new code to its scan queue, which
sends it to ``POST /scan`` exactly as a scanner's scan (kiosk/static/camera.js). Why the kiosk
reads the frames rather than the page: docs/proofs.md, "The camera"."""

from __future__ import annotations

from ..errors import InvalidInput
from .proof_images import UnreadablePicture, codes_in_picture, read_picture

# The page scales a frame to at most 1280 pixels a side (about 1 megapixel, a JPEG of 30-300
# KB; the route's body cap is config.py's BODY_CAPS["scan.camera_frame"]). Four megapixels
# leaves room for a camera that will not scale, and keeps a frame's decode short.
MAX_FRAME_PIXELS = 4_000_000
NO_FRAME = "No picture came from the camera. Switch the camera off and on again."


def codes_in_frame(data: bytes) -> list[str]:
    """The text of each QR code in one camera frame (JPEG, PNG, WebP or HEIC), each once, top to
    bottom and left to right; none when the frame shows none. An empty or unreadable frame,
    or one larger than MAX_FRAME_PIXELS, is InvalidInput."""
    if not data:
        raise InvalidInput(NO_FRAME)
    try:
        codes = codes_in_picture(read_picture(data, max_pixels=MAX_FRAME_PIXELS))
    except UnreadablePicture as exc:
        raise InvalidInput(f"The camera's picture could not be read: {exc}") from None
    return [code for code in codes if code.strip()]
