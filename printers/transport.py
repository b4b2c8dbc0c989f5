"""Transports: the only code that opens a printer device.

``open_device(settings)`` gives a :class:`Device` that writes receipt bytes and asks status
questions. Two errors tell the print queue what happened to a receipt:

- :class:`PrinterUnavailable`: nothing was sent (no connection, no device, refused before the
  first byte); the receipt can be tried again safely.
- :class:`PrinterInterrupted`: the connection broke while sending, or the printer did not take
  every byte within the timeout; part of the receipt may have printed, so no one may print it
  again without a person deciding.

Backends: ``network`` speaks raw TCP (port 9100) over a plain socket, so that the kiosk knows
whether any byte left; ``usb``, ``serial`` and ``win32raw`` use python-escpos's device classes
(they need the ``usb``, ``serial`` or ``win32`` extra, see docs/printers.md); ``file`` writes to
a device path such as /dev/usb/lp0, or one file per receipt into a folder (the demo); ``none``
prints nothing.

A receipt is taken when ``write`` and then ``wait_taken`` return, as far as each backend can
tell (docs/printers.md, "What the kiosk can know about a receipt"):

- ``network``: the system takes a receipt into its socket buffer at once, whether or not the
  printer reads. On Linux ``wait_taken`` waits, within the timeout, until the printer's TCP has
  acknowledged every byte (``SIOCOUTQ`` is 0): the printer's input buffer, not the paper; the
  worker asks the status first, so that the answer brings the acknowledgement with it. Windows
  and macOS have no such question: there the status asked after the receipt is the check.
- ``usb``: a bulk transfer ends when the printer's endpoint took the bytes, or times out.
- ``serial``: the bytes are in the serial driver's buffer; nothing says the printer took them.
- ``win32raw``: the bytes are in the Windows spooler's job, which prints after the device
  closes; the spooler says nothing more.
- ``file``: a folder gets a whole file or none; a device file is written without blocking
  (POSIX) and then polled until it can take more, which for Linux's usblp driver means the
  printer took the last bytes, within the timeout.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import sys
import threading
import time
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


class PrinterNotReading(PrinterInterrupted):
    """The connection holds, but the printer did not take the whole receipt in time."""


class Device(Protocol):
    def write(self, data: bytes, name: str = "") -> None:
        """Send one receipt; ``name`` names its file when the printer is a folder."""
        ...

    def wait_taken(self) -> None:
        """Return once the printer has taken every byte of the last receipt, within the
        timeout that began with its write: :class:`PrinterNotReading` when it did not,
        :class:`PrinterInterrupted` when the connection broke meanwhile. At once where the
        device cannot say more than its write did."""
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
        return FileDevice(settings.path, name, settings.timeout)
    if settings.backend in ("usb", "serial", "win32raw"):
        return EscposDevice.open(settings, name)
    raise PrinterUnavailable("Receipts are switched off (printer backend: none).")


class NetworkDevice:
    """A raw TCP printer (JetDirect / port 9100)."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self.sock, self.timeout = sock, timeout
        self._deadline, self._size = 0.0, 0  # of the last receipt written

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
        """Hand one receipt to the connection, within the timeout. The system takes a few KB
        into its socket buffer at once, read or not: :meth:`wait_taken` says whether the
        printer took them."""
        deadline = self._deadline = time.monotonic() + self.timeout
        self._size = len(data)
        view, sent = memoryview(data), 0
        while sent < len(data):
            try:
                self.sock.settimeout(max(deadline - time.monotonic(), 0.001))
                sent += self.sock.send(view[sent:])
            except OSError as exc:
                if sent == 0:
                    raise PrinterUnavailable(f"The printer refused the receipt "
                                             f"({_why(exc)}).") from exc
                if isinstance(exc, TimeoutError):  # the socket's buffer is full and stays so
                    self._not_reading(len(data), sent - (_unacknowledged(self.sock) or 0))
                raise PrinterInterrupted(f"The printer connection broke after {sent} of "
                                         f"{len(data)} bytes ({_why(exc)}).") from exc

    def wait_taken(self) -> None:
        """Linux: until the printer's TCP has acknowledged every byte (SIOCOUTQ is 0). A
        printer that answers a status question after the receipt has acknowledged it with its
        answer; one that does not may hold its acknowledgement back a few hundred ms (delayed
        ACK). Windows and macOS cannot say: at once."""
        pause = 0.0005
        while True:
            left = _unacknowledged(self.sock)
            if not left:
                return
            now = time.monotonic()
            if now >= self._deadline or _broken(self.sock):
                break
            time.sleep(min(pause, self._deadline - now))
            pause = min(pause * 2, 0.02)
        taken = max(self._size - left, 0)
        if _broken(self.sock):
            raise PrinterInterrupted(f"The printer connection broke after {taken} of "
                                     f"{self._size} bytes.")
        self._not_reading(self._size, taken)

    def _not_reading(self, size: int, taken: int) -> None:
        raise PrinterNotReading(
            f"The printer took only {max(taken, 0)} of {size} bytes in {self.timeout:g} s: "
            "it is not reading. Part of it may have printed.")

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
        if _unacknowledged(self.sock):
            # Bytes the printer never took: reset the connection so that they are dropped,
            # instead of reaching a printer that wakes up after a person printed them again.
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.sock.close()
            return
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


if sys.platform == "linux":
    import fcntl
    import termios

    def _broken(sock: socket.socket) -> bool:
        """Whether the printer reset the connection or closed its end: nothing more goes."""
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        try:
            events = poller.poll(0)
            if any(event & (select.POLLERR | select.POLLHUP) for _, event in events):
                return True
            return bool(events) and sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _unacknowledged(sock: socket.socket) -> int | None:
        """Bytes in the socket's send queue that the peer has not acknowledged yet, sent or
        not (SIOCOUTQ, which is TIOCOUTQ on Linux); None when the socket cannot say."""
        try:
            reply = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
        except (OSError, ValueError):  # a closed socket
            return None
        return int(struct.unpack("i", reply)[0])

else:

    def _broken(sock: socket.socket) -> bool:
        return False  # only asked once _unacknowledged said something

    def _unacknowledged(sock: socket.socket) -> int | None:
        """Windows and macOS cannot say what the printer acknowledged (see the module doc)."""
        return None


class FileDevice:
    """A device file (/dev/usb/lp0, a printer share) or a folder with one file per receipt."""

    def __init__(self, target: str, name: str, timeout: float = 5.0) -> None:
        self.target, self.name, self.timeout = Path(target), name, timeout

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
        # A device: without blocking where the system allows it (POSIX), so that a printer
        # that stops taking bytes costs the timeout, not the worker forever.
        flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NONBLOCK", 0) | getattr(
            os, "O_BINARY", 0)
        try:
            fd = os.open(self.target, flags)
        except OSError as exc:
            raise PrinterUnavailable(f"Cannot open {self.target}: {_why(exc)}") from exc
        try:
            self._write_all(fd, data)
        finally:
            os.close(fd)

    def _write_all(self, fd: int, data: bytes) -> None:
        """Every byte, then (POSIX) until the device says it can take more: for the usblp
        driver, that the last bytes went to the printer. Within the timeout."""
        deadline = time.monotonic() + self.timeout
        poller = select.poll() if hasattr(select, "poll") else None
        if poller is not None:
            poller.register(fd, select.POLLOUT)
        view, sent = memoryview(data), 0
        while True:
            if sent < len(data):
                try:
                    sent += os.write(fd, view[sent:])
                    continue
                except BlockingIOError:
                    pass
                except OSError as exc:
                    if sent == 0:
                        raise PrinterUnavailable(f"{self.target} refused the receipt: "
                                                 f"{_why(exc)}") from exc
                    raise PrinterInterrupted(f"Writing to {self.target} failed after {sent} "
                                             f"of {len(data)} bytes: {_why(exc)}") from exc
            if poller is None:  # Windows: each write blocked until the system took it
                return
            left = deadline - time.monotonic()
            events = poller.poll(max(left, 0.0) * 1000)
            if any(event & (select.POLLERR | select.POLLHUP) for _, event in events):
                raise PrinterInterrupted(f"{self.target} went away after {sent} of "
                                         f"{len(data)} bytes.")
            if not events:
                raise PrinterNotReading(
                    f"{self.target} took only {sent} of {len(data)} bytes in "
                    f"{self.timeout:g} s: the printer is not reading. Part of it may have "
                    "printed.")
            if sent == len(data):
                return

    def wait_taken(self) -> None:
        pass  # the write returned once the device (or the folder) took the receipt

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

    def wait_taken(self) -> None:
        pass  # USB: the transfer ended when the printer took it; serial, Windows: cannot say

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
