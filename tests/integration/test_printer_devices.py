"""The other transports: a serial printer (on a pseudo-terminal), a USB printer (pyusb with a
stand-in device), a Windows printer on a machine that is not Windows, and a device file."""

from __future__ import annotations

import os
import select
import sys
import threading
import tty
import uuid

import pytest
from sqlalchemy import select as sql_select

from kiosk.extensions import db
from kiosk.models import PrintJob
from kiosk.printers import status as st
from kiosk.printers.settings import PrinterSettings
from kiosk.printers.transport import PrinterUnavailable, open_device
from kiosk.printers.worker import PrintWorker, ask_status
from kiosk.services.hand_out import hand_out
from tests import factories as f
from tests.unit.escpos_tokens import parse

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pseudo-terminals")


class SerialPrinter:
    """The far end of a pseudo-terminal, behaving like a serial receipt printer."""

    def __init__(self, paper: str = "ok") -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        self.device = os.ttyname(self.slave)
        self.paper = paper
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            self.received += os.read(self.master, 65536)
            for query, ok, out in ((b"\x10\x04\x01", 0x12, 0x1A), (b"\x10\x04\x02", 0x12, 0x32),
                                   (b"\x10\x04\x04", 0x12, 0x72)):
                if self.received.endswith(query):
                    del self.received[-3:]
                    os.write(self.master, bytes([out if self.paper == "out" else ok]))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def serial_printer(app):  # type: ignore[no-untyped-def]
    printer = SerialPrinter()
    app.config.update(PRINTER_BACKEND="serial", PRINTER_SERIAL_DEVICE=printer.device,
                      PRINTER_STATUS_TIMEOUT=0.5)
    yield printer
    printer.close()


def test_a_serial_printer_prints_receipts_and_answers_status(app, serial_printer):
    with app.app_context():
        receipt = hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()),
                           f.staff_id("designee")).distribution.receipt
        worker = PrintWorker(app)
        assert worker.run_once() == 1
        assert worker.state.status is st.READY
        [job] = db.session.scalars(sql_select(PrintJob))
        assert job.status == "printed"
    assert bytes(serial_printer.received) == job.data
    assert receipt in parse(bytes(serial_printer.received)).text


def test_a_serial_printer_out_of_paper_holds_the_queue(app, serial_printer):
    serial_printer.paper = "out"
    with app.app_context():
        hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), f.staff_id("designee"))
        worker = PrintWorker(app)
        assert worker.run_once() == 0
        assert worker.state.status is st.PAPER_OUT
    assert serial_printer.received == b""


def test_a_missing_serial_port_is_a_clear_error():
    settings = PrinterSettings(backend="serial", serial_device="/dev/ttyNOPE9")
    with pytest.raises(PrinterUnavailable, match="Cannot open the serial printer"):
        open_device(settings)


class FakeUsbDevice:
    """What pyusb's usb.core.find returns, as far as python-escpos uses it."""

    backend = type("Backend", (), {"__module__": "usb.backend.libusb1"})()

    def __init__(self) -> None:
        self.written: list[tuple[int, bytes]] = []
        self.configured = False

    def is_kernel_driver_active(self, interface: int) -> bool:
        return False

    def detach_kernel_driver(self, interface: int) -> None:
        pass

    def set_configuration(self) -> None:
        self.configured = True

    def reset(self) -> None:
        pass

    def write(self, endpoint: int, data: bytes, timeout: int | None = None) -> int:
        self.written.append((endpoint, bytes(data)))
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int | None = None) -> bytes:
        return bytes([0x12])


def test_a_usb_printer_is_found_by_its_ids_and_written_to(monkeypatch):
    import usb.core
    import usb.util

    device = FakeUsbDevice()
    asked = {}

    def find(**kwargs):  # type: ignore[no-untyped-def]
        asked.update(kwargs)
        return device

    monkeypatch.setattr(usb.core, "find", find)
    monkeypatch.setattr(usb.util, "dispose_resources", lambda dev: None)
    settings = PrinterSettings.from_config({"PRINTER_BACKEND": "usb",
                                            "PRINTER_USB_VENDOR": "04b8",
                                            "PRINTER_USB_PRODUCT": "0x0202"})
    printer = open_device(settings)
    assert asked == {"idVendor": 0x04B8, "idProduct": 0x0202}
    assert ask_status(printer, settings) is st.READY
    printer.write(b"\x1b@receipt\n")
    printer.close()
    assert device.configured
    assert (0x01, b"\x1b@receipt\n") in device.written


def test_a_usb_printer_that_is_unplugged_is_a_clear_error(monkeypatch):
    import usb.core

    monkeypatch.setattr(usb.core, "find", lambda **kwargs: None)
    settings = PrinterSettings(backend="usb", usb_vendor=0x04B8, usb_product=0x0202)
    with pytest.raises(PrinterUnavailable, match="Cannot open the USB printer 04b8:0202"):
        open_device(settings)


def test_a_windows_printer_on_another_system_says_what_it_needs():
    settings = PrinterSettings(backend="win32raw", windows_name="EPSON TM-T20III Receipt")
    with pytest.raises(PrinterUnavailable, match="pywin32, on Windows only"):
        open_device(settings)


def test_a_device_file_gets_the_receipt_bytes(tmp_path):
    device_file = tmp_path / "lp0"
    device_file.write_bytes(b"")
    settings = PrinterSettings(backend="file", path=str(device_file))
    for data in (b"\x1b@one\n", b"\x1b@two\n"):
        printer = open_device(settings)
        printer.write(data)
        printer.close()
    assert device_file.read_bytes() == b"\x1b@one\n\x1b@two\n"


@pytest.fixture
def stuck_device(tmp_path):  # type: ignore[no-untyped-def]
    """A device file whose printer takes 4 KB and then nothing more: a FIFO with a 4 KB
    buffer, open at the far end, never read."""
    import fcntl

    path = tmp_path / "lp0"
    os.mkfifo(path)
    far_end = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    fcntl.fcntl(far_end, fcntl.F_SETPIPE_SZ, 4096)
    yield path
    os.close(far_end)  # a write still waiting, from before the fix, ends with a broken pipe


def test_a_device_that_stops_taking_bytes_leaves_the_receipt_uncertain(app, stuck_device):
    app.config.update(PRINTER_BACKEND="file", PRINTER_PATH=str(stuck_device),
                      PRINTER_TIMEOUT=0.3)
    with app.app_context():
        hand_out(f.ALICE_TRAUMA, str(uuid.uuid4()), f.staff_id("designee"))
        db.session.remove()
    worker = PrintWorker(app)
    rounds = threading.Thread(target=worker.run_once, daemon=True)
    rounds.start()
    rounds.join(5)
    assert not rounds.is_alive(), "the worker waited for the device for ever"
    with app.app_context():
        [job] = db.session.scalars(sql_select(PrintJob))
        assert job.status == "uncertain"
        assert "took only 4096 of" in job.last_error
    assert worker.state.status is st.NOT_READING
