"""A camera for Chromium's fake capture device: a video file made from pictures of QR codes
(``--use-file-for-fake-video-capture``; Chromium plays it in a loop). Y4M (raw, at the frame
rate in its header) for the tests; MJPEG (JPEG frames one after another, played at 30 frames a
second, a twentieth of the size) for a webcam's 1280x720 in the benchmark.

A scene is what the camera sees for a while: a proof's QR code (its text) or nothing (None).
With ``marked=True`` each scene with a code also carries its number (1, 2, ...) in a row of
eight dark or light squares along the top edge, so that a page can tell which scene a frame
belongs to (bench/camera_browser.py times a code from the frame it first appears in)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw

WIDTH, HEIGHT, FPS = 640, 480, 10
LIGHT, DARK = 235, 16  # video levels of white paper and black ink (luma 16..235)
MARK, MARK_BITS = 24, 8  # the scene number's squares: pixels a side, how many


def picture(text: str | None, number: int = 0, width: int = WIDTH, height: int = HEIGHT,
            box: int = 5) -> Image.Image:
    """What the camera sees: paper with the QR code of ``text`` in the middle (or none), ``box``
    pixels a module, and the scene's ``number`` along the top edge when it is not 0."""
    frame = Image.new("L", (width, height), LIGHT)
    if text:
        code = qrcode.QRCode(border=4, box_size=box,
                             error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(text)
        code.make(fit=True)
        square = code.make_image(fill_color="black", back_color="white").get_image().convert("L")
        square = square.point(lambda v: LIGHT if v > 127 else DARK)
        frame.paste(square, ((width - square.width) // 2, (height - square.height) // 2 + MARK))
    if number:
        draw = ImageDraw.Draw(frame)
        for bit in range(MARK_BITS):
            if number >> bit & 1:
                x = MARK * (2 * bit + 1)
                draw.rectangle((x, MARK // 2, x + MARK - 1, MARK // 2 + MARK - 1), fill=DARK)
    return frame


def write_y4m(path: Path, scenes: Sequence[tuple[str | None, float]], *, marked: bool = False,
              width: int = WIDTH, height: int = HEIGHT, fps: int = FPS) -> Path:
    """Write ``scenes`` ((text or None, seconds) each) as a grey 4:2:0 Y4M video."""
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for number, (text, seconds) in enumerate(scenes, start=1):
            luma = picture(text, number if marked and text else 0, width, height).tobytes()
            for _ in range(max(1, round(seconds * fps))):
                out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


def write_mjpeg(path: Path, scenes: Sequence[tuple[str | None, float]], *, marked: bool = False,
                width: int = 1280, height: int = 720, box: int = 4, noise: float = 8.0,
                quality: int = 85) -> Path:
    """Write ``scenes`` as MJPEG (Chromium plays it at 30 frames a second). ``noise``: the
    sensor's grain (a Gaussian of this many levels, different in each frame; the picture's
    contrast drops by a quarter with it, as a webcam's), which makes the frames as costly to
    compress and to read as a webcam's."""
    grains = [Image.effect_noise((width, height), noise * 4) for _ in range(5)] if noise else []
    with open(path, "wb") as out:
        n = 0
        for number, (text, seconds) in enumerate(scenes, start=1):
            clean = picture(text, number if marked and text else 0, width, height, box)
            for _ in range(max(1, round(seconds * 30))):
                frame = Image.blend(clean, grains[n % len(grains)], 0.25) if grains else clean
                buffer = io.BytesIO()
                frame.convert("RGB").save(buffer, "JPEG", quality=quality)
                out.write(buffer.getvalue())
                n += 1
    return path


def chromium_args(video: Path) -> list[str]:
    """Chromium's switches for a fake camera playing ``video``. Without
    ``--use-fake-ui-for-media-stream``: the context's permissions decide (Playwright's
    ``permissions=["camera"]`` allows it, none refuses it), as a person answering the prompt."""
    return ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
