"""District proof slips: who gets one, and the PDF read back the way a person and a scanner do
(pdftoppm renders the pages, zxing-cpp decodes every QR code, pdftotext reads the words)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M
from sqlalchemy import select

from kiosk.domain.proof_errors import UntrustedIssuer
from kiosk.domain.slips import district_kid, make_slip, public_key_text, read_slip
from kiosk.errors import InvalidInput
from kiosk.extensions import db
from kiosk.models import Award
from kiosk.reports import SlipData, render_slips_pdf
from kiosk.reports.slips_pdf import qr_code
from kiosk.services.cache_import import import_files
from kiosk.services.district_keys import (
    district_key,
    key_path,
    trust_district_key,
    trusted_district_keys,
)
from kiosk.services.hand_out import hand_out
from kiosk.services.slips import (
    building_named,
    known_buildings,
    slips_for_building,
    slips_pdf,
    slips_report,
)
from kiosk.services.void import void_hand_out
from tests import factories as f

TODAY = date(2026, 5, 4)
HOSTILE = '<b>x</b> & "y"'
PLAIN_ID = "JCS-2024-0042"
BARE_UUID = "88888888-8888-4888-8888-888888888888"
DAN = "urn:uuid:99999999-9999-4999-8999-999999999999"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} (Debian package poppler-utils) is needed in CI")
        pytest.skip(f"{name} is not installed (apt-get install poppler-utils)")
    return path


def _add_staff(folder: Path) -> None:
    """Three more people of the seeded building: a hostile name, a plain award id, a bare uuid,
    and one whose credential has no pin."""
    rows = [
        ["E7", HOSTILE, "x@example.org", f.BUILDING, f.CULTURE, "2024-03-01", PLAIN_ID, "",
         "false", ""],
        ["E8", "Dan Dunn", "dan@example.org", f"  {f.BUILDING.upper()} ", f.BALANCE,
         "2024-03-02", DAN, "", "false", ""],
        ["E9", "Zed Zane", "zed@example.org", f.BUILDING, f.TRAUMA, "2024-03-03", BARE_UUID, "",
         "false", ""],
        ["E9", "Zed Zane", "zed@example.org", f.BUILDING, f.COMMUNICATION, "2024-03-03",
         "JCS-NO-PIN", "", "false", ""],
    ]
    report = import_files([f.write_csv(folder / "more.csv", f.ROSTER_HEADER, rows)])
    assert not report.errors, report.errors


def _award_ids(slips: list[SlipData]) -> list[str]:
    return [s.award_id for s in slips]


def test_without_the_district_key_no_slips_are_made(ctx):
    assert district_key() is None
    for make in (lambda: slips_for_building(f.BUILDING, TODAY),
                 lambda: slips_pdf(f.BUILDING, TODAY)):
        with pytest.raises(InvalidInput, match="does not hold the district's signing key"):
            make()


def test_the_key_is_made_once_private_and_kept(ctx):
    key = district_key(create=True)
    assert key is not None
    path = key_path()
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600
    again = district_key(create=True)
    assert again is not None
    assert district_kid(again.public_key()) == district_kid(key.public_key())
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    # the kiosk that holds the key trusts its own slips
    assert set(trusted_district_keys()) == {district_kid(key.public_key())}


def test_a_damaged_key_file_is_a_clear_error(ctx):
    district_key(create=True)
    key_path().write_text("not a key")
    with pytest.raises(InvalidInput, match="cannot be read"):
        district_key()
    assert trusted_district_keys() == {}  # reading slips goes on without it


def test_slips_go_to_exactly_the_pins_waiting(ctx, tmp_path, staff):
    _add_staff(tmp_path)
    district_key(create=True)
    slips = slips_for_building(f.BUILDING, TODAY)
    # by name, then credential; no pin-less credential, nothing from another building
    assert [(s.person, s.credential) for s in slips] == [
        (HOSTILE, f.CULTURE),
        ("Alice Able", f.BALANCE),
        ("Alice Able", f.TRAUMA),
        ("Cara Cole", f.CHALLENGES),
        ("Dan Dunn", f.BALANCE),
        ("Zed Zane", f.TRAUMA),
    ]
    alice = slips[2]
    assert (alice.employee_id, alice.pin, alice.award_id) == ("E1", "Trauma pin",
                                                                f.ALICE_TRAUMA)
    assert slips[0].pin == f"{f.CULTURE} pin"
    assert _award_ids(slips_for_building("shepherdstown middle school ", TODAY)) == [
        f.BOB_TRAUMA]  # Bob's revoked award gets no slip

    # a pin handed out gets no slip; voiding the hand-out makes it due again
    done = hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), staff["designee"])
    assert f.ALICE_TRAUMA not in _award_ids(slips_for_building(f.BUILDING, TODAY))
    void_hand_out(done.distribution.id, staff["admin"], "wrong person")
    assert f.ALICE_TRAUMA in _award_ids(slips_for_building(f.BUILDING, TODAY))

    # expired before today, or not issued yet: no slip; expiring today still counts
    db.session.get(Award, f.ALICE_BALANCE).expires_on = TODAY - timedelta(days=1)
    db.session.get(Award, DAN).issued_on = TODAY + timedelta(days=1)
    db.session.get(Award, BARE_UUID).expires_on = TODAY
    db.session.commit()
    ids = _award_ids(slips_for_building(f.BUILDING, TODAY))
    assert f.ALICE_BALANCE not in ids and DAN not in ids
    assert BARE_UUID in ids


def test_every_token_names_its_award_and_verifies(ctx, tmp_path):
    _add_staff(tmp_path)
    key = district_key(create=True)
    assert key is not None
    for slip in slips_for_building(f.BUILDING, TODAY):
        read = read_slip(slip.token, trusted_district_keys())
        assert read.award_id == slip.award_id
        assert read.issued_on == TODAY
        assert read.kid == district_kid(key.public_key())


def test_buildings_are_matched_loosely_and_unknown_ones_are_listed(ctx):
    district_key(create=True)
    assert known_buildings() == [f.BUILDING, "Shepherdstown Middle School"]
    assert building_named("  page JACKSON   elementary ") == f.BUILDING
    with pytest.raises(InvalidInput) as caught:
        slips_pdf("Hogwarts", TODAY)
    assert "Hogwarts" in caught.value.message
    assert f.BUILDING in caught.value.message and "Shepherdstown" in caught.value.message


def test_another_kiosk_trusts_the_district_key(ctx, tmp_path):
    key = district_key(create=True)
    assert key is not None
    token = slips_for_building(f.BUILDING, TODAY)[0].token
    key_path().unlink()  # now this kiosk is one without the private key
    with pytest.raises(UntrustedIssuer):
        read_slip(token, trusted_district_keys())
    kid = trust_district_key(f"  {public_key_text(key.public_key())}\n")
    assert kid == district_kid(key.public_key())
    assert read_slip(token, trusted_district_keys()).kid == kid
    with pytest.raises(InvalidInput, match="not a district public key"):
        trust_district_key("ed25519:nonsense!")


# --- the PDF, as a person and a scanner read it ----------------------------------------------

def _pages(pdf: bytes, folder: Path) -> list[Image.Image]:
    pdftoppm = _tool("pdftoppm")
    source = folder / "slips.pdf"
    source.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", "150", "-png", str(source), str(folder / "page")],
                   check=True, timeout=60)
    return [Image.open(p).convert("L") for p in sorted(folder.glob("page-*.png"))]


def _qr_codes(page: Image.Image) -> list[zxingcpp.Barcode]:
    return list(zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode))


def _version(barcode: zxingcpp.Barcode) -> int:
    extra = barcode.extra
    if isinstance(extra, str):
        extra = json.loads(extra)
    return int(extra["Version"])


def _text(pdf: bytes, folder: Path) -> str:
    pdftotext = _tool("pdftotext")
    source = folder / "text.pdf"
    source.write_bytes(pdf)
    done = subprocess.run([pdftotext, "-layout", str(source), "-"], check=True,
                          capture_output=True, timeout=60)
    return done.stdout.decode("utf-8")


def test_the_pdf_carries_every_slip_as_a_qr_code_a_scanner_reads(ctx, tmp_path):
    _add_staff(tmp_path)
    key = district_key(create=True)
    assert key is not None
    report = slips_report(f.BUILDING, TODAY)
    assert report.pdf.startswith(b"%PDF-")
    assert report.filename == "slips-PJE.pdf"
    tokens = {s.token for s in report.slips}
    assert len(tokens) == 6

    pages = _pages(report.pdf, tmp_path)
    assert len(pages) == 1
    codes = _qr_codes(pages[0])
    assert {c.text for c in codes} == tokens
    assert len(codes) == len(tokens)
    trusted = {district_kid(key.public_key()): key.public_key()}
    for code in codes:
        assert code.ec_level == "M"
        corners = code.position
        width_px = abs(corners.top_right.x - corners.top_left.x)
        assert width_px >= 150, "the code is at least 1 inch wide on paper (150 dpi)"
        slip = read_slip(code.text, trusted)
        assert slip.award_id in {s.award_id for s in report.slips}
    by_award = {read_slip(c.text, trusted).award_id: _version(c) for c in codes}
    assert by_award[f.ALICE_TRAUMA] <= 6  # a urn:uuid award
    assert by_award[BARE_UUID] <= 6
    assert max(by_award.values()) <= 7


def test_the_pdf_shows_names_literally_and_in_words(ctx, tmp_path):
    _add_staff(tmp_path)
    district_key(create=True)
    ctx.config["DISTRICT_NAME"] = "Jefferson County Schools"
    text = _text(slips_pdf(f.BUILDING, TODAY), tmp_path)
    assert HOSTILE in text
    for words in ("PROOF OF BADGE", "Jefferson County Schools", "Alice Able", "Employee ID E1",
                  "Trauma pin", f.BUILDING, "Printed May 4, 2026", f.ALICE_TRAUMA):
        assert words in text


def test_nine_slips_take_two_pages(tmp_path):
    key = Ed25519PrivateKey.generate()
    slips = [SlipData(f"Person {i}", f"E{i}", f.TRAUMA, "Trauma pin", str(uuid.UUID(int=i)),
                      make_slip(str(uuid.UUID(int=i)), TODAY, key)) for i in range(9)]
    pdf = render_slips_pdf(slips, district="District", building=f.BUILDING, printed_on=TODAY)
    pages = _pages(pdf, tmp_path)
    assert len(pages) == 2
    assert len(_qr_codes(pages[0])) == 8 and len(_qr_codes(pages[1])) == 1


def test_a_building_with_no_one_waiting_gets_a_page_that_says_so(ctx, tmp_path, staff):
    district_key(create=True)
    hand_out(f.BOB_TRAUMA, str(uuid.uuid4()), staff["designee"])
    report = slips_report("Shepherdstown Middle School", TODAY)
    assert report.slips == []
    text = _text(report.pdf, tmp_path)
    assert "No one in Shepherdstown Middle School has a pin waiting" in text
    assert len(_pages(report.pdf, tmp_path)) == 1


def test_the_typical_token_fits_a_version_6_qr_code(ctx):
    key = district_key(create=True)
    assert key is not None
    slip = slips_for_building(f.BUILDING, TODAY)[0]
    code = qr_code(slip.token)
    assert code.version <= 6
    assert code.error_correction == ERROR_CORRECT_M


def test_long_names_shrink_or_wrap_and_stay_on_their_slip(tmp_path):
    key = Ed25519PrivateKey.generate()
    long_name = "Maximiliana Alexandrovna Konstantinopolous-Fitzgerald"
    slips = [SlipData(long_name, "E123456789", f.CULTURE, f"{f.CULTURE} pin", "JCS-1",
                      make_slip("JCS-1", TODAY, key))]
    pdf = render_slips_pdf(slips, district="Jefferson County Schools", building=f.BUILDING,
                           printed_on=TODAY)
    text = " ".join(_text(pdf, tmp_path).split())
    assert "Maximiliana Alexandrovna" in text and "Konstantinopolous-Fitzgerald" in text
    assert "Differences in Schools" in text
    assert len(_qr_codes(_pages(pdf, tmp_path)[0])) == 1


def test_award_rows_stay_as_they_were(ctx, tmp_path):
    """Making slips reads; it records nothing."""
    district_key(create=True)
    before = db.session.scalars(select(Award.id).order_by(Award.id)).all()
    slips_pdf(f.BUILDING, TODAY)
    assert db.session.scalars(select(Award.id).order_by(Award.id)).all() == before
