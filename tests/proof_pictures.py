"""Pictures and PDFs of proofs, made here: QR codes by ``qrcode``, phone-like photos by pasting
a printed code into a large noisy canvas (turned, skewed, dimmed, blurred, JPEG-compressed),
and PDFs by reportlab (attachments added with pypdfium2). Used by the tests and
bench/images.py; nothing is copied from elsewhere."""

from __future__ import annotations

import io
import random
import struct
import zlib

import qrcode
from PIL import Image, ImageChops, ImageEnhance, ImageFilter

PHONE = (4000, 3000)  # 12 MP
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def qr_image(text: str, box: int = 10) -> Image.Image:
    code = qrcode.QRCode(box_size=box, border=4,
                         error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make()
    return code.make_image().get_image().convert("L")


def encode(image: Image.Image, kind: str = "PNG", **options) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


def photo(texts: str | list[str], size: tuple[int, int] = PHONE, code_px: int = 700,
          angle: float = 5.0, skew: float = 0.08, dim: float = 0.55,
          seed: int = 1) -> Image.Image:
    """A phone photo of a printed proof: a sheet of paper holding the codes (side by side),
    turned by ``angle`` degrees and skewed, on a noisy background, dimmed and soft."""
    texts = [texts] if isinstance(texts, str) else texts
    rnd = random.Random(seed)
    width, height = size
    coarse = Image.frombytes("L", (width // 50, height // 50),
                             rnd.randbytes(width * height // 2500)).resize(size, Image.BICUBIC)
    fine = Image.frombytes("L", size, rnd.randbytes(width * height))
    scene = Image.blend(coarse, fine, 0.25)
    canvas = Image.merge("RGB", [scene, scene.point(lambda v: v * 0.9),
                                 scene.point(lambda v: v * 0.8)])
    gap = code_px // 3
    sheet_w, sheet_h = len(texts) * (code_px + gap) + gap, int(code_px * 1.8)
    sheet = Image.new("RGB", (sheet_w, sheet_h), (235, 235, 228))
    for n, text in enumerate(texts):
        code = qr_image(text).resize((code_px, code_px), Image.NEAREST).convert("RGB")
        sheet.paste(code, (gap + n * (code_px + gap), code_px // 2))
    # tilted away from the camera: the top edge looks shorter (a true perspective)
    lean = skew * sheet_w
    corners = [(lean, 0), (sheet_w - lean, 0), (sheet_w, sheet_h), (0, sheet_h)]
    coefficients = _perspective(corners, [(0, 0), (sheet_w, 0), (sheet_w, sheet_h),
                                          (0, sheet_h)])
    mask = Image.new("L", sheet.size, 255).transform(sheet.size, Image.PERSPECTIVE,
                                                     coefficients, Image.BICUBIC)
    sheet = sheet.transform(sheet.size, Image.PERSPECTIVE, coefficients, Image.BICUBIC)
    sheet = sheet.rotate(angle, expand=True, resample=Image.BICUBIC)
    mask = mask.rotate(angle, expand=True, resample=Image.BICUBIC)
    sheet = sheet.filter(ImageFilter.GaussianBlur(1.5))  # a little out of focus
    canvas.paste(sheet, ((width - sheet.width) // 2, (height - sheet.height) // 2), mask)
    canvas = ImageEnhance.Brightness(canvas).enhance(dim)
    canvas = ImageEnhance.Contrast(canvas).enhance(0.7)
    sensor = Image.frombytes("L", size, rnd.randbytes(width * height)).point(lambda v: v // 16)
    return ImageChops.add(canvas, Image.merge("RGB", [sensor] * 3))


def _perspective(seen: list[tuple[float, float]],
                 flat: list[tuple[float, float]]) -> list[float]:
    """Pillow's PERSPECTIVE coefficients taking each point of ``seen`` (the picture) to the
    same point of ``flat`` (the sheet): the 8x8 linear system, by Gauss-Jordan."""
    rows = []
    for (x, y), (u, v) in zip(seen, flat, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    for col in range(8):
        pivot = max(range(col, 8), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        rows[col] = [value / rows[col][col] for value in rows[col]]
        for r in range(8):
            if r != col:
                rows[r] = [a - rows[r][col] * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [row[8] for row in rows]


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` and holds one scanline: a few hundred bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (PNG_SIGNATURE + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\0" * (width + 1))) + chunk(b"IEND", b""))


def camera_frame(text: str, seed: int = 2) -> Image.Image:
    """A 1280x720 webcam frame with the paper held up, a little turned and dim."""
    return photo(text, size=(1280, 720), code_px=300, angle=4, dim=0.6, seed=seed)


def pdf(pages: list[list[str]], attachments: dict[str, bytes] | None = None,
        images: list[bytes] | None = None, page_size: tuple[float, float] | None = None,
        ) -> bytes:
    """A PDF made with reportlab: one page per item of ``pages``, each with its QR codes
    (drawn as vectors, 2 inches wide, in a row of two) under a line of text; ``images`` are
    drawn on the first page; ``attachments`` are embedded files (added with pypdfium2,
    as reportlab has no API for them)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import letter
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    size = page_size or letter
    sheet = canvas.Canvas(out, pagesize=size)
    for number, codes in enumerate(pages):
        sheet.drawString(72, size[1] - 72, f"Certificate of completion, page {number + 1}")
        for n, text in enumerate(codes):
            widget = QrCodeWidget(text, barLevel="M")
            x0, y0, x1, y1 = widget.getBounds()
            side = 144.0
            drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0,
                                                     side / (y1 - y0), 0, 0])
            drawing.add(widget)
            renderPDF.draw(drawing, sheet, 72 + (n % 2) * 216, size[1] - 260 - (n // 2) * 216)
        if number == 0:
            for n, data in enumerate(images or []):
                sheet.drawImage(ImageReader(io.BytesIO(data)), 360, 72 + n * 110, 100, 100)
        sheet.showPage()
    sheet.save()
    data = out.getvalue()
    return attach(data, attachments) if attachments else data


def attach(pdf_bytes: bytes, files: dict[str, bytes]) -> bytes:
    """``pdf_bytes`` with ``files`` embedded (the PDF's EmbeddedFiles), by pypdfium2."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf_bytes)
    try:
        for name, data in files.items():
            document.new_attachment(name).set_data(data)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
    finally:
        document.close()
