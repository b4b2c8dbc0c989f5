"""Transports: the only code that opens a printer device. Issue 4 adds network, usb, serial and
win32raw; here: ``file`` (a device path such as /dev/usb/lp0, or a folder for the demo) and
``none`` (record only)."""

from __future__ import annotations

import os
from pathlib import Path


class PrinterUnavailable(OSError):
    """The printer could not take the job; the job stays queued."""


def send(backend: str, target: str, name: str, data: bytes) -> None:
    if backend == "none":
        return
    if backend != "file":
        raise PrinterUnavailable(f"Printer backend {backend!r} is not available yet.")
    path = Path(target)
    try:
        if path.is_dir() or not path.exists() and not str(target).startswith("/dev/"):
            path.mkdir(parents=True, exist_ok=True)
            tmp = path / f".{name}.tmp"
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path / name)
        else:
            with open(path, "ab", buffering=0) as device:
                device.write(data)
    except OSError as exc:
        raise PrinterUnavailable(f"Cannot write to {target}: {exc.strerror or exc}") from exc
