"""What a thermal printer says about itself, read from its real-time status replies.

ESC/POS printers answer ``DLE EOT n`` with one status byte, whatever they are doing:

- ``n = 1`` printer status: bit 3 set means offline;
- ``n = 2`` offline cause: bit 2 cover open, bit 5 stopped at the end of the paper, bit 6 error;
- ``n = 4`` roll paper sensor: bits 2-3 paper near its end, bits 5-6 paper out.

Every genuine reply has bit 1 and bit 4 set and bits 0 and 7 clear (``byte & 0x93 == 0x12``).
A printer that does not answer in time, answers nothing, or answers something else has an
*unknown* status. python-escpos reads an empty reply as "plenty of paper"; this module never
guesses: unknown stays unknown, and the worker prints anyway (many cheap printers never answer)
but never holds the queue on a guess.

Pure functions of the reply bytes: no device, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

ASK_PRINTER: bytes = b"\x10\x04\x01"  # DLE EOT 1
ASK_OFFLINE_CAUSE: bytes = b"\x10\x04\x02"  # DLE EOT 2
ASK_PAPER: bytes = b"\x10\x04\x04"  # DLE EOT 4

_FIXED_MASK, _FIXED_BITS = 0x93, 0x12
_OFFLINE = 0x08
_COVER_OPEN, _PAPER_END_STOP, _ERROR = 0x04, 0x20, 0x40
_PAPER_NEAR_END, _PAPER_OUT = 0x0C, 0x60


class Level(Enum):
    GOOD = "good"
    WARN = "warn"
    BAD = "bad"


@dataclass(frozen=True)
class PrinterStatus:
    """One state of the printer: a code for logs and tests, words for people, and whether the
    queue must wait (printing now would only lose the receipt)."""

    code: str
    words: str
    holds_queue: bool
    level: Level


READY = PrinterStatus("ready", "ready", False, Level.GOOD)
PAPER_LOW = PrinterStatus("paper_low", "paper running low", False, Level.WARN)
UNKNOWN = PrinterStatus("unknown", "status unknown", False, Level.WARN)
PAPER_OUT = PrinterStatus("paper_out", "out of paper", True, Level.BAD)
COVER_OPEN = PrinterStatus("cover_open", "offline (cover open)", True, Level.BAD)
PRINTER_ERROR = PrinterStatus("error", "offline (printer error)", True, Level.BAD)
OFFLINE = PrinterStatus("offline", "offline", True, Level.BAD)
UNREACHABLE = PrinterStatus("unreachable", "offline (not reachable)", True, Level.BAD)
# it accepts the connection but does not take what it is sent (hung, or its buffer stays full)
NOT_READING = PrinterStatus("not_reading", "not taking receipts", True, Level.BAD)
OFF = PrinterStatus("off", "off (receipts are not printed)", True, Level.WARN)
NOT_CHECKED = PrinterStatus("not_checked", "not checked yet", False, Level.WARN)

ALL = (READY, PAPER_LOW, UNKNOWN, PAPER_OUT, COVER_OPEN, PRINTER_ERROR, OFFLINE, UNREACHABLE,
       NOT_READING, OFF, NOT_CHECKED)
BY_CODE = {status.code: status for status in ALL}


def status_byte(reply: bytes | None) -> int | None:
    """The status byte in a reply, or None when the reply is empty or not a status byte.

    A printer with Automatic Status Back on may send other bytes before it; the last byte of
    the reply is the answer to the question just asked."""
    if not reply:
        return None
    byte = reply[-1]
    return byte if byte & _FIXED_MASK == _FIXED_BITS else None


def decode(printer: bytes | None, cause: bytes | None = None,
           paper: bytes | None = None) -> PrinterStatus:
    """The printer's state from its replies to ``ASK_PRINTER``, ``ASK_OFFLINE_CAUSE`` and
    ``ASK_PAPER`` (None or b"" where it did not answer, or was not asked)."""
    online_byte = status_byte(printer)
    if online_byte is None:
        return UNKNOWN
    paper_byte = status_byte(paper)
    paper_out = paper_byte is not None and paper_byte & _PAPER_OUT == _PAPER_OUT
    if not online_byte & _OFFLINE:
        if paper_out:
            return PAPER_OUT
        if paper_byte is not None and paper_byte & _PAPER_NEAR_END == _PAPER_NEAR_END:
            return PAPER_LOW
        return READY
    cause_byte = status_byte(cause)
    if paper_out or (cause_byte is not None and cause_byte & _PAPER_END_STOP):
        return PAPER_OUT
    if cause_byte is not None and cause_byte & _COVER_OPEN:
        return COVER_OPEN
    if cause_byte is not None and cause_byte & _ERROR:
        return PRINTER_ERROR
    return OFFLINE


def needs_cause(printer: bytes | None) -> bool:
    """Whether the first reply says offline, so that the cause is worth asking for."""
    byte = status_byte(printer)
    return byte is not None and bool(byte & _OFFLINE)
