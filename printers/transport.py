"""Transports: the only code that opens a printer device.

``open_device(settings)`` gives a :class:`Device` that writes receipt bytes and asks status
questions. Two errors tell the print queue what happened to a receipt:

- :class:`PrinterUnavailable`: nothing was sent (no connection, no device, refused before the
  first byte); the receipt can be tried again safely.
- :class:`PrinterInterrupted`: the connection broke while sending; part of the receipt may
  have printed, so no one may print it again without a person deciding.

Backends: ``network`` speaks raw TCP (port 9100) over a plain socket, so that the kiosk knows
whether any byte left; ``usb``, ``serial`` and ``win32raw`` use python-escpos's device classes
(they need the ``usb``, ``serial`` or ``win32`` extra, see docs/printers.md); ``file`` writes to
a device path such as /dev/usb/lp0, or one file per receipt into a folder (the demo); ``none``
prints nothing.
"""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any, Protocol

from .settings import PrinterSettings

# One conversation with the printer at a time in this process (the worker, a test page, a
# status check), so that two receipts never interleave on the paper.
printer_lock = threading.Lock()


class PrinterUnavailable(OSError):
    """Nothing reached the printer; the receipt stays queued and is tried again later."""


class PrinterInterrupted(OSError):
    """The printer stopped taking bytes part-way; the receipt may be half printed."""


class Device(Protocol):
    def write(self, data: bytes, name: str = "") -> None:
        """Send one receipt; ``name`` names its file when the printer is a folder."""
        ...

    def ask(self, query: bytes, timeout: float) -> bytes:
        """Send a real-time status query; the reply, or b"" when none came in time. Raises
        :class:`PrinterUnavailable` when the connection is gone."""
        ...

    def close(self) -> None: ...


def open_device(settings: PrinterSettings, name: str = "receipt") -> Device:
    """Open the configured printer. ``name`` names the file or print job (file, win32raw)."""
    problems = settings.problems()
    if problems:
        raise PrinterUnavailable(problems[0])
    if settings.backend == "network":
        return NetworkDevice.connect(settings.host, settings.port, settings.timeout)
    if settings.backend == "file":
        return FileDevice(settings.path, name)
    if settings.backend in ("usb", "serial", "win32raw"):
        return EscposDevice.open(settings, name)
    raise PrinterUnavailable("Receipts are switched off (printer backend: none).")


class NetworkDevice:
    """A raw TCP printer (JetDirect / port 9100)."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock, self.timeout = sock, timeout

    @classmethod
    def connect(cls, host: str, port: int, timeout: float) -> NetworkDevice:
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as exc:
            raise PrinterUnavailable(f"The printer at {host}:{port} did not answer "
                                     f"({_why(exc)}).") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(sock, timeout)

    def write(self, data: bytes, name: str = "") -> None:
        self.sock.settimeout(self.timeout)
        view, sent = memoryview(data), 0
        while sent < len(data):
            try:
                sent += self.sock.send(view[sent:])
            except OSError as exc:
                if sent == 0:
                    raise PrinterUnavailable(f"The printer refused the receipt "
                                             f"({_why(exc)}).") from exc
                raise PrinterInterrupted(f"The printer connection broke after {sent} of "
                                         f"{len(data)} bytes ({_why(exc)}).") from exc

    def ask(self, query: bytes, timeout: float) -> bytes:
        try:
            self.sock.settimeout(timeout)
            self.sock.sendall(query)
            reply = self.sock.recv(16)
        except TimeoutError:
            return b""  # no answer in time: many printers never answer
        except OSError as exc:
            raise PrinterUnavailable(f"The printer closed the connection ({_why(exc)}).") \
                from exc
        if not reply:
            raise PrinterUnavailable("The printer closed the connection.")
        return reply

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class FileDevice:
    """A device file (/dev/usb/lp0, a printer share) or a folder with one file per receipt."""

    def __init__(self, target: str, name: str) -> None:
        self.target, self.name = Path(target), name

    def _is_folder(self) -> bool:
        return self.target.is_dir() or (not self.target.exists()
                                        and not str(self.target).startswith("/dev/"))

    def write(self, data: bytes, name: str = "") -> None:
        name = name or self.name
        try:
            if self._is_folder():
                self.target.mkdir(parents=True, exist_ok=True)
                tmp = self.target / f".{name}.tmp"
                with open(tmp, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, self.target / name)  # a whole receipt, or none
                return
        except OSError as exc:
            raise PrinterUnavailable(f"Cannot write to {self.target}: {_why(exc)}") from exc
        try:
            device = open(self.target, "ab", buffering=0)
        except OSError as exc:
            raise PrinterUnavailable(f"Cannot open {self.target}: {_why(exc)}") from exc
        with device:
            try:
                device.write(data)
            except OSError as exc:
                raise PrinterInterrupted(f"Writing to {self.target} failed part-way: "
                                         f"{_why(exc)}") from exc

    def ask(self, query: bytes, timeout: float) -> bytes:
        return b""  # a file cannot answer

    def close(self) -> None:
        pass


class EscposDevice:
    """A USB, serial or Windows printer, opened through python-escpos's device classes."""

    def __init__(self, printer: Any, backend: str) -> None:
        self.printer, self.backend = printer, backend

    @classmethod
    def open(cls, settings: PrinterSettings, name: str) -> EscposDevice:
        try:
            printer = _escpos_printer(settings)
            if settings.backend == "win32raw":
                printer.open(job_name=f"Pin Kiosk {name}")
            else:
                printer.open()
        except PrinterUnavailable:
            raise
        except Exception as exc:  # DeviceNotFoundError, USBError, SerialException, ...
            raise PrinterUnavailable(f"Cannot open the {settings.describe()}: "
                                     f"{_why(exc)}") from exc
        return cls(printer, settings.backend)

    def write(self, data: bytes, name: str = "") -> None:
        try:
            self.printer._raw(data)  # python-escpos's raw write (there is no public one)
        except Exception as exc:
            raise PrinterInterrupted(f"The printer stopped taking the receipt: "
                                     f"{_why(exc)}") from exc

    def ask(self, query: bytes, timeout: float) -> bytes:
        if self.backend == "win32raw":
            return b""  # the Windows spooler does not pass status replies back
        try:
            if self.backend == "serial":
                self.printer.device.timeout = timeout  # for this read; writes block as before
            return bytes(self.printer.query_status(query))
        except Exception:  # a timeout or a read error: no answer
            return b""

    def close(self) -> None:
        try:
            self.printer.close()
        except Exception:  # closing a device that went away
            pass


def _escpos_printer(settings: PrinterSettings) -> Any:
    from escpos import printer as escpos_printer

    if settings.backend == "usb":
        if not escpos_printer.Usb.is_usable():
            raise PrinterUnavailable("USB printing needs pyusb: pip install 'pin-kiosk[usb]'.")
        return escpos_printer.Usb(settings.usb_vendor, settings.usb_product,
                                  timeout=int(settings.timeout * 1000),
                                  in_ep=settings.usb_in_ep, out_ep=settings.usb_out_ep)
    if settings.backend == "serial":
        if not escpos_printer.Serial.is_usable():
            raise PrinterUnavailable("Serial printing needs pyserial: "
                                     "pip install 'pin-kiosk[serial]'.")
        return escpos_printer.Serial(settings.serial_device, baudrate=settings.baud,
                                     timeout=settings.timeout)
    if not escpos_printer.Win32Raw.is_usable():
        raise PrinterUnavailable("Windows printers need pywin32, on Windows only: "
                                 "pip install 'pin-kiosk[win32]'.")
    return escpos_printer.Win32Raw(settings.windows_name)


def _why(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return str(exc.strerror).lower()
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__
