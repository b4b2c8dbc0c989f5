"""Settings an administrator changes on the Settings page. They are kept in the database and
laid over the file and environment configuration when the app starts and whenever they change.

Two groups, each saved by its own form: the kiosk's general settings and the receipt printer.
A printer configuration that cannot work (a network printer with no address, a QR code command
the printer's profile does not have) is refused with the reasons, and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import inspect

from kiosk.printers.receipt import ReceiptProfile
from kiosk.printers.settings import (
    BACKEND_LABELS,
    BACKENDS,
    BAUD_RATES,
    PrinterSettings,
    profile_names,
)
from kiosk.printers.worker import worker_of

from ..db import write_transaction
from ..errors import InvalidInput
from ..extensions import db
from . import lookups

PREFIX = "config:"
MAX_TEXT = 200


@dataclass(frozen=True)
class Editable:
    key: str
    label: str
    help: str
    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] = ()
    minimum: int | None = None
    maximum: int | None = None
    kind: str = "int"  # int, choice (stored as text), number choice (stored as int), text
    labels: dict[str, str] | None = None  # words for the choices

    @property
    def options(self) -> tuple[str, ...]:
        return self.choices() if callable(self.choices) else self.choices

    def parse(self, raw: object) -> int | str:
        text = str(raw if raw is not None else "").strip()
        if self.kind in ("choice", "number choice"):
            if text not in self.options:
                shown = ", ".join(self.options) if len(self.options) <= 8 else "one of the list"
                raise InvalidInput(f"{self.label}: choose {shown}.")
            return int(text) if self.kind == "number choice" else text
        if self.kind == "text":
            if len(text) > MAX_TEXT or any(not ch.isprintable() for ch in text):
                raise InvalidInput(f"{self.label}: at most {MAX_TEXT} plain characters.")
            return text
        try:
            value = int(text)
        except ValueError:
            raise InvalidInput(f"{self.label}: enter a whole number.") from None
        if not (self.minimum or 0) <= value <= (self.maximum or value):
            raise InvalidInput(f"{self.label}: between {self.minimum} and {self.maximum}.")
        return value

    def shown(self, value: object) -> str:
        """The value as the form shows it."""
        if self.key == "PRINTER_CUT":
            return "yes" if value in (True, "yes", "1", 1, "true") else "no"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))  # 5.0 seconds shows, and saves, as 5
        return "" if value is None else str(value)


GENERAL = (
    Editable("IDLE_MINUTES", "Log out after this many idle minutes",
             "A kiosk left logged in is logged out after this long without use.",
             minimum=1, maximum=240),
    Editable("RECEIPT_NAMES", "Names on receipts",
             "Print the staff member's full name, or only their initials.",
             choices=("full", "initials"), kind="choice"),
    Editable("SOUNDS", "Sounds at the desk",
             "A short sound for each verdict: hand out, already handed out, refused.",
             choices=("on", "off"), kind="choice"),
    Editable("MANUAL_HAND_OUT_ROLE", "Who may hand out a pin found by manual lookup",
             "A proof with no code that scans: staff find the person by name and check their "
             "ID. Each such hand-out is marked manual, with its reason, everywhere.",
             choices=("designee", "office", "admin"), kind="choice",
             labels={"designee": "designees, office staff and administrators",
                     "office": "office staff and administrators", "admin": "administrators"}),
    Editable("UNCHECKED_REVOCATION", "A badge whose revocation list is not on this kiosk",
             "A signed badge names its issuer's revocation or status list, and the district's "
             "badge data here does not hold it, so whether it was revoked is not known.",
             choices=("warn", "refuse"), kind="choice",
             labels={"warn": "hand out, saying revocation was not checked",
                     "refuse": "refuse the badge until the list is imported"}),
)

PRINTER = (
    Editable("PRINTER_BACKEND", "How the printer is connected", "Where receipts go.",
             choices=BACKENDS, kind="choice", labels=BACKEND_LABELS),
    Editable("PRINTER_HOST", "Network printer address",
             "Network only: the printer's IP address or host name (its self-test slip shows "
             "it).", kind="text"),
    Editable("PRINTER_PORT", "Network port", "Network only: almost always 9100.",
             minimum=1, maximum=65535),
    Editable("PRINTER_TIMEOUT", "Seconds to wait for the printer",
             "How long to wait to connect and to send one receipt.", minimum=1, maximum=60),
    Editable("PRINTER_WINDOWS_NAME", "Windows printer name",
             "Windows only: the name under Settings, Printers & scanners.", kind="text"),
    Editable("PRINTER_USB_VENDOR", "USB vendor id",
             "USB only: four hex digits, such as 04b8 for Epson (`lsusb` shows them).",
             kind="text"),
    Editable("PRINTER_USB_PRODUCT", "USB product id", "USB only: four hex digits.",
             kind="text"),
    Editable("PRINTER_SERIAL_DEVICE", "Serial port",
             "Serial only: /dev/ttyUSB0, /dev/ttyS0 or COM3.", kind="text"),
    Editable("PRINTER_SERIAL_BAUD", "Serial speed (baud)",
             "Serial only: as the printer's self-test slip says.",
             choices=tuple(map(str, BAUD_RATES)), kind="number choice"),
    Editable("PRINTER_PATH", "File or device path",
             "File only: a device such as /dev/usb/lp0, or a folder that gets one file per "
             "receipt.", kind="text"),
    Editable("PAPER_MM", "Paper width (mm)", "58 mm or 80 mm rolls.", choices=("58", "80"),
             kind="number choice"),
    Editable("PRINTER_COLUMNS", "Characters a line",
             "32 on 58 mm paper; 48 on 80 mm (42 on some printers). 0 picks the usual one.",
             choices=("0", "32", "42", "48"), kind="number choice"),
    Editable("PRINTER_PROFILE", "Printer model (python-escpos profile)",
             "What the printer can do: its cutter, its QR code command, its width.",
             choices=lambda: tuple(profile_names()), kind="choice"),
    Editable("PRINTER_QR", "QR code on receipts",
             "As an image works on every printer; the printer's own QR command is sharper, "
             "where the model has one.", choices=("image", "native"), kind="choice",
             labels={"image": "as an image", "native": "the printer's own QR command"}),
    Editable("PRINTER_CUT", "Cut the paper", "Only printers with a cutter cut.",
             choices=("yes", "no"), kind="choice"),
)

GROUPS = {"general": GENERAL, "printer": PRINTER}
EDITABLE = GENERAL + PRINTER


def _stored(item: Editable, value: int | str) -> Any:
    if item.key == "PRINTER_CUT":
        return value == "yes"
    return value


def load_settings(app: Flask) -> None:
    """Lay the saved settings over the app's configuration (no-op before `kiosk init`)."""
    with app.app_context():
        if not inspect(db.engine).has_table("setting"):
            return
        for item in EDITABLE:
            saved = lookups.get_setting(PREFIX + item.key)
            if saved is not None:
                try:
                    app.config[item.key] = _stored(item, item.parse(saved))
                except InvalidInput:  # a choice this version no longer offers: keep the file's
                    continue
        db.session.remove()


def current(group: str = "general") -> list[tuple[Editable, str]]:
    return [(item, item.shown(current_app.config.get(item.key))) for item in GROUPS[group]]


def printer_problems(config: dict[str, Any]) -> list[str]:
    return (PrinterSettings.from_config(config).problems()
            + ReceiptProfile.from_config(config).problems())


def save_settings(form: dict[str, str], group: str = "general") -> None:
    if group not in GROUPS:
        raise InvalidInput("Unknown group of settings.")
    items = GROUPS[group]
    # a field the form did not send keeps its value (an older page, a partial form)
    values = {item.key: item.parse(form[item.key]) for item in items if item.key in form}
    stored = {item.key: _stored(item, values[item.key]) for item in items if item.key in values}
    if group == "printer":
        problems = printer_problems({**current_app.config, **stored})
        if problems:
            raise InvalidInput(" ".join(problems))
    with write_transaction():
        for key, value in values.items():
            lookups.set_setting(PREFIX + key, str(value))
    current_app.config.update(stored)
    worker = worker_of(current_app)
    if group == "printer" and worker is not None:
        worker.wake(now=True)  # try the new printer at once
