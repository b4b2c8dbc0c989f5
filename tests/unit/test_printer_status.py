"""What the kiosk makes of a printer's status replies, which printer settings it refuses, and
how long it waits before trying an unreachable printer again."""

from __future__ import annotations

import escpos.capabilities
import pytest
from hypothesis import given
from hypothesis import strategies as s

from kiosk.printers import status as st
from kiosk.printers.receipt import ReceiptProfile
from kiosk.printers.settings import PrinterSettings
from kiosk.printers.worker import BACKOFF_MAX_SECONDS, backoff_seconds

# Real replies of an Epson TM-T88 to DLE EOT 1, 2 and 4.
ONLINE, OFFLINE = b"\x12", b"\x1a"
CAUSE_NONE, CAUSE_COVER, CAUSE_PAPER_END, CAUSE_ERROR = b"\x12", b"\x16", b"\x32", b"\x52"
PAPER_OK, PAPER_NEAR_END, PAPER_OUT = b"\x12", b"\x1e", b"\x72"

DECODED = {st.READY, st.PAPER_LOW, st.UNKNOWN, st.PAPER_OUT, st.COVER_OPEN, st.PRINTER_ERROR,
           st.OFFLINE}


# --- the printer's replies ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("printer", "cause", "paper", "expected"),
    [
        (ONLINE, None, PAPER_OK, st.READY),
        (ONLINE, None, None, st.READY),
        (ONLINE, None, PAPER_NEAR_END, st.PAPER_LOW),
        (ONLINE, None, PAPER_OUT, st.PAPER_OUT),
        (OFFLINE, CAUSE_COVER, PAPER_OK, st.COVER_OPEN),
        (OFFLINE, CAUSE_PAPER_END, PAPER_OUT, st.PAPER_OUT),
        (OFFLINE, CAUSE_PAPER_END, None, st.PAPER_OUT),
        (OFFLINE, CAUSE_NONE, PAPER_OUT, st.PAPER_OUT),
        (OFFLINE, CAUSE_ERROR, PAPER_OK, st.PRINTER_ERROR),
        (OFFLINE, CAUSE_NONE, PAPER_OK, st.OFFLINE),
        (OFFLINE, None, None, st.OFFLINE),
    ],
    ids=["ready", "ready-paper-not-asked", "paper-near-end", "paper-out-while-online",
         "cover-open", "paper-end-stop", "paper-end-stop-paper-not-asked",
         "offline-paper-sensor-out", "printer-error", "offline-no-cause",
         "offline-cause-not-asked"],
)
def test_real_status_bytes_decode_to_what_the_printer_is_doing(printer, cause, paper, expected):
    assert st.decode(printer, cause, paper) is expected


@pytest.mark.parametrize("reply", [None, b"", b"\x00", b"\xff", b"\x13", b"\x92", b"A"],
                         ids=["none", "empty", "zero", "ff", "bit0", "bit7", "letter"])
def test_no_reply_or_garbage_is_unknown_never_plenty_of_paper(reply):
    assert st.status_byte(reply) is None
    found = st.decode(reply, reply, reply)
    assert found is st.UNKNOWN
    assert found is not st.READY
    assert found.words == "status unknown"
    assert not found.holds_queue, "an unknown printer is tried anyway, never held on a guess"


@pytest.mark.parametrize("paper", [None, b"", b"\x00", b"\xff"],
                         ids=["none", "empty", "zero", "ff"])
def test_a_garbled_paper_reply_never_reports_paper_trouble(paper):
    assert st.decode(ONLINE, None, paper) not in (st.PAPER_LOW, st.PAPER_OUT)


def test_the_last_byte_of_a_longer_reply_is_the_answer():
    # Automatic Status Back may put other bytes before the answer.
    assert st.status_byte(b"\x00\x14\x12") == 0x12
    assert st.decode(b"\x1a\x12") is st.READY
    assert st.decode(b"\x12\x1a", b"\x12\x16") is st.COVER_OPEN
    assert st.decode(ONLINE, None, b"\x12\x72") is st.PAPER_OUT
    assert st.decode(b"\x12\x00") is st.UNKNOWN, "the last byte is garbage"


def test_the_offline_cause_is_asked_only_when_the_printer_is_offline():
    assert st.needs_cause(OFFLINE)
    assert not st.needs_cause(ONLINE)
    assert not st.needs_cause(b"")
    assert not st.needs_cause(None)
    assert not st.needs_cause(b"\xff")


@pytest.mark.parametrize("status", st.ALL, ids=lambda s: s.code)
def test_only_states_where_printing_would_lose_the_receipt_hold_the_queue(status):
    holds = {"paper_out", "cover_open", "error", "offline", "unreachable", "not_reading",
             "off"}
    assert status.holds_queue is (status.code in holds)


def test_every_state_has_its_own_code_and_words():
    assert len({s.code for s in st.ALL}) == len(st.ALL)
    assert len({s.words for s in st.ALL}) == len(st.ALL)
    assert st.BY_CODE["paper_out"] is st.PAPER_OUT


@given(s.one_of(s.none(), s.binary(max_size=8)), s.one_of(s.none(), s.binary(max_size=8)),
       s.one_of(s.none(), s.binary(max_size=8)))
def test_any_bytes_decode_to_a_known_state(printer, cause, paper):
    found = st.decode(printer, cause, paper)
    assert found in DECODED
    if st.status_byte(printer) is None:
        assert found is st.UNKNOWN


# --- printer settings -----------------------------------------------------------------------


def _problems(**config: object) -> list[str]:
    return PrinterSettings.from_config(config).problems()


def test_a_network_printer_with_an_address_and_port_can_be_tried():
    settings = PrinterSettings.from_config({"PRINTER_BACKEND": "network",
                                            "PRINTER_HOST": "192.168.1.50",
                                            "PRINTER_PORT": "9100"})
    assert settings.problems() == []
    assert settings.describe() == "network printer 192.168.1.50:9100"
    assert settings.asks_status


@pytest.mark.parametrize("host", ["", "   ", "printer one", "a" * 254])
def test_a_network_printer_needs_its_address(host):
    [problem] = _problems(PRINTER_BACKEND="network", PRINTER_HOST=host, PRINTER_PORT=9100)
    assert "network printer's address" in problem


@pytest.mark.parametrize("port", [0, -1, 65536, 70000, "0", "70000"])
def test_a_network_port_is_from_1_to_65535(port):
    problems = _problems(PRINTER_BACKEND="network", PRINTER_HOST="10.0.0.5", PRINTER_PORT=port)
    assert problems == ["The printer's port is a number from 1 to 65535 (usually 9100)."]


@pytest.mark.parametrize("vendor", ["04b8", "0x04b8", "0X04B8", " 04B8 ", 0x04B8])
def test_usb_ids_are_read_as_hex_with_or_without_0x(vendor):
    settings = PrinterSettings.from_config({"PRINTER_BACKEND": "usb",
                                            "PRINTER_USB_VENDOR": vendor,
                                            "PRINTER_USB_PRODUCT": "0202"})
    assert settings.usb_vendor == 0x04B8
    assert settings.usb_product == 0x0202
    assert settings.problems() == []
    assert settings.describe() == "USB printer 04b8:0202"


@pytest.mark.parametrize("vendor", ["", "xyz", "0x", "10000", "0", "-1"])
def test_a_usb_printer_needs_real_hex_ids(vendor):
    problems = _problems(PRINTER_BACKEND="usb", PRINTER_USB_VENDOR=vendor,
                         PRINTER_USB_PRODUCT="0202")
    assert problems == ["Give the USB vendor id in hex, such as 04b8 (`lsusb` shows it)."]


def test_a_usb_printer_without_ids_gets_one_problem_for_each():
    problems = _problems(PRINTER_BACKEND="usb")
    assert len(problems) == 2
    assert "vendor" in problems[0] and "product" in problems[1]


@pytest.mark.parametrize("baud", [9600, "19200", 115200])
def test_a_serial_printer_at_a_usual_speed_can_be_tried(baud):
    assert _problems(PRINTER_BACKEND="serial", PRINTER_SERIAL_DEVICE="/dev/ttyUSB0",
                     PRINTER_SERIAL_BAUD=baud) == []


@pytest.mark.parametrize("baud", [1234, 0, 250000])
def test_a_serial_printer_at_an_odd_speed_is_refused(baud):
    [problem] = _problems(PRINTER_BACKEND="serial", PRINTER_SERIAL_DEVICE="COM3",
                          PRINTER_SERIAL_BAUD=baud)
    assert problem.startswith("Baud rate must be one of 9600, 19200")


def test_a_serial_printer_needs_its_port():
    [problem] = _problems(PRINTER_BACKEND="serial", PRINTER_SERIAL_BAUD=9600)
    assert "serial device" in problem


def test_a_file_printer_needs_a_path():
    assert _problems(PRINTER_BACKEND="file", PRINTER_PATH="/dev/usb/lp0") == []
    [problem] = _problems(PRINTER_BACKEND="file", PRINTER_PATH="")
    assert "file or device path" in problem


def test_a_windows_printer_needs_its_name():
    assert _problems(PRINTER_BACKEND="win32raw", PRINTER_WINDOWS_NAME="EPSON TM-T20II") == []
    [problem] = _problems(PRINTER_BACKEND="win32raw")
    assert "Windows printer's name" in problem


def test_no_printer_needs_nothing():
    settings = PrinterSettings.from_config({"PRINTER_BACKEND": "none"})
    assert settings.problems() == []
    assert settings.describe() == "no printer (record only)"
    assert not settings.asks_status


@pytest.mark.parametrize("backend", ["bluetooth", "lpt", "netwrok"])
def test_an_unknown_backend_is_refused(backend):
    [problem] = _problems(PRINTER_BACKEND=backend)
    assert problem.startswith("Printer backend must be one of network, win32raw, usb")


@pytest.mark.parametrize("timeout", ["0", -1, 500])
def test_printer_timeouts_are_a_few_seconds(timeout):
    problems = _problems(PRINTER_BACKEND="file", PRINTER_PATH="/tmp/r", PRINTER_TIMEOUT=timeout)
    assert problems == ["Printer timeouts must be a few seconds."]


# --- receipt layout settings ----------------------------------------------------------------


def _has_qr(profile: str) -> bool:
    return bool(escpos.capabilities.get_profile(profile).supports("qrCode"))


def test_native_qr_codes_on_a_printer_that_has_them_are_fine():
    assert _has_qr("TM-T88III")
    profile = ReceiptProfile.from_config({"PRINTER_PROFILE": "TM-T88III", "PRINTER_QR": "native"})
    assert profile.problems() == []
    assert profile.native_qr_works


@pytest.mark.parametrize("name", ["POS-5890", "ZJ-5870", "simple"])
def test_native_qr_codes_on_a_printer_without_them_are_refused(name):
    assert not _has_qr(name)
    profile = ReceiptProfile.from_config({"PRINTER_PROFILE": name, "PRINTER_QR": "native",
                                          "PAPER_MM": 58})
    assert profile.problems() == [f"The {name} profile has no QR code command: print the QR "
                                  "code as an image."]
    assert not profile.native_qr_works
    image = ReceiptProfile.from_config({"PRINTER_PROFILE": name, "PAPER_MM": 58})
    assert image.problems() == []


@pytest.mark.parametrize(("paper", "columns"), [(58, 32), (80, 48), (80, 42)])
def test_each_paper_width_takes_its_usual_columns(paper, columns):
    profile = ReceiptProfile.from_config({"PAPER_MM": paper, "PRINTER_COLUMNS": columns})
    assert profile.problems() == []


@pytest.mark.parametrize(("paper", "columns", "allowed"),
                         [(58, 48, "32"), (58, 42, "32"), (80, 32, "48 or 42")])
def test_columns_that_do_not_fit_the_paper_are_refused(paper, columns, allowed):
    profile = ReceiptProfile.from_config({"PAPER_MM": paper, "PRINTER_COLUMNS": columns})
    assert profile.problems() == [f"{paper} mm paper holds {allowed} characters a line."]


def test_paper_is_58_or_80_mm():
    assert ReceiptProfile.from_config({"PAPER_MM": 76}).problems() == [
        "Paper is 58 mm or 80 mm wide."]


def test_an_unknown_printer_model_is_refused():
    problems = ReceiptProfile.from_config({"PRINTER_PROFILE": "TM-T99"}).problems()
    assert problems == ["'TM-T99' is not a python-escpos printer profile."]


# --- back-off -------------------------------------------------------------------------------


def test_an_unreachable_printer_is_tried_again_after_5_10_20_seconds_up_to_5_minutes():
    waits = [backoff_seconds(n) for n in range(1, 10)]
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300, 300]
    assert BACKOFF_MAX_SECONDS == 300


@pytest.mark.parametrize("failures", [0, 1, 7, 60, 1000, 10**6])
def test_the_wait_is_never_more_than_5_minutes(failures):
    wait = backoff_seconds(failures)
    assert isinstance(wait, int)
    assert 5 <= wait <= 300


@given(s.integers(min_value=1, max_value=10**9))
def test_the_wait_never_shrinks_as_failures_grow(failures):
    assert backoff_seconds(failures) <= backoff_seconds(failures + 1) <= 300
