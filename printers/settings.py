"""The receipt printer's settings, read from the kiosk's own configuration keys.

The kiosk does not use python-escpos's config loader: every setting is a ``PRINTER_*`` key
(defaults in ``kiosk/config.py``, overridden in ``kiosk.cfg``, by ``KIOSK_PRINTER_*``
environment variables, or on the Settings page). ``problems`` says, in words an administrator
can act on, what stops a configuration from working.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import escpos.capabilities

BACKENDS = ("network", "win32raw", "usb", "serial", "file", "none")
BACKEND_LABELS = {
    "network": "Network (Ethernet or Wi-Fi, raw port 9100)",
    "win32raw": "Windows printer (USB printer on the vendor's driver)",
    "usb": "USB, direct (vendor and product id)",
    "serial": "Serial port",
    "file": "File or device path (/dev/usb/lp0, or a folder)",
    "none": "None: record hand-outs, print nothing",
}
PAPER_WIDTHS = (58, 80)
COLUMN_CHOICES = {58: (32,), 80: (48, 42)}  # Font A characters per line
BAUD_RATES = (9600, 19200, 38400, 57600, 115200)


def _flag(value: object, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return default
    return str(value).strip().lower() in ("1", "yes", "true", "on")


def _int(value: object, default: int) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return default


def _seconds(value: object, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        return float(str(value).strip())
    except ValueError:
        return -1.0  # refused by problems()


_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def _usb_id(value: object) -> int | None:
    """A USB vendor or product id written as hex (0x04b8 or 04b8) or as a number."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    try:
        return int(text, 16) if not text.startswith("0x") else int(text, 0)
    except ValueError:
        return -1


def profile_names() -> list[str]:
    """The python-escpos capability profiles, by name."""
    return sorted(escpos.capabilities.CAPABILITIES["profiles"])


def profile_has(profile: str, feature: str) -> bool:
    try:
        return bool(escpos.capabilities.get_profile(profile).supports(feature))
    except Exception:  # an unknown profile name
        return False


@dataclass(frozen=True)
class PrinterSettings:
    backend: str = "file"
    host: str = ""
    port: int = 9100
    timeout: float = 5.0  # seconds to connect and to send a receipt
    status_timeout: float = 1.0  # seconds to wait for a status reply
    windows_name: str = ""
    usb_vendor: int | None = None
    usb_product: int | None = None
    usb_in_ep: int = 0x82  # the printer's USB endpoints; most printers use these two
    usb_out_ep: int = 0x01
    serial_device: str = ""
    baud: int = 9600
    path: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> PrinterSettings:
        return cls(
            backend=str(config.get("PRINTER_BACKEND") or "file").strip().lower(),
            host=str(config.get("PRINTER_HOST") or "").strip(),
            port=_int(config.get("PRINTER_PORT"), 9100),
            timeout=_seconds(config.get("PRINTER_TIMEOUT"), 5.0),
            status_timeout=_seconds(config.get("PRINTER_STATUS_TIMEOUT"), 1.0),
            windows_name=str(config.get("PRINTER_WINDOWS_NAME") or "").strip(),
            usb_vendor=_usb_id(config.get("PRINTER_USB_VENDOR")),
            usb_product=_usb_id(config.get("PRINTER_USB_PRODUCT")),
            usb_in_ep=_usb_id(config.get("PRINTER_USB_IN_EP")) or 0x82,
            usb_out_ep=_usb_id(config.get("PRINTER_USB_OUT_EP")) or 0x01,
            serial_device=str(config.get("PRINTER_SERIAL_DEVICE") or "").strip(),
            baud=_int(config.get("PRINTER_SERIAL_BAUD"), 9600),
            path=str(config.get("PRINTER_PATH") or "").strip(),
        )

    @property
    def asks_status(self) -> bool:
        """Network, USB and serial printers answer status queries before each receipt."""
        return self.backend in ("network", "usb", "serial")

    def describe(self) -> str:
        """Where receipts go, in a few words."""
        if self.backend == "network":
            return f"network printer {self.host}:{self.port}"
        if self.backend == "win32raw":
            return f"Windows printer {self.windows_name!r}"
        if self.backend == "usb":
            return f"USB printer {self.usb_vendor or 0:04x}:{self.usb_product or 0:04x}"
        if self.backend == "serial":
            return f"serial printer {self.serial_device} at {self.baud} baud"
        if self.backend == "file":
            return f"file {self.path}"
        if self.backend == "none":
            return "no printer (record only)"
        return f"unknown printer backend {self.backend!r}"

    def problems(self) -> list[str]:
        """What stops these settings from working; empty when they can be tried."""
        found: list[str] = []
        if self.backend not in BACKENDS:
            found.append(f"Printer backend must be one of {', '.join(BACKENDS)}.")
        elif self.backend == "network":
            if not _HOST.fullmatch(self.host) or len(self.host) > 253:
                found.append("Give the network printer's address (an IP address or host "
                             "name, such as 192.168.1.50).")
            if not 1 <= self.port <= 65535:
                found.append("The printer's port is a number from 1 to 65535 (usually 9100).")
        elif self.backend == "win32raw" and not self.windows_name:
            found.append("Give the Windows printer's name, as Windows shows it under "
                         "Printers & scanners.")
        elif self.backend == "usb":
            for value, what in ((self.usb_vendor, "vendor"), (self.usb_product, "product")):
                if value is None or not 0 < value <= 0xFFFF:
                    found.append(f"Give the USB {what} id in hex, such as 04b8 "
                                 "(`lsusb` shows it).")
            if not (0 < self.usb_in_ep <= 0xFF and 0 < self.usb_out_ep <= 0xFF):
                found.append("USB endpoints are hex numbers such as 0x82 (in) and 0x01 (out).")
        elif self.backend == "serial" and not self.serial_device:
            found.append("Give the serial device, such as /dev/ttyUSB0 or COM3.")
        elif self.backend == "file" and not self.path:
            found.append("Give a file or device path, such as /dev/usb/lp0.")
        if not 0 < self.timeout <= 120 or not 0 < self.status_timeout <= 30:
            found.append("Printer timeouts must be a few seconds.")
        if self.backend == "serial" and self.baud not in BAUD_RATES:
            found.append(f"Baud rate must be one of {', '.join(map(str, BAUD_RATES))}.")
        return found
