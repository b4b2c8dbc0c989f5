"""PDF proofs, made here with reportlab (attachments added with pypdfium2): every QR code on
every page goes the scan's way, the verdict says which code gave it, an attached JSON
credential or baked badge image counts too; page, pixel and unpacking caps hold, and a
damaged or locked PDF is a plain "malformed", never a crash."""

from __future__ import annotations

import json
import struct
import time
import zlib

import pytest

from kiosk.domain.reasons import Reason
from kiosk.services import proof_pdf
from kiosk.services.proof_files import TooLargeToRead, check_file
from tests import factories as f
from tests import proof_pictures as pp

pytestmark = pytest.mark.usefixtures("ctx")  # the services are called directly


def test_a_certificate_with_one_code_reads_like_a_scan(corpus):
    result = check_file(pp.pdf([[f.BADGR_URL]]))
    assert result.reason is Reason.OK, result.detail
    assert result.payload == f.BADGR_URL and result.carrier == ""
    read = result.as_json()["read"]
    assert read["words"] == "QR code 1 of 1 on page 1 of the PDF"
    assert (read["page"], read["pages"], read["found"]) == (1, 1, 1)


def test_of_several_codes_on_several_pages_the_badge_gives_the_verdict(corpus):
    token = corpus.ob2_jws("bob@example.org", award_id=f.ALICE_TRAUMA)  # Bob's, for Alice
    data = pp.pdf([["https://example.org/about", "not a badge at all"],
                   [token[:40], f.BADGR_URL, "urn:uuid:00000000-0000-4000-8000-000000000000"]])
    result = check_file(data)
    assert result.reason is Reason.OK
    read = result.as_json()["read"]
    assert read["words"] == "QR code 2 of 3 on page 2 of the PDF"
    assert (read["pages"], read["found"]) == (2, 5)


def test_a_code_about_a_person_speaks_before_codes_that_are_no_badge(corpus):
    data = pp.pdf([["https://example.org/about", f.BADGR_URL.replace("AbCdEf", "XyZ")],
                   [corpus.ob2_jws("bob@example.org", award_id=f.ALICE_TRAUMA)]])
    result = check_file(data)
    assert result.reason is Reason.RECIPIENT_MISMATCH  # about Alice's award: it says most
    assert result.source.page == 2


def test_an_attached_json_credential_counts(corpus):
    doc = corpus.ob3_data_integrity(award_id=f.ALICE_BALANCE)
    data = pp.pdf([[]], attachments={"alice-balance.json": json.dumps(doc).encode()})
    result = check_file(data)
    assert result.reason is Reason.OK, result.detail
    assert result.proof.format == "json-file"
    assert result.source.words == "the file “alice-balance.json” attached to the PDF"


def test_an_attached_baked_badge_image_counts(corpus):
    png = corpus.baked_png(corpus.ob2_jws("alice@example.org", award_id=f.ALICE_TRAUMA))
    result = check_file(pp.pdf([["https://example.org/about"]], attachments={"badge.png": png}))
    assert result.reason is Reason.OK, result.detail
    assert (result.proof.format, result.source.attachment) == ("baked-png", "badge.png")


def test_a_badge_image_drawn_on_a_page_is_read_for_its_pixels_only(corpus):
    # A PDF keeps an image's pixels, not the PNG file: a baked badge's data does not survive
    # being drawn on a page. A QR code in the picture does.
    code = pp.encode(pp.qr_image(f.BADGR_URL, box=4), "PNG")
    result = check_file(pp.pdf([[]], images=[code]))
    assert result.reason is Reason.OK
    assert result.source.words == "QR code 1 of 1 on page 1 of the PDF"


def test_a_pdf_with_nothing_to_check_says_so():
    result = check_file(pp.pdf([[], []], attachments={"notes.txt": b"hello"}))
    assert result.reason is Reason.MALFORMED
    assert "No QR code was found on any of its 2 pages" in result.detail


def test_more_pages_than_a_proof_has_are_refused_before_any_is_drawn():
    with pytest.raises(TooLargeToRead, match="11 pages"):
        check_file(pp.pdf([[]] * 11))


def test_a_poster_sized_page_is_drawn_within_the_pixel_cap(monkeypatch):
    drawn: list[tuple[int, int]] = []
    read = proof_pdf.codes_in_picture
    monkeypatch.setattr(proof_pdf, "codes_in_picture",
                        lambda picture: drawn.append(picture.size) or read(picture))
    data = pp.pdf([[f.BADGR_URL]], page_size=(14_400, 14_400))  # 200 x 200 inches
    check_file(data)
    assert drawn and drawn[0][0] * drawn[0][1] <= proof_pdf.MAX_PAGE_PIXELS


@pytest.mark.parametrize(("data", "words"), [
    (b"%PDF-1.7\n" + b"\0" * 200, "damaged"),
    (pp.pdf([[f.BADGR_URL]])[:600], "damaged"),
], ids=["garbage", "cut-short"])
def test_a_damaged_pdf_is_malformed_in_plain_words(data, words):
    result = check_file(data)
    assert result.reason is Reason.MALFORMED
    assert words in result.detail


def test_a_pdf_locked_with_a_password_says_so():
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    out = pp.io.BytesIO()
    sheet = canvas.Canvas(out, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    sheet.drawString(72, 720, "locked")
    sheet.showPage()
    sheet.save()
    result = check_file(out.getvalue())
    assert result.reason is Reason.MALFORMED
    assert "locked with a password" in result.detail


def _zeros_packed(megabytes: int) -> bytes:
    """zlib data of ``megabytes`` MB of zeros, made in no time: after a full flush, each MB
    packs to the same bytes, so one packed MB is repeated and the checksum put at the end."""
    packer, zeros = zlib.compressobj(9), b"\0" * (1 << 20)
    first = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    end = packer.flush()[:-4]  # the last (empty) block; its checksum is for 2 MB
    checksum = 1
    for _ in range(megabytes):
        checksum = zlib.adler32(zeros, checksum)
    return first + again * (megabytes - 1) + end + struct.pack(">I", checksum)


def _attachment_bomb(unpacked: int) -> bytes:
    """A one-page PDF whose attached "badge.json" unpacks to ``unpacked`` zero bytes (a few
    hundred times smaller packed), written out by hand: no library writes one."""
    packed = _zeros_packed(unpacked >> 20)
    objects = [
        b"<</Type/Catalog/Pages 2 0 R/Names<</EmbeddedFiles<</Names[(badge.json) 4 0 R]>>>>>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>",
        b"<</Type/Filespec/F(badge.json)/UF(badge.json)/EF<</F 5 0 R>>>>",
        b"<</Type/EmbeddedFile/Filter/FlateDecode/Length %d>>\nstream\n" % len(packed)
        + packed + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.7\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)


def test_an_attachment_past_its_cap_is_passed_over_and_named():
    result = check_file(_attachment_bomb(40 << 20))
    assert result.reason is Reason.MALFORMED
    assert "badge.json (larger than 10 MB unpacked)" in result.detail


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="memory cap: POSIX only")
def test_an_attachment_bomb_stops_in_the_child_not_the_kiosk():
    # 1 GB unpacked from 1 MB: PDFium unpacks it whole to learn its size; the child's memory
    # cap stops it early, and the kiosk's own memory never sees it
    assert len(zlib.decompress(_zeros_packed(3))) == 3 << 20  # the bomb is sound zlib
    started = time.monotonic()
    result = check_file(_attachment_bomb(1 << 30))
    assert result.reason is Reason.MALFORMED
    assert "could not be unpacked within the kiosk's limits" in result.detail
    assert time.monotonic() - started < proof_pdf.ATTACHMENT_SECONDS + 10  # a busy machine
