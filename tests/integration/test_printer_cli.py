"""`kiosk printer status` and `kiosk printer test` against a network printer on loopback."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from sqlalchemy import update

from kiosk.extensions import db
from kiosk.models import PrintJob
from kiosk.printers.transport import printer_lock
from kiosk.services import printing
from kiosk.services.hand_out import hand_out
from tests import factories as f
from tests.unit.escpos_tokens import parse


def invoke(runner, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(args=list(args))


def give(app: Flask, payload: str) -> None:
    """Hand out a pin (its receipt waits in the queue: no worker runs in tests)."""
    with app.app_context():
        hand_out(payload, str(uuid.uuid4()), f.staff_id("designee"))
        db.session.remove()



# --- kiosk printer status -------------------------------------------------------------------


def test_status_of_a_ready_printer(runner, loopback_printer):
    result = invoke(runner, "printer", "status")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Printer (network printer 127.0.0.1:{loopback_printer.port}): ready",
        "Receipts waiting: 0",
    ]
    assert loopback_printer.queries >= 1, "the printer was asked"
    assert loopback_printer.data == b"", "asking prints nothing"


def test_status_counts_the_receipts_waiting(app, runner, loopback_printer):
    give(app, f.ALICE_TRAUMA)
    give(app, f.BOB_TRAUMA)
    with app.app_context():
        db.session.execute(update(PrintJob).where(PrintJob.id == 2).values(status="uncertain"))
        db.session.commit()
        db.session.remove()
    result = invoke(runner, "printer", "status")
    assert result.exit_code == 0, result.output
    assert "Receipts waiting: 2 (1 need a decision on the Printer page)" in result.stdout
    assert loopback_printer.data == b"", "a status check never prints the queue"


@pytest.mark.parametrize(("mood", "words", "exit_code"), [
    ({"paper": "low"}, "paper running low", 0),
    ({"answers": False}, "status unknown", 0),
    ({"paper": "out"}, "out of paper", 1),
    ({"cover_open": True}, "offline (cover open)", 1),
], ids=["paper-low", "no-answer", "paper-out", "cover-open"])
def test_status_says_what_the_printer_says(runner, loopback_printer, mood, words, exit_code):
    for name, value in mood.items():
        setattr(loopback_printer.mood, name, value)
    result = invoke(runner, "printer", "status")
    assert result.exit_code == exit_code, result.output
    assert result.stdout.splitlines()[0] == (
        f"Printer (network printer 127.0.0.1:{loopback_printer.port}): {words}")


def test_status_of_a_printer_that_is_off_says_why(runner, loopback_printer):
    loopback_printer.stop()
    result = invoke(runner, "printer", "status")
    assert result.exit_code == 1, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"Printer (network printer 127.0.0.1:{loopback_printer.port}): "
                            "offline (not reachable). ")
    assert f"The printer at 127.0.0.1:{loopback_printer.port} did not answer" in first
    assert "Traceback" not in result.output


def test_status_with_settings_that_cannot_work_says_what_to_fix(app, runner):
    app.config.update({"PRINTER_BACKEND": "network", "PRINTER_HOST": ""})
    result = invoke(runner, "printer", "status")
    assert result.exit_code == 1, result.output
    assert "Give the network printer's address" in result.stdout


def test_status_with_receipts_switched_off(app, runner):
    app.config["PRINTER_BACKEND"] = "none"
    result = invoke(runner, "printer", "status")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "Printer (no printer (record only)): off (receipts are not printed)",
        "Receipts waiting: 0",
    ]


# --- kiosk printer test ---------------------------------------------------------------------


def test_a_test_page_from_the_command_line(runner, loopback_printer):
    result = invoke(runner, "printer", "test")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (f"Test page sent to the network printer "
                                     f"127.0.0.1:{loopback_printer.port}. "
                                     "The printer says it is ready.")
    [received] = loopback_printer.wait_for(1)
    text = parse(received).text
    assert "Pin Kiosk test page" in text
    assert "By: the command line" in text


def test_a_test_page_to_a_printer_that_is_off(runner, loopback_printer):
    loopback_printer.stop()
    result = invoke(runner, "printer", "test")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Not printed. ")
    assert "did not answer" in result.stderr


def test_a_test_page_is_not_sent_to_a_printer_out_of_paper(runner, loopback_printer):
    loopback_printer.mood.paper = "out"
    result = invoke(runner, "printer", "test")
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == "Not printed: the printer says it is out of paper."
    assert loopback_printer.data == b""


def test_a_test_page_with_settings_that_cannot_work(app, runner):
    app.config.update({"PRINTER_BACKEND": "usb", "PRINTER_USB_VENDOR": "xyz"})
    result = invoke(runner, "printer", "test")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error: Give the USB vendor id in hex")


def test_a_test_page_with_receipts_switched_off(app, runner):
    app.config["PRINTER_BACKEND"] = "none"
    result = invoke(runner, "printer", "test")
    assert result.exit_code == 1, result.output
    assert "Receipts are switched off" in result.stderr


# --- one conversation with the printer at a time --------------------------------------------


class WatchedPrinter:
    """A printer that notes, at each thing the kiosk does with it, whether the kiosk held the
    printer for itself (the worker waits meanwhile, so nothing interleaves on the wire)."""

    def __init__(self) -> None:
        self.held: list[tuple[str, bool]] = []

    def write(self, data: bytes, name: str = "") -> None:
        self.held.append(("write", printer_lock.locked()))

    def wait_taken(self) -> None:
        self.held.append(("wait_taken", printer_lock.locked()))

    def ask(self, query: bytes, timeout: float) -> bytes:
        self.held.append(("ask", printer_lock.locked()))
        return b"\x12"

    def close(self) -> None:
        self.held.append(("close", printer_lock.locked()))


@pytest.mark.parametrize("command", ["status", "test"])
def test_the_command_line_keeps_the_printer_to_itself_while_it_talks_to_it(
        app, runner, monkeypatch, command):
    app.config.update({"PRINTER_BACKEND": "serial", "PRINTER_SERIAL_DEVICE": "/dev/ttyUSB0"})
    device = WatchedPrinter()
    monkeypatch.setattr(printing, "open_device", lambda settings, name="": device)
    result = invoke(runner, "printer", command)
    assert result.exit_code == 0, result.output
    assert any(what == "ask" for what, _ in device.held)
    assert [what for what, held in device.held if not held] == [], (
        "the worker could print on the same printer in the middle of this")
    assert not printer_lock.locked()
