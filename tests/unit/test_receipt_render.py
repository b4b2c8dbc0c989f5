"""Receipt rendering: what a person reads on the paper slip, on 58 mm and 80 mm printers."""

from __future__ import annotations

import escpos.capabilities
import pytest
import zxingcpp

from kiosk.printers.receipt import (
    TEST_PAGE_QR,
    ReceiptData,
    ReceiptProfile,
    render_receipt,
    render_test_page,
)
from kiosk.printers.receipt import TestPageData as PageData  # not a test class
from tests.unit.escpos_tokens import parse

DATA = ReceiptData(
    building="Page Jackson Elementary",
    pin="Trauma-Informed pin",
    credential="Understanding Students Facing Challenges in the Digital World",
    person="Alice Able",
    handed_out_at="2024-03-01 10:30",
    staff="Dee Designee",
    receipt="PJE-00042",
)

# (python-escpos profile, paper mm, columns, printer has a cutter)
PROFILES = {
    "80mm-cutter": ReceiptProfile("TM-T88III", 80, 48),
    "58mm-cutter": ReceiptProfile.from_config({"PRINTER_PROFILE": "TM-T20II", "PAPER_MM": 58}),
    "58mm-no-cutter": ReceiptProfile("POS-5890", 58, 32),
}


def _data(**changes: object) -> ReceiptData:
    values = dict(DATA.__dict__)
    values.update(changes)
    return ReceiptData(**values)  # type: ignore[arg-type]


def _profile_cuts(profile: ReceiptProfile) -> bool:
    return escpos.capabilities.get_profile(profile.escpos_profile).supports("paperFullCut")


def test_profiles_from_config_use_the_usual_columns_for_the_paper():
    assert ReceiptProfile.from_config({"PAPER_MM": 58}).columns == 32
    assert ReceiptProfile.from_config({"PAPER_MM": 80}).columns == 48
    assert ReceiptProfile.from_config({"PAPER_MM": 80, "PRINTER_COLUMNS": 42}).columns == 42


@pytest.mark.parametrize("name", PROFILES)
def test_receipt_starts_with_a_printer_reset(name):
    data = render_receipt(DATA, PROFILES[name])
    assert data.startswith(b"\x1b@")


@pytest.mark.parametrize("name", PROFILES)
def test_receipt_says_what_was_handed_out_to_whom(name):
    text = parse(render_receipt(DATA, PROFILES[name])).text
    flat = " ".join(text.split())
    for words in ("Page Jackson Elementary", "Enamel pin handed out", "Trauma-Informed pin",
                  "Understanding Students Facing Challenges in the Digital World",
                  "Alice Able", "Dee Designee", "PJE-00042", "2024-03-01 10:30"):
        assert words in flat, f"{words!r} is not on the receipt"
    assert "COPY" not in flat


@pytest.mark.parametrize("name", PROFILES)
def test_no_line_is_wider_than_the_paper(name):
    profile = PROFILES[name]
    long = _data(building="The Very Long Named Consolidated Elementary and Middle School of "
                          "Jefferson County West Virginia",
                 person="Maximiliana Bartholomew-Featherstonehaugh Fitzwilliam",
                 receipt="PJES-0000123456789")
    for data in (DATA, long):
        parsed = parse(render_receipt(data, profile))
        assert parsed.lines
        for line in parsed.lines:
            assert line.width <= profile.columns, (
                f"{line.text!r} takes {line.width} columns on {profile.columns}-column paper"
            )


@pytest.mark.parametrize("name", PROFILES)
def test_qr_image_fits_on_the_printer(name):
    profile = PROFILES[name]
    pixels = escpos.capabilities.get_profile(profile.escpos_profile).profile_data["media"][
        "width"]["pixels"]
    rasters = parse(render_receipt(DATA, profile)).rasters
    assert rasters, "the receipt number QR code is missing"
    for raster in rasters:
        assert raster.width_dots <= int(pixels)


@pytest.mark.parametrize("name", PROFILES)
def test_one_cut_when_the_printer_has_a_cutter(name):
    profile = PROFILES[name]
    parsed = parse(render_receipt(DATA, profile))
    expected = 1 if _profile_cuts(profile) else 0
    assert parsed.count("GS V") == expected
    if expected:
        assert parsed.commands[-1].name == "GS V", "the cut must come after everything printed"


def test_the_80mm_printer_does_cut():
    assert parse(render_receipt(DATA, PROFILES["80mm-cutter"])).count("GS V") == 1


@pytest.mark.parametrize("name", PROFILES)
def test_no_cut_when_cutting_is_switched_off(name):
    profile = PROFILES[name]
    off = ReceiptProfile(profile.escpos_profile, profile.paper_mm, profile.columns, cut=False)
    parsed = parse(render_receipt(DATA, off))
    assert parsed.count("GS V") == 0
    assert parsed.text.endswith("\n\n"), "the paper should still feed out past the tear bar"


def test_cut_can_be_switched_off_from_config():
    profile = ReceiptProfile.from_config({"PRINTER_CUT": False})
    assert parse(render_receipt(DATA, profile)).count("GS V") == 0


@pytest.mark.parametrize("name", PROFILES)
def test_names_with_accents_print_as_plain_ascii(name):
    data = _data(person="Zoë Nguyễn", staff="Siobhán Ó Súilleabháin",
                 building="École Saint-Éloi", credential="Café ☕ Crédits")
    parsed = parse(render_receipt(data, PROFILES[name]))
    assert all(b < 0x80 for b in parsed.text_bytes), "non-ASCII bytes reach the printer"
    flat = " ".join(parsed.text.split())
    assert "Zoe Nguyen" in flat
    assert "Siobhan O Suilleabhain" in flat
    assert "Ecole Saint-Eloi" in flat


@pytest.mark.parametrize("name", PROFILES)
def test_a_reprint_is_marked_copy(name):
    original = parse(render_receipt(DATA, PROFILES[name])).text
    copy = parse(render_receipt(_data(copy=True), PROFILES[name])).text
    assert "COPY" not in original
    assert "COPY" in copy
    assert "PJE-00042" in copy



def test_the_qr_image_fits_58_mm_paper_even_with_an_80_mm_profile():
    """Paper and profile can disagree on a real install; the QR must still fit the paper."""
    profile = ReceiptProfile(escpos_profile="TM-T88III", paper_mm=58, columns=32)
    rasters = parse(render_receipt(DATA, profile)).rasters
    assert rasters and max(r.width_dots for r in rasters) <= 384


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_the_printed_qr_code_reads_back_as_the_receipt_number(name):
    """Decode the QR code from the raster bytes exactly as the printer would print them."""
    rasters = parse(render_receipt(DATA, PROFILES[name])).rasters
    decoded = [r.text for raster in rasters for r in zxingcpp.read_barcodes(raster.to_image())]
    assert decoded == [DATA.receipt]


# --- the QR code as the printer's own command -----------------------------------------------


def _qr_stored(data: bytes) -> list[bytes]:
    """The payloads of every QR "store the data" command (GS ( k pL pH 49 80 48 data)."""
    return [c.raw[8:] for c in parse(data).commands
            if c.raw[:3] == b"\x1d(k" and c.raw[5:8] == bytes([49, 80, 48])]


def _read_qr(data: bytes) -> list[str]:
    return [r.text for raster in parse(data).rasters
            for r in zxingcpp.read_barcodes(raster.to_image())]


@pytest.mark.parametrize("name", ["TM-T88III", "TM-T20II"])
def test_native_qr_stores_the_receipt_number_in_the_printer(name):
    assert escpos.capabilities.get_profile(name).supports("qrCode")
    profile = ReceiptProfile.from_config({"PRINTER_PROFILE": name, "PRINTER_QR": "native"})
    data = render_receipt(DATA, profile)
    assert _qr_stored(data) == [DATA.receipt.encode("ascii")]
    parsed = parse(data)
    assert parsed.rasters == [], "the printer draws the QR code itself: no image is sent"
    prints = [c for c in parsed.commands if c.raw[:3] == b"\x1d(k" and c.raw[5:7] == b"1Q"]
    assert len(prints) == 1, "the stored QR code is printed once"


def test_native_qr_on_a_printer_without_it_falls_back_to_the_image():
    assert not escpos.capabilities.get_profile("POS-5890").supports("qrCode")
    profile = ReceiptProfile.from_config({"PRINTER_PROFILE": "POS-5890", "PAPER_MM": 58,
                                          "PRINTER_QR": "native"})
    data = render_receipt(DATA, profile)
    assert _qr_stored(data) == []
    assert _read_qr(data) == [DATA.receipt]


# --- the test page --------------------------------------------------------------------------

TEST_PAGE = PageData(building="Page Jackson Elementary",
                         printer="network printer 10.0.0.5:9100",
                         printed_at="2024-03-01 10:30", staff="Ada Admin")


@pytest.mark.parametrize("name", PROFILES)
def test_the_test_page_starts_with_a_printer_reset(name):
    assert render_test_page(TEST_PAGE, PROFILES[name]).startswith(b"\x1b@")


@pytest.mark.parametrize("name", PROFILES)
def test_the_test_page_ruler_is_exactly_as_wide_as_the_paper(name):
    profile = PROFILES[name]
    parsed = parse(render_test_page(TEST_PAGE, profile))
    [ruler] = [line for line in parsed.lines if line.text.isdigit()]
    assert ruler.width == profile.columns == len(ruler.text)
    assert ruler.text.startswith("1234567890")
    assert {32: 58, 48: 80}[profile.columns] == profile.paper_mm


@pytest.mark.parametrize("columns", [48, 42])
def test_the_test_page_ruler_follows_the_columns_on_80_mm_paper(columns):
    profile = ReceiptProfile("TM-T88III", 80, columns)
    parsed = parse(render_test_page(TEST_PAGE, profile))
    [ruler] = [line for line in parsed.lines if line.text.isdigit()]
    assert ruler.width == columns


@pytest.mark.parametrize("name", PROFILES)
def test_no_line_of_the_test_page_is_wider_than_the_paper(name):
    profile = PROFILES[name]
    long = PageData(building="The Very Long Named Consolidated Elementary and Middle "
                                 "School of Jefferson County West Virginia",
                        printer="Windows printer 'EPSON TM-T20II Receipt5 on the front desk'",
                        printed_at="2024-03-01 10:30", staff="Maximiliana Featherstonehaugh")
    for data in (TEST_PAGE, long):
        parsed = parse(render_test_page(data, profile))
        for line in parsed.lines:
            assert line.width <= profile.columns, line.text
    assert "Pin Kiosk test page" in parse(render_test_page(TEST_PAGE, profile)).text


@pytest.mark.parametrize("name", PROFILES)
def test_the_test_page_qr_code_reads_back(name):
    assert _read_qr(render_test_page(TEST_PAGE, PROFILES[name])) == [TEST_PAGE_QR]
    assert TEST_PAGE_QR == "PIN-KIOSK-TEST"


def test_the_test_page_with_native_qr_stores_the_test_text():
    profile = ReceiptProfile("TM-T88III", 80, 48, qr_native=True)
    data = render_test_page(TEST_PAGE, profile)
    assert _qr_stored(data) == [b"PIN-KIOSK-TEST"]
    assert parse(data).rasters == []
    assert "QR code: printer's own" in parse(data).text


@pytest.mark.parametrize("name", PROFILES)
def test_the_test_page_is_cut_once_where_the_printer_has_a_cutter(name):
    profile = PROFILES[name]
    parsed = parse(render_test_page(TEST_PAGE, profile))
    if _profile_cuts(profile):
        assert parsed.count("GS V") == 1
        assert parsed.commands[-1].name == "GS V"
    else:
        assert parsed.count("GS V") == 0
        assert parsed.text.endswith("\n\n")
    off = ReceiptProfile(profile.escpos_profile, profile.paper_mm, profile.columns, cut=False)
    assert parse(render_test_page(TEST_PAGE, off)).count("GS V") == 0
